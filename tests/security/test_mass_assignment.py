"""Mass assignment: what generated inputs never accept, whoever sends them.

``is_staff``, ``is_superuser``, ``password``, ``groups`` and ``user_permissions``
(``TOOLKIT["MASS_ASSIGNMENT_PROTECTED"]``), the user model's ``is_active``/``last_login``/
``date_joined``, owner fields (``Review.user``, ``ReadingList.owner``: the server sets them to the
caller) and ``server_fields`` are left out of every create, update, bulk and nested input — even
when ``auth.User`` is exposed — so sending one is a 400 from validation and nothing is written.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import override_settings

import toolkit
from demo.models import Book, ReadingList, Review

PROTECTED_USER_INPUTS = {
    "isStaff", "isSuperuser", "password", "groups", "userPermissions", "isActive", "lastLogin", "dateJoined",
}  # fmt: skip
WITH_AUTH = ["demo", "auth.User", "auth.Group", "auth.Permission"]


def perm(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def with_perms(user, *labels: str):
    user.user_permissions.add(*(perm(label) for label in labels))
    return get_user_model().objects.get(pk=user.pk)  # no stale permission cache


@pytest.fixture
def auth_exposed():
    with override_settings(TOOLKIT={**settings.TOOLKIT, "APPS": WITH_AUTH}):
        yield toolkit.get_schema().graphql_schema


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user("ma-member", "ma@example.com", "pw")


def user_state(user) -> tuple:
    user = get_user_model().objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        user.is_active,
        user.password,
        user.last_login,
        user.date_joined,
        sorted(user.groups.values_list("pk", flat=True)),
        sorted(user.user_permissions.values_list("pk", flat=True)),
    )


def input_names(schema, type_name: str) -> set[str]:
    return set(schema.get_type(type_name).fields)


# -- the user model's inputs ----------------------------------------------------------------------------


def test_user_inputs__leave_out_every_protected_field(auth_exposed):
    user_type = auth_exposed.get_type("User")
    assert {"isStaff", "isSuperuser", "groups", "userPermissions", "isActive"} <= set(user_type.fields)
    assert "password" not in user_type.fields  # sensitive: not even readable
    for name in ("UserCreateInput", "UserUpdateInput"):
        assert input_names(auth_exposed, name) & PROTECTED_USER_INPUTS == set(), name
    bulk_item = auth_exposed.get_type("UserBulkUpdateItem")
    assert bulk_item.fields["input"].type.of_type.name == "UserUpdateInput"


def test_user_inputs__are_exactly_the_profile_fields(auth_exposed):
    """Nor can a user's reverse relations move other rows' owner fields to them (``reviews``,
    ``readingLists`` are the other side of ``Review.user`` and ``ReadingList.owner``)."""
    for name in ("UserCreateInput", "UserUpdateInput"):
        assert input_names(auth_exposed, name) == {"email", "firstName", "lastName", "username"}, name


def test_protected_relations__are_not_writable_from_their_other_side(auth_exposed):
    """``Group.user_set`` and ``Permission.user_set`` are ``User.groups`` and
    ``User.user_permissions`` seen from the other model: writing them is the same escalation."""
    for name in ("GroupCreateInput", "GroupUpdateInput", "PermissionCreateInput", "PermissionUpdateInput"):
        assert "userSet" not in input_names(auth_exposed, name), name


@pytest.mark.parametrize(
    "assignment",
    [
        "isStaff: true",
        "isSuperuser: true",
        'password: "pbkdf2_sha256$1$x$y"',
        'groups: {add: ["1"]}',
        'userPermissions: {add: ["1"]}',
        "isActive: false",
        'lastLogin: "2020-01-01T00:00:00Z"',
        'dateJoined: "2000-01-01T00:00:00Z"',
    ],
)
def test_escalation_through_an_update__is_400_and_changes_nothing(gql_as, member, auth_exposed, assignment):
    member = with_perms(member, "auth.change_user", "auth.add_user")
    client = gql_as(member)
    before = user_state(member)
    for mutation in (
        f'mutation {{ updateUser(id: "{member.pk}", input: {{{assignment}}}) {{ ok }} }}',
        f'mutation {{ updateUser(id: "{member.pk}", input: {{firstName: "x", {assignment}}}) {{ ok }} }}',
        f'mutation {{ bulkUpdateUsers(items: [{{id: "{member.pk}", input: {{{assignment}}}}}]) {{ ok }} }}',
        f'mutation {{ createUser(input: {{username: "new-one", {assignment}}}) {{ ok }} }}',
    ):
        result = client.post(mutation)
        assert result.status == 400, result.body
        assert result.codes == ["BAD_USER_INPUT"], result.body
        assert result.data is None
    assert user_state(member) == before
    assert not get_user_model().objects.filter(username="new-one").exists()


def test_escalation_through_variables__is_400_and_changes_nothing(gql_as, member, auth_exposed):
    member = with_perms(member, "auth.change_user")
    client = gql_as(member)  # logging in sets last_login: read the state after
    before = user_state(member)
    result = client.post(
        "mutation($id: ID!, $input: UserUpdateInput!) { updateUser(id: $id, input: $input) { ok } }",
        {"id": str(member.pk), "input": {"firstName": "x", "isSuperuser": True, "isStaff": True}},
    )
    assert result.status == 400 and set(result.codes) == {"BAD_USER_INPUT"}, result.body
    assert user_state(member) == before
    assert get_user_model().objects.get(pk=member.pk).first_name == ""


def test_group_permission__cannot_put_oneself_into_a_group(gql_as, member, auth_exposed):
    """A user allowed to create groups must not gain a permission by joining a group of their own."""
    member = with_perms(member, "auth.add_group")
    target = perm("demo.delete_book")
    result = gql_as(member).post(
        f'mutation {{ createGroup(input: {{name: "mine", permissions: {{set: ["{target.pk}"]}}, '
        f'userSet: {{add: ["{member.pk}"]}}}}) {{ ok }} }}'
    )
    assert result.status == 400, result.body
    member = get_user_model().objects.get(pk=member.pk)
    assert not member.has_perm("demo.delete_book")
    assert not Group.objects.filter(user=member).exists()


def test_permission_rows__cannot_be_granted_through_their_user_set(gql_as, member, auth_exposed):
    member = with_perms(member, "auth.change_permission")
    target = perm("demo.delete_author")
    result = gql_as(member).post(
        f'mutation {{ updatePermission(id: "{target.pk}", input: {{userSet: {{add: ["{member.pk}"]}}}}) {{ ok }} }}'
    )
    assert result.status == 400, result.body
    assert not get_user_model().objects.get(pk=member.pk).has_perm("demo.delete_author")


# -- owner fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize("apps", [["demo"], WITH_AUTH], ids=["demo", "auth-exposed"])
def test_owner_fields__are_in_no_input(apps, db):
    with override_settings(TOOLKIT={**settings.TOOLKIT, "APPS": apps}):
        schema = toolkit.get_schema().graphql_schema
        for name in ("ReviewCreateInput", "ReviewUpdateInput"):
            assert "user" not in input_names(schema, name)
        for name in ("ReadingListCreateInput", "ReadingListUpdateInput"):
            assert "owner" not in input_names(schema, name)
        if "auth.User" in apps:  # readable once the user model is exposed, still not writable
            assert (
                "user" in schema.get_type("Review").fields
                and "owner" in schema.get_type("ReadingList").fields
            )


def test_create__sets_the_owner_to_the_caller(gql_as, member):
    member = with_perms(member, "demo.add_readinglist", "demo.add_review")
    client = gql_as(member)
    book = Book.objects.order_by("pk").first()
    created = client('mutation { createReadingList(input: {name: "Mine"}) { ok readingList { id } } }')
    assert ReadingList.objects.get(pk=created["createReadingList"]["readingList"]["id"]).owner == member
    review = client(
        f'mutation {{ createReview(input: {{book: {{connect: "{book.pk}"}}, reviewerName: "M", rating: 5, '
        'createdAt: "2024-02-02T00:00:00Z"}) { ok review { id } } }'
    )
    assert Review.objects.get(pk=review["createReview"]["review"]["id"]).user == member


def test_bulk_create__sets_the_owner_to_the_caller(gql_as, member):
    """Bulk creates too, whether they take the bulk_create fast path (Review: its owner may be
    null) or go row by row (ReadingList: its owner may not)."""
    member = with_perms(member, "demo.add_readinglist", "demo.add_review")
    client = gql_as(member)
    book = Book.objects.order_by("pk").first()
    lists = client(
        'mutation { bulkCreateReadingLists(inputs: [{name: "A"}, {name: "B"}]) { ok results { readingList { id } } } }'
    )["bulkCreateReadingLists"]
    assert lists["ok"] is True
    made = [r["readingList"]["id"] for r in lists["results"]]
    assert list(ReadingList.objects.filter(pk__in=made).values_list("owner", flat=True)) == [member.pk] * 2
    item = (
        f'{{book: {{connect: "{book.pk}"}}, reviewerName: "B", rating: 3, createdAt: "2024-02-02T00:00:00Z"}}'
    )
    reviews = client(
        f"mutation {{ bulkCreateReviews(inputs: [{item}, {item}]) {{ ok results {{ review {{ id }} }} }} }}"
    )
    made = [r["review"]["id"] for r in reviews["bulkCreateReviews"]["results"]]
    assert list(Review.objects.filter(pk__in=made).values_list("user", flat=True)) == [member.pk] * 2


def test_nested_create__sets_the_owner_to_the_caller(gql_as, member):
    member = with_perms(
        member, "demo.add_book", "demo.add_readinglist", "demo.add_review", "demo.change_readinglist"
    )
    data = gql_as(member)(
        'mutation { createBook(input: {title: "Owned", slug: "owned", isbn: "9780000000017", price: "3", '
        'readingLists: {create: [{name: "Nested list"}]}, '
        'reviews: {create: [{reviewerName: "N", rating: 4, createdAt: "2024-03-03T00:00:00Z"}]}}) '
        "{ ok errors { field messages } book { id } } }"
    )
    assert data["createBook"]["ok"] is True, data
    book = Book.objects.get(pk=data["createBook"]["book"]["id"])
    assert [rl.owner for rl in book.reading_lists.all()] == [member]
    assert [r.user for r in book.reviews.all()] == [member]


@pytest.mark.parametrize(
    "mutation",
    [
        'mutation { createReadingList(input: {name: "x", owner: "1"}) { ok } }',
        'mutation { createReadingList(input: {name: "x", owner: {connect: "1"}}) { ok } }',
        'mutation { updateReadingList(id: "1", input: {owner: {connect: "1"}}) { ok } }',
        'mutation { bulkCreateReadingLists(inputs: [{name: "x", owner: {connect: "1"}}]) { ok } }',
        'mutation { createReview(input: {reviewerName: "x", rating: 1, user: {connect: "1"}}) { ok } }',
        'mutation { updateReview(id: "1", input: {user: {connect: "1"}}) { ok } }',
        'mutation { createBook(input: {title: "t", reviews: {create: [{reviewerName: "x", rating: 1, user: {connect: "1"}}]}}) { ok } }',
        'mutation { updateBook(id: "1", input: {readingLists: {create: [{name: "x", owner: {connect: "1"}}]}}) { ok } }',
    ],
)
@pytest.mark.parametrize("apps", [["demo"], WITH_AUTH], ids=["demo", "auth-exposed"])
def test_owner_field_in_an_input__is_400_and_writes_nothing(admin_gql, apps, mutation):
    """Even a superuser cannot choose the owner: the field is not part of any input."""
    counts = (ReadingList.objects.count(), Review.objects.count(), Book.objects.count())
    owners = list(ReadingList.objects.order_by("pk").values_list("owner", flat=True))
    with override_settings(TOOLKIT={**settings.TOOLKIT, "APPS": apps}):
        result = admin_gql.post(mutation)
    assert result.status == 400 and result.codes == ["BAD_USER_INPUT"], result.body
    assert (ReadingList.objects.count(), Review.objects.count(), Book.objects.count()) == counts
    assert list(ReadingList.objects.order_by("pk").values_list("owner", flat=True)) == owners


def test_update__keeps_the_owner(gql_as, db):
    """An update by the owner (the only one who may change a list) leaves the owner alone."""
    reader = with_perms(get_user_model().objects.get(username="reader-1"), "demo.change_readinglist")
    own = ReadingList.objects.get(owner=reader, is_public=False)
    data = gql_as(reader)(
        f'mutation {{ updateReadingList(id: "{own.pk}", input: {{name: "renamed"}}) {{ ok }} }}'
    )
    assert data == {"updateReadingList": {"ok": True}}
    own.refresh_from_db()
    assert (own.name, own.owner) == ("renamed", reader)


# -- server_fields and the configurable protected list -----------------------------------------------------


@pytest.fixture
def book_rating_server_set():
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Book": {"server_fields": ["rating"]}}
    with override_settings(TOOLKIT={**settings.TOOLKIT, "MODELS": models}):
        yield toolkit.get_schema().graphql_schema


def test_server_fields__are_readable_but_in_no_input(book_rating_server_set):
    schema = book_rating_server_set
    assert "rating" in schema.get_type("Book").fields
    for name in ("BookCreateInput", "BookUpdateInput"):
        assert "rating" not in input_names(schema, name), name
    assert "rating" in input_names(schema, "BookWhere")  # still filterable, like any readable field


def test_server_fields__sent_anyway_are_400_and_change_nothing(admin_gql, book_rating_server_set):
    book = Book.objects.order_by("pk").first()
    before, count = book.rating, Book.objects.count()
    for mutation in (
        f'mutation {{ updateBook(id: "{book.pk}", input: {{rating: 4.9}}) {{ ok }} }}',
        'mutation { createBook(input: {title: "S", slug: "s-srv", isbn: "9780000000024", price: "1", rating: 1}) { ok } }',
        f'mutation {{ bulkUpdateBooks(items: [{{id: "{book.pk}", input: {{rating: 0.1}}}}]) {{ ok }} }}',
        f'mutation {{ updatePublisher(id: "{book.publisher_id}", input: {{books: {{create: [{{title: "N", rating: 2}}]}}}}) {{ ok }} }}',
    ):
        result = admin_gql.post(mutation)
        assert result.status == 400 and result.codes == ["BAD_USER_INPUT"], (mutation, result.body)
    book.refresh_from_db()
    assert book.rating == before and Book.objects.count() == count


def test_mass_assignment_protected__applies_to_every_model(db):
    protected = [*toolkit.get_config()["MASS_ASSIGNMENT_PROTECTED"], "description", "in_stock"]
    with override_settings(TOOLKIT={**settings.TOOLKIT, "MASS_ASSIGNMENT_PROTECTED": protected}):
        schema = toolkit.get_schema().graphql_schema
        for name in ("BookCreateInput", "BookUpdateInput"):
            assert {"description", "inStock"} & input_names(schema, name) == set()
        assert {"description", "inStock"} <= set(schema.get_type("Book").fields)
        assert "bio" in input_names(schema, "AuthorCreateInput")


def test_default_protected_list__is_the_documented_one():
    assert toolkit.get_config()["MASS_ASSIGNMENT_PROTECTED"] == [
        "is_staff", "is_superuser", "password", "groups", "user_permissions",
    ]  # fmt: skip
