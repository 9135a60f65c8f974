"""``FileInfo`` with the pipeline: ``status``, ``contentType``, ``url`` (null unless clean) and thumbnails,
read for a whole list — and the lists nested in it — with one query."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.models import Book, Publisher
from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import image_bytes
from toolkit.testing import query_budget

STATUSES = ["clean", "pending", "infected", "scan_failed", "clean", "pending", "clean", "clean"]


def planned(gql, query, variables):
    """Run ``query`` once (the ``gql`` fixture's second, unplanned run would add its own queries)."""
    result = gql.post(query, variables, check=False)
    assert result.status == 200 and not result.errors, result.body
    return result.data


def media_queries(captured) -> int:
    return sum("media_pipeline_mediafile" in q["sql"] for q in captured.captured_queries)


@pytest.fixture
def covered(db):
    """``covered(n, publisher=None)``: n new books whose covers have records in the STATUSES order."""
    made = []

    def make(count: int, publisher: Publisher | None = None) -> list[Book]:
        books = []
        for _ in range(count):
            index = len(made)
            name = default_storage.save(f"covers/c{index}.png", ContentFile(image_bytes(10 + index, 10)))
            book = Book.objects.create(
                title=f"Covered {index}", slug=f"covered-{index}", isbn=f"99911{index:08d}", price="1.00",
                cover=name, publisher=publisher,
            )  # fmt: skip
            MediaFile.objects.filter(file=name).update(status=STATUSES[index % len(STATUSES)])
            made.append(book)
            books.append(book)
        return books

    return make


def expected_cover(book: Book) -> dict:
    media = MediaFile.objects.get(file=book.cover.name)
    clean = media.status == "clean"
    return {
        "name": book.cover.name,
        "status": media.status.upper(),
        "contentType": "image/png",
        "url": f"http://testserver/media/{book.cover.name}" if clean else None,
    }


LIST = """query($ids: [ID!]) { books(where: {id: {in: $ids}}, orderBy: [{id: ASC}]) {
  id cover { name status contentType url thumbnails { url } } sampleChapter { status url }
} }"""


def test_statuses_and_urls__follow_the_records(gql, covered):
    books = covered(5)
    data = gql(LIST, {"ids": [b.pk for b in books]})
    assert [row["cover"] for row in data["books"]] == [{**expected_cover(b), "thumbnails": []} for b in books]
    assert [row["cover"]["status"] for row in data["books"]] == [
        "CLEAN",
        "PENDING",
        "INFECTED",
        "SCAN_FAILED",
        "CLEAN",
    ]
    assert all(row["sampleChapter"] is None for row in data["books"])


def test_a_file_without_a_record__has_no_status_and_no_url(gql, db):
    book = Book.objects.create(
        title="Gone", slug="gone", isbn="9991200000001", price="1.00", cover="covers/gone.png"
    )
    assert not MediaFile.objects.filter(file="covers/gone.png").exists()  # not in the storage: not registered
    data = gql("query($id: ID!) { book(id: $id) { cover { name status url contentType thumbnails { size } } } }",
               {"id": book.pk})  # fmt: skip
    assert data["book"]["cover"] == {
        "name": "covers/gone.png", "status": None, "url": None, "contentType": None, "thumbnails": [],
    }  # fmt: skip


@pytest.mark.parametrize("count", [3, 8])
def test_a_list__reads_its_records_with_one_query(gql, covered, count):
    books = covered(count)
    with CaptureQueriesContext(connection) as captured, query_budget(3):
        gql.post(LIST, {"ids": [b.pk for b in books]}, check=False)
    assert media_queries(captured) == 1


def test_nested_lists__share_the_one_query(gql, covered):
    publishers = [Publisher.objects.create(name=f"Nested {i}", slug=f"nested-{i}") for i in range(3)]
    for publisher in publishers:
        covered(3, publisher)
    query = """query($ids: [ID!]) { publishers(where: {id: {in: $ids}}) {
      logo { status } books { cover { status url } } } }"""
    with CaptureQueriesContext(connection) as captured:
        data = planned(gql, query, {"ids": [p.pk for p in publishers]})
    assert media_queries(captured) == 1
    statuses = [b["cover"]["status"] for p in data["publishers"] for b in p["books"]]
    assert sorted(statuses) == sorted(s.upper() for s in [*STATUSES, STATUSES[0]])


@pytest.mark.parametrize(
    "query",
    [
        "query($ids: [ID!]) { booksPage(where: {id: {in: $ids}}) { items { cover { status } } } }",
        "query($ids: [ID!]) { booksConnection(where: {id: {in: $ids}}) { edges { node { cover { status } } } } }",
        "query($ids: [ID!]) { books(where: {id: {in: $ids}}) { publisher { logo { status } } cover { status } } }",
    ],
    ids=["page", "connection", "to-one"],
)
def test_pages_connections_and_relations__read_with_one_query(gql, covered, query):
    name = default_storage.save("publishers/logo.png", ContentFile(image_bytes(8, 8)))
    books = covered(4, Publisher.objects.create(name="To one", slug="to-one", logo=name))
    with CaptureQueriesContext(connection) as captured:
        data = planned(gql, query, {"ids": [b.pk for b in books]})
    assert media_queries(captured) == 1
    assert "CLEAN" in str(data) and "PENDING" in str(data)


def test_without_pipeline_fields__no_record_is_read(gql, covered):
    books = covered(3)
    with CaptureQueriesContext(connection) as captured:
        data = gql("query($ids: [ID!]) { books(where: {id: {in: $ids}}) { cover { name size } } }",
                   {"ids": [b.pk for b in books]})  # fmt: skip
    assert media_queries(captured) == 0
    assert [row["cover"]["size"] for row in data["books"]] == [b.cover.size for b in books]


def test_thumbnails__list_the_generated_sizes_in_configured_order(gql, covered):
    [book] = covered(1)
    media = MediaFile.objects.get(file=book.cover.name)
    media.thumbnails = {
        "large": {"name": "thumbnails/x/large.webp", "width": 1200, "height": 800},
        "small": {"name": "thumbnails/x/small.webp", "width": 160, "height": 107},
        "retired": {"name": "thumbnails/x/retired.webp", "width": 10, "height": 10},
    }
    media.save()
    data = gql("query($id: ID!) { book(id: $id) { cover { thumbnails { size url width height } "
               "medium: thumbnail(size: MEDIUM) { url } small: thumbnail(size: SMALL) { width } } } }",
               {"id": book.pk})  # fmt: skip
    cover = data["book"]["cover"]
    assert cover["thumbnails"] == [
        {
            "size": "SMALL",
            "url": "http://testserver/media/thumbnails/x/small.webp",
            "width": 160,
            "height": 107,
        },
        {
            "size": "LARGE",
            "url": "http://testserver/media/thumbnails/x/large.webp",
            "width": 1200,
            "height": 800,
        },
    ]
    assert (cover["medium"], cover["small"]) == (None, {"width": 160})


def test_thumbnails__have_no_url_once_the_file_is_not_clean(gql, covered):
    [book] = covered(1)
    MediaFile.objects.filter(file=book.cover.name).update(
        status="infected", thumbnails={"small": {"name": "thumbnails/y/small.webp", "width": 1, "height": 1}}
    )
    data = gql("query($id: ID!) { book(id: $id) { cover { url thumbnails { size url } } } }", {"id": book.pk})
    assert data["book"]["cover"] == {"url": None, "thumbnails": [{"size": "SMALL", "url": None}]}


def test_signed_cdn_urls__come_from_the_url_builder(gql, covered, media_settings):
    media_settings(CDN_URL="https://cdn.example.com/m", SIGNED_URLS={"enabled": True, "expires": 600})
    [book] = covered(1)
    url = gql("query($id: ID!) { book(id: $id) { cover { url } } }", {"id": book.pk})["book"]["cover"]["url"]
    assert url.startswith(f"https://cdn.example.com/m/{book.cover.name}?expires=")
    assert "&signature=" in url
