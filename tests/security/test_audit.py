"""The audit log (issue 4, point 7): every mutation and auth event as a JSON log line (logger
``toolkit.audit``) and an ``AuditEvent`` row, secrets redacted, rows kept when the mutation's
transaction is rolled back (failed and dry-run mutations), queryable, pruned after the retention.

Login events run against the real Redis (the login counters), like tests/security/test_ratelimit.py.
"""

from __future__ import annotations

import datetime
import json
import logging

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from demo.models import Tag
from tests.security.test_ratelimit import (  # noqa: F401 (the fixtures clock, member, redis_cache)
    PASSWORD,
    Http,
    clock,
    logged_in,
    member,
    redis_cache,
    token_auth,
    toolkit,
)
from toolkit.models import AuditEvent
from toolkit.mutations.execution import MutationExecutionContext
from toolkit.schema import get_schema
from toolkit.security import audit
from toolkit.security.audit import REDACTED, redact

pytestmark = pytest.mark.django_db
#: Login events need the login counters: a Redis cache of the test's own and a pinned clock.
logins = pytest.mark.usefixtures("member", "redis_cache", "clock")

CREATE_TAG = """mutation($name: String!, $slug: String!, $dryRun: Boolean) {
  createTag(input: {name: $name, slug: $slug}, dryRun: $dryRun) { ok tag { id } errors { field code } }
}"""
REFRESH = (
    "mutation($refresh: String!) { refreshToken(refresh: $refresh) { ok access refresh errors { code } } }"
)
REVOKE = "mutation($refresh: String!) { revokeToken(refresh: $refresh) { ok errors { code } } }"
ME = "{ me { username } }"


@pytest.fixture
def lines(caplog):
    """The ``toolkit.audit`` log lines of the test, parsed."""
    caplog.set_level(logging.INFO, logger="toolkit.audit")

    def parsed():
        records = caplog.records
        return [
            json.loads(r.getMessage())
            for r in records
            if r.name == "toolkit.audit" and r.levelno == logging.INFO
        ]

    return parsed


@pytest.fixture
def admin(admin_user):
    return logged_in(admin_user)


def rows(event=None):
    events = AuditEvent.objects.order_by("id")
    return list(events.filter(event=event) if event else events)


def as_line(row: AuditEvent) -> dict:
    """A row in the shape of its log line."""
    return {
        "time": row.created_at.isoformat(),
        "event": row.event,
        "user_id": row.user_id,
        "username": row.username,
        "ip": row.ip,
        "request_id": row.request_id,
        "model": row.model,
        "object_ids": row.object_ids,
        "ok": row.ok,
        "details": row.details,
    }


def create_tag(client, name, slug=None, dry_run=None, **extra):
    variables = {"name": name, "slug": slug or name, **({"dryRun": dry_run} if dry_run is not None else {})}
    result = client.post(CREATE_TAG, variables, **extra)
    assert result.status == 200 and not result.errors, result.body
    return result.data["createTag"]


# -- mutations -----------------------------------------------------------------------------------------


def test_successful_mutation__is_a_row_and_a_log_line(admin, admin_user, lines):
    payload = create_tag(admin, "audited", HTTP_X_REQUEST_ID="req-1")
    tag = Tag.objects.get(slug="audited")
    assert payload == {"ok": True, "tag": {"id": str(tag.pk)}, "errors": []}
    [row] = rows()
    assert as_line(row) | {"time": None} == {
        "time": None,
        "event": "mutation",
        "user_id": str(admin_user.pk),
        "username": "root",
        "ip": "127.0.0.1",
        "request_id": "req-1",
        "model": "demo.Tag",
        "object_ids": [str(tag.pk)],
        "ok": True,
        "details": {"operation": "create", "fields": ["name", "slug"], "error_codes": [], "dry_run": False},
    }
    assert lines() == [as_line(row)]


def test_failed_mutation__keeps_its_row_although_the_write_rolled_back(admin, admin_user, lines):
    taken = Tag.objects.order_by("pk").first()
    before = Tag.objects.count()
    payload = create_tag(admin, "another name", slug=taken.slug)
    assert payload["ok"] is False and payload["tag"] is None
    assert Tag.objects.count() == before
    [row] = rows()
    assert (row.event, row.model, row.object_ids, row.ok) == ("mutation", "demo.Tag", [], False)
    assert row.details == {
        "operation": "create",
        "fields": ["name", "slug"],
        "error_codes": sorted({e["code"] for e in payload["errors"]}),
        "dry_run": False,
    }
    assert row.details["error_codes"], payload
    assert lines() == [as_line(row)]


def test_dry_run__keeps_its_row_and_writes_nothing_else(admin, lines):
    payload = create_tag(admin, "dry", dry_run=True)
    assert payload["ok"] is True
    assert not Tag.objects.filter(slug="dry").exists()
    [row] = rows()
    assert (row.event, row.ok, row.object_ids) == ("mutation", True, [payload["tag"]["id"]])
    assert row.details["dry_run"] is True
    assert lines() == [as_line(row)]


def test_mutation_executed_from_python__is_audited_with_the_request_ip(admin_user):
    request = RequestFactory().post("/graphql/", REMOTE_ADDR="198.51.100.9", HTTP_X_REQUEST_ID="py-1")
    request.user = admin_user
    result = get_schema().execute(
        CREATE_TAG,
        variables={"name": "from-python", "slug": "from-python"},
        context_value=request,
        execution_context_class=MutationExecutionContext,
    )
    assert not result.errors and result.data["createTag"]["ok"] is True
    [row] = rows()
    assert (row.username, row.ip, row.request_id, row.model) == ("root", "198.51.100.9", "py-1", "demo.Tag")


# -- permission denied ---------------------------------------------------------------------------------


def test_permission_denied__is_a_row_for_the_user(user_gql, lines):
    before = Tag.objects.count()
    result = user_gql.error('mutation { createTag(input: {name: "no", slug: "no"}) { ok } }')
    assert result.error_code() == "FORBIDDEN"
    assert Tag.objects.count() == before
    [row] = rows()
    assert (row.event, row.username, row.ip, row.ok) == ("permission_denied", "plain", "127.0.0.1", False)
    assert row.details == {"permission": "demo.add_tag", "reason": "missing permission"}
    assert lines() == [as_line(row)]


def test_permission_denied__for_an_anonymous_caller(gql):
    result = gql.error('mutation { createTag(input: {name: "no", slug: "no"}) { ok } }')
    assert result.error_code() == "UNAUTHENTICATED"
    [row] = rows()
    assert (row.event, row.user_id, row.username, row.ok) == ("permission_denied", "", "", False)
    assert row.details == {"permission": "demo.add_tag", "reason": "anonymous"}


# -- auth events ---------------------------------------------------------------------------------------


@logins
def test_login_ok_and_login_failed(lines):
    user = get_user_model().objects.get(username="rl-member")
    anon = Http(Client())
    assert token_auth(anon, password="wrong-password").data["tokenAuth"]["ok"] is False
    assert token_auth(anon).data["tokenAuth"]["ok"] is True
    failed, ok = rows()
    assert (failed.event, failed.user_id, failed.ip, failed.ok) == ("login_failed", "", "127.0.0.1", False)
    assert failed.details == {"attempted_username": "rl-member"}
    assert (ok.event, ok.user_id, ok.username, ok.ip, ok.ok) == (
        "login_ok",
        str(user.pk),
        "rl-member",
        "127.0.0.1",
        True,
    )
    assert lines() == [as_line(failed), as_line(ok)]


def test_a_failed_admin_login__is_a_login_failed_event_without_the_password(db, lines, admin_user):
    client = Client(REMOTE_ADDR="127.0.0.9")
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "not-it-123"})
    assert response.status_code == 200  # the form again, with its error
    [failed] = rows()
    assert (failed.event, failed.user_id, failed.ip, failed.ok) == ("login_failed", "", "127.0.0.9", False)
    assert failed.details == {"attempted_username": "root", "via": "session", "path": "/admin/login/"}
    assert lines() == [as_line(failed)]
    assert "not-it-123" not in json.dumps(lines())


def test_a_successful_admin_login__records_no_failure(db, admin_user):
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "pw"})
    assert response.status_code == 302
    assert rows("login_failed") == []


@logins
def test_token_refreshed_revoked_and_refresh_failed(lines):
    anon = Http(Client())
    tokens = token_auth(anon).data["tokenAuth"]
    refreshed = anon.post(REFRESH, {"refresh": tokens["refresh"]}).data["refreshToken"]
    assert refreshed["ok"] is True
    assert anon.post(REFRESH, {"refresh": tokens["refresh"]}).data["refreshToken"]["ok"] is False  # rotated
    assert anon.post(REVOKE, {"refresh": refreshed["refresh"]}).data["revokeToken"]["ok"] is True
    events = [(r.event, r.username, r.ok) for r in rows()]
    assert events == [
        ("login_ok", "rl-member", True),
        ("token_refreshed", "rl-member", True),
        ("refresh_failed", "", False),
        ("token_revoked", "rl-member", True),
    ]
    assert rows("refresh_failed")[0].details["reason"]
    assert lines() == [as_line(r) for r in rows()]


@logins
def test_rejected_token__is_a_row_with_the_client_ip(lines):
    access = token_auth(Http(Client())).data["tokenAuth"]["access"]
    tampered = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")
    response = Client().post(
        "/graphql/",
        json.dumps({"query": ME}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tampered}",
        REMOTE_ADDR="198.51.100.12",
    )
    assert response.status_code == 401
    [row] = rows("token_rejected")
    assert (row.user_id, row.ip, row.ok) == ("", "198.51.100.12", False)
    assert row.details["reason"]
    assert as_line(row) in lines()


# -- query limits --------------------------------------------------------------------------------------


def big_document(size):
    query = "{ books(limit: 1) { id } }"
    return query + " " * (size - len(query))


def test_limit_rejection__is_a_row_and_nothing_runs(gql, lines):
    before = Tag.objects.count()
    with toolkit(QUERY_LIMITS={"max_document_bytes": 100}):
        result = gql.post(big_document(101))
    assert result.status == 400 and result.codes == ["GRAPHQL_VALIDATION_FAILED"], result.body
    [row] = rows()
    assert (row.event, row.user_id, row.ok) == ("limit_exceeded", "", False)
    assert row.details == {"limit": "documentSize", "message": result.errors[0]["message"]}
    assert Tag.objects.count() == before
    assert lines() == [as_line(row)]


def test_validation_limit_rejection__is_a_row(user_gql, lines):
    with toolkit(QUERY_LIMITS={"max_aliases": 1}):
        result = user_gql.post("{ a: books(limit: 1) { id } b: books(limit: 1) { id } }")
    assert result.status == 400 and result.codes == ["GRAPHQL_VALIDATION_FAILED"], result.body
    [row] = rows()
    assert (row.event, row.username, row.ok) == ("limit_exceeded", "plain", False)
    assert row.details == {"limit": "aliases", "message": result.errors[0]["message"]}
    assert lines() == [as_line(row)]


def test_limit_rejection__records_the_client_ip(gql):
    """The view serves the request in ``toolkit.security.context`` (``acting_as(user, request=...)``)."""
    with toolkit(QUERY_LIMITS={"max_aliases": 1}):
        result = gql.post(
            "{ a: books(limit: 1) { id } b: books(limit: 1) { id } }", REMOTE_ADDR="198.51.100.13"
        )
    assert result.status == 400
    [row] = rows()
    assert (row.event, row.ip) == ("limit_exceeded", "198.51.100.13")


# -- secrets -------------------------------------------------------------------------------------------


@logins
def test_no_password_or_token__reaches_a_row_or_a_log_line(lines):
    user = get_user_model().objects.get(username="rl-member")
    anon = Http(Client())
    wrong = "Wr0ng-S3cret-Passw0rd"
    token_auth(anon, password=wrong)
    tokens = token_auth(anon).data["tokenAuth"]
    refreshed = anon.post(REFRESH, {"refresh": tokens["refresh"]}).data["refreshToken"]
    anon.post(REFRESH, {"refresh": tokens["refresh"]})
    anon.post(REVOKE, {"refresh": refreshed["refresh"]})
    forged = jwt.encode(
        {"user_id": user.pk, "token_type": "access"}, "not-the-signing-key-" * 3, algorithm="HS256"
    )
    Client().post(
        "/graphql/", json.dumps({"query": ME}), "application/json", HTTP_AUTHORIZATION=f"Bearer {forged}"
    )
    secrets = [
        wrong,
        PASSWORD,
        tokens["access"],
        tokens["refresh"],
        refreshed["access"],
        refreshed["refresh"],
        forged,
    ]
    stored = json.dumps([as_line(r) for r in rows()], default=str)
    logged = json.dumps(lines())
    assert {r.event for r in rows()} >= {"login_failed", "login_ok", "token_refreshed", "token_rejected"}
    for secret in secrets:
        assert secret not in stored and secret not in logged


def test_redact__sensitive_keys_jwts_bearer_credentials_and_quoted_arguments():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl-_x"
    value = {
        "password": "p",
        "new_password1": "p",
        "api_key": "k",
        "nested": {"refresh": "r", "Authorization": "Bearer abc", "items": [{"client_secret": "s"}]},
        "note": f"token {token} was sent",
        "header": "Bearer abcdefgh12345678",
        "message": 'tokenAuth(username: "u", password: "hunter2") and {"refresh": "xyz"}',
        "fields": ["password", "username"],
        "object_ids": ["1"],
        "count": 3,
    }
    assert redact(value) == {
        "password": REDACTED,
        "new_password1": REDACTED,
        "api_key": REDACTED,
        "nested": {"refresh": REDACTED, "Authorization": REDACTED, "items": [{"client_secret": REDACTED}]},
        "note": f"token {REDACTED} was sent",
        "header": f"Bearer {REDACTED}",
        "message": f'tokenAuth(username: "u", password: {REDACTED}) and {{"refresh": {REDACTED}}}',
        "fields": ["password", "username"],
        "object_ids": ["1"],
        "count": 3,
    }


def test_redact__follows_the_sensitive_field_patterns_setting():
    with toolkit(SENSITIVE_FIELD_PATTERNS=["password", "token", "secret", "key", "hash", "iban"]):
        assert redact({"iban": "DE00", "name": "x"}) == {"iban": REDACTED, "name": "x"}


def test_secret_details__are_redacted_in_the_row_and_the_line(lines):
    audit.record("login_failed", attempted_username="x", password="hunter2", note="Bearer abcdefgh12345678")
    [row] = rows()
    assert row.details == {"attempted_username": "x", "password": REDACTED, "note": f"Bearer {REDACTED}"}
    assert lines() == [as_line(row)]


# -- buffering: rows outlive rolled-back transactions -----------------------------------------------------


def test_events_in_an_operation__are_stored_when_it_ends_even_after_a_rollback():
    with audit.buffered():
        with transaction.atomic():
            audit.record("mutation", model="demo.Tag", ok=False)
            assert not AuditEvent.objects.exists(), "held until the operation ends"
            transaction.set_rollback(True)
        with audit.buffered():  # nested: joins the outer operation
            audit.record("permission_denied")
        assert not AuditEvent.objects.exists()
    assert [r.event for r in rows()] == ["mutation", "permission_denied"]


def test_events_outside_an_operation__are_stored_at_once():
    audit.record("token_rejected", reason="expired")
    assert [r.event for r in rows()] == ["token_rejected"]


def test_a_failure_to_store__is_logged_and_does_not_fail_the_mutation(admin, monkeypatch, caplog, lines):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(AuditEvent.objects, "bulk_create", broken)
    payload = create_tag(admin, "still-written")
    assert payload["ok"] is True and Tag.objects.filter(slug="still-written").exists()
    assert "1 audit event(s) could not be stored" in caplog.text
    assert [line["event"] for line in lines()] == ["mutation"], "the log line is written anyway"


def test_audit_table_off__log_lines_only(admin, lines):
    with toolkit(AUDIT_TABLE=False):
        create_tag(admin, "unrecorded")
    assert rows() == []
    assert [line["event"] for line in lines()] == ["mutation"]


# -- request ids -----------------------------------------------------------------------------------------


def test_request_id__is_sanitized_and_truncated(admin):
    create_tag(admin, "rid-1", HTTP_X_REQUEST_ID="<script>alert(1)</script>" + "x" * 100)
    [row] = rows()
    assert row.request_id == ("scriptalert1/script" + "x" * 100)[:64]


def test_request_id_header__is_configurable(admin):
    with toolkit(AUDIT_REQUEST_ID_HEADER="X-Correlation-ID"):
        create_tag(admin, "rid-2", HTTP_X_REQUEST_ID="ignored", HTTP_X_CORRELATION_ID="corr-7")
    assert rows()[0].request_id == "corr-7"


# -- queryable, pruned, admin ----------------------------------------------------------------------------


def test_audit_table__is_indexed_by_time_event_and_user():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["primary_key"]}
    assert {("created_at",), ("event", "created_at"), ("user_id", "created_at")} <= indexed


def test_prune__deletes_rows_older_than_the_retention():
    now = timezone.now()
    for days in (400, 181, 179, 5):
        AuditEvent.objects.create(event=f"e{days}", created_at=now - datetime.timedelta(days=days))
    assert audit.prune() == 2  # the default keeps 180 days
    assert [r.event for r in rows()] == ["e179", "e5"]
    assert audit.prune(days=30) == 1
    with toolkit(AUDIT_RETENTION_DAYS=None):
        assert audit.prune() == 0
    assert [r.event for r in rows()] == ["e5"]


def test_admin__lists_and_filters_events_but_never_changes_them(admin_client, admin):
    create_tag(admin, "in-admin")
    audit.record("login_failed", attempted_username="someone")
    mutation = rows("mutation")[0]
    page = admin_client.get("/admin/toolkit/auditevent/", {"event__exact": "mutation"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [mutation]
    assert admin_client.get(f"/admin/toolkit/auditevent/{mutation.pk}/change/").status_code == 200
    assert admin_client.get("/admin/toolkit/auditevent/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/toolkit/auditevent/{mutation.pk}/change/", {"event": "x"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/toolkit/auditevent/{mutation.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=mutation.pk, event="mutation").exists()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"AUDIT_TABLE": "yes"}, ("toolkit.E044", 'TOOLKIT["AUDIT_TABLE"] must be True or False.')),
        (
            {"AUDIT_RETENTION_DAYS": 0},
            ("toolkit.E044", 'TOOLKIT["AUDIT_RETENTION_DAYS"] must be a positive integer or None, got 0.'),
        ),
        (
            {"AUDIT_REQUEST_ID_HEADER": None},
            ("toolkit.E044", 'TOOLKIT["AUDIT_REQUEST_ID_HEADER"] must be a header name or "".'),
        ),
    ],
)
def test_audit_settings__are_checked(options, expected):
    with toolkit(**options):
        assert [(m.id, m.msg) for m in checks.run_checks(tags=["toolkit"])] == [expected]


def test_users_deleted_later__keep_their_audit_rows(admin):
    user = get_user_model().objects.create_user("short-lived", "s@example.com", PASSWORD)
    audit.record("login_ok", user=user)
    user.delete()
    assert (rows()[0].username, rows()[0].ok) == ("short-lived", True)
