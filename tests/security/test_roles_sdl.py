"""Per-role SDL: what each role of ``TOOLKIT["ROLES"]`` can see (toolkit.security.roles), checked in
as ``docs/schema/roles/<role>.graphql`` and printed by ``manage.py graphql export --role NAME``."""

from __future__ import annotations

import difflib
import io
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from graphql import assert_valid_schema, build_schema

import toolkit
from demo.models import PartnerAccount, Review
from toolkit.lifecycle.sdl import sorted_sdl
from toolkit.registry import build_registry
from toolkit.security.policies import can_read, can_see_field
from toolkit.security.roles import RoleUser, UnknownRole, role_user, sdl_for_role

ROLES_DIR = Path(settings.BASE_DIR) / "docs" / "schema" / "roles"
AUTH_MUTATIONS = {"tokenAuth", "refreshToken", "revokeToken"}


def parsed(sdl: str):
    schema = build_schema(sdl)
    assert_valid_schema(schema)
    return schema


def full_schema():
    return toolkit.get_schema().graphql_schema


def test_role_snapshots__match_the_checked_in_files():
    """One file per configured role (``UPDATE_SNAPSHOTS=1`` rewrites them)."""
    roles = list(toolkit.get_config()["ROLES"])
    assert roles, "the default configuration defines roles"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        ROLES_DIR.mkdir(parents=True, exist_ok=True)
        for path in ROLES_DIR.glob("*.graphql"):
            path.unlink()
        for role in roles:
            (ROLES_DIR / f"{role}.graphql").write_text(sdl_for_role(role))
    assert sorted(p.stem for p in ROLES_DIR.glob("*.graphql")) == sorted(roles), "a stale or missing file"
    for role in roles:
        expected, current = (ROLES_DIR / f"{role}.graphql").read_text(), sdl_for_role(role)
        if current != expected:
            diff = "".join(
                difflib.unified_diff(expected.splitlines(True), current.splitlines(True), "file", "live", n=2)
            )
            pytest.fail(f"The SDL of role {role!r} changed (UPDATE_SNAPSHOTS=1 to accept):\n{diff[:6000]}")


@pytest.mark.parametrize("role", ["anonymous", "member", "staff", "superuser"])
def test_role_sdl__is_a_valid_subset_of_the_full_schema(role):
    """Every type, field, argument and enum value of a role's SDL exists in the full schema, so
    an operation valid for the role is valid for the API."""
    full, mine = full_schema(), parsed(sdl_for_role(role))
    for name, named in mine.type_map.items():
        if name.startswith("__"):
            continue
        other = full.get_type(name)
        assert other is not None, name
        for field_name, f in (getattr(named, "fields", None) or {}).items():
            assert field_name in other.fields, f"{name}.{field_name}"
            assert set(getattr(f, "args", {}) or {}) <= set(
                getattr(other.fields[field_name], "args", {}) or {}
            )
        if hasattr(named, "values"):
            assert set(named.values) <= set(other.values), name


def test_superuser_role__sees_the_whole_schema():
    assert sdl_for_role("superuser") == sorted_sdl(full_schema())


def test_anonymous_role__sees_no_partner_accounts_no_ip_and_no_generated_mutations():
    schema = parsed(sdl_for_role("anonymous"))
    assert not [name for name in schema.type_map if name.startswith("PartnerAccount")]
    assert not [name for name in schema.query_type.fields if name.startswith("partnerAccount")]
    review = schema.get_type("Review")
    assert "ipAddress" not in review.fields
    assert "reviewerEmail" in review.fields  # masked, not hidden
    for suffix in ("Where", "OrderBy", "GroupKey"):
        fields = schema.get_type(f"Review{suffix}").fields
        assert "ipAddress" not in fields and "reviewerEmail" not in fields, suffix
    assert {"IP_ADDRESS", "REVIEWER_EMAIL"}.isdisjoint(schema.get_type("ReviewGroupBy").values)
    assert set(schema.mutation_type.fields) == AUTH_MUTATIONS
    assert "me" in schema.query_type.fields
    assert "readingLists" in schema.query_type.fields  # public lists exist for everyone


def test_member_role__is_anonymous_plus_only_the_media_uploads_in_the_demo():
    """Logging in without permissions changes no read policy of the demo (scoping does not show
    in a schema): the member SDL is the anonymous one plus the logged-in users' own uploads
    (``uploadFiles``, ``mediaFile``: docs/uploads.md)."""
    member, anonymous = parsed(sdl_for_role("member")), parsed(sdl_for_role("anonymous"))
    assert set(member.type_map) - set(anonymous.type_map) == {"MediaFile", "UploadFilesPayload", "Upload"}
    assert set(anonymous.type_map) <= set(member.type_map)
    assert set(member.query_type.fields) - set(anonymous.query_type.fields) == {"mediaFile"}
    assert set(member.mutation_type.fields) - set(anonymous.mutation_type.fields) == {"uploadFiles"}
    for name, named in anonymous.type_map.items():
        if hasattr(named, "fields") and not name.startswith("__") and name not in ("Query", "Mutation"):
            assert set(named.fields) == set(member.type_map[name].fields), name


def test_staff_role__sees_staff_fields_but_not_partner_accounts_without_the_permission():
    schema = parsed(sdl_for_role("staff"))
    assert {"ipAddress", "reviewerEmail"} <= set(schema.get_type("Review").fields)
    assert {"IP_ADDRESS", "REVIEWER_EMAIL"} <= set(schema.get_type("ReviewGroupBy").values)
    assert schema.get_type("PartnerAccount") is None
    assert set(schema.mutation_type.fields) == AUTH_MUTATIONS | {"uploadFiles"}  # no write permission


def test_role_with_permissions__sees_the_permitted_model_and_mutations():
    roles = {
        "partner-ops": {"permissions": ["demo.view_partneraccount", "demo.change_tag", "demo.delete_book"]}
    }
    with override_settings(TOOLKIT={**settings.TOOLKIT, "ROLES": roles}):
        schema = parsed(sdl_for_role("partner-ops"))
    assert {"partnerAccount", "partnerAccounts", "partnerAccountsAggregate"} <= set(schema.query_type.fields)
    generated = {n for n in schema.mutation_type.fields if n not in AUTH_MUTATIONS}
    assert generated == {"updateTag", "bulkUpdateTags", "deleteBook", "bulkDeleteBooks", "uploadFiles"}
    assert "ipAddress" not in schema.get_type("Review").fields  # not staff


def test_hidden_parent_model__takes_its_interface_and_relations_along(gql):
    """A multi-table parent (Event) the role may not read: its interface, root fields and the
    relations to it go; its children keep their own policy (and lose the interface)."""
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Event": {"read_policy": "staff"}}
    with override_settings(TOOLKIT={**settings.TOOLKIT, "MODELS": models}):
        schema = parsed(sdl_for_role("anonymous"))
        assert schema.get_type("EventInterface") is None and schema.get_type("Event") is None
        assert not {"event", "events", "eventsPage", "eventsConnection", "eventsAggregate"} & set(
            schema.query_type.fields
        )
        assert "events" not in schema.get_type("Store").fields
        assert "eventsCount" not in schema.get_type("Store").fields
        assert not schema.get_type("BookLaunch").interfaces
        assert "bookLaunches" in schema.query_type.fields
        assert all(s["events"] == [] for s in gql("{ stores { events { id } } }")["stores"])


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_role_sdl__agrees_with_the_policies(role):
    """A model is in the role's SDL exactly when its read policy admits the role's user, and a
    field exactly when its field policy does (or masks it)."""
    schema, user = parsed(sdl_for_role(role)), role_user(role)
    for spec in build_registry().specs.values():
        object_type = schema.get_type(spec.type_name)
        assert (object_type is not None) == can_read(spec, user), spec.label
        if object_type is None:
            continue
        for name, rule in spec.options.field_policies.items():
            shown = toolkit.get_schema().graphql_schema.get_type(spec.type_name).fields
            camel = next(f for f in shown if f.replace("_", "").lower() == name.replace("_", "").lower())
            masked = isinstance(rule, dict) and rule.get("mask")
            assert (camel in object_type.fields) == (can_see_field(spec, name, user) or bool(masked)), (
                spec.label,
                name,
            )


def test_role_sdl__matches_what_a_real_anonymous_caller_gets(gql):
    """What the anonymous SDL leaves out really is out of reach: hidden fields read null, the
    removed models return no rows."""
    full, anonymous = full_schema(), parsed(sdl_for_role("anonymous"))
    removed_roots = set(full.query_type.fields) - set(anonymous.query_type.fields)
    assert removed_roots == {
        "partnerAccount", "partnerAccounts", "partnerAccountsPage", "partnerAccountsConnection", "partnerAccountsAggregate",
        "mediaFile",  # logged-in users only (docs/uploads.md)
    }  # fmt: skip
    assert gql("{ partnerAccounts { id } partnerAccountsAggregate { count } }") == {
        "partnerAccounts": [],
        "partnerAccountsAggregate": {"count": 0},
    }
    assert PartnerAccount.objects.exists()
    removed_review_fields = set(full.get_type("Review").fields) - set(anonymous.get_type("Review").fields)
    assert removed_review_fields == {"ipAddress"}
    assert Review.objects.exclude(ip_address=None).exists()
    assert {r["ipAddress"] for r in gql("{ reviews { ipAddress } }")["reviews"]} == {None}


# -- role users -------------------------------------------------------------------------------------


def test_role_users__live_in_memory_only(db):
    before = get_user_model().objects.count()
    staff = role_user("staff")
    assert isinstance(staff, RoleUser) and staff.pk is None
    assert (staff.is_authenticated, staff.is_staff, staff.is_superuser, staff.is_anonymous) == (
        True,
        True,
        False,
        False,
    )
    anonymous = role_user("anonymous")
    assert (anonymous.is_authenticated, anonymous.is_anonymous, anonymous.has_perm("demo.view_book")) == (
        False,
        True,
        False,
    )
    assert role_user("superuser").has_perm("anything.at_all") and role_user("superuser").is_staff
    assert not role_user("member").has_perm("demo.view_partneraccount")
    with override_settings(
        TOOLKIT={**settings.TOOLKIT, "ROLES": {"ops": {"permissions": ["demo.change_tag"]}}}
    ):
        ops = role_user("ops")
        assert ops.is_authenticated and not ops.is_staff
        assert ops.has_perm("demo.change_tag") and not ops.has_perm("demo.add_tag")
        assert ops.get_all_permissions() == {"demo.change_tag"}
    sdl_for_role("staff")
    assert get_user_model().objects.count() == before


def test_unknown_role__names_the_configured_ones():
    with pytest.raises(UnknownRole) as caught:
        role_user("nobody")
    assert "nobody" in str(caught.value) and "anonymous, member, partner-manager, staff, superuser" in str(
        caught.value
    )


# -- manage.py graphql export --role ---------------------------------------------------------------------


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("graphql", "export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_export_role__prints_the_role_sdl(role):
    assert export("--role", role) == sdl_for_role(role)


def test_export_role__json_is_the_introspection_of_the_role_schema():
    data = json.loads(export("--role", "anonymous", "--format", "json"))["data"]["__schema"]
    names = {t["name"] for t in data["types"]}
    assert "Review" in names and "PartnerAccount" not in names
    review = next(t for t in data["types"] if t["name"] == "Review")
    assert "ipAddress" not in {f["name"] for f in review["fields"]}


def test_export_role__writes_a_file(tmp_path):
    target = tmp_path / "anon.graphql"
    export("--role", "anonymous", "--out", str(target))
    assert target.read_text() == sdl_for_role("anonymous")


def test_export_unknown_role__is_exit_2_naming_the_roles():
    with pytest.raises(CommandError) as caught:
        export("--role", "nobody")
    assert caught.value.returncode == 2
    assert "nobody" in str(caught.value) and "anonymous" in str(caught.value)


def test_export_without_role__is_still_the_full_schema():
    assert export() == sorted_sdl(full_schema())


# -- the ROLES setting --------------------------------------------------------------------------------------


def toolkit_messages(roles) -> list[checks.CheckMessage]:
    with override_settings(TOOLKIT={**settings.TOOLKIT, "ROLES": roles}):
        return checks.run_checks(tags=["toolkit"])


@pytest.mark.parametrize(
    "roles, check_id, fragment",
    [
        (["anonymous"], "toolkit.E050", "must be a dict"),
        ({"ops": "staff"}, "toolkit.E050", 'TOOLKIT["ROLES"]["ops"] must be a dict'),
        ({"bad name!": {}}, "toolkit.E051", "invalid role name 'bad name!'"),
        ({"../etc": {}}, "toolkit.E051", "invalid role name"),
        ({"ops": {"staf": True}}, "toolkit.E052", "unknown key 'staf'"),
        ({"ops": {"staff": "yes"}}, "toolkit.E053", '["staff"] must be True or False'),
        ({"ops": {"permissions": "demo.view_book"}}, "toolkit.E053", "'app_label.codename'"),
        ({"ops": {"permissions": ["view_book"]}}, "toolkit.E053", "'app_label.codename'"),
    ],
)
def test_invalid_roles__are_reported_by_the_checks(roles, check_id, fragment):
    messages = toolkit_messages(roles)
    assert [m.id for m in messages] == [check_id], messages
    assert fragment in messages[0].msg


def test_valid_roles__produce_no_messages():
    roles = {
        "anonymous": {},
        "ops-team_2": {"authenticated": True, "permissions": ["demo.view_partneraccount"]},
    }
    assert toolkit_messages(roles) == []
    assert toolkit_messages({}) == []
