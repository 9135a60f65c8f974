"""``tokenAuth``, ``refreshToken``, ``revokeToken`` and ``me``.

Failed logins are counted per username and per IP and throttled (``RATE_LIMITED``); every auth
event goes to the audit log (tokens and passwords redacted).
"""

from __future__ import annotations

from typing import Any

import graphene
from django.contrib.auth import authenticate

from toolkit.mutations.errors import ALL, ErrorList
from toolkit.mutations.payloads import error_list
from toolkit.security import audit, ratelimit, tokens
from toolkit.security.context import current_user

INVALID_LOGIN = "Please enter a correct username and password."


class Viewer(graphene.ObjectType):
    """The logged-in user."""

    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True)
    is_superuser = graphene.Boolean(required=True)
    permissions = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))

    @staticmethod
    def resolve_username(user: Any, info: Any) -> str:
        return user.get_username()

    @staticmethod
    def resolve_permissions(user: Any, info: Any) -> list[str]:
        return sorted(user.get_all_permissions())


class TokenAuthPayload(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    access = graphene.String(description="Send as 'Authorization: Bearer <access>'.")
    refresh = graphene.String(description="Exchange for a new pair with refreshToken.")
    user = graphene.Field(Viewer)
    errors = error_list()


class RevokeTokenPayload(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    errors = error_list()


def _failure(message: str, code: str) -> dict[str, Any]:
    errors = ErrorList()
    errors.add(ALL, message, code)
    return {"ok": False, "access": None, "refresh": None, "user": None, "errors": errors.items}


def resolve_token_auth(root: Any, info: Any, username: str, password: str) -> dict[str, Any]:
    request = info.context
    ratelimit.check_login(request, username)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        ratelimit.record_login_failure(request, username)
        audit.record("login_failed", user=None, attempted_username=username, ip=ratelimit.client_ip(request))
        return _failure(INVALID_LOGIN, "invalid_login")
    ratelimit.reset_login(username)
    access, refresh = tokens.issue(user)
    audit.record("login_ok", user=user, ip=ratelimit.client_ip(request))
    return {"ok": True, "access": access, "refresh": refresh, "user": user, "errors": []}


def resolve_refresh(root: Any, info: Any, refresh: str) -> dict[str, Any]:
    try:
        user, access, new_refresh = tokens.refresh(refresh)
    except tokens.InvalidToken as exc:
        audit.record("refresh_failed", user=None, reason=exc.message)
        return _failure(exc.message, "invalid_token")
    audit.record("token_refreshed", user=user)
    return {"ok": True, "access": access, "refresh": new_refresh, "user": user, "errors": []}


def resolve_revoke(root: Any, info: Any, refresh: str) -> dict[str, Any]:
    try:
        user = tokens.revoke(refresh)
    except tokens.InvalidToken as exc:
        return {"ok": False, "errors": _failure(exc.message, "invalid_token")["errors"]}
    audit.record("token_revoked", user=user)
    return {"ok": True, "errors": []}


def query_fields() -> dict[str, graphene.Field]:
    def resolve_me(root: Any, info: Any) -> Any:
        user = current_user()
        return user if user.is_authenticated else None

    return {"me": graphene.Field(Viewer, resolver=resolve_me, description="The caller; null when anonymous.")}


def mutation_fields() -> dict[str, graphene.Field]:
    return {
        "token_auth": graphene.Field(
            graphene.NonNull(TokenAuthPayload),
            username=graphene.String(required=True),
            password=graphene.String(required=True),
            resolver=resolve_token_auth,
            description="Log in: an access token (short-lived) and a refresh token.",
        ),
        "refresh_token": graphene.Field(
            graphene.NonNull(TokenAuthPayload),
            refresh=graphene.String(required=True),
            resolver=resolve_refresh,
            description="A new access and refresh token; the refresh token given is revoked.",
        ),
        "revoke_token": graphene.Field(
            graphene.NonNull(RevokeTokenPayload),
            refresh=graphene.String(required=True),
            resolver=resolve_revoke,
            description="Log out: revoke a refresh token.",
        ),
    }
