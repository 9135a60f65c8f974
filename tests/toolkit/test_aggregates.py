"""``<model>Aggregate``: count, sum/avg/min/max and ``groups`` by keys, checked against the ORM."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.test import override_settings
from django.utils.duration import duration_iso_string

import toolkit
from demo import models

UTC = datetime.UTC
CENTS = Decimal("0.01")
AVG_PLACES = Decimal("0.000001")  # DecimalField(decimal_places=2) + 4 extra places for averages

FULL_SELECTION = """
    count
    sum { price pages wordCount readingTime rating edition }
    avg { price rating pages wordCount edition readingTime }
    min { price publishedOn createdAt pages rating readingTime wordCount }
    max { price publishedOn createdAt pages rating readingTime wordCount }
"""

ORM_AGGREGATES = {
    "count": Count("pk"),
    "sum_price": Sum("price"),
    "sum_pages": Sum("pages"),
    "sum_word_count": Sum("word_count"),
    "sum_reading_time": Sum("reading_time"),
    "sum_rating": Sum("rating"),
    "sum_edition": Sum("edition"),
    "avg_price": Avg("price"),
    "avg_rating": Avg("rating"),
    "avg_pages": Avg("pages"),
    "avg_word_count": Avg("word_count"),
    "avg_edition": Avg("edition"),
    "avg_reading_time": Avg("reading_time"),
    "min_price": Min("price"),
    "min_published_on": Min("published_on"),
    "min_created_at": Min("created_at"),
    "min_pages": Min("pages"),
    "min_rating": Min("rating"),
    "min_reading_time": Min("reading_time"),
    "min_word_count": Min("word_count"),
    "max_price": Max("price"),
    "max_published_on": Max("published_on"),
    "max_created_at": Max("created_at"),
    "max_pages": Max("pages"),
    "max_rating": Max("rating"),
    "max_reading_time": Max("reading_time"),
    "max_word_count": Max("word_count"),
}


def quantize(value, places: Decimal = CENTS) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(places)


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    return value.isoformat()


def approx(value):
    return None if value is None else pytest.approx(value, rel=1e-9)


def assert_book_statistics(result: dict, queryset) -> None:
    """Every statistic of FULL_SELECTION equals the ORM's ``aggregate()`` over ``queryset``."""
    orm = queryset.aggregate(**ORM_AGGREGATES)
    assert result["count"] == orm["count"]
    assert decimal_or_none(result["sum"]["price"]) == quantize(orm["sum_price"])
    assert result["sum"]["pages"] == orm["sum_pages"]
    assert result["sum"]["wordCount"] == orm["sum_word_count"]
    assert result["sum"]["readingTime"] == iso(orm["sum_reading_time"])
    assert result["sum"]["rating"] == approx(orm["sum_rating"])
    assert result["sum"]["edition"] == orm["sum_edition"]
    assert decimal_or_none(result["avg"]["price"]) == quantize(orm["avg_price"], AVG_PLACES)
    assert result["avg"]["rating"] == approx(orm["avg_rating"])
    assert result["avg"]["pages"] == approx(orm["avg_pages"])
    assert result["avg"]["wordCount"] == approx(orm["avg_word_count"])
    assert result["avg"]["edition"] == approx(orm["avg_edition"])
    assert result["avg"]["readingTime"] == iso(orm["avg_reading_time"])
    for stat in ("min", "max"):
        values = result[stat]
        assert decimal_or_none(values["price"]) == quantize(orm[f"{stat}_price"])
        assert values["publishedOn"] == iso(orm[f"{stat}_published_on"])
        created = values["createdAt"]
        assert (created and datetime.datetime.fromisoformat(created)) == orm[f"{stat}_created_at"]
        assert values["pages"] == orm[f"{stat}_pages"]
        assert values["rating"] == approx(orm[f"{stat}_rating"])
        assert values["readingTime"] == iso(orm[f"{stat}_reading_time"])
        assert values["wordCount"] == orm[f"{stat}_word_count"]


def make_book(n: int, price: str, **values) -> models.Book:
    return models.Book.objects.create(
        title=f"Aggregate Book {n}",
        slug=f"aggregate-book-{n}",
        isbn=f"99922{n:08d}",
        price=Decimal(price),
        **values,
    )


def make_publisher(n: int = 1) -> models.Publisher:
    return models.Publisher.objects.create(name=f"Aggregate Press {n}", slug=f"aggregate-press-{n}")


# -- whole-set statistics --------------------------------------------------------------------


def test_books_aggregate__every_statistic_equals_the_orm(gql):
    data = gql(f"{{ booksAggregate {{ {FULL_SELECTION} }} }}")
    assert_book_statistics(data["booksAggregate"], models.Book.objects.all())
    assert data["booksAggregate"]["count"] == models.Book.objects.count() > 0


def test_books_aggregate__with_where(gql):
    data = gql(f"{{ booksAggregate(where: {{status: {{eq: PUBLISHED}}}}) {{ {FULL_SELECTION} }} }}")
    queryset = models.Book.objects.filter(status=models.Book.Status.PUBLISHED)
    assert_book_statistics(data["booksAggregate"], queryset)
    assert 0 < data["booksAggregate"]["count"] < models.Book.objects.count()


def test_books_aggregate__to_many_condition_does_not_count_a_book_twice(gql):
    """Books with several matching reviews are counted (and summed) once."""
    data = gql(
        f"{{ booksAggregate(where: {{reviews: {{some: {{rating: {{gte: 1}}}}}}}}) {{ {FULL_SELECTION} }} }}"
    )
    queryset = models.Book.objects.filter(pk__in=models.Review.objects.values("book_id"))
    assert_book_statistics(data["booksAggregate"], queryset)
    assert models.Review.objects.count() > queryset.count()


def test_books_aggregate__over_an_empty_set(gql):
    data = gql(f'{{ booksAggregate(where: {{title: {{eq: "no such title"}}}}) {{ {FULL_SELECTION} }} }}')
    result = data["booksAggregate"]
    assert result["count"] == 0
    for stat in ("sum", "avg", "min", "max"):
        assert set(result[stat].values()) == {None}, stat
    assert_book_statistics(result, models.Book.objects.none())


def test_books_aggregate__count_alone(gql):
    data = gql("{ booksAggregate(where: {inStock: {eq: false}}) { count } }")
    assert data == {"booksAggregate": {"count": models.Book.objects.filter(in_stock=False).count()}}


def test_decimal_statistics__exact_values_at_the_field_scale(gql):
    """0.10 + 0.20 + 0.05 is 0.35 exactly (no float noise); averages keep 4 extra places."""
    publisher = make_publisher()
    for n, price in enumerate(["0.10", "0.20", "0.05"]):
        make_book(n, price, publisher=publisher)
    data = gql(
        """query($id: ID!) { booksAggregate(where: {publisher: {id: {eq: $id}}}) {
             count sum { price } avg { price } min { price } max { price } } }""",
        {"id": publisher.pk},
    )
    assert data["booksAggregate"] == {
        "count": 3,
        "sum": {"price": "0.35"},
        "avg": {"price": "0.116667"},
        "min": {"price": "0.05"},
        "max": {"price": "0.20"},
    }


def test_decimal_average__of_a_whole_number_keeps_its_places(gql):
    publisher = make_publisher()
    make_book(1, "1.00", publisher=publisher)
    make_book(2, "3.00", publisher=publisher)
    data = gql(
        "query($id: ID!) { booksAggregate(where: {publisher: {id: {eq: $id}}}) { sum { price } avg { price } } }",
        {"id": publisher.pk},
    )
    assert data["booksAggregate"] == {"sum": {"price": "4.00"}, "avg": {"price": "2.000000"}}


def test_duration_and_integer_statistics__exact_values(gql):
    publisher = make_publisher()
    values = [
        (datetime.timedelta(hours=1), 100, 3_000_000_000),
        (datetime.timedelta(hours=2), 200, 3_000_000_000),
        (datetime.timedelta(minutes=30), 301, None),
    ]
    for n, (reading_time, pages, words) in enumerate(values):
        make_book(n, "1.00", publisher=publisher, reading_time=reading_time, pages=pages, word_count=words)
    data = gql(
        """query($id: ID!) { booksAggregate(where: {publisher: {id: {eq: $id}}}) {
             sum { readingTime pages wordCount } avg { readingTime pages wordCount }
             min { readingTime } max { readingTime } } }""",
        {"id": publisher.pk},
    )
    assert data["booksAggregate"] == {
        "sum": {"readingTime": "P0DT03H30M00S", "pages": 601, "wordCount": 6_000_000_000},
        "avg": {"readingTime": "P0DT01H10M00S", "pages": pytest.approx(601 / 3), "wordCount": 3e9},
        "min": {"readingTime": "P0DT00H30M00S"},
        "max": {"readingTime": "P0DT02H00M00S"},
    }


def test_statistics__selected_through_fragments_and_aliases(gql):
    data = gql(
        """query($withMax: Boolean!) { booksAggregate { ...Stats total: sum { p: price } max @include(if: $withMax) { price } } }
           fragment Stats on BookAggregate { count ... on BookAggregate { sum { price } } }""",
        {"withMax": True},
    )
    orm = models.Book.objects.aggregate(total=Sum("price"), top=Max("price"))
    assert data["booksAggregate"] == {
        "count": models.Book.objects.count(),
        "sum": {"price": str(quantize(orm["total"]))},
        "total": {"p": str(quantize(orm["total"]))},
        "max": {"price": str(quantize(orm["top"]))},
    }


# -- groups ----------------------------------------------------------------------------------


def test_group_by_status__keys_in_order_with_orm_statistics(gql):
    data = gql(
        """{ booksAggregate(groupBy: [STATUS]) { count groups {
             key { status } count sum { price pages } avg { price rating } min { publishedOn } max { price } } } }"""
    )
    statuses = sorted(set(models.Book.objects.values_list("status", flat=True)))
    expected = []
    for status in statuses:
        orm = models.Book.objects.filter(status=status).aggregate(
            count=Count("pk"),
            sum_price=Sum("price"),
            sum_pages=Sum("pages"),
            avg_price=Avg("price"),
            avg_rating=Avg("rating"),
            min_published=Min("published_on"),
            max_price=Max("price"),
        )
        expected.append(
            {
                "key": {"status": status.upper()},
                "count": orm["count"],
                "sum": {"price": str(quantize(orm["sum_price"])), "pages": orm["sum_pages"]},
                "avg": {
                    "price": str(quantize(orm["avg_price"], AVG_PLACES)),
                    "rating": approx(orm["avg_rating"]),
                },
                "min": {"publishedOn": iso(orm["min_published"])},
                "max": {"price": str(quantize(orm["max_price"]))},
            }
        )
    result = data["booksAggregate"]
    assert result["groups"] == expected
    assert result["count"] == sum(g["count"] for g in result["groups"]) == models.Book.objects.count()
    assert [g["key"]["status"] for g in result["groups"]] == ["DRAFT", "OUT_OF_PRINT", "PUBLISHED"]


def test_group_by_two_keys__status_then_in_stock(gql):
    data = gql(
        "{ booksAggregate(groupBy: [STATUS, IN_STOCK]) { groups { key { status inStock } count sum { price } } } }"
    )
    rows = (
        models.Book.objects.values("status", "in_stock")
        .annotate(n=Count("pk"), total=Sum("price"))
        .order_by("status", "in_stock")
    )
    expected = [
        {
            "key": {"status": r["status"].upper(), "inStock": r["in_stock"]},
            "count": r["n"],
            "sum": {"price": str(quantize(r["total"]))},
        }
        for r in rows
    ]
    assert data["booksAggregate"]["groups"] == expected
    keys = [(g["key"]["status"], g["key"]["inStock"]) for g in expected]
    assert keys == sorted(keys) and len(keys) > 3


def test_group_by_repeated_key__counts_once(gql):
    data = gql("{ booksAggregate(groupBy: [STATUS, STATUS]) { groups { key { status } count } } }")
    single = gql("{ booksAggregate(groupBy: [STATUS]) { groups { key { status } count } } }")
    assert data == single


def test_group_by_publisher__key_is_the_publisher_object_and_null_comes_last(gql):
    """Groups follow the key's value (the publisher id), with the books without publisher last."""
    data = gql(
        """{ booksAggregate(groupBy: [PUBLISHER]) { groups {
             key { publisher { id name } } count sum { price } } } }"""
    )
    groups = data["booksAggregate"]["groups"]
    publishers = list(models.Publisher.objects.filter(books__isnull=False).distinct().order_by("pk"))
    expected = [
        {
            "key": {"publisher": {"id": str(p.pk), "name": p.name}},
            "count": p.books.count(),
            "sum": {"price": str(quantize(p.books.aggregate(s=Sum("price"))["s"]))},
        }
        for p in publishers
    ]
    orphans = models.Book.objects.filter(publisher__isnull=True)
    assert orphans.exists()
    expected.append(
        {
            "key": {"publisher": None},
            "count": orphans.count(),
            "sum": {"price": str(quantize(orphans.aggregate(s=Sum("price"))["s"]))},
        }
    )
    assert groups == expected


def test_group_by_nullable_number__nulls_last_on_every_database(gql):
    data = gql("{ booksAggregate(groupBy: [PAGES]) { groups { key { pages } count } } }")
    values = list(models.Book.objects.values_list("pages", flat=True))
    assert None in values
    distinct = sorted({v for v in values if v is not None})
    expected = [{"key": {"pages": v}, "count": values.count(v)} for v in distinct]
    expected.append({"key": {"pages": None}, "count": values.count(None)})
    assert data["booksAggregate"]["groups"] == expected


def test_group_by_publisher_and_status__nulls_last_at_the_first_level(gql):
    data = gql(
        "{ booksAggregate(groupBy: [PUBLISHER, STATUS]) { groups { key { publisher { id } status } count } } }"
    )
    rows = list(models.Book.objects.values_list("publisher_id", "status"))
    keys = sorted(set(rows), key=lambda k: (k[0] is None, k[0] or 0, k[1]))
    expected = [
        {
            "key": {"publisher": {"id": str(p)} if p else None, "status": s.upper()},
            "count": rows.count((p, s)),
        }
        for p, s in keys
    ]
    assert data["booksAggregate"]["groups"] == expected


def test_group_by_with_where(gql):
    data = gql(
        """{ booksAggregate(where: {price: {gte: "30"}}, groupBy: [IN_STOCK]) {
             count groups { key { inStock } count sum { price } } } }"""
    )
    queryset = models.Book.objects.filter(price__gte=30)
    expected = [
        {
            "key": {"inStock": flag},
            "count": queryset.filter(in_stock=flag).count(),
            "sum": {"price": str(quantize(queryset.filter(in_stock=flag).aggregate(s=Sum("price"))["s"]))},
        }
        for flag in (False, True)
        if queryset.filter(in_stock=flag).exists()
    ]
    assert data["booksAggregate"] == {"count": queryset.count(), "groups": expected}


def test_groups__limit_and_offset_slice_the_ordered_groups(gql):
    query = "query($limit: Int, $offset: Int) { booksAggregate(groupBy: [STATUS, IN_STOCK]) { groups(limit: $limit, offset: $offset) { key { status inStock } count } } }"
    everything = gql(query)["booksAggregate"]["groups"]
    assert len(everything) >= 4
    assert gql(query, {"limit": 2, "offset": 1})["booksAggregate"]["groups"] == everything[1:3]
    assert gql(query, {"limit": 2})["booksAggregate"]["groups"] == everything[:2]
    assert gql(query, {"offset": 3})["booksAggregate"]["groups"] == everything[3:]
    assert gql(query, {"limit": 0})["booksAggregate"]["groups"] == []
    assert gql(query, {"offset": 1000})["booksAggregate"]["groups"] == []


@pytest.mark.parametrize("arguments", ["limit: -1", "limit: 1001", "offset: -1"])
def test_groups__bad_sizes_are_bad_user_input(gql, arguments):
    result = gql.error(f"{{ booksAggregate(groupBy: [STATUS]) {{ groups({arguments}) {{ count }} }} }}")
    assert result.status == 200
    assert result.error_code() == "BAD_USER_INPUT"
    name = arguments.split(":")[0]
    assert name in result.errors[0]["extensions"]["argument"]
    assert name in result.errors[0]["message"]


@pytest.mark.parametrize("group_by", ["", "(groupBy: [])", "(groupBy: null)"])
def test_groups__without_group_by_is_bad_user_input(gql, group_by):
    result = gql.error(f"{{ booksAggregate{group_by} {{ count groups {{ count }} }} }}")
    assert result.status == 200
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "groupBy"
    assert "groupBy" in result.errors[0]["message"]
    assert result.errors[0]["path"] == ["booksAggregate", "groups"]


def test_group_by__unknown_key_is_bad_user_input(gql):
    result = gql.error("{ booksAggregate(groupBy: [METADATA]) { count } }")
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "groupBy"


def test_groups__statistics_selected_through_a_fragment(gql):
    data = gql(
        """{ booksAggregate(groupBy: [STATUS]) { groups { ...G } } }
           fragment G on BookAggregateGroup { key { status } sum { price } }"""
    )
    expected = [
        {"key": {"status": r["status"].upper()}, "sum": {"price": str(quantize(r["s"]))}}
        for r in models.Book.objects.values("status").annotate(s=Sum("price")).order_by("status")
    ]
    assert data["booksAggregate"]["groups"] == expected


def test_reviews_aggregate__group_by_rating(gql):
    data = gql(
        """{ reviewsAggregate(groupBy: [RATING]) { count avg { rating } groups {
             key { rating } count sum { rating } avg { rating } min { createdAt } max { createdAt } } } }"""
    )
    expected = []
    for rating in sorted(set(models.Review.objects.values_list("rating", flat=True))):
        orm = models.Review.objects.filter(rating=rating).aggregate(
            n=Count("pk"), s=Sum("rating"), first=Min("created_at"), last=Max("created_at")
        )
        expected.append(
            {
                "key": {"rating": rating},
                "count": orm["n"],
                "sum": {"rating": orm["s"]},
                "avg": {"rating": float(rating)},
                "min": {"createdAt": iso(orm["first"])},
                "max": {"createdAt": iso(orm["last"])},
            }
        )
    result = data["reviewsAggregate"]
    assert result["groups"] == expected
    assert result["count"] == models.Review.objects.count()
    assert result["avg"]["rating"] == approx(models.Review.objects.aggregate(a=Avg("rating"))["a"])


def test_reviews_aggregate__group_by_book_key_is_the_book(gql):
    data = gql("{ reviewsAggregate(groupBy: [BOOK]) { groups { key { book { id title } } count } } }")
    rows = models.Review.objects.values("book_id").annotate(n=Count("pk")).order_by("book_id")
    titles = dict(models.Book.objects.values_list("pk", "title"))
    assert data["reviewsAggregate"]["groups"] == [
        {"key": {"book": {"id": str(r["book_id"]), "title": titles[r["book_id"]]}}, "count": r["n"]}
        for r in rows
    ]


def test_events_aggregate__covers_every_kind_of_event(gql):
    data = gql(
        """{ eventsAggregate(groupBy: [VENUE]) {
             count sum { capacity duration } avg { capacity duration } min { startsAt duration } max { startsAt capacity }
             groups { key { venue { id name } } count sum { capacity } } } }"""
    )
    orm = models.Event.objects.aggregate(
        n=Count("pk"),
        cap=Sum("capacity"),
        dur=Sum("duration"),
        avg_cap=Avg("capacity"),
        avg_dur=Avg("duration"),
        first=Min("starts_at"),
        short=Min("duration"),
        last=Max("starts_at"),
        big=Max("capacity"),
    )
    result = data["eventsAggregate"]
    assert result["count"] == orm["n"] == models.Event.objects.count()
    assert models.BookLaunch.objects.exists() and models.Signing.objects.exists()
    assert result["sum"] == {"capacity": orm["cap"], "duration": iso(orm["dur"])}
    assert result["avg"] == {"capacity": approx(orm["avg_cap"]), "duration": iso(orm["avg_dur"])}
    assert result["min"] == {"startsAt": iso(orm["first"]), "duration": iso(orm["short"])}
    assert result["max"] == {"startsAt": iso(orm["last"]), "capacity": orm["big"]}
    venues = (
        models.Event.objects.values("venue_id", "venue__name")
        .annotate(n=Count("pk"), cap=Sum("capacity"))
        .order_by("venue_id")
    )
    assert result["groups"] == [
        {
            "key": {"venue": {"id": str(v["venue_id"]), "name": v["venue__name"]}},
            "count": v["n"],
            "sum": {"capacity": v["cap"]},
        }
        for v in venues
    ]


def test_children_aggregates__only_their_rows_with_parent_fields(gql):
    data = gql(
        """{ bookLaunchesAggregate { count sum { capacity duration } }
             signingsAggregate { count sum { capacity maxSignatures } max { maxSignatures } } }"""
    )
    launches = models.BookLaunch.objects.aggregate(n=Count("pk"), cap=Sum("capacity"), dur=Sum("duration"))
    signings = models.Signing.objects.aggregate(
        n=Count("pk"), cap=Sum("capacity"), sig=Sum("max_signatures"), top=Max("max_signatures")
    )
    assert data == {
        "bookLaunchesAggregate": {
            "count": launches["n"],
            "sum": {"capacity": launches["cap"], "duration": iso(launches["dur"])},
        },
        "signingsAggregate": {
            "count": signings["n"],
            "sum": {"capacity": signings["cap"], "maxSignatures": signings["sig"]},
            "max": {"maxSignatures": signings["top"]},
        },
    }
    assert launches["n"] + signings["n"] < models.Event.objects.count()


def test_proxy_aggregate__follows_its_manager(gql):
    data = gql(
        "{ publishedBooksAggregate(groupBy: [STATUS]) { count sum { price } groups { key { status } count } } }"
    )
    published = models.Book.objects.filter(status=models.Book.Status.PUBLISHED)
    total = published.aggregate(s=Sum("price"))["s"]
    assert data["publishedBooksAggregate"] == {
        "count": published.count(),
        "sum": {"price": str(quantize(total))},
        "groups": [{"key": {"status": "PUBLISHED"}, "count": published.count()}],
    }


def test_aggregate__bad_where_is_bad_user_input(gql):
    result = gql.error("{ booksAggregate(where: {price: {lt: null}}) { count } }")
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "where.price.lt"


# -- hidden fields ---------------------------------------------------------------------------

PARTNER_SECRETS = {"apiToken", "passwordHash", "webhookSecret", "signingKey"}


def _field_names(schema, type_name: str) -> set[str]:
    graphql_type = schema.get_type(type_name)
    return set(graphql_type.fields) if graphql_type is not None else set()


def test_hidden_fields__never_in_partner_account_aggregate_types():
    schema = toolkit.get_schema().graphql_schema
    group_by = schema.get_type("PartnerAccountGroupBy")
    assert set(group_by.values) == {
        "CONTACT_EMAIL",
        "CREATED_AT",
        "IS_ACTIVE",
        "LAST_SEEN_IP",
        "NAME",
        "UPDATED_AT",
    }
    assert _field_names(schema, "PartnerAccountGroupKey") == {
        "contactEmail",
        "createdAt",
        "isActive",
        "lastSeenIp",
        "name",
        "updatedAt",
    }
    for statistic in ("Sum", "Avg", "Min", "Max"):
        names = _field_names(schema, f"PartnerAccount{statistic}Aggregate")
        assert not names & (PARTNER_SECRETS | {"api_token", "password_hash", "webhook_secret", "signing_key"})
    assert _field_names(schema, "PartnerAccountMinAggregate") == {"createdAt", "updatedAt"}
    assert schema.get_type("PartnerAccountSumAggregate") is None
    assert schema.get_type("PartnerAccountAvgAggregate") is None


def test_hidden_fields__cannot_be_grouped_by(gql):
    result = gql.error("{ partnerAccountsAggregate(groupBy: [API_TOKEN]) { count } }")
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "groupBy"


def test_partner_accounts_aggregate__groups_by_a_visible_field(admin_gql):
    """Partner accounts need their view permission (read_policy "view"): a superuser has it."""
    data = admin_gql(
        "{ partnerAccountsAggregate(groupBy: [IS_ACTIVE]) { count groups { key { isActive } count } } }"
    )
    rows = models.PartnerAccount.objects.values("is_active").annotate(n=Count("pk")).order_by("is_active")
    assert data["partnerAccountsAggregate"] == {
        "count": models.PartnerAccount.objects.count(),
        "groups": [{"key": {"isActive": r["is_active"]}, "count": r["n"]} for r in rows],
    }


@pytest.mark.parametrize(
    "options",
    [
        {"SENSITIVE_FIELD_NAMES": ["price", "published_on", "publisher"]},
        {"MODELS": {"demo.Book": {"exclude": ["price", "published_on", "publisher"]}}},
    ],
)
def test_hidden_book_fields__leave_every_aggregate_type(options):
    with override_settings(TOOLKIT={"APPS": ["demo"], **options}):
        schema = toolkit.get_schema().graphql_schema
        for statistic in ("Sum", "Avg", "Min", "Max"):
            names = _field_names(schema, f"Book{statistic}Aggregate")
            assert names and not names & {"price", "publishedOn"}, statistic
        assert not _field_names(schema, "BookGroupKey") & {"price", "publishedOn", "publisher"}
        assert not {"PRICE", "PUBLISHED_ON", "PUBLISHER"} & set(schema.get_type("BookGroupBy").values)
        assert "pages" in _field_names(schema, "BookSumAggregate")


def test_hidden_book_field__querying_its_statistic_is_rejected(client, db):
    from tests.conftest import GraphQLClient

    with override_settings(TOOLKIT={"APPS": ["demo"], "MODELS": {"demo.Book": {"exclude": ["price"]}}}):
        result = GraphQLClient(client).post("{ booksAggregate { sum { price } } }")
    assert result.status == 400
    assert result.codes == ["GRAPHQL_VALIDATION_FAILED"]


def test_unrelated_aggregate_filters_by_q_equal_orm(gql):
    """An OR of two conditions aggregates the union once."""
    data = gql(
        """{ booksAggregate(where: {OR: [{status: {eq: DRAFT}}, {price: {gt: "60"}}]}) {
             count sum { price } } }"""
    )
    queryset = models.Book.objects.filter(Q(status="draft") | Q(price__gt=60))
    assert data["booksAggregate"] == {
        "count": queryset.count(),
        "sum": {"price": str(quantize(queryset.aggregate(s=Sum("price"))["s"]))},
    }
