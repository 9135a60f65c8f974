"""The ``where`` argument across relations: to-one both ways, to-many ``some``/``none``/``every``
(reverse foreign keys, many-to-many both ways, the through model, generic relations),
multi-level paths, multi-table inheritance, and ``where`` on nested lists and counts.

Expected rows come from the ORM or from plain Python over the related rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Q

from demo.models import (
    Author,
    AuthorProfile,
    Authorship,
    Book,
    BookLaunch,
    Comment,
    Event,
    Publisher,
    Review,
    Signing,
    Store,
    Tag,
)
from tests.conftest import ids

ROOTS = {
    "books": ("BookWhere", Book),
    "authors": ("AuthorWhere", Author),
    "authorProfiles": ("AuthorProfileWhere", AuthorProfile),
    "authorships": ("AuthorshipWhere", Authorship),
    "publishers": ("PublisherWhere", Publisher),
    "reviews": ("ReviewWhere", Review),
    "stores": ("StoreWhere", Store),
    "tags": ("TagWhere", Tag),
    "events": ("EventWhere", Event),
    "bookLaunches": ("BookLaunchWhere", BookLaunch),
    "signings": ("SigningWhere", Signing),
    "comments": ("CommentWhere", Comment),
}


def in_order(model):
    return model._default_manager.order_by(*model._meta.ordering, "pk")


def expected(model, condition) -> list[int]:
    """Primary keys in the API's default order: a ``Q`` for the ORM, or a Python predicate."""
    if isinstance(condition, Q):
        return list(in_order(model).filter(condition).distinct().values_list("pk", flat=True))
    return [row.pk for row in in_order(model) if condition(row)]


def every_pk(model) -> list[int]:
    return expected(model, Q())


def fetch(gql, root: str, where) -> list[int]:
    query = f"query($where: {ROOTS[root][0]}) {{ {root}(where: $where) {{ id }} }}"
    return ids(gql(query, {"where": where})[root])


def assert_selective(want: list[int], model) -> None:
    """The case must tell matching rows from the others (so it can fail)."""
    assert 0 < len(want) < model._default_manager.count(), want


def assert_bad_input(result, argument: str) -> None:
    assert result.codes == ["BAD_USER_INPUT"], result.body
    assert result.errors[0]["extensions"].get("argument") == argument, result.body
    assert argument in result.errors[0]["message"], result.body


def ratings(book) -> list[int]:
    return [r.rating for r in book.reviews.all()]


def bare_book(**fields) -> Book:
    """A book with no reviews, tags, authors, comments or publisher."""
    defaults = {
        "title": "The Empty Shelf",
        "slug": "the-empty-shelf",
        "isbn": "9791234567896",
        "price": "9.99",
    }
    return Book.objects.create(**{**defaults, **fields})


# --------------------------------------------------------------------------------------------
# To-one relations
# --------------------------------------------------------------------------------------------


def test_forward_to_one__filters_on_the_related_rows_fields(gql):
    want = expected(Book, Q(publisher__name__icontains="press"))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"publisher": {"name": {"iContains": "PRESS"}}}) == want


def test_forward_to_one__several_related_conditions_hold_on_the_same_row(gql):
    where = {"publisher": {"name": {"endsWith": "3"}, "foundedOn": {"lt": "1950-01-01"}}}
    want = expected(
        Book, Q(publisher__name__endswith="3", publisher__founded_on__lt=datetime.date(1950, 1, 1))
    )
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


def test_forward_to_one_null__means_no_related_row(gql):
    want = expected(Book, Q(publisher__isnull=True))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"publisher": None}) == want
    assert ids(gql("{ books(where: {publisher: null}) { id } }")["books"]) == want
    assert fetch(gql, "books", {"NOT": {"publisher": None}}) == expected(Book, Q(publisher__isnull=False))


def test_forward_to_one_empty_where__means_a_related_row_exists(gql):
    assert fetch(gql, "books", {"publisher": {}}) == expected(Book, Q(publisher__isnull=False))


def test_not_on_a_to_one_condition__keeps_rows_without_a_related_row(gql):
    """Django ``exclude`` semantics: a book with no publisher is "not published by River Press"."""
    where = {"NOT": {"publisher": {"name": {"eq": "River Press 3"}}}}
    want = expected(Book, ~Q(publisher__name="River Press 3"))
    assert set(expected(Book, Q(publisher__isnull=True))) <= set(want)
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


def test_to_one_chain__two_levels(gql):
    where = {"book": {"publisher": {"name": {"eq": "River Press 3"}}}}
    want = expected(Review, Q(book__publisher__name="River Press 3"))
    assert_selective(want, Review)
    assert fetch(gql, "reviews", where) == want


def test_reverse_one_to_one__filters_on_the_profile(gql):
    want = expected(Author, Q(profile__followers__gt=150_000))
    assert_selective(want, Author)
    assert fetch(gql, "authors", {"profile": {"followers": {"gt": 150_000}}}) == want


def test_reverse_one_to_one_null__means_no_profile(gql):
    without = expected(Author, Q(profile__isnull=True))
    assert_selective(without, Author)
    assert fetch(gql, "authors", {"profile": None}) == without
    assert fetch(gql, "authors", {"NOT": {"profile": None}}) == expected(Author, Q(profile__isnull=False))
    assert fetch(gql, "authors", {"profile": {}}) == expected(Author, Q(profile__isnull=False))


def test_not_on_a_reverse_one_to_one__keeps_authors_without_a_profile(gql):
    want = expected(Author, ~Q(profile__followers__gt=150_000))
    assert set(expected(Author, Q(profile__isnull=True))) <= set(want)
    assert fetch(gql, "authors", {"NOT": {"profile": {"followers": {"gt": 150_000}}}}) == want


def test_one_to_one_forward__from_the_profile(gql):
    want = expected(AuthorProfile, Q(author__name__startswith="Toni"))
    assert_selective(want, AuthorProfile)
    assert fetch(gql, "authorProfiles", {"author": {"name": {"startsWith": "Toni"}}}) == want


# --------------------------------------------------------------------------------------------
# To-many: reverse foreign key (Book.reviews)
# --------------------------------------------------------------------------------------------


def test_some__books_with_at_least_one_matching_review(gql):
    want = expected(Book, lambda b: 5 in ratings(b))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"reviews": {"some": {"rating": {"eq": 5}}}}) == want


def test_none__books_without_a_matching_review(gql):
    want = expected(Book, lambda b: all(r > 2 for r in ratings(b)))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"reviews": {"none": {"rating": {"lte": 2}}}}) == want


def test_every__books_whose_reviews_all_match(gql):
    want = expected(Book, lambda b: all(r >= 3 for r in ratings(b)))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"reviews": {"every": {"rating": {"gte": 3}}}}) == want


def test_every__is_true_for_a_book_with_no_reviews(gql):
    lonely = bare_book()
    every = fetch(gql, "books", {"reviews": {"every": {"rating": {"eq": 5}}}})
    assert lonely.pk in every
    assert every == expected(Book, lambda b: all(r == 5 for r in ratings(b)))
    assert lonely.pk not in fetch(gql, "books", {"reviews": {"some": {"rating": {"eq": 5}}}})
    assert lonely.pk in fetch(gql, "books", {"reviews": {"none": {"rating": {"eq": 5}}}})


def test_some_and_none_of_an_empty_where__mean_has_rows_and_has_no_rows(gql):
    lonely = bare_book()
    assert fetch(gql, "books", {"reviews": {"some": {}}}) == expected(Book, lambda b: ratings(b) != [])
    assert fetch(gql, "books", {"reviews": {"none": {}}}) == [lonely.pk]


def test_every_of_an_empty_where__holds_for_every_row(gql):
    """``{}`` holds for each review, so every book (with or without reviews) matches."""
    bare_book()
    assert fetch(gql, "books", {"reviews": {"every": {}}}) == every_pk(Book)
    assert fetch(gql, "books", {"tags": {"every": {"AND": []}}}) == every_pk(Book)


def test_every_with_a_condition_on_a_nullable_field(staff_gql):
    """Reviews with no IP address fail ``ipAddress startsWith``, so they break ``every`` (staff:
    only they may filter on a review's IP address)."""
    books = expected(Book, lambda b: all((r.ip_address or "").startswith("203.") for r in b.reviews.all()))
    assert_selective(books, Book)
    assert fetch(staff_gql, "books", {"reviews": {"every": {"ipAddress": {"startsWith": "203."}}}}) == books


def test_quantifiers_in_one_relation_filter__are_anded(gql):
    where = {"reviews": {"some": {"rating": {"eq": 5}}, "none": {"rating": {"eq": 1}}}}
    want = expected(Book, lambda b: 5 in ratings(b) and 1 not in ratings(b))
    assert_selective(want, Book)
    assert want != expected(Book, lambda b: 5 in ratings(b))
    assert fetch(gql, "books", where) == want


def test_some__conditions_inside_must_hold_on_the_same_related_row(gql):
    """some {rating 5, verifiedPurchase true} is one review that is both, not two reviews."""
    where = {"reviews": {"some": {"rating": {"eq": 5}, "verifiedPurchase": {"eq": False}}}}
    want = expected(Book, lambda b: any(r.rating == 5 and not r.verified_purchase for r in b.reviews.all()))
    loose = expected(
        Book,
        lambda b: (
            any(r.rating == 5 for r in b.reviews.all())
            and any(not r.verified_purchase for r in b.reviews.all())
        ),
    )
    assert want != loose
    assert fetch(gql, "books", where) == want


def test_two_some_filters_in_an_and__may_match_different_related_rows(gql):
    where = {
        "AND": [{"reviews": {"some": {"rating": {"eq": 5}}}}, {"reviews": {"some": {"rating": {"eq": 1}}}}]
    }
    want = expected(Book, lambda b: 5 in ratings(b) and 1 in ratings(b))
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


def test_reverse_foreign_key_on_other_models(gql):
    want = expected(Publisher, lambda p: any(b.status == "draft" for b in p.books.all()))
    assert_selective(want, Publisher)
    assert fetch(gql, "publishers", {"books": {"some": {"status": {"eq": "DRAFT"}}}}) == want
    stores = expected(Store, lambda s: any(e.capacity >= 100 for e in s.events.all()))
    assert fetch(gql, "stores", {"events": {"some": {"capacity": {"gte": 100}}}}) == stores
    assert stores and stores != every_pk(Store)


# --------------------------------------------------------------------------------------------
# Many-to-many both ways, the through model
# --------------------------------------------------------------------------------------------


def tag_names(book) -> set[str]:
    return {t.name for t in book.tags.all()}


def test_m2m_forward_some(gql):
    want = expected(Book, lambda b: "poetry" in tag_names(b))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"tags": {"some": {"name": {"eq": "poetry"}}}}) == want


def test_m2m_forward_none_and_every(gql):
    none = expected(Book, lambda b: "poetry" not in tag_names(b))
    assert_selective(none, Book)
    assert fetch(gql, "books", {"tags": {"none": {"name": {"eq": "poetry"}}}}) == none
    every = expected(Book, lambda b: tag_names(b) <= {"poetry", "science"})
    assert_selective(every, Book)
    assert set(expected(Book, lambda b: not tag_names(b))) <= set(every)  # untagged books count
    assert fetch(gql, "books", {"tags": {"every": {"name": {"in": ["poetry", "science"]}}}}) == every


def test_m2m_reverse__authors_by_their_books(gql):
    want = expected(Author, lambda a: any(b.status == "draft" for b in a.books.all()))
    assert_selective(want, Author)
    assert fetch(gql, "authors", {"books": {"some": {"status": {"eq": "DRAFT"}}}}) == want
    every = expected(Author, lambda a: all(b.status == "published" for b in a.books.all()))
    assert fetch(gql, "authors", {"books": {"every": {"status": {"eq": "PUBLISHED"}}}}) == every
    assert every != want


def test_m2m_reverse__tags_by_their_books(gql):
    want = expected(Tag, lambda t: any(b.status == "draft" for b in t.books.all()))
    assert_selective(want, Tag)
    assert fetch(gql, "tags", {"books": {"some": {"status": {"eq": "DRAFT"}}}}) == want


def test_m2m_reverse_without_related_name_on_the_forward_side__stores(gql):
    """Store.books is declared on Store; Book.stores is its reverse."""
    want = expected(Book, lambda b: any(s.city == "Lisbon" for s in b.stores.all()))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"stores": {"some": {"city": {"eq": "Lisbon"}}}}) == want
    stocked = expected(Store, lambda s: any(b.status == "draft" for b in s.books.all()))
    assert fetch(gql, "stores", {"books": {"some": {"status": {"eq": "DRAFT"}}}}) == stocked


def test_through_model__books_by_authorship_role(gql):
    want = expected(Book, lambda b: any(a.role == "illustrator" for a in b.authorships.all()))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"authorships": {"some": {"role": {"eq": "ILLUSTRATOR"}}}}) == want


def test_through_model__role_and_author_on_the_same_authorship(gql):
    where = {"authorships": {"some": {"role": {"eq": "AUTHOR"}, "author": {"name": {"startsWith": "Grace"}}}}}
    want = expected(
        Book,
        lambda b: any(a.role == "author" and a.author.name.startswith("Grace") for a in b.authorships.all()),
    )
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


def test_through_model__filtered_directly(gql):
    where = {"book": {"status": {"eq": "PUBLISHED"}}, "author": {"profile": None}, "position": {"gte": 0}}
    want = expected(Authorship, Q(book__status="published", author__profile__isnull=True))
    assert_selective(want, Authorship)
    assert fetch(gql, "authorships", where) == want


def test_through_model__authors_by_role(gql):
    want = expected(Author, lambda a: any(s.role in ("editor", "translator") for s in a.authorships.all()))
    assert_selective(want, Author)
    assert (
        fetch(gql, "authors", {"authorships": {"some": {"role": {"in": ["EDITOR", "TRANSLATOR"]}}}}) == want
    )


# --------------------------------------------------------------------------------------------
# Generic relations (Comment.target)
# --------------------------------------------------------------------------------------------


def test_generic_relation__only_comments_on_that_model_count(gql):
    """A comment on author 5 must not make book 5 "commented": the content type is part of it."""
    want = expected(Book, lambda b: b.comments.exists())
    assert_selective(want, Book)
    assert fetch(gql, "books", {"comments": {"some": {}}}) == want
    book_ids_of_other_comments = set(
        Comment.objects.exclude(content_type__model="book").values_list("object_id", flat=True)
    )
    assert book_ids_of_other_comments - set(want), "the data must have comments on other models with book ids"
    assert fetch(gql, "authors", {"comments": {"some": {}}}) == expected(
        Author, lambda a: a.comments.exists()
    )
    assert fetch(gql, "reviews", {"comments": {"some": {}}}) == expected(
        Review, lambda r: r.comments.exists()
    )


def test_generic_relation__some_with_a_condition(gql):
    want = expected(Book, lambda b: any("lovelace" in c.author_name.lower() for c in b.comments.all()))
    assert_selective(want, Book)
    assert fetch(gql, "books", {"comments": {"some": {"authorName": {"iContains": "Lovelace"}}}}) == want


def test_generic_relation__none_and_every(gql):
    none = expected(Book, lambda b: not b.comments.filter(body__contains="wonderful").exists())
    assert_selective(none, Book)
    assert fetch(gql, "books", {"comments": {"none": {"body": {"contains": "wonderful"}}}}) == none
    every = expected(Book, lambda b: all("wonderful" in c.body for c in b.comments.all()))
    assert_selective(every, Book)
    assert fetch(gql, "books", {"comments": {"every": {"body": {"contains": "wonderful"}}}}) == every


# --------------------------------------------------------------------------------------------
# Multi-level paths
# --------------------------------------------------------------------------------------------


def test_multi_level__publishers_with_a_book_with_a_five_star_review(gql):
    where = {"books": {"some": {"reviews": {"some": {"rating": {"eq": 5}}}}}}
    want = expected(Publisher, lambda p: any(5 in ratings(b) for b in p.books.all()))
    assert want
    assert fetch(gql, "publishers", where) == want
    where = {"books": {"some": {"reviews": {"some": {"rating": {"eq": 1}}}}}}
    want = expected(Publisher, lambda p: any(1 in ratings(b) for b in p.books.all()))
    assert_selective(want, Publisher)
    assert fetch(gql, "publishers", where) == want


def test_multi_level__every_book_has_only_good_reviews(gql):
    where = {"books": {"every": {"reviews": {"every": {"rating": {"gte": 2}}}}}}
    want = expected(Publisher, lambda p: all(all(r >= 2 for r in ratings(b)) for b in p.books.all()))
    assert fetch(gql, "publishers", where) == want
    assert want != every_pk(Publisher)


def test_multi_level__authors_of_books_tagged_by_a_publishers_book(gql):
    where = {
        "books": {
            "some": {
                "publisher": {"name": {"startsWith": "River"}},
                "tags": {"some": {"name": {"eq": "poetry"}}},
            }
        }
    }
    want = expected(
        Author,
        lambda a: any(
            b.publisher is not None and b.publisher.name.startswith("River") and "poetry" in tag_names(b)
            for b in a.books.all()
        ),
    )
    assert_selective(want, Author)
    assert fetch(gql, "authors", where) == want


def test_multi_level__reviews_of_books_by_an_author_with_a_large_following(gql):
    where = {"book": {"authors": {"some": {"profile": {"followers": {"gte": 150_000}}}}}}
    want = expected(Review, Q(book__authors__profile__followers__gte=150_000))
    assert_selective(want, Review)
    assert fetch(gql, "reviews", where) == want


def test_composition_with_relations__nested_three_levels(gql):
    """NOT { OR: [ {AND: [publisher, reviews.some]}, {NOT: tags.some} ] }."""
    where = {
        "NOT": {
            "OR": [
                {
                    "AND": [
                        {"publisher": {"name": {"startsWith": "River"}}},
                        {"reviews": {"some": {"rating": {"eq": 5}}}},
                    ]
                },
                {"NOT": {"tags": {"some": {"name": {"eq": "poetry"}}}}},
            ]
        }
    }

    def holds(b) -> bool:
        river = b.publisher is not None and b.publisher.name.startswith("River")
        return not ((river and 5 in ratings(b)) or "poetry" not in tag_names(b))

    want = expected(Book, holds)
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


def test_or_across_relations(gql):
    where = {
        "OR": [
            {"publisher": None},
            {"tags": {"some": {"name": {"eq": "fiction"}}}},
            {"launches": {"some": {}}},
        ]
    }
    want = expected(
        Book, lambda b: b.publisher_id is None or "fiction" in tag_names(b) or b.launches.exists()
    )
    assert_selective(want, Book)
    assert fetch(gql, "books", where) == want


# --------------------------------------------------------------------------------------------
# Multi-table inheritance (Event -> BookLaunch, Signing)
# --------------------------------------------------------------------------------------------


def test_child__filters_on_inherited_relation(gql):
    want = expected(BookLaunch, Q(venue__city="Lisbon"))
    assert_selective(want, BookLaunch)
    assert fetch(gql, "bookLaunches", {"venue": {"city": {"eq": "Lisbon"}}}) == want


def test_child__filters_on_inherited_scalars_and_its_own_fields(gql):
    assert fetch(gql, "bookLaunches", {"capacity": {"gte": 100}}) == expected(
        BookLaunch, Q(capacity__gte=100)
    )
    assert fetch(gql, "bookLaunches", {"host": None}) == expected(BookLaunch, Q(host__isnull=True))
    assert_selective(expected(BookLaunch, Q(host__isnull=True)), BookLaunch)
    launches = expected(
        BookLaunch, Q(book__title__contains="Harbor", duration__gte=datetime.timedelta(hours=1))
    )
    where = {"book": {"title": {"contains": "Harbor"}}, "duration": {"gte": "PT1H"}}
    assert fetch(gql, "bookLaunches", where) == launches
    signings = expected(Signing, Q(author__name__startswith="Toni"))
    assert_selective(signings, Signing)
    assert fetch(gql, "signings", {"author": {"name": {"startsWith": "Toni"}}}) == signings


def test_child__id_filter_uses_the_parent_id(gql):
    launch = BookLaunch.objects.order_by("pk").last()
    assert fetch(gql, "bookLaunches", {"id": {"eq": str(launch.pk)}}) == [launch.pk]
    assert fetch(gql, "bookLaunches", {"id": {"notIn": [str(launch.pk)]}}) == expected(
        BookLaunch, ~Q(pk=launch.pk)
    )


def test_parent_events__filtered_include_every_kind(gql):
    want = expected(Event, Q(venue__city="Nairobi"))
    assert_selective(want, Event)
    query = "query($where: EventWhere) { events(where: $where) { __typename id } }"
    rows = gql(query, {"where": {"venue": {"city": {"eq": "Nairobi"}}}})["events"]
    assert ids(rows) == want
    kinds = {BookLaunch: "BookLaunch", Signing: "Signing"}
    for row in rows:
        event = Event.objects.get(pk=row["id"])
        kind = next(
            (name for model, name in kinds.items() if model.objects.filter(pk=event.pk).exists()), "Event"
        )
        assert row["__typename"] == kind
    assert {r["__typename"] for r in rows} >= {"Signing", "Event"}


def test_parent_events__filtered_by_name_return_children(gql):
    rows = gql('{ events(where: {name: {startsWith: "Launch"}}) { __typename id } }')["events"]
    assert ids(rows) == expected(Event, Q(name__startswith="Launch"))
    assert rows and {r["__typename"] for r in rows} == {"BookLaunch"}


def test_relations_into_children__books_launches_and_authors_signings(gql):
    launched = expected(Book, lambda b: b.launches.exists())
    assert_selective(launched, Book)
    assert fetch(gql, "books", {"launches": {"some": {}}}) == launched
    hosts = expected(Author, lambda a: a.hosted_launches.exists())
    assert fetch(gql, "authors", {"hostedLaunches": {"some": {}}}) == hosts
    assert_selective(hosts, Author)
    signers = expected(Author, lambda a: a.signings.filter(venue__city="Nairobi").exists())
    assert_selective(signers, Author)
    assert fetch(gql, "authors", {"signings": {"some": {"venue": {"city": {"eq": "Nairobi"}}}}}) == signers


# --------------------------------------------------------------------------------------------
# No duplicate rows
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "root, where",
    [
        ("books", {"reviews": {"some": {"rating": {"gte": 1}}}}),
        ("books", {"tags": {"some": {}}}),
        ("books", {"authors": {"some": {"name": {"contains": "a"}}}}),
        ("publishers", {"books": {"some": {"reviews": {"some": {}}}}}),
        ("authors", {"books": {"some": {"tags": {"some": {}}}}}),
        ("books", {"OR": [{"reviews": {"some": {"rating": {"eq": 5}}}}, {"tags": {"some": {}}}]}),
        ("stores", {"books": {"some": {"reviews": {"some": {"rating": {"gte": 3}}}}}}),
        ("reviews", {"book": {"tags": {"some": {}}}}),
    ],
)
def test_no_duplicate_rows_when_several_related_rows_match(gql, root, where):
    got = fetch(gql, root, where)
    assert got and len(got) == len(set(got))
    query = f"query($where: {ROOTS[root][0]}) {{ page: {root}Page(where: $where) {{ totalCount }} agg: {root}Aggregate(where: $where) {{ count }} }}"
    data = gql(query, {"where": where})
    assert data["page"]["totalCount"] == len(got) == data["agg"]["count"]


def test_no_duplicate_rows__exact_ids(gql):
    got = fetch(gql, "books", {"reviews": {"some": {"rating": {"gte": 1}}}})
    assert got == expected(Book, lambda b: bool(ratings(b)))


# --------------------------------------------------------------------------------------------
# Nested lists take where too
# --------------------------------------------------------------------------------------------


def test_nested_list_and_count__take_where(gql):
    book = Book.objects.order_by("pk").filter(reviews__rating__gte=4).distinct().first()
    query = """query($id: ID!, $where: ReviewWhere) { book(id: $id) {
        reviews(where: $where) { id } reviewsCount(where: $where) all: reviewsCount } }"""
    data = gql(query, {"id": book.pk, "where": {"rating": {"gte": 4}}})["book"]
    want = list(book.reviews.filter(rating__gte=4).order_by("pk").values_list("pk", flat=True))
    assert ids(data["reviews"]) == want
    assert data["reviewsCount"] == len(want)
    assert data["all"] == book.reviews.count() > len(want)


def test_nested_list__literal_where_with_relations_and_composition(gql):
    publisher = Publisher.objects.get(name="River Press 3")
    data = gql(
        """query($id: ID!) { publisher(id: $id) {
             books(where: {OR: [{tags: {some: {name: {eq: "poetry"}}}}, {status: {eq: DRAFT}}]}) { id }
             booksCount(where: {reviews: {none: {rating: {lte: 2}}}})
        } }""",
        {"id": publisher.pk},
    )["publisher"]
    books = publisher.books.order_by("pk")
    assert ids(data["books"]) == [b.pk for b in books if "poetry" in tag_names(b) or b.status == "draft"]
    assert data["booksCount"] == sum(1 for b in books if all(r > 2 for r in ratings(b)))


def test_nested_many_to_many_lists__take_where(gql):
    author = Author.objects.order_by("pk").filter(books__isnull=False).distinct().first()
    data = gql(
        """query($id: ID!) { author(id: $id) {
             books(where: {publishedOn: {isNull: false}}) { id tags(where: {name: {startsWith: "p"}}) { name } }
             booksCount(where: {publishedOn: {isNull: false}})
        } }""",
        {"id": author.pk},
    )["author"]
    books = [b for b in author.books.order_by("pk") if b.published_on is not None]
    assert ids(data["books"]) == [b.pk for b in books]
    assert data["booksCount"] == len(books)
    for row, book in zip(data["books"], books, strict=True):
        assert [t["name"] for t in row["tags"]] == sorted(n for n in tag_names(book) if n.startswith("p"))


def test_nested_list_on_a_store__events_where(gql):
    store = Store.objects.order_by("pk").last()
    data = gql(
        """query($id: ID!) { store(id: $id) { events(where: {capacity: {gte: 100}}) { __typename id }
             eventsCount(where: {capacity: {gte: 100}}) } }""",
        {"id": store.pk},
    )["store"]
    want = list(
        store.events.filter(capacity__gte=100).order_by("starts_at", "pk").values_list("pk", flat=True)
    )
    assert ids(data["events"]) == want
    assert data["eventsCount"] == len(want)


def test_nested_where__bad_input_names_the_path_inside_the_argument(gql):
    result = gql.post('{ book(id: 1) { reviews(where: {id: {eq: "x"}}) { id } } }')
    assert_bad_input(result, "where.id.eq")
    assert result.errors[0]["path"] == ["book", "reviews"]
    result = gql.post("{ book(id: 1) { reviewsCount(where: {title: {contains: null}}) } }")
    assert_bad_input(result, "where.title.contains")


def test_nested_where__unknown_field_is_rejected_with_http_400(gql):
    result = gql.post("{ book(id: 1) { reviews(where: {stars: {eq: 5}}) { id } } }")
    assert result.status == 400 and result.codes == ["BAD_USER_INPUT"], result.body
    assert result.errors[0]["extensions"]["argument"] == "where"


# --------------------------------------------------------------------------------------------
# Bad input inside relation filters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where, argument",
    [
        ({"reviews": None}, "where.reviews"),
        ({"reviews": {"some": None}}, "where.reviews.some"),
        ({"reviews": {"every": {"title": {"eq": "a\x00"}}}}, "where.reviews.every.title.eq"),
        ({"publisher": {"id": {"eq": "abc"}}}, "where.publisher.id.eq"),
        ({"tags": {"none": {"id": {"in": ["1", "x"]}}}}, "where.tags.none.id.in"),
        (
            {"OR": [{}, {"reviews": {"some": {"book": {"wordCount": {"gt": 2**63}}}}}]},
            "where.OR[1].reviews.some.book.wordCount.gt",
        ),
        ({"authorships": {"some": {"position": {"range": [1]}}}}, "where.authorships.some.position.range"),
        ({"comments": {"some": {"NOT": None}}}, "where.comments.some.NOT"),
    ],
)
def test_bad_input_inside_a_relation__names_the_full_path(gql, where, argument):
    assert_bad_input(
        gql.post("query($where: BookWhere) { books(where: $where) { id } }", {"where": where}), argument
    )


@pytest.mark.parametrize(
    "where",
    [
        "{reviews: {any: {}}}",
        "{reviews: {rating: {eq: 5}}}",
        "{publisher: {some: {}}}",
        "{comments: {some: {target: null}}}",
        "{reviews: {some: {user: null}}}",
    ],
)
def test_wrong_shape_for_a_relation__is_rejected_with_http_400(gql, where):
    result = gql.post(f"{{ books(where: {where}) {{ id }} }}")
    assert result.status == 400, result.body
    assert set(result.codes) == {"BAD_USER_INPUT"}, result.body
    assert all(e["extensions"].get("argument") == "where" for e in result.errors)


def test_price_inside_a_relation__decimal_values_compare_exactly(gql):
    where = {"books": {"some": {"price": {"range": ["21.86", "45.54"]}}}}
    want = expected(
        Publisher, lambda p: any(Decimal("21.86") <= b.price <= Decimal("45.54") for b in p.books.all())
    )
    assert fetch(gql, "publishers", where) == want
    assert want
