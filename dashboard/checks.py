"""System checks for ``TOOLKIT["DASHBOARD"]`` (ids ``dashboard.E001``..., docs/configuration.md)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.utils.module_loading import import_string

from toolkit.conf import DEFAULTS, get_config

KEYS = set(DEFAULTS["DASHBOARD"])
METRIC_KEYS = set(DEFAULTS["DASHBOARD"]["METRICS"])
THRESHOLD_KEYS = set(DEFAULTS["DASHBOARD"]["THRESHOLDS"])
MIN_TOKEN_LENGTH = 24


def _error(id_: str, msg: str, hint: str | None = None) -> checks.Error:
    return checks.Error(msg, hint=hint, id=id_)


def check_dashboard(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    given = get_config().get("DASHBOARD")
    if given is None:
        return []
    if not isinstance(given, dict):
        return [_error("dashboard.E001", 'TOOLKIT["DASHBOARD"] must be a dict.')]
    from dashboard.conf import dashboard_config, redis_url

    problems: list[checks.CheckMessage] = []
    problems += _unknown_keys(given, KEYS, 'TOOLKIT["DASHBOARD"]', "dashboard.E001")
    config = dashboard_config()
    problems += _panels(config["PANELS"])
    problems += _metrics(given.get("METRICS"), config["METRICS"], redis_url())
    problems += _thresholds(given.get("THRESHOLDS"))
    refresh = config["REFRESH_SECONDS"]
    if not isinstance(refresh, int) or isinstance(refresh, bool) or refresh < 0:
        problems.append(
            _error(
                "dashboard.E005",
                'TOOLKIT["DASHBOARD"]["REFRESH_SECONDS"] must be an integer >= 0 (0 turns auto-refresh off).',
            )
        )
    for key in ("STATUS_TOKEN", "METRICS_TOKEN"):
        token = config[key]
        if not isinstance(token, str):
            problems.append(_error("dashboard.E005", f'TOOLKIT["DASHBOARD"]["{key}"] must be a string.'))
        elif token and len(token) < MIN_TOKEN_LENGTH:
            problems.append(
                checks.Warning(
                    f'TOOLKIT["DASHBOARD"]["{key}"] is shorter than {MIN_TOKEN_LENGTH} characters.',
                    hint="Use a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                    id="dashboard.W001",
                )
            )
    return problems


def _panels(paths: Any) -> list[checks.CheckMessage]:
    from dashboard.panels.base import Panel

    if not isinstance(paths, (list, tuple)) or not paths:
        return [
            _error(
                "dashboard.E002", 'TOOLKIT["DASHBOARD"]["PANELS"] must be a non-empty list of dotted paths.'
            )
        ]
    problems, slugs = [], set()
    for path in paths:
        try:
            panel = import_string(path) if isinstance(path, str) else None
        except ImportError as exc:
            problems.append(
                _error(
                    "dashboard.E002",
                    f'TOOLKIT["DASHBOARD"]["PANELS"] entry {path!r} cannot be imported: {exc}.',
                )
            )
            continue
        if not (isinstance(panel, type) and issubclass(panel, Panel)):
            problems.append(
                _error(
                    "dashboard.E002",
                    f'TOOLKIT["DASHBOARD"]["PANELS"] entry {path!r} is not a dashboard.panels.Panel subclass.',
                )
            )
            continue
        if panel.slug in slugs or not panel.slug:
            problems.append(
                _error("dashboard.E002", f"panel {path!r} has an empty or duplicate slug {panel.slug!r}.")
            )
        slugs.add(panel.slug)
    return problems


def _unknown_keys(given: dict[str, Any], valid: set[str], where: str, code: str) -> list[checks.CheckMessage]:
    unknown = sorted(set(given) - valid)
    if not unknown:
        return []
    return [
        _error(
            code,
            f"{where} has unknown key(s) {', '.join(unknown)}.",
            f"Valid keys: {', '.join(sorted(valid))}.",
        )
    ]


def _metrics(given: Any, metrics: dict[str, Any], url: str) -> list[checks.CheckMessage]:
    if given is not None and not isinstance(given, dict):
        return [_error("dashboard.E003", 'TOOLKIT["DASHBOARD"]["METRICS"] must be a dict.')]
    problems = []
    problems += _unknown_keys(given or {}, METRIC_KEYS, 'TOOLKIT["DASHBOARD"]["METRICS"]', "dashboard.E003")
    if metrics["backend"] not in ("auto", "redis", "database"):
        problems.append(
            _error(
                "dashboard.E003",
                'TOOLKIT["DASHBOARD"]["METRICS"]["backend"] must be "auto", "redis" or "database".',
            )
        )
    elif metrics["backend"] == "redis" and not url:
        problems.append(
            _error(
                "dashboard.E003",
                "the redis metrics backend needs a Redis URL.",
                'Set REDIS_URL or TOOLKIT["DASHBOARD"]["METRICS"]["redis_url"], or use "auto".',
            )
        )
    for key in ("max_operation_names", "retention_days", "slowest_kept"):
        value = metrics[key]
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < (0 if key == "slowest_kept" else 1)
        ):
            problems.append(
                _error(
                    "dashboard.E003", f'TOOLKIT["DASHBOARD"]["METRICS"]["{key}"] must be a positive integer.'
                )
            )
    flush = metrics["flush_seconds"]
    if flush is not None and (not isinstance(flush, (int, float)) or isinstance(flush, bool) or flush < 0):
        problems.append(
            _error(
                "dashboard.E003",
                'TOOLKIT["DASHBOARD"]["METRICS"]["flush_seconds"] must be None or a number >= 0.',
            )
        )
    return problems


def _thresholds(given: Any) -> list[checks.CheckMessage]:
    if given is None:
        return []
    if not isinstance(given, dict):
        return [_error("dashboard.E004", 'TOOLKIT["DASHBOARD"]["THRESHOLDS"] must be a dict.')]
    problems = []
    for key, value in given.items():
        if key not in THRESHOLD_KEYS:
            problems.append(
                _error(
                    "dashboard.E004",
                    f'TOOLKIT["DASHBOARD"]["THRESHOLDS"] has an unknown key {key!r}.',
                    "Valid keys: " + ", ".join(sorted(THRESHOLD_KEYS)) + ".",
                )
            )
        elif not (
            isinstance(value, (list, tuple))
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]
        ):
            problems.append(
                _error(
                    "dashboard.E004",
                    f'TOOLKIT["DASHBOARD"]["THRESHOLDS"]["{key}"] must be [warning, error] numbers, warning <= error.',
                )
            )
    return problems
