"""The benchmarked operations: a GraphQL document and a hand-written view returning the same JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch

from demo.models import Author, Book, Publisher, Review, Tag


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    baseline: Callable[[], dict[str, Any]]


def _nested_books() -> dict[str, Any]:
    books = (
        Book.objects.order_by("pk")
        .select_related("publisher")
        .prefetch_related(
            Prefetch("authors", Author.objects.order_by("pk")),
            Prefetch("tags", Tag.objects.order_by("name", "pk")),
            Prefetch("reviews", Review.objects.order_by("pk")),
        )[:100]
    )
    return {
        "books": [
            {
                "id": str(b.pk),
                "title": b.title,
                "price": str(b.price),
                "publisher": {"name": b.publisher.name} if b.publisher else None,
                "authors": [{"name": a.name} for a in b.authors.all()],
                "tags": [{"name": t.name} for t in b.tags.all()],
                "reviews": [{"rating": r.rating} for r in b.reviews.all()],
            }
            for b in books
        ]
    }


def _depth_three() -> dict[str, Any]:
    publishers = Publisher.objects.order_by("name", "pk").prefetch_related(
        Prefetch(
            "books",
            Book.objects.order_by("pk").prefetch_related(
                Prefetch(
                    "authors",
                    Author.objects.order_by("pk").prefetch_related(
                        Prefetch("books", Book.objects.order_by("pk"))
                    ),
                )
            ),
        )
    )[:20]
    return {
        "publishers": [
            {
                "name": p.name,
                "books": [
                    {
                        "title": b.title,
                        "authors": [
                            {"name": a.name, "books": [{"title": ab.title} for ab in a.books.all()]}
                            for a in b.authors.all()
                        ],
                    }
                    for b in p.books.all()
                ],
            }
            for p in publishers
        ]
    }


def _filtered_page() -> dict[str, Any]:
    queryset = Book.objects.filter(status="published", price__gte=20).order_by("-price", "pk")
    return {
        "booksPage": {
            "totalCount": queryset.count(),
            "items": [{"id": str(b.pk), "title": b.title, "price": str(b.price)} for b in queryset[20:40]],
        }
    }


def _aggregate() -> dict[str, Any]:
    rows = Book.objects.order_by().values("status").annotate(count=Count("pk")).order_by("status")
    return {
        "booksAggregate": {
            "count": Book.objects.count(),
            "groups": [{"key": {"status": r["status"].upper()}, "count": r["count"]} for r in rows],
        }
    }


OPERATIONS = [
    Operation(
        "nested list: 100 books with publisher, authors, tags, reviews",
        "{ books(limit: 100) { id title price publisher { name } authors { name } tags { name }"
        " reviews { rating } } }",
        _nested_books,
    ),
    Operation(
        "depth 3: publishers > books > authors > books",
        "{ publishers(limit: 20) { name books { title authors { name books { title } } } } }",
        _depth_three,
    ),
    Operation(
        "filtered, ordered page",
        '{ booksPage(page: 2, pageSize: 20, where: {status: {eq: PUBLISHED}, price: {gte: "20"}},'
        " orderBy: [{price: DESC}]) { totalCount items { id title price } } }",
        _filtered_page,
    ),
    Operation(
        "aggregate grouped by status",
        "{ booksAggregate(groupBy: [STATUS]) { count groups { key { status } count } } }",
        _aggregate,
    ),
]
