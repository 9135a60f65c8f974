"""Extension points of the health package: check lists and notifiers as dotted paths.

Each entry is ``"package.module.Class"`` or ``["package.module.Class", {kwargs}]`` (the format
django-health-check's ``HealthCheckView.checks`` accepts), read from ``TOOLKIT`` at call time.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from toolkit.conf import get_config
from toolkit.options import Problem

CHECK_LISTS = ("live", "ready")


class HealthConfigError(Exception):
    """A check list or notifier entry that cannot be loaded (exit code 2 of run_health_checks)."""


def split_entry(entry: Any) -> tuple[str, dict[str, Any]]:
    """``"path"`` or ``[path, {kwargs}]`` -> ``(path, kwargs)``; ``ValueError`` on another shape."""
    if isinstance(entry, str) and entry:
        return entry, {}
    if (
        isinstance(entry, (list, tuple))
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], dict)
    ):
        return entry[0], dict(entry[1])
    raise ValueError(f"{entry!r} is neither a dotted path nor [path, {{kwargs}}]")


def load(entry: Any, setting: str) -> Any:
    """Import and instantiate one entry; ``HealthConfigError`` names the setting on failure."""
    try:
        path, kwargs = split_entry(entry)
        factory = import_string(path)
        return factory(**kwargs)
    except Exception as exc:  # any import or constructor error is a configuration mistake
        raise HealthConfigError(f'TOOLKIT["{setting}"]: cannot load {entry!r}: {exc}') from exc


def check_list(name: str) -> list[Any]:
    """The health check objects of one list (``"live"`` or ``"ready"``)."""
    lists = get_config()["HEALTH_CHECKS"]
    if not isinstance(lists, dict) or name not in lists:
        raise HealthConfigError(f'TOOLKIT["HEALTH_CHECKS"] has no {name!r} list.')
    return [load(entry, "HEALTH_CHECKS") for entry in lists[name]]


def notifiers() -> list[Any]:
    return [load(entry, "HEALTH_NOTIFIERS") for entry in get_config()["HEALTH_NOTIFIERS"]]


def extension_problems(config: Any) -> list[Problem]:
    """toolkit.E020 (wrong shape) and toolkit.E021 (an entry that cannot be imported)."""
    problems: list[Problem] = []
    lists = config["HEALTH_CHECKS"]
    entries: list[tuple[str, Any]] = []
    if not isinstance(lists, dict) or not all(
        isinstance(lists.get(name), (list, tuple)) for name in CHECK_LISTS
    ):
        problems.append(
            Problem(
                "toolkit.E020",
                'TOOLKIT["HEALTH_CHECKS"] must be a dict with "live" and "ready" lists.',
                hint='For example {"live": ["health_check.checks.Database"], "ready": [...]}.',
            )
        )
    else:
        entries += [("HEALTH_CHECKS", entry) for name in lists for entry in lists[name]]
    if isinstance(config["HEALTH_NOTIFIERS"], (list, tuple)):
        entries += [("HEALTH_NOTIFIERS", entry) for entry in config["HEALTH_NOTIFIERS"]]
    else:
        problems.append(Problem("toolkit.E020", 'TOOLKIT["HEALTH_NOTIFIERS"] must be a list.'))
    for setting, entry in entries:
        try:
            import_string(split_entry(entry)[0])
        except (ImportError, ValueError) as exc:
            problems.append(
                Problem(
                    "toolkit.E021",
                    f'TOOLKIT["{setting}"] entry {entry!r} cannot be loaded: {exc}.',
                    hint="Use a dotted path to a class, or [path, {kwargs}].",
                )
            )
    return problems
