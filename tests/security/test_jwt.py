"""JSON Web Tokens: tokenAuth, refreshToken (rotation), revokeToken, me, and every way a token is
refused — always HTTP 401 UNAUTHENTICATED, never a silent fallback to anonymous."""

from __future__ import annotations

import base64
import datetime
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.test import Client, override_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from demo.models import Tag
from tests.conftest import GraphQLClient
from toolkit.security.tokens import PASSWORD_CLAIM, password_fingerprint

URL = "/graphql/"
PASSWORD = "correct horse battery staple"
ME = "{ me { id username isStaff isSuperuser permissions } }"
TOKEN_AUTH = """
mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    ok access refresh user { id username } errors { field code messages }
  }
}"""
REFRESH = """
mutation($refresh: String!) {
  refreshToken(refresh: $refresh) { ok access refresh user { username } errors { field code messages } }
}"""
REVOKE = (
    "mutation($refresh: String!) { revokeToken(refresh: $refresh) { ok errors { field code messages } } }"
)


@pytest.fixture(autouse=True)
def fresh_login_counters():
    """Failed-login counters live in the cache: start every test without any."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user("jwt-member", "member@example.com", PASSWORD)


def bearer(token: str) -> GraphQLClient:
    """A client that sends ``Authorization: Bearer <token>`` (and no session)."""
    return GraphQLClient(Client(HTTP_AUTHORIZATION=f"Bearer {token}"))


def raw_post(query: str, variables=None, **headers):
    payload = {"query": query, **({"variables": variables} if variables is not None else {})}
    return Client().post(URL, json.dumps(payload), content_type="application/json", **headers)


def login(gql, username: str = "jwt-member", password: str = PASSWORD) -> dict:
    return gql(TOKEN_AUTH, {"username": username, "password": password})["tokenAuth"]


def assert_unauthenticated(response) -> None:
    """A present but unusable token: 401, UNAUTHENTICATED, no data at all."""
    assert response.status_code == 401, response.content
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], body
    assert "data" not in body
    assert response["WWW-Authenticate"].startswith("Bearer")


def me_with_header(header: str):
    return raw_post(ME, HTTP_AUTHORIZATION=header)


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def sign(payload: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


# -- the happy path ---------------------------------------------------------------------------------


def test_token_auth__returns_an_access_and_a_refresh_token_for_the_user(gql, member):
    result = login(gql)
    assert result["ok"] is True and result["errors"] == []
    assert result["user"] == {"id": str(member.pk), "username": "jwt-member"}
    access, refresh = claims(result["access"]), claims(result["refresh"])
    assert access["token_type"] == "access" and refresh["token_type"] == "refresh"
    assert access["user_id"] == refresh["user_id"] == str(member.pk)
    assert claims(result["access"])["exp"] - claims(result["access"])["iat"] == int(
        settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    )
    assert jwt.get_unverified_header(result["access"])["alg"] == "HS256"


def test_me__is_the_bearer_of_the_access_token(gql, member):
    member.user_permissions.add(Permission.objects.get(codename="add_tag", content_type__app_label="demo"))
    data = bearer(login(gql)["access"])(ME)
    assert data == {
        "me": {
            "id": str(member.pk),
            "username": "jwt-member",
            "isStaff": False,
            "isSuperuser": False,
            "permissions": ["demo.add_tag"],
        }
    }


def test_me__is_null_when_anonymous(gql):
    assert gql(ME) == {"me": None}


def test_access_token__authorizes_mutations_without_a_session_or_csrf(gql, member):
    """A token-authenticated client needs no cookie and no CSRF token to write."""
    member.user_permissions.add(Permission.objects.get(codename="add_tag", content_type__app_label="demo"))
    client = bearer(login(gql)["access"])
    data = client('mutation { createTag(input: {name: "jwt", slug: "jwt"}) { ok tag { slug } } }')
    assert data == {"createTag": {"ok": True, "tag": {"slug": "jwt"}}}
    assert Tag.objects.filter(slug="jwt").exists()


def test_wrong_password_and_unknown_user__get_the_same_answer(gql, member):
    """Nothing tells whether the username exists."""
    wrong = gql(TOKEN_AUTH, {"username": "jwt-member", "password": "nope"})["tokenAuth"]
    unknown = gql(TOKEN_AUTH, {"username": "nobody-here", "password": "nope"})["tokenAuth"]
    assert wrong == unknown
    assert wrong["ok"] is False and wrong["access"] is None and wrong["refresh"] is None
    assert wrong["user"] is None
    assert [e["code"] for e in wrong["errors"]] == ["invalid_login"]


def test_inactive_user__cannot_log_in(gql, member):
    member.is_active = False
    member.save()
    result = gql(TOKEN_AUTH, {"username": "jwt-member", "password": PASSWORD})["tokenAuth"]
    assert result["ok"] is False and result["access"] is None
    assert [e["code"] for e in result["errors"]] == ["invalid_login"]


def test_failed_logins__are_throttled_per_username(gql, member):
    limits = {"per_username": 3, "per_ip": 100, "window_seconds": 300}
    with override_settings(TOOLKIT={**settings.TOOLKIT, "LOGIN_RATE_LIMIT": limits}):
        for _ in range(3):
            assert login(gql, password="wrong")["ok"] is False
        result = gql.post(TOKEN_AUTH, {"username": "jwt-member", "password": PASSWORD})
        assert "RATE_LIMITED" in result.codes, result.body
        assert not (result.data or {}).get("tokenAuth"), "no token while throttled"


def test_login_audit_lines__never_contain_the_password_or_tokens(gql, member, caplog):
    with caplog.at_level(logging.INFO, logger="toolkit.audit"):
        login(gql, password="hunter2-wrong")
        result = login(gql)
        GraphQLClient(Client())(REFRESH, {"refresh": result["refresh"]})
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "toolkit.audit")
    assert "login_failed" in text and "login_ok" in text
    for secret in ("hunter2-wrong", PASSWORD, result["access"], result["refresh"]):
        assert secret not in text


# -- refresh, rotation, revocation -------------------------------------------------------------------


def test_refresh_token__rotates_and_blacklists_the_used_one(gql, member):
    first = login(gql)
    rotated = gql(REFRESH, {"refresh": first["refresh"]})["refreshToken"]
    assert rotated["ok"] is True and rotated["user"] == {"username": "jwt-member"}
    assert rotated["refresh"] != first["refresh"] and rotated["access"] != first["access"]
    assert bearer(rotated["access"])(ME)["me"]["username"] == "jwt-member"
    used = OutstandingToken.objects.get(jti=claims(first["refresh"])["jti"])
    assert BlacklistedToken.objects.filter(token=used).exists()

    again = gql(REFRESH, {"refresh": first["refresh"]})["refreshToken"]
    assert again["ok"] is False and again["access"] is None and again["refresh"] is None
    assert [e["code"] for e in again["errors"]] == ["invalid_token"]
    # The new refresh token still works (and rotates in turn).
    assert gql(REFRESH, {"refresh": rotated["refresh"]})["refreshToken"]["ok"] is True


def test_revoke_token__blacklists_the_refresh_token(gql, member):
    tokens = login(gql)
    assert gql(REVOKE, {"refresh": tokens["refresh"]}) == {"revokeToken": {"ok": True, "errors": []}}
    refused = gql(REFRESH, {"refresh": tokens["refresh"]})["refreshToken"]
    assert refused["ok"] is False and [e["code"] for e in refused["errors"]] == ["invalid_token"]
    again = gql(REVOKE, {"refresh": tokens["refresh"]})["revokeToken"]
    assert again["ok"] is False and [e["code"] for e in again["errors"]] == ["invalid_token"]


def test_access_token__is_not_accepted_as_a_refresh_token(gql, member):
    tokens = login(gql)
    refused = gql(REFRESH, {"refresh": tokens["access"]})["refreshToken"]
    assert refused["ok"] is False and refused["access"] is None
    assert gql(REVOKE, {"refresh": tokens["access"]})["revokeToken"]["ok"] is False


def test_garbage_refresh_token__is_an_error_in_the_payload_not_a_crash(gql):
    for value in ("", "garbage", "a.b.c"):
        result = gql(REFRESH, {"refresh": value})["refreshToken"]
        assert result["ok"] is False and [e["code"] for e in result["errors"]] == ["invalid_token"]


# -- refused access tokens: 401, never anonymous -----------------------------------------------------


def test_refresh_token_used_as_an_access_token__is_401(gql, member):
    assert_unauthenticated(me_with_header(f"Bearer {login(gql)['refresh']}"))


def test_token_issued_before_a_password_change__is_refused(gql, member):
    tokens = login(gql)
    member.set_password("a brand new passphrase")
    member.save()
    assert_unauthenticated(me_with_header(f"Bearer {tokens['access']}"))
    refused = gql(REFRESH, {"refresh": tokens["refresh"]})["refreshToken"]
    assert refused["ok"] is False and [e["code"] for e in refused["errors"]] == ["invalid_token"]
    # A login with the new password works.
    fresh = login(gql, password="a brand new passphrase")
    assert bearer(fresh["access"])(ME)["me"]["username"] == "jwt-member"


def test_token_of_a_deactivated_user__is_refused(gql, member):
    tokens = login(gql)
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert_unauthenticated(me_with_header(f"Bearer {tokens['access']}"))
    assert gql(REFRESH, {"refresh": tokens["refresh"]})["refreshToken"]["ok"] is False


def test_token_of_a_deleted_user__is_refused(gql, member):
    tokens = login(gql)
    get_user_model().objects.filter(pk=member.pk).delete()
    assert_unauthenticated(me_with_header(f"Bearer {tokens['access']}"))


def test_alg_none__is_refused(gql, member):
    payload = claims(login(gql)["access"])
    unsigned = jwt.encode(payload, None, algorithm="none")
    assert unsigned.endswith(".")  # header.payload. with no signature
    assert_unauthenticated(me_with_header(f"Bearer {unsigned}"))
    # The same with the signature of the genuine token pasted on: still refused.
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    genuine = login(gql)["access"]
    forged = ".".join([header.decode(), *genuine.split(".")[1:]])
    assert_unauthenticated(me_with_header(f"Bearer {forged}"))


def test_other_algorithms_with_the_right_key__are_refused(gql, member):
    """HS256 only: an HS512 token signed with the real key is still refused."""
    payload = claims(login(gql)["access"])
    assert_unauthenticated(me_with_header(f"Bearer {sign(payload, algorithm='HS512')}"))


def test_tampered_signature__is_refused(gql, member):
    header, payload, signature = login(gql)["access"].split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert_unauthenticated(me_with_header(f"Bearer {header}.{payload}.{flipped}"))


def test_tampered_payload__is_refused(gql, member, admin_user):
    """Changing the user id in the payload breaks the signature."""
    header, payload, signature = login(gql)["access"].split(".")
    changed = {**claims(f"{header}.{payload}.{signature}"), "user_id": str(admin_user.pk)}
    body = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    assert_unauthenticated(me_with_header(f"Bearer {header}.{body}.{signature}"))


def test_token_signed_with_another_key__is_refused(gql, member):
    """Claims that would be valid (even the password fingerprint) but another signing key."""
    payload = claims(login(gql)["access"])
    assert_unauthenticated(me_with_header(f"Bearer {sign(payload, key='x' * 64)}"))


def test_expired_access_token__is_401(gql, member):
    payload = claims(login(gql)["access"])
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    expired = sign({**payload, "iat": now - 3600, "exp": now - 60})
    assert_unauthenticated(me_with_header(f"Bearer {expired}"))
    # The same claims, not expired, are accepted: only the expiry made the difference.
    assert bearer(sign({**payload, "exp": now + 60}))(ME)["me"]["username"] == "jwt-member"


def test_expired_refresh_token__is_refused(gql, member):
    payload = claims(login(gql)["refresh"])
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    result = gql(REFRESH, {"refresh": sign({**payload, "exp": now - 60})})["refreshToken"]
    assert result["ok"] is False and [e["code"] for e in result["errors"]] == ["invalid_token"]


def test_token_without_the_password_claim__is_refused(gql, member):
    payload = claims(login(gql)["access"])
    del payload[PASSWORD_CLAIM]
    assert_unauthenticated(me_with_header(f"Bearer {sign(payload)}"))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Token abc.def.ghi",
        "Basic dXNlcjpwYXNzd29yZA==",
        "JWT abc.def.ghi",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer abc.def",
    ],
)
def test_malformed_or_unknown_scheme_header__is_401(db, header):
    assert_unauthenticated(me_with_header(header))


def test_lowercase_bearer_scheme__is_never_served_as_anonymous(gql, member):
    """Schemes are case-insensitive in HTTP (RFC 7235): ``bearer <token>`` may be accepted as the
    token's user or refused with 401, but it must never run as an anonymous caller."""
    response = me_with_header(f"bearer {login(gql)['access']}")
    if response.status_code == 401:
        assert_unauthenticated(response)
    else:
        assert response.json() == {"data": {"me": {**bearer(login(gql)["access"])(ME)["me"]}}}


def test_invalid_token__never_falls_back_to_the_session(gql, member):
    """A logged-in browser session plus a bad token is refused, not served as the session user."""
    client = Client()
    client.force_login(member)
    payload = json.dumps({"query": ME})
    assert client.post(URL, payload, content_type="application/json").json()["data"]["me"]
    response = client.post(URL, payload, content_type="application/json", HTTP_AUTHORIZATION="Bearer bad")
    assert_unauthenticated(response)


def test_invalid_token__refuses_mutations_before_anything_is_written(gql, member, admin_user):
    before = Tag.objects.count()
    response = raw_post(
        'mutation { createTag(input: {name: "x", slug: "x"}) { ok } }', HTTP_AUTHORIZATION="Bearer bad"
    )
    assert_unauthenticated(response)
    assert Tag.objects.count() == before


def test_invalid_token_on_get__is_401_too(gql, member):
    response = Client().get(URL, {"query": ME}, HTTP_AUTHORIZATION="Bearer nonsense")
    assert_unauthenticated(response)


# -- the signing key ------------------------------------------------------------------------------


def test_signing_key__is_separate_from_secret_key():
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    assert key == settings.JWT_SIGNING_KEY
    assert key and key != settings.SECRET_KEY and settings.SECRET_KEY not in key
    assert settings.SIMPLE_JWT["ALGORITHM"] == "HS256"
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] and settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]


def test_another_signing_key_in_the_settings__invalidates_every_token(gql, member):
    tokens = login(gql)
    other = {**settings.SIMPLE_JWT, "SIGNING_KEY": "k" * 64}
    with override_settings(SIMPLE_JWT=other):
        assert_unauthenticated(me_with_header(f"Bearer {tokens['access']}"))
        assert gql(REFRESH, {"refresh": tokens["refresh"]})["refreshToken"]["ok"] is False
    assert bearer(tokens["access"])(ME)["me"]["username"] == "jwt-member"


def test_signatures__are_checked_with_the_key_in_the_settings(gql, member):
    """After the key changes, a token signed with the new key is accepted and one signed with the
    old key refused (whatever its claims), without restarting the process."""
    tokens = login(gql)
    other = {**settings.SIMPLE_JWT, "SIGNING_KEY": "k" * 64}
    with override_settings(SIMPLE_JWT=other):
        payload = {**claims(tokens["access"]), PASSWORD_CLAIM: password_fingerprint(member)}
        assert_unauthenticated(me_with_header(f"Bearer {sign(payload, key=settings.JWT_SIGNING_KEY)}"))
        assert bearer(sign(payload, key="k" * 64))(ME)["me"]["username"] == "jwt-member"


def test_changing_secret_key_alone__keeps_tokens_valid(gql, member):
    """SECRET_KEY can be rotated without logging everyone out of the API (and vice versa)."""
    tokens = login(gql)
    with override_settings(SECRET_KEY="another-secret-key-" + "z" * 50):
        assert bearer(tokens["access"])(ME)["me"]["username"] == "jwt-member"
        assert gql(REFRESH, {"refresh": tokens["refresh"]})["refreshToken"]["ok"] is True


SETTINGS_PROBE = """
import importlib, json, os, sys
os.environ.pop("JWT_SIGNING_KEY", None)
result = {}
for name, env in [
    ("derived", {"SECRET_KEY": "a" * 60}),
    ("derived_other_secret", {"SECRET_KEY": "b" * 60}),
    ("explicit", {"SECRET_KEY": "a" * 60, "JWT_SIGNING_KEY": "j" * 64}),
    ("explicit_other_secret", {"SECRET_KEY": "b" * 60, "JWT_SIGNING_KEY": "j" * 64}),
]:
    os.environ.pop("JWT_SIGNING_KEY", None)
    os.environ.update(env)
    sys.modules.pop("settings.base", None)
    base = importlib.import_module("settings.base")
    result[name] = [base.SIMPLE_JWT["SIGNING_KEY"], base.SECRET_KEY]
print(json.dumps(result))
"""


def test_jwt_signing_key_setting__comes_from_the_environment_or_is_derived():
    """``JWT_SIGNING_KEY`` wins and does not change with SECRET_KEY; without it, a key derived from
    SECRET_KEY (never SECRET_KEY itself), so rotating SECRET_KEY then also rotates the tokens."""
    root = Path(settings.BASE_DIR)
    env = {k: v for k, v in os.environ.items() if k not in ("JWT_SIGNING_KEY", "SECRET_KEY")}
    env["PYTHONPATH"] = str(root)
    output = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout
    keys = json.loads(output.strip().splitlines()[-1])
    assert keys["explicit"][0] == keys["explicit_other_secret"][0] == "j" * 64
    assert keys["derived"][0] != keys["derived"][1]  # not SECRET_KEY itself
    assert keys["derived"][0] != keys["derived_other_secret"][0]
    assert len(keys["derived"][0]) >= 32
