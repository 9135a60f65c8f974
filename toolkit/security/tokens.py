"""JSON Web Tokens with djangorestframework-simplejwt's token classes.

Access and refresh tokens are signed with ``SIMPLE_JWT["SIGNING_KEY"]`` (``JWT_SIGNING_KEY``,
separate from ``SECRET_KEY``), HS256 only (``alg: none`` and other algorithms are refused by
PyJWT). Refresh tokens rotate and the used one is blacklisted. Every token carries a fingerprint
of the user's password hash, so changing the password invalidates the tokens issued before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt import settings as jwt_settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from toolkit.exceptions import Unauthenticated

PASSWORD_CLAIM = "pwd"


class InvalidToken(Unauthenticated):
    """A token that is malformed, expired, revoked, of the wrong type, or outdated."""


def password_fingerprint(user: Any) -> str:
    """Changes whenever the password does (like Django's session auth hash)."""
    return salted_hmac(
        "toolkit.security.tokens.password",
        user.password or "",
        secret=settings.SIMPLE_JWT["SIGNING_KEY"],
        algorithm="sha256",
    ).hexdigest()[:32]


def current_backend() -> TokenBackend:
    """simplejwt's backend builds once at import; this one follows the settings as they are now
    (a rotated ``JWT_SIGNING_KEY`` or ``override_settings`` takes effect at once)."""
    jwt = jwt_settings.api_settings  # re-read: simplejwt rebinds it when SIMPLE_JWT changes
    return TokenBackend(
        jwt.ALGORITHM,
        jwt.SIGNING_KEY,
        jwt.VERIFYING_KEY,
        jwt.AUDIENCE,
        jwt.ISSUER,
        jwt.JWK_URL,
        jwt.LEEWAY,
        jwt.JSON_ENCODER,
    )


class ToolkitAccessToken(AccessToken):
    def get_token_backend(self) -> TokenBackend:
        return current_backend()


class ToolkitRefreshToken(RefreshToken):
    access_token_class = ToolkitAccessToken

    def get_token_backend(self) -> TokenBackend:
        return current_backend()

    @classmethod
    def for_user(cls, user: Any) -> ToolkitRefreshToken:
        token = super().for_user(user)
        token[PASSWORD_CLAIM] = password_fingerprint(user)
        return token


def issue(user: Any) -> tuple[str, str]:
    """(access, refresh) for ``user``; the access token inherits the password claim."""
    refresh = ToolkitRefreshToken.for_user(user)
    return str(refresh.access_token), str(refresh)


def _user_of(token: Any) -> Any:
    user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise InvalidToken("The token's user is unknown or inactive.")
    if not constant_time_compare(str(token.get(PASSWORD_CLAIM, "")), password_fingerprint(user)):
        raise InvalidToken("The token was issued before the password changed; log in again.")
    return user


def user_for_access_token(raw: str) -> Any:
    """The user an access token stands for; raises InvalidToken (never falls back to anonymous)."""
    try:
        token = ToolkitAccessToken(raw)  # signature, expiry and token_type == "access"
    except TokenError as exc:
        raise InvalidToken(f"Invalid or expired token: {exc}.") from None
    return _user_of(token)


def refresh(raw: str) -> tuple[Any, str, str]:
    """(user, access, refresh): a new pair for a valid refresh token, which is blacklisted."""
    try:
        token = ToolkitRefreshToken(raw)  # signature, expiry, type, and not blacklisted
    except TokenError as exc:
        raise InvalidToken(f"Invalid refresh token: {exc}.") from None
    user = _user_of(token)
    token.blacklist()
    access, new_refresh = issue(user)
    return user, access, new_refresh


def revoke(raw: str) -> Any:
    """Blacklist a refresh token; returns its user."""
    try:
        token = ToolkitRefreshToken(raw)
    except TokenError as exc:
        raise InvalidToken(f"Invalid refresh token: {exc}.") from None
    user = _user_of(token)
    token.blacklist()
    return user


def bearer_token(request: Any) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; InvalidToken for another scheme."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme not in settings.SIMPLE_JWT.get("AUTH_HEADER_TYPES", ("Bearer",)) or not token.strip():
        raise InvalidToken("The Authorization header must be 'Bearer <token>'.")
    return token.strip()
