"""Read policies, row scoping and field visibility: the one place that decides what a user sees.

Every path to a model's rows — root lists and lookups, nested relations, counts, aggregates and
groups, filters that traverse relations, mutation lookups — starts from :func:`scoped`, so no path
returns a row another path hides. A model the user may not read scopes to no rows at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_permission_codename
from django.db import models
from django.utils.module_loading import import_string

from toolkit.conf import get_config

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec

BUILTIN_POLICIES = ("public", "authenticated", "staff", "superuser", "view")
READ, CHANGE, DELETE = "read", "change", "delete"


class PolicyError(ValueError):
    """A policy setting that names nothing usable (reported by the system checks)."""


def resolve_callable(value: Any, what: str) -> Callable[..., Any]:
    if callable(value):
        return value
    if isinstance(value, str):
        try:
            return _import(value)
        except ImportError as exc:
            raise PolicyError(f"{what}: cannot import {value!r} ({exc}).") from None
    raise PolicyError(f"{what}: expected a callable or a dotted path, got {value!r}.")


@lru_cache(maxsize=256)
def _import(path: str) -> Callable[..., Any]:
    return import_string(path)


def check_policy(policy: Any, what: str) -> None:
    """Raise PolicyError unless ``policy`` is usable."""
    if policy is None or policy in BUILTIN_POLICIES:
        return
    if isinstance(policy, str) and policy.startswith("perm:"):
        if "." not in policy[5:]:
            raise PolicyError(f"{what}: 'perm:' needs 'app_label.codename', got {policy!r}.")
        return
    resolve_callable(policy, what)


def allows(policy: Any, user: Any, model: type[models.Model]) -> bool:
    """Whether ``policy`` lets ``user`` read rows of ``model``."""
    if policy is None or policy == "public":
        return True
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    if policy == "authenticated":
        return True
    if policy == "staff":
        return bool(user.is_staff)
    if policy == "superuser":
        return bool(user.is_superuser)
    if policy == "view":
        opts = model._meta
        return user.has_perm(f"{opts.app_label}.{get_permission_codename('view', opts)}")
    if isinstance(policy, str) and policy.startswith("perm:"):
        return user.has_perm(policy[5:])
    return bool(resolve_callable(policy, "policy")(user, model))


def can_read(spec: ModelSpec, user: Any) -> bool:
    policy = (
        spec.options.read_policy
        if spec.options.read_policy is not None
        else get_config()["DEFAULT_READ_POLICY"]
    )
    return allows(policy, user, spec.model)


def is_restricted(spec: ModelSpec) -> bool:
    """Whether some users may see fewer rows than the table holds (policy or scope)."""
    policy = (
        spec.options.read_policy
        if spec.options.read_policy is not None
        else get_config()["DEFAULT_READ_POLICY"]
    )
    return policy != "public" or spec.options.scope is not None


def scoped(spec: ModelSpec, queryset: models.QuerySet, user: Any, action: str = READ) -> models.QuerySet:
    """``queryset`` narrowed to the rows ``user`` may reach for ``action``."""
    if not can_read(spec, user):
        return queryset.none()
    if spec.options.scope is not None:
        queryset = resolve_callable(spec.options.scope, f"{spec.label} scope")(queryset, user, action)
    return queryset


# -- fields ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRule:
    policy: Any
    mask: Any = None

    def applies_to(self, user: Any, model: type[models.Model]) -> bool:
        """True when ``user`` may see the real value."""
        return allows(self.policy, user, model)

    def hidden_value(self, value: Any) -> Any:
        """What a user without access gets: the masked value, or null."""
        if self.mask is None or value is None:
            return None
        masker = MASKS.get(self.mask) if isinstance(self.mask, str) and self.mask in MASKS else None
        return (masker or resolve_callable(self.mask, "mask"))(value)


def field_rule(spec: ModelSpec, name: str) -> FieldRule | None:
    value = spec.options.field_policies.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        return FieldRule(value.get("policy", "staff"), value.get("mask"))
    return FieldRule(value)


def can_see_field(spec: ModelSpec, name: str, user: Any) -> bool:
    rule = field_rule(spec, name)
    return rule is None or rule.applies_to(user, spec.model)


def mask_email(value: str) -> str:
    local, _, domain = str(value).partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_last4(value: Any) -> str:
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:]


MASKS: dict[str, Callable[[Any], Any]] = {
    "email": mask_email,
    "last4": mask_last4,
    "redact": lambda value: "[hidden]",
}
