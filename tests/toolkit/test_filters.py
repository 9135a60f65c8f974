"""The ``where`` argument on scalar fields: every operator of every operator input, null
semantics, AND/OR/NOT composition, opt-in regex, ``filter_fields`` and bad input.

Relations (to-one, to-many quantifiers, generic relations, multi-table children) are covered in
``test_filters_relations.py``. Expected rows are computed with the ORM or with plain Python over
the seeded rows, never by the engine's own compiler.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test import override_settings

import toolkit
from demo.models import Author, Authorship, Book, Comment, PartnerAccount, Publisher, Review, Store
from tests.conftest import ids

#: root list field -> (Where input type, model)
ROOTS = {
    "books": ("BookWhere", Book),
    "reviews": ("ReviewWhere", Review),
    "authors": ("AuthorWhere", Author),
    "publishers": ("PublisherWhere", Publisher),
    "stores": ("StoreWhere", Store),
    "authorships": ("AuthorshipWhere", Authorship),
    "partnerAccounts": ("PartnerAccountWhere", PartnerAccount),
    "comments": ("CommentWhere", Comment),
}
MAX_BIGINT = 2**63 - 1
MIN_BIGINT = -(2**63)


class Enum(str):
    """An enum value: bare in a GraphQL literal, a plain string in variables."""


def literal(value) -> str:
    """Render a Python value as a GraphQL input literal."""
    if isinstance(value, Enum):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"


def default_order(model) -> list[str]:
    return [*model._meta.ordering, "pk"]


def expected(model, condition) -> list[int]:
    """Primary keys in the API's default order: a ``Q`` for the ORM, or a Python predicate."""
    rows = model._default_manager.order_by(*default_order(model))
    if isinstance(condition, Q):
        return list(rows.filter(condition).distinct().values_list("pk", flat=True))
    return [row.pk for row in rows if condition(row)]


def every_pk(model) -> list[int]:
    return expected(model, Q())


def variable_query(root: str) -> str:
    return f"query($where: {ROOTS[root][0]}) {{ {root}(where: $where) {{ id }} }}"


def fetch(gql, root: str, where) -> list[int]:
    """Row ids of ``root(where: $where)``, the where passed as a variable."""
    return ids(gql(variable_query(root), {"where": where})[root])


def fetch_literal(gql, root: str, where) -> list[int]:
    """Row ids of ``root(where: {...})``, the where written inline."""
    return ids(gql(f"{{ {root}(where: {literal(where)}) {{ id }} }}")[root])


def post(gql, root: str, where):
    return gql.post(variable_query(root), {"where": where})


def assert_bad_input(result, argument: str) -> None:
    """One BAD_USER_INPUT error that names ``argument`` (in extensions and in the message)."""
    assert result.codes == ["BAD_USER_INPUT"], result.body
    error = result.errors[0]
    assert error["extensions"].get("argument") == argument, error
    assert argument in error["message"], error
    assert all(value is None for value in (result.data or {}).values()), result.body


def assert_rejected_by_validation(result, argument: str = "where") -> None:
    """HTTP 400, no data at all, BAD_USER_INPUT naming the argument (literal values)."""
    assert result.status == 400, result.body
    assert "data" not in result.body or result.data is None, result.body
    assert result.codes and set(result.codes) == {"BAD_USER_INPUT"}, result.body
    assert all(e["extensions"].get("argument") == argument for e in result.errors), result.body


def assert_rejected_variable(result, variable: str = "$where", argument: str = "where") -> None:
    """HTTP 400, no data, BAD_USER_INPUT naming the variable (message) and the argument it is
    passed to (extensions), for values given as variables."""
    assert result.status == 400, result.body
    assert "data" not in result.body or result.data is None, result.body
    assert result.codes and set(result.codes) == {"BAD_USER_INPUT"}, result.body
    assert all(variable in e["message"] for e in result.errors), result.body
    assert all(e["extensions"].get("argument") == argument for e in result.errors), result.body


def assert_never_internal(result) -> None:
    assert "INTERNAL_SERVER_ERROR" not in result.codes, result.body
    assert result.status < 500, result.body


# --------------------------------------------------------------------------------------------
# 1. Every operator of every operator input, as a variable and as a literal
# --------------------------------------------------------------------------------------------

P = pytest.param
OPERATOR_CASES = [
    # StringFilter on CharField (Book.title)
    P("books", {"title": {"eq": "The Paper Empire"}}, Q(title="The Paper Empire"), id="title.eq"),
    P("books", {"title": {"ne": "The Paper Empire"}}, ~Q(title="The Paper Empire"), id="title.ne"),
    P(
        "books",
        {"title": {"in": ["The Paper Empire", "The Winter Glass", "No Such Title"]}},
        Q(title__in=["The Paper Empire", "The Winter Glass"]),
        id="title.in",
    ),
    P(
        "books",
        {"title": {"notIn": ["The Paper Empire", "The Winter Glass"]}},
        ~Q(title__in=["The Paper Empire", "The Winter Glass"]),
        id="title.notIn",
    ),
    P("books", {"title": {"contains": "Garden"}}, Q(title__contains="Garden"), id="title.contains"),
    P("books", {"title": {"iContains": "hARBOR"}}, Q(title__icontains="harbor"), id="title.iContains"),
    P(
        "books",
        {"title": {"startsWith": "The Lantern"}},
        Q(title__startswith="The Lantern"),
        id="title.startsWith",
    ),
    P(
        "books",
        {"title": {"iStartsWith": "THE MEMORY"}},
        Q(title__istartswith="the memory"),
        id="title.iStartsWith",
    ),
    P("books", {"title": {"endsWith": "Empire"}}, Q(title__endswith="Empire"), id="title.endsWith"),
    P("books", {"title": {"iEndsWith": "winter"}}, Q(title__iendswith="WINTER"), id="title.iEndsWith"),
    P(
        "books",
        {"title": {"iExact": "the garden city"}},
        Q(title__iexact="The Garden City"),
        id="title.iExact",
    ),
    # StringFilter on other string-like fields
    P(
        "books",
        {"isbn": {"startsWith": "97800000001"}},
        Q(isbn__startswith="97800000001"),
        id="isbn.startsWith",
    ),
    P(
        "books",
        {"isbn": {"in": ["9780000000019", "9780000000071"]}},
        Q(isbn__in=["9780000000019", "9780000000071"]),
        id="isbn.in",
    ),
    P(
        "books",
        {"slug": {"startsWith": "the-garden-"}},
        Q(slug__startswith="the-garden-"),
        id="slug(SlugField)",
    ),
    P(
        "books",
        {"description": {"contains": "river"}},
        Q(description__contains="river"),
        id="description(TextField)",
    ),
    P(
        "reviews",
        {"ipAddress": {"eq": "203.0.113.129"}},
        Q(ip_address="203.0.113.129"),
        id="ipAddress(GenericIP).eq",
    ),
    P(
        "reviews",
        {"ipAddress": {"startsWith": "2001:db8::"}},
        Q(ip_address__startswith="2001:db8::"),
        id="ipAddress.startsWith",
    ),
    P(
        "reviews",
        {"ipAddress": {"ne": "203.0.113.129"}},
        ~Q(ip_address="203.0.113.129"),
        id="ipAddress.ne(includes null)",
    ),
    P("reviews", {"ipAddress": {"isNull": True}}, Q(ip_address__isnull=True), id="ipAddress.isNull"),
    P(
        "authors",
        {"email": {"iContains": "LOVELACE"}},
        Q(email__icontains="lovelace"),
        id="email(Email).iContains",
    ),
    P("authors", {"email": {"startsWith": "mary."}}, Q(email__startswith="mary."), id="email.startsWith"),
    P(
        "publishers",
        {"website": {"contains": "comet"}},
        Q(website__contains="comet"),
        id="website(URL).contains",
    ),
    P(
        "publishers",
        {"website": {"eq": "https://river-press-3.example.com"}},
        Q(website="https://river-press-3.example.com"),
        id="website.eq",
    ),
    # File fields are filtered as strings (their storage name)
    P("books", {"cover": {"startsWith": "covers/"}}, Q(cover__startswith="covers/"), id="cover.startsWith"),
    P(
        "books",
        {"sampleChapter": {"endsWith": ".txt"}},
        Q(sample_chapter__endswith=".txt"),
        id="sampleChapter",
    ),
    # IDFilter
    P("books", {"id": {"eq": "3"}}, Q(pk=3), id="id.eq"),
    P("books", {"id": {"ne": "3"}}, ~Q(pk=3), id="id.ne"),
    P("books", {"id": {"in": ["1", "4", "999"]}}, Q(pk__in=[1, 4]), id="id.in"),
    P("books", {"id": {"notIn": ["1", "4"]}}, ~Q(pk__in=[1, 4]), id="id.notIn"),
    # IntFilter (Book.edition, Book.pages nullable)
    P("books", {"edition": {"eq": 4}}, Q(edition=4), id="edition.eq"),
    P("books", {"edition": {"ne": 1}}, ~Q(edition=1), id="edition.ne"),
    P("books", {"edition": {"gt": 3}}, Q(edition__gt=3), id="edition.gt"),
    P("books", {"edition": {"gte": 4}}, Q(edition__gte=4), id="edition.gte"),
    P("books", {"edition": {"lt": 2}}, Q(edition__lt=2), id="edition.lt"),
    P("books", {"edition": {"lte": 2}}, Q(edition__lte=2), id="edition.lte"),
    P("books", {"edition": {"in": [2, 5]}}, Q(edition__in=[2, 5]), id="edition.in"),
    P("books", {"edition": {"notIn": [1, 2]}}, ~Q(edition__in=[1, 2]), id="edition.notIn"),
    P("books", {"edition": {"range": [2, 4]}}, Q(edition__gte=2, edition__lte=4), id="edition.range"),
    P("books", {"pages": {"gt": 300}}, Q(pages__gt=300), id="pages.gt(excludes null)"),
    P("books", {"pages": {"ne": 334}}, ~Q(pages=334), id="pages.ne(includes null)"),
    P("books", {"pages": {"notIn": [334, 508]}}, ~Q(pages__in=[334, 508]), id="pages.notIn(includes null)"),
    P("books", {"pages": {"isNull": True}}, Q(pages__isnull=True), id="pages.isNull"),
    # BigIntFilter (Book.wordCount)
    P("books", {"wordCount": {"gt": 150000}}, Q(word_count__gt=150000), id="wordCount.gt"),
    P("books", {"wordCount": {"lte": 39750}}, Q(word_count__lte=39750), id="wordCount.lte"),
    P("books", {"wordCount": {"eq": 128256}}, Q(word_count=128256), id="wordCount.eq"),
    P(
        "books",
        {"wordCount": {"range": [31415, 95202]}},
        Q(word_count__gte=31415, word_count__lte=95202),
        id="wordCount.range",
    ),
    P("books", {"wordCount": {"in": [31415, 75049, 1]}}, Q(word_count__in=[31415, 75049]), id="wordCount.in"),
    P("books", {"wordCount": {"isNull": False}}, Q(word_count__isnull=False), id="wordCount.isNull"),
    # FloatFilter (Book.rating)
    P("books", {"rating": {"eq": 3.0}}, Q(rating=3.0), id="rating.eq"),
    P("books", {"rating": {"ne": 3.0}}, ~Q(rating=3.0), id="rating.ne"),
    P("books", {"rating": {"gt": 3.5}}, Q(rating__gt=3.5), id="rating.gt"),
    P("books", {"rating": {"gte": 3.5}}, Q(rating__gte=3.5), id="rating.gte"),
    P("books", {"rating": {"lt": 3}}, Q(rating__lt=3), id="rating.lt"),
    P("books", {"rating": {"lte": 3.0}}, Q(rating__lte=3.0), id="rating.lte"),
    P("books", {"rating": {"in": [2.5, 4.0]}}, Q(rating__in=[2.5, 4.0]), id="rating.in"),
    P("books", {"rating": {"notIn": [2.5, 4.0]}}, ~Q(rating__in=[2.5, 4.0]), id="rating.notIn"),
    P("books", {"rating": {"range": [3.0, 3.5]}}, Q(rating__gte=3.0, rating__lte=3.5), id="rating.range"),
    # DecimalFilter (Book.price)
    P("books", {"price": {"eq": "21.86"}}, Q(price=Decimal("21.86")), id="price.eq"),
    P("books", {"price": {"ne": "21.86"}}, ~Q(price=Decimal("21.86")), id="price.ne"),
    P("books", {"price": {"gt": "60.91"}}, Q(price__gt=Decimal("60.91")), id="price.gt"),
    P("books", {"price": {"gte": "60.91"}}, Q(price__gte=Decimal("60.91")), id="price.gte"),
    P("books", {"price": {"lt": "30.53"}}, Q(price__lt=Decimal("30.53")), id="price.lt"),
    P("books", {"price": {"lte": "30.53"}}, Q(price__lte=Decimal("30.53")), id="price.lte"),
    P(
        "books",
        {"price": {"in": ["21.86", "13.3"]}},
        Q(price__in=[Decimal("21.86"), Decimal("13.30")]),
        id="price.in",
    ),
    P("books", {"price": {"notIn": ["21.86"]}}, ~Q(price__in=[Decimal("21.86")]), id="price.notIn"),
    P(
        "books",
        {"price": {"range": ["21.86", "45.54"]}},
        Q(price__gte=Decimal("21.86"), price__lte=Decimal("45.54")),
        id="price.range",
    ),
    # DateFilter (Book.publishedOn, nullable) with year/month/day taking an IntFilter
    P(
        "books",
        {"publishedOn": {"eq": "2013-11-07"}},
        Q(published_on=datetime.date(2013, 11, 7)),
        id="date.eq",
    ),
    P(
        "books",
        {"publishedOn": {"ne": "2013-11-07"}},
        ~Q(published_on=datetime.date(2013, 11, 7)),
        id="date.ne(includes null)",
    ),
    P(
        "books",
        {"publishedOn": {"gt": "2010-01-01"}},
        Q(published_on__gt=datetime.date(2010, 1, 1)),
        id="date.gt",
    ),
    P(
        "books",
        {"publishedOn": {"gte": "2013-09-09"}},
        Q(published_on__gte=datetime.date(2013, 9, 9)),
        id="date.gte",
    ),
    P(
        "books",
        {"publishedOn": {"lt": "2001-02-08"}},
        Q(published_on__lt=datetime.date(2001, 2, 8)),
        id="date.lt",
    ),
    P(
        "books",
        {"publishedOn": {"lte": "2001-02-08"}},
        Q(published_on__lte=datetime.date(2001, 2, 8)),
        id="date.lte",
    ),
    P(
        "books",
        {"publishedOn": {"in": ["2013-11-07", "2000-05-08"]}},
        Q(published_on__in=[datetime.date(2013, 11, 7), datetime.date(2000, 5, 8)]),
        id="date.in",
    ),
    P(
        "books",
        {"publishedOn": {"notIn": ["2013-11-07"]}},
        ~Q(published_on__in=[datetime.date(2013, 11, 7)]),
        id="date.notIn",
    ),
    P(
        "books",
        {"publishedOn": {"range": ["2000-05-08", "2013-09-09"]}},
        Q(published_on__gte=datetime.date(2000, 5, 8), published_on__lte=datetime.date(2013, 9, 9)),
        id="date.range",
    ),
    P("books", {"publishedOn": {"isNull": True}}, Q(published_on__isnull=True), id="date.isNull"),
    P("books", {"publishedOn": {"year": {"eq": 2013}}}, Q(published_on__year=2013), id="date.year.eq"),
    P("books", {"publishedOn": {"year": {"gte": 2010}}}, Q(published_on__year__gte=2010), id="date.year.gte"),
    P(
        "books",
        {"publishedOn": {"year": {"range": [2000, 2005]}}},
        Q(published_on__year__gte=2000, published_on__year__lte=2005),
        id="date.year.range",
    ),
    P("books", {"publishedOn": {"year": {"ne": 2013}}}, ~Q(published_on__year=2013), id="date.year.ne"),
    P(
        "books",
        {"publishedOn": {"month": {"in": [9, 11]}}},
        Q(published_on__month__in=[9, 11]),
        id="date.month.in",
    ),
    P("books", {"publishedOn": {"month": {"lt": 3}}}, Q(published_on__month__lt=3), id="date.month.lt"),
    P("books", {"publishedOn": {"day": {"eq": 8}}}, Q(published_on__day=8), id="date.day.eq"),
    P(
        "books",
        {"publishedOn": {"year": {"gte": 2010}, "month": {"in": [9, 11]}}},
        Q(published_on__year__gte=2010, published_on__month__in=[9, 11]),
        id="date.year+month",
    ),
    # DateTimeFilter (Review.createdAt)
    P(
        "reviews",
        {"createdAt": {"gt": "2024-11-01T00:00:00+00:00"}},
        Q(created_at__gt=datetime.datetime(2024, 11, 1, tzinfo=datetime.UTC)),
        id="datetime.gt",
    ),
    P(
        "reviews",
        {"createdAt": {"lte": "2024-01-23T13:11:00Z"}},
        Q(created_at__lte=datetime.datetime(2024, 1, 23, 13, 11, tzinfo=datetime.UTC)),
        id="datetime.lte(inclusive)",
    ),
    P(
        "reviews",
        {"createdAt": {"eq": "2024-01-23T13:11:00+00:00"}},
        Q(created_at=datetime.datetime(2024, 1, 23, 13, 11, tzinfo=datetime.UTC)),
        id="datetime.eq",
    ),
    P(
        "reviews",
        {"createdAt": {"eq": "2024-01-23T15:11:00+02:00"}},
        Q(created_at=datetime.datetime(2024, 1, 23, 13, 11, tzinfo=datetime.UTC)),
        id="datetime.eq(offset)",
    ),
    P(
        "reviews",
        {"createdAt": {"range": ["2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"]}},
        Q(
            created_at__gte=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC),
            created_at__lte=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
        ),
        id="datetime.range",
    ),
    P("reviews", {"createdAt": {"month": {"eq": 2}}}, Q(created_at__month=2), id="datetime.month"),
    P(
        "reviews",
        {"createdAt": {"day": {"in": [21, 23]}}},
        Q(created_at__day__in=[21, 23]),
        id="datetime.day",
    ),
    # TimeFilter (Store.opensAt / closesAt)
    P("stores", {"opensAt": {"eq": "10:00:00"}}, Q(opens_at=datetime.time(10)), id="time.eq"),
    P("stores", {"opensAt": {"ne": "10:00:00"}}, ~Q(opens_at=datetime.time(10)), id="time.ne"),
    P("stores", {"opensAt": {"lt": "10:00"}}, Q(opens_at__lt=datetime.time(10)), id="time.lt"),
    P("stores", {"closesAt": {"gte": "20:30"}}, Q(closes_at__gte=datetime.time(20, 30)), id="time.gte"),
    P("stores", {"closesAt": {"lte": "20:00:00"}}, Q(closes_at__lte=datetime.time(20)), id="time.lte"),
    P("stores", {"closesAt": {"gt": "20:00:00"}}, Q(closes_at__gt=datetime.time(20)), id="time.gt"),
    P(
        "stores",
        {"opensAt": {"range": ["08:00:00", "09:00:00"]}},
        Q(opens_at__gte=datetime.time(8), opens_at__lte=datetime.time(9)),
        id="time.range",
    ),
    P(
        "stores",
        {"closesAt": {"in": ["21:00:00", "23:00:00"]}},
        Q(closes_at__in=[datetime.time(21)]),
        id="time.in",
    ),
    # DurationFilter (Book.readingTime) with ISO 8601 values
    P(
        "books",
        {"readingTime": {"eq": "PT5H"}},
        Q(reading_time=datetime.timedelta(hours=5)),
        id="duration.eq",
    ),
    P(
        "books",
        {"readingTime": {"ne": "PT5H"}},
        ~Q(reading_time=datetime.timedelta(hours=5)),
        id="duration.ne(includes null)",
    ),
    P(
        "books",
        {"readingTime": {"gt": "PT12H"}},
        Q(reading_time__gt=datetime.timedelta(hours=12)),
        id="duration.gt",
    ),
    P(
        "books",
        {"readingTime": {"gte": "PT12H8M"}},
        Q(reading_time__gte=datetime.timedelta(hours=12, minutes=8)),
        id="duration.gte",
    ),
    P(
        "books",
        {"readingTime": {"lt": "PT4H"}},
        Q(reading_time__lt=datetime.timedelta(hours=4)),
        id="duration.lt",
    ),
    P(
        "books",
        {"readingTime": {"lte": "P0DT3H26M00S"}},
        Q(reading_time__lte=datetime.timedelta(hours=3, minutes=26)),
        id="duration.lte(long form)",
    ),
    P(
        "books",
        {"readingTime": {"range": ["PT3H26M", "PT8H12M"]}},
        Q(
            reading_time__gte=datetime.timedelta(hours=3, minutes=26),
            reading_time__lte=datetime.timedelta(hours=8, minutes=12),
        ),
        id="duration.range",
    ),
    P(
        "books",
        {"readingTime": {"in": ["PT5H", "PT3H4M"]}},
        Q(reading_time__in=[datetime.timedelta(hours=5), datetime.timedelta(hours=3, minutes=4)]),
        id="duration.in",
    ),
    P(
        "books",
        {"readingTime": {"notIn": ["PT5H"]}},
        ~Q(reading_time__in=[datetime.timedelta(hours=5)]),
        id="duration.notIn",
    ),
    P("books", {"readingTime": {"isNull": True}}, Q(reading_time__isnull=True), id="duration.isNull"),
    # BooleanFilter (Book.inStock)
    P("books", {"inStock": {"eq": True}}, Q(in_stock=True), id="bool.eq=true"),
    P("books", {"inStock": {"eq": False}}, Q(in_stock=False), id="bool.eq=false"),
    # Enum filters (Book.status, Authorship.role)
    P("books", {"status": {"eq": Enum("PUBLISHED")}}, Q(status="published"), id="status.eq"),
    P("books", {"status": {"ne": Enum("PUBLISHED")}}, ~Q(status="published"), id="status.ne"),
    P(
        "books",
        {"status": {"in": [Enum("DRAFT"), Enum("OUT_OF_PRINT")]}},
        Q(status__in=["draft", "out_of_print"]),
        id="status.in",
    ),
    P("books", {"status": {"notIn": [Enum("PUBLISHED")]}}, ~Q(status__in=["published"]), id="status.notIn"),
    P("authorships", {"role": {"eq": Enum("ILLUSTRATOR")}}, Q(role="illustrator"), id="role.eq"),
    P(
        "authorships",
        {"role": {"in": [Enum("EDITOR"), Enum("TRANSLATOR")]}},
        Q(role__in=["editor", "translator"]),
        id="role.in",
    ),
    P("authorships", {"role": {"ne": Enum("AUTHOR")}}, ~Q(role="author"), id="role.ne"),
    # JSONFilter: hasKey and object containment (emulated on SQLite)
    P("books", {"metadata": {"hasKey": "series"}}, lambda b: "series" in b.metadata, id="json.hasKey"),
    P(
        "books",
        {"metadata": {"contains": {"format": "ebook"}}},
        lambda b: b.metadata.get("format") == "ebook",
        id="json.contains",
    ),
    P(
        "books",
        {"metadata": {"contains": {"format": "paperback", "language": "en"}}},
        lambda b: b.metadata.get("format") == "paperback" and b.metadata.get("language") == "en",
        id="json.contains(two keys)",
    ),
    P(
        "books",
        {"metadata": {"contains": {"series": {"name": "garden"}}}},
        lambda b: b.metadata.get("series", {}).get("name") == "garden",
        id="json.contains(nested)",
    ),
    P(
        "books",
        {"metadata": {"contains": {"series": {"number": 5}}}},
        lambda b: b.metadata.get("series", {}).get("number") == 5,
        id="json.contains(nested number)",
    ),
    P(
        "publishers",
        {"metadata": {"contains": {"tier": "gold"}}},
        lambda p: p.metadata.get("tier") == "gold",
        id="json.contains(publisher)",
    ),
    P(
        "publishers",
        {"metadata": {"contains": {"independent": True}}},
        lambda p: p.metadata.get("independent") is True,
        id="json.contains(boolean)",
    ),
    P(
        "publishers",
        {"metadata": {"contains": {"tier": "gold", "independent": False}}},
        lambda p: p.metadata.get("tier") == "gold" and p.metadata.get("independent") is False,
        id="json.contains(string+boolean)",
    ),
]


#: Fields only staff may see (Review's field policies): filtering on them needs a staff client
#: (anyone else gets FORBIDDEN, see tests/security/test_visibility.py).
STAFF_ONLY_FIELDS = {"ipAddress", "reviewerEmail"}


@pytest.mark.parametrize("root, where, condition", OPERATOR_CASES)
def test_operator__returns_exactly_the_matching_rows(gql, staff_gql, root, where, condition):
    """Each operator matches what the ORM (or Python) says, passed as a variable or inline."""
    model = ROOTS[root][1]
    client = staff_gql if STAFF_ONLY_FIELDS & set(where) else gql
    want = expected(model, condition)
    assert 0 < len(want) < model.objects.count(), "the case must select some rows, not all"
    assert fetch(client, root, where) == want
    assert fetch_literal(client, root, where) == want


def test_file_is_null__matches_the_rows_whose_file_reads_as_null(gql):
    """A book without a cover reads ``cover: null``; ``isNull``/``eq: null`` find exactly those
    (Django stores an empty FileField as ``""``, which the API shows as null)."""
    rows = gql("{ books { id cover { name } sampleChapter { name } } }")["books"]
    without_cover = [int(r["id"]) for r in rows if r["cover"] is None]
    with_cover = [int(r["id"]) for r in rows if r["cover"] is not None]
    assert without_cover and with_cover
    assert fetch(gql, "books", {"cover": {"isNull": True}}) == without_cover
    assert fetch(gql, "books", {"cover": {"eq": None}}) == without_cover
    assert fetch(gql, "books", {"cover": {"isNull": False}}) == with_cover
    assert fetch(gql, "books", {"cover": {"ne": None}}) == with_cover
    no_sample = [int(r["id"]) for r in rows if r["sampleChapter"] is None]
    assert fetch(gql, "books", {"sampleChapter": {"isNull": True}}) == no_sample


def test_uuid_filter__eq_ne_in_not_in(gql):
    first, second, third = Book.objects.order_by("pk").values_list("uuid", flat=True)[:3]
    all_pks = every_pk(Book)
    pk_of = {u: pk for pk, u in Book.objects.values_list("pk", "uuid")}
    assert fetch(gql, "books", {"uuid": {"eq": str(second)}}) == [pk_of[second]]
    assert fetch_literal(gql, "books", {"uuid": {"eq": str(second).upper()}}) == [pk_of[second]]
    assert fetch(gql, "books", {"uuid": {"ne": str(second)}}) == [p for p in all_pks if p != pk_of[second]]
    wanted = sorted([pk_of[first], pk_of[third]])
    assert fetch(gql, "books", {"uuid": {"in": [str(first), str(third), str(uuid.uuid4())]}}) == wanted
    assert fetch(gql, "books", {"uuid": {"notIn": [str(first), str(third)]}}) == [
        p for p in all_pks if p not in wanted
    ]
    assert fetch(gql, "books", {"uuid": {"isNull": False}}) == all_pks


def test_decimal_range__is_inclusive_at_both_ends(gql):
    low, high = Book.objects.order_by("price").values_list("price", flat=True)[2:4]
    got = fetch(gql, "books", {"price": {"range": [str(low), str(high)]}})
    assert got == expected(Book, Q(price__in=[low, high]))
    assert len(got) == 2


def test_date_range__is_inclusive_at_both_ends(gql):
    dates = sorted(Book.objects.exclude(published_on=None).values_list("published_on", flat=True))
    low, high = dates[1], dates[3]
    got = fetch(gql, "books", {"publishedOn": {"range": [low.isoformat(), high.isoformat()]}})
    assert got == expected(Book, Q(published_on__in=dates[1:4]))
    assert len(got) == 3


def test_datetime_year__uses_utc_boundaries(gql):
    """A review written at 23:30 UTC on New Year's Eve belongs to that year."""
    book = Book.objects.order_by("pk").first()
    late = Review.objects.create(
        book=book,
        reviewer_name="Night Owl",
        rating=3,
        created_at=datetime.datetime(2023, 12, 31, 23, 30, tzinfo=datetime.UTC),
    )
    assert fetch(gql, "reviews", {"createdAt": {"year": {"eq": 2023}}}) == [late.pk]
    assert fetch(gql, "reviews", {"createdAt": {"year": {"lt": 2024}}}) == [late.pk]
    assert late.pk not in fetch(gql, "reviews", {"createdAt": {"year": {"eq": 2024}}})
    assert fetch(gql, "reviews", {"createdAt": {"year": {"eq": 2024}}}) == expected(
        Review, Q(created_at__year=2024)
    )


def test_datetime_without_offset__is_read_in_the_server_time_zone(gql):
    """A naive date-time means UTC here (TIME_ZONE); it is neither an error nor a crash."""
    naive = post(gql, "reviews", {"createdAt": {"gt": "2024-11-01T00:00:00"}})
    assert_never_internal(naive)
    assert ids(naive.data["reviews"]) == expected(
        Review, Q(created_at__gt=datetime.datetime(2024, 11, 1, tzinfo=datetime.UTC))
    )


def test_json_is_null__matches_no_seeded_row(gql):
    assert fetch(gql, "books", {"metadata": {"isNull": True}}) == []
    assert fetch(gql, "books", {"metadata": {"isNull": False}}) == every_pk(Book)


def test_json_contains__an_empty_object_matches_every_row(gql):
    assert fetch(gql, "books", {"metadata": {"contains": {}}}) == every_pk(Book)


def test_json_contains__an_empty_nested_object_matches_rows_having_that_key(gql):
    """Object containment: {"series": {}} holds for every row whose "series" is an object."""
    result = post(gql, "books", {"metadata": {"contains": {"series": {}}}})
    assert result.errors == [], result.body
    assert ids(result.data["books"]) == expected(Book, lambda b: isinstance(b.metadata.get("series"), dict))


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param({"series__name": "tide"}, id="double-underscore key"),
        pytest.param({"contains": "x"}, id="key named like a lookup"),
        pytest.param({"isnull": "x"}, id="key named isnull"),
        pytest.param({"format__exact": "ebook"}, id="key with a lookup suffix"),
    ],
)
def test_json_contains__keys_are_literal_keys_not_django_lookups(gql, pattern):
    """No row has these keys, so nothing matches; a key is never read as an ORM path."""
    result = post(gql, "books", {"metadata": {"contains": pattern}})
    assert_never_internal(result)
    assert result.errors == [], result.body
    assert ids(result.data["books"]) == []


@pytest.mark.parametrize(
    "pattern, predicate",
    [
        pytest.param(
            {"imprints": ["garden"]},
            lambda p: "garden" in p.metadata.get("imprints", []),
            id="array inside an object",
        ),
        pytest.param(["garden"], lambda p: False, id="top-level array"),
        pytest.param("gold", lambda p: False, id="top-level string"),
    ],
)
def test_json_contains__arrays_and_scalars_need_postgresql(gql, pattern, predicate):
    """PostgreSQL uses native containment; SQLite cannot emulate it: BAD_USER_INPUT there."""
    result = post(gql, "publishers", {"metadata": {"contains": pattern}})
    if connection.vendor == "postgresql":
        assert result.errors == [], result.body
        assert ids(result.data["publishers"]) == expected(Publisher, predicate)
    else:
        assert_bad_input(result, "where.metadata.contains")


def test_json_contains__array_inside_an_object_on_postgresql_selects_rows(gql):
    if connection.vendor != "postgresql":
        pytest.skip("array containment is PostgreSQL-only")
    got = fetch(gql, "publishers", {"metadata": {"contains": {"imprints": ["garden"]}}})
    assert 0 < len(got) < Publisher.objects.count()


# --------------------------------------------------------------------------------------------
# 2. Null semantics
# --------------------------------------------------------------------------------------------


def test_eq_null__means_is_null(gql, staff_gql):
    want = expected(Book, Q(pages__isnull=True))
    assert 0 < len(want) < Book.objects.count()
    assert fetch(gql, "books", {"pages": {"eq": None}}) == want
    assert fetch_literal(gql, "books", {"pages": {"eq": None}}) == want
    assert fetch(gql, "books", {"publishedOn": {"eq": None}}) == expected(Book, Q(published_on__isnull=True))
    assert fetch(staff_gql, "reviews", {"ipAddress": {"eq": None}}) == expected(
        Review, Q(ip_address__isnull=True)
    )
    assert fetch(gql, "books", {"status": {"eq": None}}) == []
    assert fetch(gql, "books", {"title": {"eq": None}}) == []


def test_ne_null__means_is_not_null(gql):
    want = expected(Book, Q(pages__isnull=False))
    assert fetch(gql, "books", {"pages": {"ne": None}}) == want
    assert fetch_literal(gql, "books", {"pages": {"ne": None}}) == want
    assert fetch(gql, "books", {"readingTime": {"ne": None}}) == expected(Book, Q(reading_time__isnull=False))
    assert fetch(gql, "books", {"title": {"ne": None}}) == every_pk(Book)


def test_is_null__true_and_false_partition_the_rows(gql):
    nulls = fetch(gql, "books", {"wordCount": {"isNull": True}})
    not_nulls = fetch(gql, "books", {"wordCount": {"isNull": False}})
    assert nulls == expected(Book, Q(word_count__isnull=True))
    assert not_nulls == expected(Book, Q(word_count__isnull=False))
    assert nulls and not_nulls and sorted(nulls + not_nulls) == every_pk(Book)


def test_ne_and_not_in__include_rows_where_the_field_is_null(gql):
    """Django ``~Q`` semantics: "not equal to 334" is true for a book with no page count."""
    null_pages = set(expected(Book, Q(pages__isnull=True)))
    assert null_pages
    assert null_pages <= set(fetch(gql, "books", {"pages": {"ne": 334}}))
    assert null_pages <= set(fetch(gql, "books", {"pages": {"notIn": [334]}}))
    assert null_pages <= set(fetch(gql, "books", {"NOT": {"pages": {"eq": 334}}}))
    assert null_pages <= set(fetch(gql, "books", {"NOT": {"pages": {"gt": 300}}}))
    assert not null_pages & set(fetch(gql, "books", {"pages": {"lt": 10_000}}))


def test_eq_null_inside_a_date_part__means_is_null(gql):
    assert fetch(gql, "books", {"publishedOn": {"year": {"eq": None}}}) == expected(
        Book, Q(published_on__isnull=True)
    )


def test_boolean_eq_null__means_is_null(gql):
    assert fetch(gql, "books", {"inStock": {"eq": None}}) == []
    assert fetch(gql, "books", {"inStock": {"isNull": False}}) == every_pk(Book)


@pytest.mark.parametrize(
    "where, argument",
    [
        ({"title": {"contains": None}}, "where.title.contains"),
        ({"title": {"iStartsWith": None}}, "where.title.iStartsWith"),
        ({"title": {"iExact": None}}, "where.title.iExact"),
        ({"title": {"in": None}}, "where.title.in"),
        ({"title": {"notIn": None}}, "where.title.notIn"),
        ({"title": {"isNull": None}}, "where.title.isNull"),
        ({"pages": {"gt": None}}, "where.pages.gt"),
        ({"pages": {"lte": None}}, "where.pages.lte"),
        ({"price": {"range": None}}, "where.price.range"),
        ({"publishedOn": {"year": None}}, "where.publishedOn.year"),
        ({"publishedOn": {"month": {"gte": None}}}, "where.publishedOn.month.gte"),
        ({"metadata": {"hasKey": None}}, "where.metadata.hasKey"),
        ({"metadata": {"contains": None}}, "where.metadata.contains"),
        ({"status": {"in": None}}, "where.status.in"),
        ({"title": None}, "where.title"),
        ({"NOT": None}, "where.NOT"),
        ({"AND": None}, "where.AND"),
        ({"OR": None}, "where.OR"),
        ({"AND": [{"title": {"eq": "x"}}, {"pages": {"gt": None}}]}, "where.AND[1].pages.gt"),
        ({"NOT": {"OR": [{"title": {"startsWith": None}}]}}, "where.NOT.OR[0].title.startsWith"),
    ],
)
def test_null_for_an_operator_other_than_eq_and_ne__is_bad_user_input(gql, where, argument):
    assert_bad_input(post(gql, "books", where), argument)
    assert_bad_input(gql.post(f"{{ books(where: {literal(where)}) {{ id }} }}"), argument)


@pytest.mark.parametrize(
    "field, values",
    [
        ("title", ["The Paper Empire"]),
        ("pages", [334]),
        ("id", ["1"]),
        ("price", ["21.86"]),
        ("status", ["PUBLISHED"]),
        ("readingTime", ["PT5H"]),
    ],
)
def test_in_empty__matches_nothing_and_not_in_empty__matches_everything(gql, field, values):
    assert fetch(gql, "books", {field: {"in": []}}) == []
    assert fetch(gql, "books", {field: {"notIn": []}}) == every_pk(Book)
    assert fetch(gql, "books", {field: {"in": values}}) != []
    assert fetch(gql, "books", {"NOT": {field: {"in": []}}}) == every_pk(Book)


def test_null_inside_an_in_list__is_rejected(gql):
    assert_rejected_by_validation(gql.post("{ books(where: {pages: {in: [1, null]}}) { id } }"))
    assert_rejected_variable(post(gql, "books", {"pages": {"in": [1, None]}}))


def test_where_null_and_empty_where__match_every_row(gql):
    assert fetch(gql, "books", None) == every_pk(Book)
    assert fetch(gql, "books", {}) == every_pk(Book)
    assert ids(gql("{ books(where: null) { id } }")["books"]) == every_pk(Book)
    assert fetch(gql, "books", {"title": {}}) == every_pk(Book)


# --------------------------------------------------------------------------------------------
# 3. AND / OR / NOT composition
# --------------------------------------------------------------------------------------------


def test_several_keys_at_one_level__are_anded(gql):
    where = {"status": {"eq": "PUBLISHED"}, "inStock": {"eq": True}, "edition": {"gte": 2}}
    want = expected(Book, Q(status="published", in_stock=True, edition__gte=2))
    assert 0 < len(want) < len(expected(Book, Q(status="published")))
    assert fetch(gql, "books", where) == want


def test_several_operators_on_one_field__are_anded(gql):
    want = expected(Book, Q(pages__gte=100, pages__lt=300))
    assert 0 < len(want) < Book.objects.count()
    assert fetch(gql, "books", {"pages": {"gte": 100, "lt": 300}}) == want
    assert fetch(
        gql, "books", {"title": {"startsWith": "The", "endsWith": "Empire", "ne": "The Paper Empire"}}
    ) == (expected(Book, Q(title__endswith="Empire") & ~Q(title="The Paper Empire")))


def test_or__matches_rows_matching_any_branch(gql):
    where = {"OR": [{"edition": {"eq": 5}}, {"status": {"eq": "DRAFT"}}, {"pages": {"eq": None}}]}
    want = expected(Book, Q(edition=5) | Q(status="draft") | Q(pages__isnull=True))
    assert fetch(gql, "books", where) == want
    assert fetch_literal(
        gql, "books", {"OR": [{"edition": {"eq": 5}}, {"status": {"eq": Enum("DRAFT")}}]}
    ) == (expected(Book, Q(edition=5) | Q(status="draft")))


def test_and_list__matches_rows_matching_every_branch(gql):
    where = {"AND": [{"title": {"startsWith": "The"}}, {"price": {"gt": "40"}}, {"inStock": {"eq": True}}]}
    assert fetch(gql, "books", where) == expected(
        Book, Q(title__startswith="The", price__gt=Decimal(40), in_stock=True)
    )


def test_not__negates_its_condition(gql):
    assert fetch(gql, "books", {"NOT": {"status": {"eq": "PUBLISHED"}}}) == expected(
        Book, ~Q(status="published")
    )
    assert fetch(gql, "books", {"NOT": {"NOT": {"edition": {"eq": 1}}}}) == expected(Book, Q(edition=1))


def test_combinator_next_to_field_keys__is_anded_with_them(gql):
    where = {"OR": [{"edition": {"eq": 1}}, {"edition": {"eq": 4}}], "inStock": {"eq": True}}
    want = expected(Book, (Q(edition=1) | Q(edition=4)) & Q(in_stock=True))
    assert 0 < len(want) < len(expected(Book, Q(edition__in=[1, 4])))
    assert fetch(gql, "books", where) == want


def test_not_or_and_not__nested_three_levels(gql):
    """NOT { OR: [ {AND: [A, B]}, {NOT: C} ] } == ~((A & B) | ~C)."""
    where = {
        "NOT": {
            "OR": [
                {"AND": [{"status": {"eq": "PUBLISHED"}}, {"edition": {"gte": 4}}]},
                {"NOT": {"inStock": {"eq": True}}},
            ]
        }
    }
    want = expected(Book, ~((Q(status="published") & Q(edition__gte=4)) | ~Q(in_stock=True)))
    assert 0 < len(want) < Book.objects.count()
    assert fetch(gql, "books", where) == want
    data = gql(
        """{ books(where: {NOT: {OR: [
                {AND: [{status: {eq: PUBLISHED}}, {edition: {gte: 4}}]},
                {NOT: {inStock: {eq: true}}}
            ]}}) { id } }"""
    )
    assert ids(data["books"]) == want


def test_four_levels_deep__with_nulls_and_ranges(gql):
    where = {
        "OR": [
            {
                "AND": [
                    {"NOT": {"OR": [{"pages": {"eq": None}}, {"pages": {"range": [100, 300]}}]}},
                    {"price": {"lt": "50"}},
                ]
            },
            {"AND": [{"publishedOn": {"year": {"lt": 2000}}}, {"NOT": {"rating": {"lt": 3}}}]},
        ]
    }
    want = expected(
        Book,
        (~(Q(pages__isnull=True) | Q(pages__gte=100, pages__lte=300)) & Q(price__lt=Decimal(50)))
        | (Q(published_on__year__lt=2000) & ~Q(rating__lt=3)),
    )
    assert 0 < len(want) < Book.objects.count()
    assert fetch(gql, "books", where) == want


def test_or_empty__matches_nothing(gql):
    assert fetch(gql, "books", {"OR": []}) == []
    assert fetch(gql, "books", {"OR": [], "inStock": {"eq": True}}) == []


def test_and_empty__matches_everything(gql):
    assert fetch(gql, "books", {"AND": []}) == every_pk(Book)
    assert fetch(gql, "books", {"AND": [], "edition": {"eq": 1}}) == expected(Book, Q(edition=1))


def test_not_of_or_empty__matches_everything(gql):
    assert fetch(gql, "books", {"NOT": {"OR": []}}) == every_pk(Book)


def test_not_of_an_always_true_condition__matches_nothing(gql):
    """``{}`` and ``AND: []`` hold for every row, so their negation holds for none."""
    assert fetch(gql, "books", {"NOT": {}}) == []
    assert fetch(gql, "books", {"NOT": {"AND": []}}) == []
    assert fetch(gql, "books", {"NOT": {"title": {}}}) == []


def test_or_with_an_always_true_branch__matches_everything(gql):
    """``OR: [{}, X]`` is true for every row, like ``X OR TRUE``."""
    assert fetch(gql, "books", {"OR": [{}, {"title": {"eq": "The Paper Empire"}}]}) == every_pk(Book)
    assert fetch(gql, "books", {"OR": [{"title": {"eq": "The Paper Empire"}}, {"AND": []}]}) == every_pk(Book)


def test_and_with_an_always_true_branch__is_the_other_branch(gql):
    assert fetch(gql, "books", {"AND": [{}, {"title": {"eq": "The Paper Empire"}}]}) == expected(
        Book, Q(title="The Paper Empire")
    )


def test_where_applies_the_same_on_list_page_connection_and_aggregate(gql):
    where = {"OR": [{"status": {"eq": "DRAFT"}}, {"rating": {"gte": 4}}]}
    want = expected(Book, Q(status="draft") | Q(rating__gte=4))
    data = gql(
        """query($where: BookWhere) {
          books(where: $where) { id }
          booksPage(where: $where) { totalCount items { id } }
          booksConnection(where: $where) { totalCount edges { node { id } } }
          booksAggregate(where: $where) { count }
        }""",
        {"where": where},
    )
    assert ids(data["books"]) == want
    assert ids(data["booksPage"]["items"]) == want and data["booksPage"]["totalCount"] == len(want)
    assert [int(e["node"]["id"]) for e in data["booksConnection"]["edges"]] == want
    assert data["booksConnection"]["totalCount"] == len(want)
    assert data["booksAggregate"]["count"] == len(want)


def test_where_combines_with_a_proxy_models_manager(gql):
    """publishedBooks only ever contains published books, whatever the where says."""
    published = expected(Book, Q(status="published"))
    data = gql(
        """{ drafts: publishedBooks(where: {status: {eq: DRAFT}}) { id }
             late: publishedBooks(where: {publishedOn: {year: {gte: 2010}}}) { id } }"""
    )
    assert data["drafts"] == []
    assert ids(data["late"]) == [
        pk for pk in expected(Book, Q(published_on__year__gte=2010)) if pk in published
    ]


# --------------------------------------------------------------------------------------------
# 6. Regex is opt-in per field
# --------------------------------------------------------------------------------------------

REGEX_ON_TITLE = {"APPS": ["demo"], "MODELS": {"demo.Book": {"regex_fields": ["title"]}}}


def test_regex_operators__are_absent_by_default(gql):
    string_filter = toolkit.get_schema().graphql_schema.get_type("StringFilter")
    assert "regex" not in string_filter.fields and "iRegex" not in string_filter.fields
    for operator in ("regex", "iRegex"):
        result = gql.post(f'{{ books(where: {{title: {{{operator}: "^The"}}}}) {{ id }} }}')
        assert_rejected_by_validation(result)
        assert operator in result.errors[0]["message"]
        assert_rejected_variable(post(gql, "books", {"title": {operator: "^The"}}))


def test_regex_fields__opt_a_string_field_in(gql):
    with override_settings(TOOLKIT=REGEX_ON_TITLE):
        schema = toolkit.get_schema().graphql_schema
        book_where = schema.get_type("BookWhere")
        assert {"regex", "iRegex"} <= set(book_where.fields["title"].type.fields)
        assert "regex" not in book_where.fields["description"].type.fields
        assert "regex" not in schema.get_type("StringFilter").fields

        want = expected(Book, Q(title__regex=r"^The (Paper|Memory) "))
        assert 0 < len(want) < Book.objects.count()
        assert fetch(gql, "books", {"title": {"regex": r"^The (Paper|Memory) "}}) == want
        assert fetch_literal(gql, "books", {"title": {"regex": r"^The (Paper|Memory) "}}) == want
        assert fetch(gql, "books", {"title": {"iRegex": "EMPIRE$"}}) == expected(
            Book, Q(title__iregex="empire$")
        )
        assert fetch(gql, "books", {"title": {"regex": "EMPIRE$"}}) == expected(
            Book, Q(title__regex="EMPIRE$")
        )
        assert fetch(gql, "books", {"title": {"regex": "[0-9]"}}) == []

        result = gql.post('{ books(where: {description: {regex: "a"}}) { id } }')
        assert_rejected_by_validation(result)
    assert_rejected_by_validation(gql.post('{ books(where: {title: {regex: "a"}}) { id } }'))


@pytest.mark.parametrize("pattern", ["(", "[a-", "a{2,1}", "*oops"])
def test_invalid_regex__is_bad_user_input(gql, pattern):
    with override_settings(TOOLKIT=REGEX_ON_TITLE):
        assert_bad_input(post(gql, "books", {"title": {"regex": pattern}}), "where.title.regex")
        assert_bad_input(post(gql, "books", {"title": {"iRegex": pattern}}), "where.title.iRegex")


@pytest.mark.parametrize(
    "selection, count",
    [
        ("books(where: $where) { id }", lambda d: len(d["books"])),
        ("booksPage(where: $where) { totalCount }", lambda d: d["booksPage"]["totalCount"]),
        ("booksAggregate(where: $where) { count }", lambda d: d["booksAggregate"]["count"]),
    ],
    ids=["list", "page", "aggregate"],
)
def test_regex_the_database_rejects__is_bad_user_input_not_a_server_error(gql, selection, count):
    """``(?P<n>...)`` is valid Python but not PostgreSQL syntax: never a 500, on any root field."""
    with override_settings(TOOLKIT=REGEX_ON_TITLE):
        result = gql.post(
            f"query($where: BookWhere) {{ {selection} }}", {"where": {"title": {"regex": "(?P<word>Empire)"}}}
        )
    assert_never_internal(result)
    if connection.vendor == "postgresql":
        assert result.codes == ["BAD_USER_INPUT"], result.body
    else:
        assert count(result.data) == len(expected(Book, Q(title__contains="Empire")))


def test_regex_with_a_nul_character__is_bad_user_input(gql):
    with override_settings(TOOLKIT=REGEX_ON_TITLE):
        assert_bad_input(post(gql, "books", {"title": {"regex": "a\x00"}}), "where.title.regex")


# --------------------------------------------------------------------------------------------
# filter_fields: only the listed fields are filterable
# --------------------------------------------------------------------------------------------


def test_filter_fields__limits_the_where_input(gql):
    settings = {"APPS": ["demo"], "MODELS": {"demo.Book": {"filter_fields": ["title", "status"]}}}
    with override_settings(TOOLKIT=settings):
        schema = toolkit.get_schema().graphql_schema
        assert set(schema.get_type("BookWhere").fields) == {"AND", "OR", "NOT", "title", "status"}
        assert "price" in schema.get_type("Book").fields  # still readable

        result = gql.post('{ books(where: {price: {gt: "1"}}) { id } }')
        assert_rejected_by_validation(result)
        assert "price" in result.errors[0]["message"]
        # the restriction follows BookWhere wherever it is used
        assert_rejected_by_validation(
            gql.post('{ publishers(where: {books: {some: {price: {gt: "1"}}}}) { id } }')
        )
        assert_rejected_variable(post(gql, "books", {"price": {"gt": "1"}}))

        assert fetch(gql, "books", {"title": {"eq": "The Paper Empire"}, "status": {"eq": "PUBLISHED"}}) == (
            expected(Book, Q(title="The Paper Empire", status="published"))
        )
    assert "price" in toolkit.get_schema().graphql_schema.get_type("BookWhere").fields


# --------------------------------------------------------------------------------------------
# 7. Bad input: never a 500
# --------------------------------------------------------------------------------------------


def test_unknown_field__is_rejected_with_http_400(gql):
    result = gql.post("{ books(where: {nope: {eq: 1}}) { id } }")
    assert_rejected_by_validation(result)
    assert "nope" in result.errors[0]["message"]
    result = post(gql, "books", {"nope": {"eq": 1}})
    assert_rejected_variable(result)
    assert "nope" in result.errors[0]["message"]


def test_snake_case_field_name__is_unknown_in_a_camel_case_schema(gql):
    assert_rejected_by_validation(gql.post("{ books(where: {word_count: {gt: 1}}) { id } }"))
    assert_rejected_variable(post(gql, "books", {"in_stock": {"eq": True}}))


def test_unknown_operator__is_rejected_with_http_400(gql):
    result = gql.post("{ books(where: {pages: {between: [1, 2]}}) { id } }")
    assert_rejected_by_validation(result)
    assert "between" in result.errors[0]["message"]
    assert_rejected_by_validation(gql.post('{ books(where: {status: {contains: "pub"}}) { id } }'))
    assert_rejected_by_validation(gql.post("{ books(where: {inStock: {ne: true}}) { id } }"))
    assert_rejected_by_validation(gql.post("{ books(where: {id: {gt: 1}}) { id } }"))


WRONG_TYPES = [
    pytest.param({"edition": {"eq": "two"}}, id="Int given a string"),
    pytest.param({"edition": {"eq": 1.5}}, id="Int given a float"),
    pytest.param({"pages": {"range": ["a", "b"]}}, id="range of strings"),
    pytest.param({"wordCount": {"gt": "lots"}}, id="BigInt given a word"),
    pytest.param({"rating": {"gt": "high"}}, id="Float given a word"),
    pytest.param({"price": {"eq": "cheap"}}, id="Decimal given a word"),
    pytest.param({"publishedOn": {"eq": "2013-13-45"}}, id="impossible Date"),
    pytest.param({"publishedOn": {"year": {"eq": "2013"}}}, id="year given a string"),
    pytest.param({"createdAt": {"gt": "yesterday"}}, id="DateTime given a word"),
    pytest.param({"readingTime": {"eq": "5 hours"}}, id="Duration not ISO 8601"),
    pytest.param({"readingTime": {"gt": 300}}, id="Duration given a number"),
    pytest.param({"uuid": {"eq": "not-a-uuid"}}, id="UUID malformed"),
    pytest.param({"inStock": {"eq": "yes"}}, id="Boolean given a string"),
    pytest.param({"status": {"eq": "published"}}, id="enum given its database value"),
    pytest.param({"status": {"eq": "ARCHIVED"}}, id="enum value that does not exist"),
    pytest.param({"title": {"eq": 12}}, id="String given a number"),
    pytest.param({"title": {"in": [["The Paper Empire"]]}}, id="String list given nested lists"),
    pytest.param({"metadata": {"hasKey": ["a"]}}, id="hasKey given a list"),
    pytest.param({"title": "The Paper Empire"}, id="field given a bare value"),
    pytest.param({"OR": [["x"]]}, id="OR given a list of lists"),
    pytest.param({"NOT": [{"title": {"eq": "x"}}]}, id="NOT given a list"),
    pytest.param({"publisher": {"some": {}}}, id="to-one given a quantifier"),
]


@pytest.mark.parametrize("where", WRONG_TYPES)
def test_wrong_operator_value_type__as_a_variable_is_bad_user_input(gql, where):
    root = "reviews" if "createdAt" in where else "books"
    assert_rejected_variable(post(gql, root, where))


@pytest.mark.parametrize("where", WRONG_TYPES)
def test_wrong_operator_value_type__as_a_literal_is_bad_user_input(gql, where):
    root = "reviews" if "createdAt" in where else "books"
    text = literal(where)
    if where == {"status": {"eq": "published"}} or where == {"status": {"eq": "ARCHIVED"}}:
        text = literal({"status": {"eq": Enum(where["status"]["eq"])}})
    assert_rejected_by_validation(gql.post(f"{{ {root}(where: {text}) {{ id }} }}"))


def test_a_single_object_for_or__is_coerced_to_a_one_element_list(gql):
    """GraphQL input coercion: ``OR: {...}`` means ``OR: [{...}]``."""
    want = expected(Book, Q(edition=4))
    assert fetch(gql, "books", {"OR": {"edition": {"eq": 4}}}) == want
    assert fetch_literal(gql, "books", {"OR": {"edition": {"eq": 4}}}) == want
    assert fetch(gql, "books", {"edition": {"in": 4}}) == want


def test_enum_given_as_a_string_literal__is_rejected(gql):
    assert_rejected_by_validation(gql.post('{ books(where: {status: {eq: "PUBLISHED"}}) { id } }'))


def test_int_beyond_32_bits__is_rejected(gql):
    assert_rejected_by_validation(gql.post("{ books(where: {edition: {eq: 3000000000}}) { id } }"))
    assert_rejected_variable(post(gql, "books", {"pages": {"gt": 2**31}}))


@pytest.mark.parametrize(
    "where, argument",
    [
        ({"id": {"eq": "abc"}}, "where.id.eq"),
        ({"id": {"ne": "1.5"}}, "where.id.ne"),
        ({"id": {"in": ["1", "abc"]}}, "where.id.in"),
        ({"id": {"notIn": ["", "2"]}}, "where.id.notIn"),
        ({"id": {"eq": "1\x00"}}, "where.id.eq"),
        ({"OR": [{"id": {"eq": "1"}}, {"id": {"eq": "one"}}]}, "where.OR[1].id.eq"),
    ],
)
def test_malformed_id__is_bad_user_input_naming_the_operator(gql, where, argument):
    assert_bad_input(post(gql, "books", where), argument)


def test_malformed_id_literal__is_bad_user_input(gql):
    assert_bad_input(gql.post('{ books(where: {id: {eq: "abc"}}) { id } }'), "where.id.eq")


def test_id_beyond_64_bits__matches_nothing_or_is_bad_user_input(gql):
    result = post(gql, "books", {"id": {"eq": str(2**70)}})
    assert_never_internal(result)
    if result.errors:
        assert_bad_input(result, "where.id.eq")
    else:
        assert result.data["books"] == []


@pytest.mark.parametrize(
    "field, values",
    [
        ("price", ["21.86"]),
        ("price", ["1", "2", "3"]),
        ("price", []),
        ("pages", [100]),
        ("edition", [1, 2, 3]),
        ("rating", [1.0]),
        ("wordCount", [1, 2, 3]),
        ("publishedOn", ["2000-01-01"]),
        ("readingTime", ["PT1H", "PT2H", "PT3H"]),
    ],
)
def test_range_without_exactly_two_values__is_bad_user_input(gql, field, values):
    assert_bad_input(post(gql, "books", {field: {"range": values}}), f"where.{field}.range")
    assert_bad_input(
        gql.post(f"{{ books(where: {literal({field: {'range': values}})}) {{ id }} }}"),
        f"where.{field}.range",
    )


def test_range_in_a_date_part__needs_two_values_too(gql):
    assert_bad_input(
        post(gql, "books", {"publishedOn": {"year": {"range": [2000]}}}), "where.publishedOn.year.range"
    )


def test_range_with_low_above_high__matches_nothing(gql):
    assert fetch(gql, "books", {"price": {"range": ["50", "10"]}}) == []


@pytest.mark.parametrize("field", ["apiToken", "passwordHash", "webhookSecret", "signingKey", "api_token"])
def test_hidden_field__cannot_be_filtered(gql, field):
    result = gql.post(f'{{ partnerAccounts(where: {{{field}: {{eq: "x"}}}}) {{ id name }} }}')
    assert_rejected_by_validation(result)
    result = post(gql, "partnerAccounts", {field: {"startsWith": "tok_"}})
    assert_rejected_variable(result)


def test_hidden_field_filter__cannot_be_used_as_an_oracle(gql):
    """Guessing the real token or a wrong one gives the same error and no rows."""
    partner = PartnerAccount.objects.order_by("pk").first()
    answers = []
    for guess in (partner.api_token, "tok_wrong"):
        result = gql.post(
            "query($w: PartnerAccountWhere) { partnerAccounts(where: $w) { id name } }",
            {"w": {"apiToken": {"eq": guess}}},
        )
        assert result.status == 400 and result.data is None, result.body
        body = json.dumps(result.body)
        assert partner.name not in body and partner.password_hash not in body
        assert partner.webhook_secret not in body and partner.signing_key not in body
        for error in result.errors:
            error["extensions"].pop("requestId")  # differs per request by design
        answers.append(json.dumps(result.body).replace(guess, "<guess>"))
    assert answers[0] == answers[1]
    where_type = toolkit.get_schema().graphql_schema.get_type("PartnerAccountWhere")
    assert not {"apiToken", "passwordHash", "webhookSecret", "signingKey"} & set(where_type.fields)


@pytest.mark.parametrize(
    "root, where, argument",
    [
        ("books", {"title": {"eq": "The\x00Paper"}}, "where.title.eq"),
        ("books", {"title": {"contains": "\x00"}}, "where.title.contains"),
        ("books", {"title": {"in": ["ok", "bad\x00"]}}, "where.title.in"),
        ("books", {"description": {"iContains": "a\x00b"}}, "where.description.iContains"),
        ("books", {"cover": {"startsWith": "covers/\x00"}}, "where.cover.startsWith"),
        ("reviews", {"ipAddress": {"eq": "203.0.113.1\x00"}}, "where.ipAddress.eq"),
        ("authors", {"email": {"iExact": "\x00@example.org"}}, "where.email.iExact"),
        ("books", {"metadata": {"hasKey": "se\x00ries"}}, "where.metadata.hasKey"),
        ("books", {"AND": [{"NOT": {"isbn": {"ne": "\x00"}}}]}, "where.AND[0].NOT.isbn.ne"),
    ],
)
def test_nul_character_in_a_string_value__is_bad_user_input(gql, staff_gql, root, where, argument):
    client = staff_gql if STAFF_ONLY_FIELDS & set(where) else gql
    assert_bad_input(post(client, root, where), argument)


def test_nul_character_in_a_string_literal__is_bad_user_input(gql):
    assert_bad_input(gql.post('{ books(where: {title: {eq: "a\\u0000b"}}) { id } }'), "where.title.eq")


def test_nul_character_inside_json_contains__is_bad_user_input(gql):
    result = post(gql, "books", {"metadata": {"contains": {"format": "a\x00"}}})
    assert_bad_input(result, "where.metadata.contains")


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1, 10**30])
def test_bigint_beyond_64_bits__is_bad_user_input(gql, value):
    assert_bad_input(post(gql, "books", {"wordCount": {"eq": value}}), "where.wordCount.eq")
    assert_bad_input(
        gql.post(f"{{ books(where: {{wordCount: {{gt: {value}}}}}) {{ id }} }}"), "where.wordCount.gt"
    )
    assert_bad_input(post(gql, "books", {"wordCount": {"in": [1, value]}}), "where.wordCount.in")
    assert_bad_input(post(gql, "books", {"wordCount": {"range": [0, value]}}), "where.wordCount.range")
    assert_bad_input(post(gql, "comments", {"objectId": {"lt": value}}), "where.objectId.lt")


def test_bigint_at_the_largest_64_bit_value__is_accepted(gql):
    assert fetch(gql, "books", {"wordCount": {"eq": MAX_BIGINT}}) == []
    assert fetch(gql, "books", {"wordCount": {"lt": MAX_BIGINT}}) == expected(
        Book, Q(word_count__isnull=False)
    )


def test_bigint_at_the_smallest_64_bit_value__is_accepted(gql):
    """-2**63 is the lower limit of a BigIntegerField, so it is a valid value."""
    assert fetch(gql, "books", {"wordCount": {"eq": MIN_BIGINT}}) == []
    assert fetch(gql, "books", {"wordCount": {"gt": MIN_BIGINT}}) == expected(
        Book, Q(word_count__isnull=False)
    )


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_decimal_that_is_not_a_finite_number__is_bad_user_input(gql, value):
    result = post(gql, "books", {"price": {"gt": value}})
    assert_never_internal(result)
    assert result.codes == ["BAD_USER_INPUT"], result.body
    assert_never_internal(gql.post(f'{{ books(where: {{price: {{eq: "{value}"}}}}) {{ id }} }}'))


@pytest.mark.parametrize("value", ["not-an-ip", "999.1.1.1", "2001:db8::zz"])
def test_malformed_ip_address__is_never_a_server_error(staff_gql, value):
    """Equality with something that is not an address matches nothing (or is BAD_USER_INPUT);
    staff, since only they may filter on a review's IP address."""
    for query in (
        "query($where: ReviewWhere) { reviews(where: $where) { id } }",
        "query($where: ReviewWhere) { reviewsPage(where: $where) { totalCount } }",
    ):
        result = staff_gql.post(query, {"where": {"ipAddress": {"eq": value}}})
        assert_never_internal(result)
        if result.errors:
            assert result.codes == ["BAD_USER_INPUT"], result.body
        else:
            assert result.data in ({"reviews": []}, {"reviewsPage": {"totalCount": 0}})


def test_invalid_literal_inside_a_variable_default__names_the_variable(gql):
    result = gql.post('query($where: BookWhere = {edition: {eq: "two"}}) { books(where: $where) { id } }')
    assert result.status == 400, result.body
    assert result.codes == ["BAD_USER_INPUT"], result.body
    assert result.errors[0]["extensions"].get("argument") == "$where"
