"""Who may write (model permissions, deny by default) and Django signals during generated writes."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, signals
from django.test import Client

from demo.models import Author, Authorship, Book, Publisher, Review, Tag
from tests.conftest import GraphQLClient

ERRORS = "errors { field messages code }"
CREATE_TAG = f'mutation {{ createTag(input: {{name: "perm", slug: "perm"}}) {{ ok {ERRORS} tag {{ id }} }} }}'


def counts_of(*models) -> dict[str, int]:
    return {m.__name__: m._base_manager.count() for m in models}


def tag_state() -> list[tuple]:
    return list(Tag.objects.order_by("pk").values_list("pk", "name", "slug"))


def client_with(*codenames: str) -> GraphQLClient:
    user = get_user_model().objects.create_user("limited", "limited@example.com", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="demo", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return GraphQLClient(client)


def refused(client: GraphQLClient, query: str, variables: dict | None = None) -> str:
    """The error code of a mutation refused outright; its field is null."""
    result = client.error(query, variables)
    assert result.status == 200
    assert result.data is None
    assert len(result.errors[0]["path"]) == 1
    return result.error_code()


# -- permissions ---------------------------------------------------------------------------------------


def test_anonymous__is_unauthenticated_and_nothing_is_written(gql):
    before = tag_state()
    result = gql.error(CREATE_TAG)
    assert result.error_code() == "UNAUTHENTICATED"
    assert result.errors[0]["path"] == ["createTag"]
    assert result.errors[0]["message"] == "Authentication required: log in to make changes."
    assert result.data is None
    assert tag_state() == before


@pytest.mark.parametrize(
    "query",
    [
        'mutation($id: ID!) { updateTag(id: $id, input: {name: "x"}) { ok } }',
        "mutation($id: ID!) { deleteTag(id: $id) { ok } }",
    ],
    ids=["update", "delete"],
)
def test_anonymous_update_and_delete__are_unauthenticated(gql, query):
    tag = Tag.objects.order_by("pk").first()
    before = tag_state()
    assert refused(gql, query, {"id": tag.pk}) == "UNAUTHENTICATED"
    assert tag_state() == before


def test_anonymous_dry_run__is_unauthenticated_too(gql):
    before = tag_state()
    result = gql.error('mutation { createTag(dryRun: true, input: {name: "d", slug: "d"}) { ok } }')
    assert result.error_code() == "UNAUTHENTICATED"
    assert tag_state() == before


def test_logged_in_without_permission__is_forbidden_and_nothing_is_written(user_gql):
    tag = Tag.objects.order_by("pk").first()
    book = Book.objects.order_by("pk").first()
    before, books = tag_state(), Book.objects.count()
    result = user_gql.error(CREATE_TAG)
    assert result.error_code() == "FORBIDDEN"
    assert result.errors[0]["message"] == "You do not have permission to perform this action."
    assert (
        refused(
            user_gql, 'mutation($id: ID!) { updateTag(id: $id, input: {name: "x"}) { ok } }', {"id": tag.pk}
        )
        == "FORBIDDEN"
    )
    assert (
        refused(user_gql, "mutation($id: ID!) { deleteBook(id: $id) { ok } }", {"id": book.pk}) == "FORBIDDEN"
    )
    assert tag_state() == before
    assert Book.objects.count() == books


def test_forbidden__is_reported_before_the_id_is_looked_up(user_gql):
    """No existence oracle: an unknown id is FORBIDDEN too, not ``does_not_exist``."""
    assert refused(user_gql, "mutation { deleteTag(id: 999999) { ok } }") == "FORBIDDEN"


def test_add_permission_only__can_create_tags_but_not_change_or_delete_them(db):
    client = client_with("add_tag")
    data = client(
        f'mutation {{ createTag(input: {{name: "mine", slug: "mine"}}) {{ ok {ERRORS} tag {{ id name }} }} }}'
    )
    assert data["createTag"]["ok"] is True
    tag = Tag.objects.get(name="mine")
    before = tag_state()
    assert (
        refused(client, "mutation($id: ID!) { deleteTag(id: $id) { ok deletedId } }", {"id": tag.pk})
        == "FORBIDDEN"
    )
    assert (
        refused(
            client,
            'mutation($id: ID!) { updateTag(id: $id, input: {name: "theirs"}) { ok } }',
            {"id": tag.pk},
        )
        == "FORBIDDEN"
    )
    assert refused(client, 'mutation { createBook(input: {title: "t"}) { ok } }') == "FORBIDDEN"
    assert tag_state() == before


def test_delete_permission__allows_delete(db):
    client = client_with("delete_tag")
    tag = Tag.objects.order_by("pk").first()
    data = client("mutation($id: ID!) { deleteTag(id: $id) { ok deletedId } }", {"id": tag.pk})
    assert data["deleteTag"] == {"ok": True, "deletedId": str(tag.pk)}
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_permission_error_in_one_field__does_not_undo_another_field(db):
    """Each root mutation field is its own transaction: the allowed one is kept."""
    client = client_with("add_tag")
    tag = Tag.objects.order_by("pk").first()
    before = Tag.objects.count()
    result = client.post(
        """mutation($id: ID!) {
          a: createTag(input: {name: "allowed", slug: "allowed"}) { ok tag { name } }
          b: deleteTag(id: $id) { ok }
        }""",
        {"id": tag.pk},
    )
    assert result.status == 200
    assert result.codes == ["FORBIDDEN"]
    assert result.errors[0]["path"] == ["b"]
    # the refused field's payload is non-null, so its null reaches ``data``; the first field still committed
    assert result.data is None
    assert Tag.objects.count() == before + 1
    assert Tag.objects.filter(pk=tag.pk).exists()


# -- signals --------------------------------------------------------------------------------------------


@contextmanager
def receiving(signal, sender=None):
    """Record every ``signal`` sent (by ``sender``) while the block runs; ``pk`` is the
    instance's primary key when the signal was sent."""
    seen: list[dict] = []

    def receiver(sender, **kwargs):
        instance = kwargs.get("instance")
        seen.append({"sender": sender, "pk": getattr(instance, "pk", None), **kwargs})

    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield seen
    finally:
        signal.disconnect(receiver, sender=sender)


BOOK_INPUT = {"title": "Signalled", "slug": "signalled", "isbn": "9990000000079", "price": "3.00"}


def test_create__fires_pre_save_and_post_save_with_created(admin_gql):
    with receiving(signals.pre_save, Book) as pre, receiving(signals.post_save, Book) as post:
        data = admin_gql(
            "mutation($input: BookCreateInput!) { createBook(input: $input) { ok book { id } } }",
            {"input": BOOK_INPUT},
        )
    pk = int(data["createBook"]["book"]["id"])
    assert len(pre) == 1 and pre[0]["pk"] is None and pre[0]["instance"].slug == "signalled"
    assert [(s["pk"], s["created"]) for s in post] == [(pk, True)]


def test_update__fires_post_save_with_created_false(admin_gql):
    book = Book.objects.order_by("pk").first()
    with receiving(signals.pre_save, Book) as pre, receiving(signals.post_save, Book) as post:
        admin_gql(
            'mutation($id: ID!) { updateBook(id: $id, input: {title: "Saved"}) { ok } }', {"id": book.pk}
        )
    assert [s["instance"].pk for s in pre] == [book.pk]
    assert [(s["instance"].pk, s["instance"].title, s["created"]) for s in post] == [
        (book.pk, "Saved", False)
    ]


def test_nested_children__fire_their_own_save_signals(admin_gql):
    book = Book.objects.annotate(n=Count("reviews")).filter(n__gte=1).order_by("pk").first()
    own = book.reviews.order_by("pk").first()
    with receiving(signals.post_save, Review) as saved, receiving(signals.post_delete, Review) as deleted:
        data = admin_gql(
            """mutation($id: ID!, $own: ID!) { updateBook(id: $id, input: {reviews: {
                create: [{reviewerName: "New", rating: 3, createdAt: "2025-01-01T00:00:00Z"}],
                update: [{id: $own, input: {title: "edited"}}]}}) { ok } }""",
            {"id": book.pk, "own": own.pk},
        )
    assert data["updateBook"]["ok"] is True
    assert sorted((s["instance"].reviewer_name, s["created"]) for s in saved) == sorted(
        [("New", True), (own.reviewer_name, False)]
    )
    assert deleted == []


def test_m2m_set_and_add__fire_m2m_changed(admin_gql):
    book = (
        Book.objects.annotate(n=Count("tags")).filter(n=0).order_by("pk").first()
        or Book.objects.order_by("pk").first()
    )
    a, b, c = Tag.objects.order_by("pk").values_list("pk", flat=True)[:3]
    admin_gql("mutation($id: ID!) { updateBook(id: $id, input: {tags: {set: []}}) { ok } }", {"id": book.pk})
    with receiving(signals.m2m_changed, Book.tags.through) as seen:
        data = admin_gql(
            "mutation($id: ID!, $set: [ID!], $add: [ID!]) { updateBook(id: $id, input: {tags: {set: $set}}) { ok } "
            "again: updateBook(id: $id, input: {tags: {add: $add}}) { ok } }",
            {"id": book.pk, "set": [a, b], "add": [c]},
        )
    assert data == {"updateBook": {"ok": True}, "again": {"ok": True}}
    actions = [(s["action"], s["instance"].pk, sorted(s["pk_set"])) for s in seen]
    assert actions == [
        ("pre_add", book.pk, [a, b]),
        ("post_add", book.pk, [a, b]),
        ("pre_add", book.pk, [c]),
        ("post_add", book.pk, [c]),
    ]


def test_m2m_remove__fires_m2m_changed_remove(admin_gql):
    book = Book.objects.annotate(n=Count("tags")).filter(n__gte=1).order_by("pk").first()
    tag = book.tags.order_by("pk").first()
    with receiving(signals.m2m_changed, Book.tags.through) as seen:
        admin_gql(
            "mutation($id: ID!, $t: ID!) { updateBook(id: $id, input: {tags: {remove: [$t]}}) { ok } }",
            {"id": book.pk, "t": tag.pk},
        )
    assert [(s["action"], sorted(s["pk_set"])) for s in seen] == [
        ("pre_remove", [tag.pk]),
        ("post_remove", [tag.pk]),
    ]


def test_m2m_with_through_defaults__fires_m2m_changed_for_the_link_rows(admin_gql):
    book = Book.objects.order_by("pk").first()
    author = Author.objects.exclude(books=book).order_by("pk").first()
    before = Authorship.objects.count()
    with (
        receiving(signals.m2m_changed, Authorship) as seen,
        receiving(signals.post_save, Authorship) as saved,
    ):
        data = admin_gql(
            "mutation($id: ID!, $a: ID!) { updateBook(id: $id, input: {authors: {add: [$a], through: {role: ILLUSTRATOR, position: 9}}}) { ok } }",
            {"id": book.pk, "a": author.pk},
        )
    assert data["updateBook"]["ok"] is True
    assert [(s["action"], s["instance"].pk, s["model"], sorted(s["pk_set"])) for s in seen] == [
        ("pre_add", book.pk, Author, [author.pk]),
        ("post_add", book.pk, Author, [author.pk]),
    ]
    assert Authorship.objects.filter(book=book, author=author).values_list("role", "position").get() == (
        "illustrator",
        9,
    )
    assert Authorship.objects.count() == before + 1
    # the link rows are written with bulk_create, as Django's related manager does: no post_save
    assert saved == []


def test_delete__fires_pre_and_post_delete_for_the_row_and_its_cascade(admin_gql):
    book = Book.objects.annotate(n=Count("reviews")).filter(n__gte=1).order_by("pk").first()
    review_ids = sorted(book.reviews.values_list("pk", flat=True))
    with (
        receiving(signals.pre_delete, Book) as pre,
        receiving(signals.post_delete, Book) as post,
        receiving(signals.post_delete, Review) as reviews,
    ):
        data = admin_gql("mutation($id: ID!) { deleteBook(id: $id) { ok deletedId } }", {"id": book.pk})
    assert data["deleteBook"] == {"ok": True, "deletedId": str(book.pk)}
    assert [s["pk"] for s in pre] == [book.pk]
    assert [s["pk"] for s in post] == [book.pk]
    assert sorted(s["pk"] for s in reviews) == review_ids


def test_failed_write__fires_no_post_save(admin_gql):
    with receiving(signals.post_save, Book) as post:
        data = admin_gql(
            f"mutation($input: BookCreateInput!) {{ createBook(input: $input) {{ ok {ERRORS} }} }}",
            {"input": {**BOOK_INPUT, "price": "-1"}},
        )
    assert data["createBook"]["ok"] is False
    assert post == []


def test_nested_failure__rolls_back_what_signal_receivers_wrote(admin_gql):
    """Receivers run inside the mutation's transaction, so their writes roll back with it."""

    def tag_on_save(sender, instance, created, **kwargs):
        if created:
            Tag.objects.create(name=f"auto-{instance.slug}", slug=f"auto-{instance.slug}")

    signals.post_save.connect(tag_on_save, sender=Book, weak=False)
    try:
        before = Tag.objects.count()
        data = admin_gql(
            f"mutation($input: BookCreateInput!) {{ createBook(input: $input) {{ ok {ERRORS} }} }}",
            {
                "input": {
                    **BOOK_INPUT,
                    "reviews": {
                        "create": [{"reviewerName": "R", "rating": 7, "createdAt": "2025-01-01T00:00:00Z"}]
                    },
                }
            },
        )
        assert data["createBook"]["ok"] is False
        assert Tag.objects.count() == before
        data = admin_gql(
            f"mutation($input: BookCreateInput!) {{ createBook(input: $input) {{ ok {ERRORS} }} }}",
            {"input": BOOK_INPUT},
        )
        assert data["createBook"]["ok"] is True
        assert Tag.objects.filter(name="auto-signalled").count() == 1
        assert Tag.objects.count() == before + 1
    finally:
        signals.post_save.disconnect(tag_on_save, sender=Book)


# -- nested writes and the nested model's permissions ---------------------------------------------------
# The contract names the root model's permission only. Like Django admin inlines, a nested create,
# update or delete of another model should need that model's permission too (linking existing rows
# with connect/set/add changes only the parent's links and needs only the parent's permission).


def assert_refused(result, field: str) -> None:
    """Refused either as a FORBIDDEN error or as a payload with ``ok: false``."""
    if result.errors:
        assert result.codes == ["FORBIDDEN"], result.body
    else:
        assert result.data[field]["ok"] is False, result.body


def test_nested_create_of_another_model__needs_its_add_permission(db):
    client = client_with("add_book", "change_book")
    before = counts_of(Book, Publisher)
    result = client.post(
        """mutation { createBook(input: {title: "t", slug: "t-perm", isbn: "9990000000093", price: "1",
             publisher: {create: {name: "Sneaky Press", slug: "sneaky-press"}}}) { ok errors { field code } } }"""
    )
    assert_refused(result, "createBook")
    assert counts_of(Book, Publisher) == before
    assert not Publisher.objects.filter(slug="sneaky-press").exists()


def test_nested_delete_of_children__needs_their_delete_permission(db):
    client = client_with("change_book")
    book = Book.objects.annotate(n=Count("reviews")).filter(n__gte=1).order_by("pk").first()
    review = book.reviews.order_by("pk").first()
    before = Review.objects.count()
    result = client.post(
        "mutation($id: ID!, $r: ID!) { updateBook(id: $id, input: {reviews: {delete: [$r]}}) { ok errors { field code } } }",
        {"id": book.pk, "r": review.pk},
    )
    assert_refused(result, "updateBook")
    assert Review.objects.filter(pk=review.pk).exists()
    assert Review.objects.count() == before


def test_linking_existing_rows__needs_only_the_parents_permission(db):
    client = client_with("change_book")
    book = Book.objects.order_by("pk").first()
    tag = Tag.objects.exclude(books=book).order_by("pk").first()
    data = client(
        "mutation($id: ID!, $t: ID!) { updateBook(id: $id, input: {tags: {add: [$t]}}) { ok } }",
        {"id": book.pk, "t": tag.pk},
    )
    assert data["updateBook"] == {"ok": True}
    assert book.tags.filter(pk=tag.pk).exists()
