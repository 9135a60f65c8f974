"""``@computed`` model methods: exposed read-only, planned columns, and the opt-in field cache."""

from __future__ import annotations

import graphene
import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg
from django.test.utils import CaptureQueriesContext

from demo.models import Book, Publisher, Review
from tests.optimizer.test_planner import is_bookkeeping
from toolkit import computed, get_schema
from toolkit.computation import computed_fields, problems_of
from toolkit.registry import build_registry

QUERY = "{ publishers(orderBy: [{id: ASC}]) { id averageRating } }"


def expected_ratings() -> dict[int, float | None]:
    means = dict(
        Review.objects.values_list("book__publisher_id")
        .annotate(mean=Avg("rating"))
        .values_list("book__publisher_id", "mean")
    )
    return {
        pk: (round(means[pk], 2) if pk in means else None)
        for pk in Publisher.objects.values_list("pk", flat=True)
    }


def ratings(data: dict) -> dict[int, float | None]:
    return {int(row["id"]): row["averageRating"] for row in data["publishers"]}


def sql_of(gql, query: str) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        result = gql.post(query, check=False)
    assert result.status == 200 and not result.errors, result.body
    return [q["sql"] for q in captured.captured_queries if not is_bookkeeping(q["sql"])], result.data


@pytest.fixture
def field_cache(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "COMPUTED_FIELD_CACHE": True}
    cache.clear()
    yield
    cache.clear()


def test_the_method_is_a_typed_documented_read_only_field():
    sdl = str(get_schema())
    publisher_type = sdl[sdl.index("type Publisher {") :]
    publisher_type = publisher_type[: publisher_type.index("\n}")]
    assert "Mean rating of every review of the publisher's books (null without reviews)." in publisher_type
    assert publisher_type.endswith("  averageRating: Float")
    create_input = sdl[sdl.index("input PublisherCreateInput {") :]
    assert "averageRating" not in create_input[: create_input.index("}")]
    assert "averageRating" not in sdl[sdl.index("input PublisherWhere {") :].split("}")[0]


def test_values_match_the_orm(gql):
    assert ratings(gql(QUERY)) == expected_ratings()


def test_the_planner_loads_only_the_declared_columns(gql):
    statements, _ = sql_of(gql, "{ publishers(limit: 2) { averageRating } }")
    publishers_sql = statements[0]
    assert '"demo_publisher"."id"' in publishers_sql and '"demo_publisher"."website"' not in publishers_sql


def test_without_requires__the_whole_row_is_loaded(gql, monkeypatch, settings):
    @computed
    def domain(self) -> str:
        return self.website.split("//")[-1]

    monkeypatch.setattr(Publisher, "domain", domain, raising=False)
    settings.TOOLKIT = {**settings.TOOLKIT}  # rebuild the schema with the new method
    statements, data = sql_of(gql, "{ publishers(limit: 2) { domain } }")
    assert len(statements) == 1, statements  # no deferred-column loads per row
    assert '"demo_publisher"."website"' in statements[0]
    expected = [p.website.split("//")[-1] for p in Publisher.objects.order_by("name")[:2]]
    assert [row["domain"] for row in data["publishers"]] == expected


def test_without_the_field_cache__the_method_runs_every_time(gql):
    first, _ = sql_of(gql, QUERY)
    again, _ = sql_of(gql, QUERY)
    assert len(first) == len(again) == 1 + Publisher.objects.count()


def test_with_the_field_cache__a_repeated_read_runs_no_method_sql(gql, field_cache):
    first, first_data = sql_of(gql, QUERY)
    again, again_data = sql_of(gql, QUERY)
    assert len(first) == 1 + Publisher.objects.count()
    assert len(again) == 1  # only the publishers themselves
    assert ratings(again_data) == ratings(first_data) == expected_ratings()


def test_a_committed_write_to_a_dependency__is_seen_by_the_next_read(
    gql, field_cache, django_capture_on_commit_callbacks
):
    sql_of(gql, QUERY)
    book = Book.objects.filter(reviews__isnull=False, publisher__isnull=False).first()
    with django_capture_on_commit_callbacks(execute=True):
        Review.objects.filter(book__publisher=book.publisher_id).update(rating=1)
        Review.objects.first().save()  # a signal: Review's version is bumped on commit
    statements, data = sql_of(gql, QUERY)
    assert len(statements) == 1 + Publisher.objects.count()  # computed afresh
    assert ratings(data)[book.publisher_id] == 1.0 and ratings(data) == expected_ratings()


def test_an_uncommitted_write__does_not_poison_the_cache_for_mutations(
    field_cache, django_user_model, client
):
    """Mutations compute afresh (their writes are not committed when the payload is read)."""
    from tests.conftest import GraphQLClient

    admin = django_user_model.objects.create_superuser("computed-admin", "c@example.com", "pw")
    client.force_login(admin)
    gql = GraphQLClient(client, admin)
    publisher = Publisher.objects.filter(books__reviews__isnull=False).first()
    before = ratings(gql(QUERY))[publisher.pk]
    review = Review.objects.filter(book__publisher=publisher).first()
    result = gql(
        "mutation($id: ID!) { updateReview(id: $id, input: {rating: 5}) { review { book { publisher { averageRating } } } } }",
        {"id": str(review.pk)},
    )
    after = result["updateReview"]["review"]["book"]["publisher"]["averageRating"]
    assert after == expected_ratings()[publisher.pk]
    assert after != before or review.rating == 5


def test_exclude_and_field_policies_apply(gql, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": {"demo.Publisher": {"exclude": ["average_rating"]}}}
    assert "averageRating" not in str(get_schema())
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "MODELS": {"demo.Publisher": {"field_policies": {"average_rating": "staff"}}},
    }
    data = gql("{ publishers(limit: 1) { averageRating } }")
    assert data["publishers"][0]["averageRating"] is None  # anonymous callers see null


def test_a_sensitive_looking_name_is_hidden_unless_allowed(monkeypatch, settings):
    @computed
    def api_key_hint(self) -> str:
        return "x"

    monkeypatch.setattr(Publisher, "api_key_hint", api_key_hint, raising=False)
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": {}}
    assert "apiKeyHint" not in str(get_schema())
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "MODELS": {"demo.Publisher": {"allow_sensitive": ["api_key_hint"]}},
    }
    assert "apiKeyHint: String!" in str(get_schema())


def test_bad_declarations_are_reported():
    @computed(cache=-1, depends_on=["demo.Nope"], requires=["nope"])
    def broken(self):
        return 1

    messages = problems_of(Publisher, broken.toolkit_computed)
    assert any("unknown model 'demo.Nope'" in m for m in messages)
    assert any("unknown field 'nope'" in m for m in messages)
    assert any("cannot tell its GraphQL type" in m for m in messages)
    assert any("cache must be a number of seconds" in m for m in messages)


def test_a_computed_field_named_like_a_model_field_is_a_system_check_error(monkeypatch):
    @computed(graphene.String)
    def website(self):
        return "x"

    monkeypatch.setattr(Publisher, "website", website, raising=False)
    try:
        problems = build_registry().problems
    finally:
        monkeypatch.undo()
    assert [p.id for p in problems if "website" in p.msg] == ["toolkit.E010"]


def test_declared_methods_are_found_on_the_model():
    assert list(computed_fields(Publisher)) == ["average_rating"]
