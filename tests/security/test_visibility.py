"""Field visibility: masked and staff-only fields, and fields that are never exposed.

``Review.reviewer_email`` is masked (``r***@example.com``) and ``Review.ip_address`` null for
everyone but staff; filtering, ordering or grouping on either reveals it, so it is ``FORBIDDEN``
for them (nothing is returned). Sensitive-looking fields (``PartnerAccount.password_hash`` ...)
and relations to models that are not exposed (``auth.User``) do not exist in the API at all, for
anyone: every attempt to reach them is a 400 from validation, before any resolver runs.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db.models import Avg, Max, Min, Sum
from django.test import override_settings

from demo.models import Book, PartnerAccount, Review
from tests.conftest import ids

REVIEW_FIELDS = "{ id reviewerEmail ipAddress }"


def masked(email: str) -> str:
    """What a non-staff caller reads for a reviewer e-mail."""
    local, _, domain = email.partition("@")
    return f"{local[0]}***@{domain}"


@pytest.fixture(params=["anonymous", "user"])
def outsider(request, gql, user_gql):
    """A caller who is not staff: anonymous, or logged in without any permission."""
    return {"anonymous": gql, "user": user_gql}[request.param]


def by_id(rows) -> dict[int, dict]:
    return {int(r["id"]): r for r in rows}


def reviews_with_addresses():
    reviews = Review.objects.order_by("pk")
    assert reviews.filter(ip_address__isnull=False).exists() and reviews.exclude(reviewer_email="").exists()
    return reviews


# -- reading ------------------------------------------------------------------------------------------


def test_non_staff__read_masked_emails_and_no_ip_addresses(outsider):
    rows = by_id(outsider(f"{{ reviews {REVIEW_FIELDS} }}")["reviews"])
    reviews = reviews_with_addresses()
    assert set(rows) == set(reviews.values_list("pk", flat=True))
    for review in reviews:
        row = rows[review.pk]
        assert row["ipAddress"] is None
        if review.reviewer_email:
            assert row["reviewerEmail"] == masked(review.reviewer_email)
            assert review.reviewer_email.split("@")[0][1:] not in row["reviewerEmail"]
        else:
            assert row["reviewerEmail"] in ("", "***")


def test_staff__read_the_real_values(staff_gql):
    rows = by_id(staff_gql(f"{{ reviews {REVIEW_FIELDS} }}")["reviews"])
    for review in reviews_with_addresses():
        assert rows[review.pk] == {
            "id": str(review.pk),
            "reviewerEmail": review.reviewer_email,
            "ipAddress": review.ip_address,
        }


@pytest.mark.parametrize(
    "query, path",
    [
        (f"{{ books {{ reviews {REVIEW_FIELDS} }} }}", ["books", "*", "reviews"]),
        (f"{{ reviewsPage {{ items {REVIEW_FIELDS} }} }}", ["reviewsPage", "items"]),
        (
            f"{{ reviewsConnection {{ edges {{ node {REVIEW_FIELDS} }} }} }}",
            ["reviewsConnection", "edges", "*", "node"],
        ),
        (f"{{ comments {{ target {{ ... on Review {REVIEW_FIELDS} }} }} }}", ["comments", "*", "target"]),
        (
            f"{{ authors(limit: 4) {{ books(limit: 5) {{ reviews(limit: 20) {REVIEW_FIELDS} }} }} }}",
            ["authors", "*", "books", "*", "reviews"],
        ),
    ],
    ids=["nested", "page", "connection", "generic-target", "depth-2"],
)
def test_every_path__hides_the_ip_and_masks_the_email(outsider, staff_gql, query, path):
    def rows(data, steps):
        if not steps:
            return data if isinstance(data, list) else [data]
        step, rest = steps[0], steps[1:]
        if step == "*":
            return [r for item in data for r in rows(item, rest)]
        return rows(data[step], rest)

    seen = [r for r in rows(outsider(query), path) if r]
    real = {r.pk: r for r in Review.objects.all()}
    assert seen, "the path must reach some reviews"
    for row in seen:
        review = real[int(row["id"])]
        assert row["ipAddress"] is None
        assert row["reviewerEmail"] == (
            masked(review.reviewer_email) if review.reviewer_email else row["reviewerEmail"]
        )
    for row in (r for r in rows(staff_gql(query), path) if r):
        review = real[int(row["id"])]
        assert (row["ipAddress"], row["reviewerEmail"]) == (review.ip_address, review.reviewer_email)


def test_mutation_payload__hides_the_ip_from_its_own_non_staff_writer(gql_as, db):
    """A writer without staff status sets an IP address and reads back null (the policy is about
    reading; they may write what their permission allows)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    writer = get_user_model().objects.create_user("ip-writer", "w@example.com", "pw")
    writer.user_permissions.add(Permission.objects.get(codename="add_review", content_type__app_label="demo"))
    book = Book.objects.first()
    data = gql_as(writer)(
        'mutation($book: ID!) { createReview(input: {book: {connect: $book}, reviewerName: "W", rating: 4,'
        ' reviewerEmail: "writer@example.com", ipAddress: "192.0.2.10", createdAt: "2024-01-01T00:00:00Z"})'
        " { ok review { id ipAddress reviewerEmail } } }",
        {"book": str(book.pk)},
    )["createReview"]
    assert data["ok"] is True
    assert data["review"]["ipAddress"] is None and data["review"]["reviewerEmail"] == "w***@example.com"
    stored = Review.objects.get(pk=data["review"]["id"])
    assert (stored.ip_address, stored.reviewer_email, stored.user) == (
        "192.0.2.10",
        "writer@example.com",
        writer,
    )


# -- filtering, ordering, grouping on a restricted field ---------------------------------------------------

FORBIDDEN_CASES = [
    ('{ reviews(where: {ipAddress: {startsWith: "203."}}) { id } }', "where.ipAddress"),
    ("{ reviews(where: {ipAddress: {isNull: false}}) { id } }", "where.ipAddress"),
    ('{ reviews(where: {reviewerEmail: {startsWith: "reader1"}}) { id } }', "where.reviewerEmail"),
    (
        '{ reviews(where: {OR: [{rating: {gt: 0}}, {ipAddress: {eq: "203.0.113.1"}}]}) { id } }',
        "where.OR[1].ipAddress",
    ),
    (
        '{ reviews(where: {NOT: {reviewerEmail: {endsWith: "example.com"}}}) { id } }',
        "where.NOT.reviewerEmail",
    ),
    ('{ reviewsPage(where: {ipAddress: {contains: "."}}) { totalCount } }', "where.ipAddress"),
    ('{ reviewsConnection(where: {ipAddress: {contains: "."}}) { totalCount } }', "where.ipAddress"),
    ('{ reviewsAggregate(where: {ipAddress: {contains: "."}}) { count } }', "where.ipAddress"),
    (
        '{ books(where: {reviews: {some: {ipAddress: {startsWith: "203."}}}}) { id } }',
        "where.reviews.some.ipAddress",
    ),
    (
        '{ books(where: {reviews: {every: {reviewerEmail: {eq: ""}}}}) { id } }',
        "where.reviews.every.reviewerEmail",
    ),
    (
        "{ booksAggregate(where: {reviews: {none: {ipAddress: {eq: null}}}}) { count } }",
        "where.reviews.none.ipAddress",
    ),
    ('{ books { reviews(where: {ipAddress: {startsWith: "203."}}) { id } } }', "where.ipAddress"),
    ('{ books { reviewsCount(where: {ipAddress: {startsWith: "203."}}) } }', "where.ipAddress"),
    (
        '{ publishers(where: {books: {some: {reviews: {some: {ipAddress: {startsWith: "203."}}}}}}) { id } }',
        "where.books.some.reviews.some.ipAddress",
    ),
    ("{ reviews(orderBy: {ipAddress: ASC}) { id } }", "orderBy.ipAddress"),
    ("{ reviews(orderBy: [{rating: DESC}, {reviewerEmail: ASC}]) { id } }", "orderBy.reviewerEmail"),
    ("{ reviewsPage(orderBy: {ipAddress: DESC}) { items { id } } }", "orderBy.ipAddress"),
    ("{ reviewsConnection(orderBy: {ipAddress: DESC}, first: 3) { edges { cursor } } }", "orderBy.ipAddress"),
    ("{ books { reviews(orderBy: {ipAddress: ASC}) { id } } }", "orderBy.ipAddress"),
    ("{ reviewsAggregate(groupBy: [IP_ADDRESS]) { count groups { count } } }", "groupBy"),
    ("{ reviewsAggregate(groupBy: [RATING, REVIEWER_EMAIL]) { count } }", "groupBy"),
]


@pytest.mark.parametrize("query, argument", FORBIDDEN_CASES)
def test_restricted_field_in_arguments__is_forbidden_for_non_staff(outsider, query, argument):
    result = outsider.post(query)
    assert result.codes == ["FORBIDDEN"], result.body
    error = result.errors[0]
    assert error["extensions"]["argument"].endswith(argument.split(".", 1)[-1]), error
    assert argument.split(".")[-1].split("[")[0] in error["message"]
    root = query.strip("{ ").split("(")[0].split(" ")[0]
    assert result.data is None or result.data.get(root) is None, result.body
    for review in Review.objects.exclude(ip_address=None)[:5]:
        assert review.ip_address not in json.dumps(result.body)


def test_restricted_field_in_arguments__works_for_staff(staff_gql):
    """The same arguments, for staff, give what the ORM says."""
    data = staff_gql('{ reviews(where: {ipAddress: {startsWith: "203."}}) { id } }')
    expected = Review.objects.filter(ip_address__startswith="203.").order_by("pk")
    assert ids(data["reviews"]) == list(expected.values_list("pk", flat=True))
    data = staff_gql(
        "{ reviews(where: {ipAddress: {isNull: false}}, orderBy: [{ipAddress: DESC}, {id: ASC}]) { id } }"
    )
    ordered = Review.objects.filter(ip_address__isnull=False).order_by("-ip_address", "pk")
    assert ids(data["reviews"]) == list(ordered.values_list("pk", flat=True))
    data = staff_gql('{ books(where: {reviews: {some: {reviewerEmail: {startsWith: "reader1"}}}}) { id } }')
    expected = Book.objects.filter(reviews__reviewer_email__startswith="reader1").distinct().order_by("pk")
    assert ids(data["books"]) == list(expected.values_list("pk", flat=True))
    groups = staff_gql("{ reviewsAggregate(groupBy: [IP_ADDRESS]) { count groups { count } } }")[
        "reviewsAggregate"
    ]
    assert len(groups["groups"]) == Review.objects.values("ip_address").distinct().count()


def test_forbidden_filter__in_a_mutation_payload_changes_nothing(gql_as, db):
    """A refused argument inside a mutation's payload is an error at that field: the mutation's
    transaction is rolled back as for any error in it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    writer = get_user_model().objects.create_user("payload-writer", "pw@example.com", "pw")
    writer.user_permissions.add(
        Permission.objects.get(codename="change_book", content_type__app_label="demo")
    )
    book = Book.objects.first()
    before = book.edition
    result = gql_as(writer).post(
        f'mutation {{ updateBook(id: "{book.pk}", input: {{edition: 77}}) {{ ok book '
        "{ reviews(where: {ipAddress: {isNull: false}}) { id } } } }"
    )
    assert "FORBIDDEN" in result.codes, result.body
    book.refresh_from_db()
    assert book.edition == before


# -- aggregates over a restricted field -------------------------------------------------------------------


@pytest.fixture
def rating_staff_only():
    """Review.rating readable by staff only (on top of the demo's own field policies)."""
    policies = {
        "reviewer_email": {"policy": "staff", "mask": "email"},
        "ip_address": "staff",
        "rating": "staff",
    }
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Review": {"field_policies": policies}}
    with override_settings(TOOLKIT={**settings.TOOLKIT, "MODELS": models}):
        yield


AGGREGATE = "{ reviewsAggregate { count sum { rating } avg { rating } min { rating } max { rating } } }"


def test_aggregates_of_a_restricted_field__read_null_for_non_staff(outsider, rating_staff_only):
    """Statistics of a field one may not see are null (like the field itself), never computed."""
    data = outsider(AGGREGATE)["reviewsAggregate"]
    assert data == {
        "count": Review.objects.count(),
        "sum": {"rating": None},
        "avg": {"rating": None},
        "min": {"rating": None},
        "max": {"rating": None},
    }
    groups = outsider(
        "{ reviewsAggregate(groupBy: [VERIFIED_PURCHASE]) { groups { avg { rating } max { rating } } } }"
    )
    assert all(
        g == {"avg": {"rating": None}, "max": {"rating": None}} for g in groups["reviewsAggregate"]["groups"]
    )
    assert outsider.post("{ reviewsAggregate(groupBy: [RATING]) { count } }").codes == ["FORBIDDEN"]
    assert outsider.post("{ reviews(where: {rating: {gte: 4}}) { id } }").codes == ["FORBIDDEN"]
    assert all(r["rating"] is None for r in outsider("{ reviews { rating } }")["reviews"])


def test_aggregates_of_a_restricted_field__are_computed_for_staff(staff_gql, rating_staff_only):
    data = staff_gql(AGGREGATE)["reviewsAggregate"]
    stats = Review.objects.aggregate(s=Sum("rating"), a=Avg("rating"), lo=Min("rating"), hi=Max("rating"))
    assert data["count"] == Review.objects.count()
    assert data["sum"] == {"rating": stats["s"]} and data["min"] == {"rating": stats["lo"]}
    assert data["max"] == {"rating": stats["hi"]}
    assert data["avg"]["rating"] == pytest.approx(stats["a"])


# -- fields that are never exposed -------------------------------------------------------------------------

HIDDEN_FIELD_ATTEMPTS = [
    ('{ partnerAccounts(where: {passwordHash: {startsWith: "pbkdf2"}}) { id } }', "where"),
    ('{ partnerAccounts(where: {apiToken: {startsWith: "tok_"}}) { id } }', "where"),
    (
        '{ partnerAccounts(where: {OR: [{name: {eq: "x"}}, {webhookSecret: {startsWith: "whsec"}}]}) { id } }',
        "where",
    ),
    ('{ partnerAccountsAggregate(where: {signingKey: {startsWith: "sk_"}}) { count } }', "where"),
    ("{ partnerAccountsPage(where: {passwordHash: {isNull: false}}) { totalCount } }", "where"),
    ("{ partnerAccounts(orderBy: {passwordHash: ASC}) { id } }", "orderBy"),
    ("{ partnerAccountsConnection(orderBy: {apiToken: DESC}) { totalCount } }", "orderBy"),
    ("{ partnerAccountsAggregate(groupBy: [PASSWORD_HASH]) { count } }", "groupBy"),
    ("{ partnerAccountsAggregate(groupBy: [API_TOKEN]) { count } }", "groupBy"),
    ("{ partnerAccounts { id passwordHash } }", None),
    ("{ partnerAccountsAggregate { min { passwordHash } } }", None),
    ('{ reviews(where: {user: {password: {startsWith: "pbkdf2"}}}) { id } }', "where"),
    ("{ reviews(where: {user: {isStaff: {eq: true}}}) { id } }", "where"),
    ("{ reviews(orderBy: {user: {password: ASC}}) { id } }", "orderBy"),
    ("{ reviews { user { password } } }", None),
    ("{ books { reviews { user { username } } } }", None),
    ("{ readingLists { owner { password } } }", None),
    ('{ readingLists(where: {owner: {username: {eq: "reader-1"}}}) { id } }', "where"),
    ('{ books(where: {readingLists: {some: {owner: {password: {startsWith: "x"}}}}}) { id } }', "where"),
    ("{ me { password } }", None),
]


@pytest.mark.parametrize("query, argument", HIDDEN_FIELD_ATTEMPTS)
def test_hidden_fields__are_unreachable_even_for_a_superuser(admin_gql, query, argument):
    """Validation refuses them (HTTP 400) before anything runs; the message never quotes a value."""
    result = admin_gql.post(query)
    assert result.status == 400, result.body
    assert result.data is None
    assert len(result.errors) == 1 and result.codes[0] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
    if argument is not None:
        assert result.codes == ["BAD_USER_INPUT"] and result.errors[0]["extensions"]["argument"] == argument
    secrets = PartnerAccount.objects.values_list(
        "password_hash", "api_token", "webhook_secret", "signing_key"
    )
    text = json.dumps(result.body)
    assert not any(secret and secret in text for row in secrets for secret in row)


def test_hidden_fields__in_variables_are_refused_too(admin_gql):
    result = admin_gql.post(
        "query($w: PartnerAccountWhere) { partnerAccounts(where: $w) { id } }",
        {"w": {"passwordHash": {"startsWith": "pbkdf2"}}},
    )
    assert result.status == 400 and result.data is None
    assert result.codes == ["BAD_USER_INPUT"], result.body


def test_hidden_fields__suggestions_never_name_them(admin_gql):
    """ "Did you mean" hints (when introspection is on) only ever name exposed fields."""
    result = admin_gql.post('{ partnerAccounts(where: {password: {eq: "x"}}) { id } }')
    assert result.status == 400
    assert not any(word in result.errors[0]["message"] for word in ("passwordHash", "apiToken", "signingKey"))


def test_hidden_fields__are_absent_from_introspection(admin_gql):
    data = admin_gql(
        '{ t: __type(name: "PartnerAccount") { fields { name } } '
        'w: __type(name: "PartnerAccountWhere") { inputFields { name } } '
        'o: __type(name: "PartnerAccountOrderBy") { inputFields { name } } '
        'g: __type(name: "PartnerAccountGroupBy") { enumValues { name } } '
        'r: __type(name: "Review") { fields { name } } '
        'v: __type(name: "Viewer") { fields { name } } }'
    )
    names = {
        n
        for part in data.values()
        for key in ("fields", "inputFields", "enumValues")
        for n in (x["name"] for x in part.get(key) or [])
    }
    assert not names & {
        "passwordHash",
        "apiToken",
        "webhookSecret",
        "signingKey",
        "PASSWORD_HASH",
        "API_TOKEN",
        "password",
        "user",
        "owner",
    }
