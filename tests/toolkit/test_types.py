"""How every Django field type reads through GraphQL, single-object lookups and proxy models."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils.duration import duration_iso_string

from demo import models
from tests.conftest import ids

UTC = datetime.UTC
MAX_BIGINT = 2**63 - 1


def make_publisher(**values) -> models.Publisher:
    defaults = {"name": "Precise Press", "slug": "precise-press"}
    return models.Publisher.objects.create(**{**defaults, **values})


def make_book(**values) -> models.Book:
    """A book with exact values (the seeded ones are random); reloaded as the database stores it."""
    defaults = {
        "title": "Precise Values",
        "slug": "precise-values",
        "isbn": "9990000000001",
        "status": models.Book.Status.PUBLISHED,
        "price": Decimal("12.50"),
    }
    book = models.Book.objects.create(**{**defaults, **values})
    return models.Book.objects.get(pk=book.pk)


# -- scalars ---------------------------------------------------------------------------------


def test_book_scalars__serialise_to_their_graphql_representation(gql):
    book = make_book(
        uuid=uuid.UUID("12345678-1234-4678-9234-567812345678"),
        title="Précis: an «exact» title",
        description="Line one.\nLine two with ünïcode.",
        status=models.Book.Status.OUT_OF_PRINT,
        edition=3,
        pages=412,
        word_count=5_000_000_000,  # beyond 32 bits: needs BigInt
        price=Decimal("12.5"),
        rating=4.25,
        in_stock=False,
        published_on=datetime.date(2001, 2, 3),
        reading_time=datetime.timedelta(hours=1, minutes=30),
    )
    data = gql(
        """query($id: ID!) { book(id: $id) {
            id uuid title slug isbn status description edition pages wordCount price rating
            inStock publishedOn readingTime } }""",
        {"id": book.pk},
    )
    assert data["book"] == {
        "id": str(book.pk),
        "uuid": "12345678-1234-4678-9234-567812345678",
        "title": "Précis: an «exact» title",
        "slug": "precise-values",
        "isbn": "9990000000001",
        "status": "OUT_OF_PRINT",
        "description": "Line one.\nLine two with ünïcode.",
        "edition": 3,
        "pages": 412,
        "wordCount": 5_000_000_000,
        "price": "12.50",
        "rating": 4.25,
        "inStock": False,
        "publishedOn": "2001-02-03",
        "readingTime": duration_iso_string(datetime.timedelta(hours=1, minutes=30)),
    }
    assert data["book"]["readingTime"] == "P0DT01H30M00S"


def test_nullable_scalars__are_null_when_the_column_is_null(gql):
    book = make_book(pages=None, word_count=None, rating=None, published_on=None, reading_time=None)
    data = gql(
        "query($id: ID!) { book(id: $id) { pages wordCount rating publishedOn readingTime publisher { id } } }",
        {"id": book.pk},
    )
    assert data["book"] == {
        "pages": None,
        "wordCount": None,
        "rating": None,
        "publishedOn": None,
        "readingTime": None,
        "publisher": None,
    }


@pytest.mark.parametrize(
    "duration",
    [
        datetime.timedelta(0),
        datetime.timedelta(minutes=1),
        datetime.timedelta(days=2, hours=3),
        datetime.timedelta(days=1, seconds=5, microseconds=250_000),
        datetime.timedelta(days=400),
        datetime.timedelta(minutes=-5),
    ],
)
def test_duration__is_django_iso_8601_string(gql, duration):
    book = make_book(reading_time=duration)
    data = gql("query($id: ID!) { book(id: $id) { readingTime } }", {"id": book.pk})
    assert data["book"]["readingTime"] == duration_iso_string(duration)


def test_decimal__keeps_the_field_scale(gql):
    book = make_book(price=Decimal("7"))
    data = gql("query($id: ID!) { book(id: $id) { price } }", {"id": book.pk})
    assert data["book"]["price"] == "7.00"


def test_seeded_books__match_the_orm_field_by_field(gql):
    data = gql(
        """{ books(orderBy: [{id: ASC}]) { id uuid title slug isbn status edition pages wordCount price
             rating inStock publishedOn readingTime metadata createdAt updatedAt } }"""
    )
    expected = [
        {
            "id": str(b.pk),
            "uuid": str(b.uuid),
            "title": b.title,
            "slug": b.slug,
            "isbn": b.isbn,
            "status": b.status.upper(),
            "edition": b.edition,
            "pages": b.pages,
            "wordCount": b.word_count,
            "price": str(b.price),
            "rating": b.rating,
            "inStock": b.in_stock,
            "publishedOn": b.published_on.isoformat() if b.published_on else None,
            "readingTime": duration_iso_string(b.reading_time) if b.reading_time else None,
            "metadata": b.metadata,
            "createdAt": b.created_at.isoformat(),
            "updatedAt": b.updated_at.isoformat(),
        }
        for b in models.Book.objects.order_by("pk")
    ]
    assert data["books"] == expected


def test_auto_timestamps__are_iso_datetimes_with_timezone(gql):
    before = datetime.datetime.now(UTC)
    book = make_book()
    after = datetime.datetime.now(UTC)
    data = gql("query($id: ID!) { book(id: $id) { createdAt updatedAt } }", {"id": book.pk})
    created = datetime.datetime.fromisoformat(data["book"]["createdAt"])
    updated = datetime.datetime.fromisoformat(data["book"]["updatedAt"])
    assert created.utcoffset() == datetime.timedelta(0)
    assert created == book.created_at and updated == book.updated_at
    assert before <= created <= updated <= after


def test_datetime__keeps_microseconds_and_utc_offset(gql):
    moment = datetime.datetime(2024, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    book = make_book()
    review = models.Review.objects.create(book=book, reviewer_name="R", rating=4, created_at=moment)
    data = gql("query($id: ID!) { review(id: $id) { createdAt } }", {"id": review.pk})
    assert data["review"]["createdAt"] == "2024-03-04T05:06:07.890123+00:00"


def test_time__is_hh_mm_ss(gql):
    store = models.Store.objects.create(
        name="Clock Shop",
        slug="clock-shop",
        city="Lisbon",
        opens_at=datetime.time(9, 0),
        closes_at=datetime.time(17, 30, 15),
    )
    data = gql("query($id: ID!) { store(id: $id) { opensAt closesAt openOnWeekends } }", {"id": store.pk})
    assert data["store"] == {"opensAt": "09:00:00", "closesAt": "17:30:15", "openOnWeekends": False}


def test_string_like_fields__email_url_slug_and_text(gql):
    publisher = make_publisher(
        website="https://precise.example.com/path?q=1",
        email="contact@precise.example.com",
        country="PT",
        founded_on=datetime.date(1899, 12, 31),
    )
    data = gql(
        "query($id: ID!) { publisher(id: $id) { name slug website email country foundedOn } }",
        {"id": publisher.pk},
    )
    assert data["publisher"] == {
        "name": "Precise Press",
        "slug": "precise-press",
        "website": "https://precise.example.com/path?q=1",
        "email": "contact@precise.example.com",
        "country": "PT",
        "foundedOn": "1899-12-31",
    }


@pytest.mark.parametrize("address", ["203.0.113.7", "2001:db8::1", None])
def test_generic_ip_address__v4_v6_and_null(staff_gql, address):
    """Review.ip_address is visible to staff only (its field policy)."""
    review = models.Review.objects.create(
        book=make_book(),
        reviewer_name="R",
        rating=3,
        ip_address=address,
        created_at=datetime.datetime(2024, 1, 1, tzinfo=UTC),
    )
    data = staff_gql("query($id: ID!) { review(id: $id) { ipAddress } }", {"id": review.pk})
    assert data["review"]["ipAddress"] == address


def test_partner_ip_address__ipv6_reads_back(admin_gql):
    """Partner accounts need their view permission: a superuser has it."""
    partner = models.PartnerAccount.objects.create(
        name="P", contact_email="p@example.com", api_token="t", password_hash="h", last_seen_ip="::1"
    )
    data = admin_gql(
        "query($id: ID!) { partnerAccount(id: $id) { lastSeenIp isActive } }", {"id": partner.pk}
    )
    assert data["partnerAccount"] == {"lastSeenIp": "::1", "isActive": True}


def test_positive_integer_fields(gql):
    author = models.Author.objects.create(name="Counted", email="counted@example.org")
    profile = models.AuthorProfile.objects.create(author=author, twitter_handle="@c", followers=2_000_000_000)
    data = gql("query($id: ID!) { authorProfile(id: $id) { followers twitterHandle } }", {"id": profile.pk})
    assert data["authorProfile"] == {"followers": 2_000_000_000, "twitterHandle": "@c"}


# -- JSON ------------------------------------------------------------------------------------


def test_json__nested_objects_and_arrays_are_json_not_strings(gql):
    metadata = {
        "format": "hardcover",
        "series": {"name": "tide", "number": 2, "tags": ["a", "b"]},
        "prices": [1.5, 2, None, True, {"deep": [[]]}],
        "empty": {},
    }
    book = make_book(metadata=metadata)
    data = gql("query($id: ID!) { book(id: $id) { metadata } }", {"id": book.pk})
    assert data["book"]["metadata"] == metadata


@pytest.mark.parametrize("value", [[1, "two", {"three": 3}], '{"looks": "like json"}', 42, {}])
def test_json__any_top_level_value_is_returned_as_stored(gql, value):
    book = make_book(metadata=value)
    data = gql("query($id: ID!) { book(id: $id) { metadata } }", {"id": book.pk})
    assert data["book"]["metadata"] == value


def test_json__publisher_metadata_matches_the_orm(gql):
    data = gql("{ publishers(orderBy: [{id: ASC}]) { id metadata } }")
    expected = [{"id": str(p.pk), "metadata": p.metadata} for p in models.Publisher.objects.order_by("pk")]
    assert data["publishers"] == expected
    assert all(isinstance(p["metadata"]["imprints"], list) for p in data["publishers"])


# -- enums -----------------------------------------------------------------------------------


def test_choice_fields__are_enum_names(gql):
    book = make_book(status=models.Book.Status.DRAFT)
    author = models.Author.objects.create(name="Role Player", email="role@example.org")
    models.Authorship.objects.create(book=book, author=author, role=models.Authorship.Role.ILLUSTRATOR)
    data = gql(
        "query($id: ID!) { book(id: $id) { status authorships { role } } }",
        {"id": book.pk},
    )
    assert data["book"] == {"status": "DRAFT", "authorships": [{"role": "ILLUSTRATOR"}]}


def test_choice_enums__list_every_choice():
    import toolkit

    schema = toolkit.get_schema().graphql_schema
    assert set(schema.get_type("BookStatus").values) == {"DRAFT", "PUBLISHED", "OUT_OF_PRINT"}
    assert set(schema.get_type("AuthorshipRole").values) == {"AUTHOR", "EDITOR", "TRANSLATOR", "ILLUSTRATOR"}


# -- files -----------------------------------------------------------------------------------


def test_files__name_absolute_url_and_size_in_bytes(gql):
    books = list(models.Book.objects.exclude(cover="").order_by("pk"))
    assert books, "the seed stores files for the first books"
    data = gql(
        """query($ids: [ID!]) { books(where: {id: {in: $ids}}, orderBy: [{id: ASC}]) {
            id cover { name url size } sampleChapter { name url size } } }""",
        {"ids": [b.pk for b in books]},
    )
    expected = [
        {
            "id": str(b.pk),
            "cover": {
                "name": b.cover.name,
                "url": f"http://testserver{b.cover.url}",
                "size": default_storage.size(b.cover.name),
            },
            "sampleChapter": {
                "name": b.sample_chapter.name,
                "url": f"http://testserver{b.sample_chapter.url}",
                "size": default_storage.size(b.sample_chapter.name),
            },
        }
        for b in books
    ]
    assert data["books"] == expected
    assert all(row["cover"]["size"] > 0 for row in data["books"])


def test_files__empty_field_is_null(gql):
    book = make_book()
    data = gql("query($id: ID!) { book(id: $id) { cover { name } sampleChapter { name } } }", {"id": book.pk})
    assert data["book"] == {"cover": None, "sampleChapter": None}


def test_files__null_on_other_models_too(gql):
    publisher = make_publisher()
    data = gql("query($id: ID!) { publisher(id: $id) { logo { name url size } } }", {"id": publisher.pk})
    assert data["publisher"] == {"logo": None}


@pytest.fixture
def without_media_pipeline(settings):
    """FileInfo as the toolkit alone serves it: with the media pipeline (settings/base.py), ``url``
    stays null until the file is scanned clean (tests/media/graphql)."""
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_EXTENSIONS": []}


def test_files__missing_from_storage_has_null_size_but_keeps_name_and_url(gql, without_media_pipeline):
    name = "covers/never-uploaded.png"
    assert not default_storage.exists(name)
    book = make_book(cover=name, sample_chapter="samples/gone.txt")
    data = gql(
        "query($id: ID!) { book(id: $id) { cover { name url size } sampleChapter { name size } } }",
        {"id": book.pk},
    )
    assert data["book"] == {
        "cover": {"name": name, "url": "http://testserver/media/covers/never-uploaded.png", "size": None},
        "sampleChapter": {"name": "samples/gone.txt", "size": None},
    }


def test_files__size_is_the_exact_byte_count(gql):
    from django.core.files.base import ContentFile

    stored = default_storage.save("samples/exact-size.txt", ContentFile(b"x" * 1234))
    try:
        book = make_book(sample_chapter=stored)
        data = gql("query($id: ID!) { book(id: $id) { sampleChapter { name size } } }", {"id": book.pk})
        assert data["book"]["sampleChapter"] == {"name": stored, "size": 1234}
    finally:
        default_storage.delete(stored)


def test_files__url_is_quoted(gql, without_media_pipeline):
    book = make_book(sample_chapter="samples/a b ü.txt")
    data = gql("query($id: ID!) { book(id: $id) { sampleChapter { name url } } }", {"id": book.pk})
    assert data["book"]["sampleChapter"] == {
        "name": "samples/a b ü.txt",
        "url": "http://testserver/media/samples/a%20b%20%C3%BC.txt",
    }


def test_files__an_already_absolute_storage_url_is_kept(gql, without_media_pipeline):
    book = make_book(cover="covers/cdn.png")
    with override_settings(MEDIA_URL="https://cdn.example.com/media/"):
        data = gql("query($id: ID!) { book(id: $id) { cover { url } } }", {"id": book.pk})
    assert data["book"]["cover"] == {"url": "https://cdn.example.com/media/covers/cdn.png"}


# -- single lookups --------------------------------------------------------------------------


def test_lookup__found(gql):
    book = models.Book.objects.order_by("pk")[3]
    data = gql(f'{{ book(id: "{book.pk}") {{ id title }} }}')
    assert data == {"book": {"id": str(book.pk), "title": book.title}}


def test_lookup__with_an_integer_variable(gql):
    book = models.Book.objects.order_by("pk").last()
    data = gql("query($id: ID!) { book(id: $id) { id } }", {"id": book.pk})
    assert data == {"book": {"id": str(book.pk)}}


def test_lookup__with_an_integer_literal(gql):
    book = models.Book.objects.order_by("pk").first()
    data = gql(f"{{ book(id: {book.pk}) {{ id }} }}")
    assert data == {"book": {"id": str(book.pk)}}


@pytest.mark.parametrize("absent", ["-1", "0"])
def test_lookup__ids_no_row_can_have_are_not_found(gql, absent):
    result = gql.error("query($id: ID!) { book(id: $id) { id } }", {"id": absent})
    assert result.data == {"book": None}
    assert result.error_code() == "NOT_FOUND"


def test_lookup__float_variable_is_rejected_before_execution(gql):
    result = gql.error("query($id: ID!) { book(id: $id) { id } }", {"id": 1.5})
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"


def test_lookup__absent_is_null_with_one_not_found_error(gql):
    missing = models.Book.objects.order_by("-pk").first().pk + 1000
    result = gql.error(f'{{ book(id: "{missing}") {{ id }} }}')
    assert result.status == 200
    assert result.data == {"book": None}
    assert result.error_code() == "NOT_FOUND"
    assert result.errors[0]["path"] == ["book"]


def test_lookup__largest_64_bit_id_is_not_found_not_an_error(gql):
    result = gql.error(f'{{ book(id: "{MAX_BIGINT}") {{ id }} }}')
    assert result.data == {"book": None}
    assert result.error_code() == "NOT_FOUND"


def test_lookup__not_found_does_not_hide_sibling_fields(gql):
    book = models.Book.objects.order_by("pk").first()
    result = gql.error(f'{{ found: book(id: "{book.pk}") {{ id }} missing: book(id: "987654") {{ id }} }}')
    assert result.data == {"found": {"id": str(book.pk)}, "missing": None}
    assert result.error_code() == "NOT_FOUND"
    assert result.errors[0]["path"] == ["missing"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "abc",
        "1.5",
        "",
        "1\x00",
        "\x00",
        str(MAX_BIGINT + 1),
        str(-(MAX_BIGINT + 2)),
        "9" * 40,
        "9" * 5000,
        "0x10",
    ],
)
def test_lookup__malformed_id_is_bad_user_input_naming_id(gql, bad_id):
    result = gql.error("query($id: ID!) { book(id: $id) { id } }", {"id": bad_id})
    assert result.status == 200
    assert result.data == {"book": None}
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "id"
    assert "'id'" in result.errors[0]["message"]


def test_lookup__malformed_literal_id_is_bad_user_input(gql):
    result = gql.error('{ book(id: "abc") { id } }')
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "id"


@pytest.mark.parametrize("field", ["author", "event", "bookLaunch", "review", "comment", "publishedBook"])
def test_lookup__every_model_rejects_malformed_ids(gql, field):
    result = gql.error(f'{{ {field}(id: "x\\u0000") {{ id }} }}')
    assert result.status == 200
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "id"


def test_lookup__missing_id_argument_is_a_validation_error(gql):
    result = gql.error("{ book { id } }")
    assert result.status == 400
    assert result.error_code() == "GRAPHQL_VALIDATION_FAILED"


# -- proxy models ----------------------------------------------------------------------------


def test_proxy_list__returns_only_what_its_manager_returns(gql):
    make_book(status=models.Book.Status.DRAFT)
    data = gql("{ publishedBooks { id status } }")
    expected = list(
        models.Book.objects.filter(status=models.Book.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert ids(data["publishedBooks"]) == expected
    assert {row["status"] for row in data["publishedBooks"]} == {"PUBLISHED"}
    assert len(expected) < models.Book.objects.count()


def test_proxy_list__filters_cannot_escape_the_manager(gql):
    data = gql("{ publishedBooks(where: {status: {eq: DRAFT}}) { id } }")
    assert data["publishedBooks"] == []


def test_proxy_lookup__of_a_published_book(gql):
    book = models.Book.objects.filter(status=models.Book.Status.PUBLISHED).order_by("pk").first()
    data = gql("query($id: ID!) { publishedBook(id: $id) { __typename id title } }", {"id": book.pk})
    assert data["publishedBook"] == {"__typename": "PublishedBook", "id": str(book.pk), "title": book.title}


def test_proxy_lookup__of_a_draft_is_not_found(gql):
    draft = models.Book.objects.filter(status=models.Book.Status.DRAFT).order_by("pk").first()
    result = gql.error("query($id: ID!) { publishedBook(id: $id) { id } }", {"id": draft.pk})
    assert result.data == {"publishedBook": None}
    assert result.error_code() == "NOT_FOUND"
    assert result.errors[0]["path"] == ["publishedBook"]
    # The same row is visible through the concrete model.
    assert gql("query($id: ID!) { book(id: $id) { id } }", {"id": draft.pk}) == {
        "book": {"id": str(draft.pk)}
    }


def test_proxy_counts_and_pages__follow_the_manager(gql):
    published = models.PublishedBook.objects.count()
    data = gql(
        "{ publishedBooksAggregate { count } publishedBooksPage { totalCount } "
        "publishedBooksConnection { totalCount } }"
    )
    assert data == {
        "publishedBooksAggregate": {"count": published},
        "publishedBooksPage": {"totalCount": published},
        "publishedBooksConnection": {"totalCount": published},
    }
