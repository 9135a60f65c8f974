"""Relations: to-one, to-many (with arguments and counts), M2M through, generic relations,
generic foreign keys and multi-table polymorphism, each checked against the ORM."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils.duration import duration_iso_string
from graphql import GraphQLInterfaceType, GraphQLUnionType

import toolkit
from demo import models
from tests.conftest import ids

UTC = datetime.UTC


def pks(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def make_book(n: int, **values) -> models.Book:
    defaults = {
        "title": f"Relation Book {n}",
        "slug": f"relation-book-{n}",
        "isbn": f"99911{n:08d}",
        "price": Decimal("10.00"),
    }
    return models.Book.objects.create(**{**defaults, **values})


def make_author(n: int, **values) -> models.Author:
    return models.Author.objects.create(
        **{"name": f"Relation Author {n}", "email": f"relation{n}@example.org", **values}
    )


def typename_of(event: models.Event) -> str:
    if models.BookLaunch.objects.filter(pk=event.pk).exists():
        return "BookLaunch"
    if models.Signing.objects.filter(pk=event.pk).exists():
        return "Signing"
    return "Event"


# -- to-one ----------------------------------------------------------------------------------


def test_foreign_key__object_or_null_as_in_the_orm(gql):
    data = gql("{ books(orderBy: [{id: ASC}]) { id publisher { id name slug } } }")
    expected = [
        {
            "id": str(b.pk),
            "publisher": {"id": str(b.publisher.pk), "name": b.publisher.name, "slug": b.publisher.slug}
            if b.publisher
            else None,
        }
        for b in models.Book.objects.select_related("publisher").order_by("pk")
    ]
    assert data["books"] == expected
    assert any(row["publisher"] is None for row in data["books"])
    assert any(row["publisher"] is not None for row in data["books"])


def test_one_to_one__forward_from_profile_to_author(gql):
    data = gql("{ authorProfiles(orderBy: [{id: ASC}]) { id followers author { id name } } }")
    expected = [
        {"id": str(p.pk), "followers": p.followers, "author": {"id": str(p.author.pk), "name": p.author.name}}
        for p in models.AuthorProfile.objects.select_related("author").order_by("pk")
    ]
    assert data["authorProfiles"] == expected


def test_one_to_one__reverse_from_author_is_null_when_absent(gql):
    data = gql("{ authors(orderBy: [{id: ASC}]) { id profile { id twitterHandle } } }")
    profiles = {p.author_id: p for p in models.AuthorProfile.objects.all()}
    expected = [
        {
            "id": str(a.pk),
            "profile": {"id": str(profiles[a.pk].pk), "twitterHandle": profiles[a.pk].twitter_handle}
            if a.pk in profiles
            else None,
        }
        for a in models.Author.objects.order_by("pk")
    ]
    assert data["authors"] == expected
    assert any(row["profile"] is None for row in data["authors"])
    assert any(row["profile"] is not None for row in data["authors"])


def test_one_to_one__round_trip(gql):
    author = make_author(1)
    profile = models.AuthorProfile.objects.create(author=author, twitter_handle="@round", followers=7)
    data = gql(
        "query($id: ID!) { author(id: $id) { profile { followers author { id profile { id } } } } }",
        {"id": author.pk},
    )
    assert data["author"]["profile"] == {
        "followers": 7,
        "author": {"id": str(author.pk), "profile": {"id": str(profile.pk)}},
    }


# -- to-many ---------------------------------------------------------------------------------


def test_many_to_many__tags_and_stores_match_the_orm(gql):
    data = gql("{ books(orderBy: [{id: ASC}]) { id tags { id } tagsCount stores { id } storesCount } }")
    for row in data["books"]:
        book = models.Book.objects.get(pk=row["id"])
        assert ids(row["tags"]) == pks(book.tags.order_by("name", "pk"))  # Tag.Meta.ordering
        assert row["tagsCount"] == book.tags.count()
        assert ids(row["stores"]) == pks(book.stores.order_by("pk"))
        assert row["storesCount"] == book.stores.count()


def test_many_to_many__reverse_side_from_store_and_tag(gql):
    data = gql("{ stores { id books { id } booksCount } tags { id books { id } booksCount } }")
    for row in data["stores"]:
        store = models.Store.objects.get(pk=row["id"])
        assert ids(row["books"]) == pks(store.books.order_by("pk"))
        assert row["booksCount"] == store.books.count()
    for row in data["tags"]:
        tag = models.Tag.objects.get(pk=row["id"])
        assert ids(row["books"]) == pks(tag.books.order_by("pk"))
        assert row["booksCount"] == tag.books.count()
    assert sum(row["booksCount"] for row in data["tags"]) == models.Book.tags.through.objects.count()


def test_many_to_many_through__authors_and_authorships(gql):
    data = gql(
        """{ books(orderBy: [{id: ASC}]) { id authors { id name } authorsCount
             authorships { role position author { name } } authorshipsCount } }"""
    )
    for row in data["books"]:
        book = models.Book.objects.get(pk=row["id"])
        assert [(int(a["id"]), a["name"]) for a in row["authors"]] == list(
            book.authors.order_by("pk").values_list("pk", "name")
        )
        assert row["authorsCount"] == book.authors.count()
        assert row["authorships"] == [
            {"role": s.role.upper(), "position": s.position, "author": {"name": s.author.name}}
            for s in book.authorships.select_related("author").order_by("position", "pk")
        ]
        assert row["authorshipsCount"] == book.authorships.count()


def test_many_to_many_through__roles_and_positions_created_in_the_test(gql):
    book = make_book(1)
    first, second = make_author(1), make_author(2)
    models.Authorship.objects.create(book=book, author=second, role="translator", position=2)
    models.Authorship.objects.create(book=book, author=first, role="author", position=0)
    models.Authorship.objects.create(book=book, author=second, role="editor", position=1)
    data = gql(
        """query($id: ID!) { book(id: $id) {
             authorships { role position author { name } }
             editors: authorships(where: {role: {eq: EDITOR}}) { author { id } }
             authorshipsCount translators: authorshipsCount(where: {role: {in: [TRANSLATOR]}}) } }""",
        {"id": book.pk},
    )
    assert data["book"] == {
        "authorships": [
            {"role": "AUTHOR", "position": 0, "author": {"name": "Relation Author 1"}},
            {"role": "EDITOR", "position": 1, "author": {"name": "Relation Author 2"}},
            {"role": "TRANSLATOR", "position": 2, "author": {"name": "Relation Author 2"}},
        ],
        "editors": [{"author": {"id": str(second.pk)}}],
        "authorshipsCount": 3,
        "translators": 1,
    }


def test_many_to_many_through__an_author_with_two_roles_is_listed_once(gql):
    """Authorship allows one author several roles on a book (unique on book, author, role);
    ``Book.authors`` is the set of related authors, so each appears once (``authorships``
    carries the roles), and the count agrees with the list."""
    book = make_book(1)
    author, other = make_author(1), make_author(2)
    models.Authorship.objects.create(book=book, author=author, role="author", position=0)
    models.Authorship.objects.create(book=book, author=author, role="illustrator", position=1)
    models.Authorship.objects.create(book=book, author=other, role="editor", position=2)
    data = gql(
        """query($book: ID!, $author: ID!) {
             book(id: $book) { authors { id } authorsCount authorshipsCount }
             author(id: $author) { books { id } booksCount } }""",
        {"book": book.pk, "author": author.pk},
    )
    assert data["book"] == {
        "authors": [{"id": str(author.pk)}, {"id": str(other.pk)}],
        "authorsCount": 2,
        "authorshipsCount": 3,
    }
    assert data["author"] == {"books": [{"id": str(book.pk)}], "booksCount": 1}


def test_author_books__through_the_reverse_many_to_many(gql):
    data = gql("{ authors(orderBy: [{id: ASC}]) { id books { id } booksCount authorships { book { id } } } }")
    for row in data["authors"]:
        author = models.Author.objects.get(pk=row["id"])
        assert ids(row["books"]) == pks(author.books.order_by("pk"))
        assert row["booksCount"] == author.books.count()
        assert [int(s["book"]["id"]) for s in row["authorships"]] == list(
            author.authorships.order_by("book_id", "position", "pk").values_list("book_id", flat=True)
        )


def test_reverse_foreign_keys__publisher_books_and_book_reviews(gql):
    data = gql(
        """{ publishers { id books { id } booksCount }
             books(orderBy: [{id: ASC}]) { id reviews { id rating } reviewsCount } }"""
    )
    for row in data["publishers"]:
        publisher = models.Publisher.objects.get(pk=row["id"])
        assert ids(row["books"]) == pks(publisher.books.order_by("pk"))
        assert row["booksCount"] == publisher.books.count()
    for row in data["books"]:
        book = models.Book.objects.get(pk=row["id"])
        assert [(int(r["id"]), r["rating"]) for r in row["reviews"]] == list(
            book.reviews.order_by("pk").values_list("pk", "rating")
        )
        assert row["reviewsCount"] == book.reviews.count()
    assert sum(row["reviewsCount"] for row in data["books"]) == models.Review.objects.count()


def test_reverse_foreign_keys__to_children_of_a_polymorphic_parent(gql):
    data = gql(
        """{ authors(orderBy: [{id: ASC}]) { id signings { id maxSignatures } signingsCount
               hostedLaunches { id } hostedLaunchesCount }
             books(orderBy: [{id: ASC}]) { id launches { id name } launchesCount } }"""
    )
    for row in data["authors"]:
        author = models.Author.objects.get(pk=row["id"])
        assert [(int(s["id"]), s["maxSignatures"]) for s in row["signings"]] == list(
            author.signings.order_by("starts_at", "pk").values_list("pk", "max_signatures")
        )
        assert row["signingsCount"] == author.signings.count()
        assert ids(row["hostedLaunches"]) == pks(author.hosted_launches.order_by("starts_at", "pk"))
        assert row["hostedLaunchesCount"] == author.hosted_launches.count()
    launches = {row["id"]: row for row in data["books"] if row["launches"]}
    assert sum(row["launchesCount"] for row in data["books"]) == models.BookLaunch.objects.count()
    for book_id, row in launches.items():
        book = models.Book.objects.get(pk=book_id)
        assert [(int(e["id"]), e["name"]) for e in row["launches"]] == list(
            book.launches.order_by("starts_at", "pk").values_list("pk", "name")
        )


def test_generic_relation__comments_of_books_authors_and_reviews(gql):
    data = gql(
        """{ books(orderBy: [{id: ASC}]) { id comments { id body } commentsCount }
             authors(orderBy: [{id: ASC}]) { id comments { id } commentsCount }
             reviews(limit: 100, orderBy: [{id: ASC}]) { id comments { id } commentsCount } }"""
    )
    total = 0
    for field, model in (("books", models.Book), ("authors", models.Author), ("reviews", models.Review)):
        for row in data[field]:
            obj = model.objects.get(pk=row["id"])
            assert ids(row["comments"]) == pks(obj.comments.order_by("pk")), (field, row["id"])
            assert row["commentsCount"] == obj.comments.count()
            total += row["commentsCount"]
    assert total == models.Comment.objects.count()
    book_rows = [row for row in data["books"] if row["comments"]]
    assert book_rows and all(c["body"] for row in book_rows for c in row["comments"])


def test_generic_relation__only_comments_of_the_same_content_type(gql):
    """Comments on another model with the same object id are not this object's comments."""
    book = make_book(1)
    author = make_author(1)
    book_ct = ContentType.objects.get_for_model(models.Book)
    author_ct = ContentType.objects.get_for_model(models.Author)
    when = datetime.datetime(2024, 5, 1, tzinfo=UTC)

    def comment(content_type, object_id):
        return models.Comment.objects.create(
            content_type=content_type, object_id=object_id, author_name="a", body="b", created_at=when
        )

    on_book, on_author = comment(book_ct, book.pk), comment(author_ct, author.pk)
    comment(author_ct, book.pk)  # an author id equal to the book's id
    comment(book_ct, author.pk)  # a book id equal to the author's id
    data = gql(
        """query($book: ID!, $author: ID!) { book(id: $book) { comments { id } commentsCount }
             author(id: $author) { comments { id } commentsCount } }""",
        {"book": book.pk, "author": author.pk},
    )
    assert data == {
        "book": {"comments": [{"id": str(on_book.pk)}], "commentsCount": 1},
        "author": {"comments": [{"id": str(on_author.pk)}], "commentsCount": 1},
    }


# -- nested to-many arguments and counts -----------------------------------------------------


def test_nested_books__where_order_limit_offset_and_counts_per_publisher(gql):
    data = gql(
        """{ publishers { id
               books(where: {status: {ne: DRAFT}}, orderBy: [{price: DESC}], limit: 2, offset: 1) { id price }
               allBooks: books { id }
               booksCount
               inStock: booksCount(where: {inStock: {eq: true}})
               cheap: booksCount(where: {price: {lt: "40"}}) } }"""
    )
    assert len(data["publishers"]) == models.Publisher.objects.count()
    for row in data["publishers"]:
        publisher = models.Publisher.objects.get(pk=row["id"])
        expected = publisher.books.exclude(status="draft").order_by("-price", "pk")[1:3]
        assert [(int(b["id"]), Decimal(b["price"])) for b in row["books"]] == [
            (b.pk, b.price) for b in expected
        ]
        assert ids(row["allBooks"]) == pks(publisher.books.order_by("pk"))
        assert row["booksCount"] == publisher.books.count()
        assert row["inStock"] == publisher.books.filter(in_stock=True).count()
        assert row["cheap"] == publisher.books.filter(price__lt=40).count()


def test_nested_books__of_authors_and_tags_with_where(gql):
    data = gql(
        """{ authors { id books(where: {status: {eq: PUBLISHED}}, orderBy: [{title: ASC}]) { id }
                       published: booksCount(where: {status: {eq: PUBLISHED}}) }
             tags { id books(orderBy: [{publishedOn: DESC_NULLS_LAST}], limit: 2) { id }
                    booksCount(where: {NOT: {publisher: null}}) } }"""
    )
    for row in data["authors"]:
        author = models.Author.objects.get(pk=row["id"])
        published = author.books.filter(status="published")
        assert ids(row["books"]) == pks(published.order_by("title", "pk"))
        assert row["published"] == published.count()
    for row in data["tags"]:
        tag = models.Tag.objects.get(pk=row["id"])
        expected = tag.books.order_by(F("published_on").desc(nulls_last=True), "pk")[:2]
        assert ids(row["books"]) == [b.pk for b in expected]
        assert row["booksCount"] == tag.books.filter(publisher__isnull=False).count()


def test_nested_counts__with_to_many_conditions_do_not_double_count(gql):
    data = gql("""{ publishers { id booksCount(where: {reviews: {some: {rating: {gte: 3}}}}) } }""")
    for row in data["publishers"]:
        publisher = models.Publisher.objects.get(pk=row["id"])
        assert row["booksCount"] == publisher.books.filter(reviews__rating__gte=3).distinct().count()


def test_nested_reviews__ordered_filtered_and_counted_per_book(gql):
    data = gql(
        """{ books { id reviews(where: {rating: {gte: 4}}, orderBy: [{createdAt: DESC}]) { id }
                     good: reviewsCount(where: {rating: {gte: 4}}) reviewsCount } }"""
    )
    for row in data["books"]:
        book = models.Book.objects.get(pk=row["id"])
        good = book.reviews.filter(rating__gte=4)
        assert ids(row["reviews"]) == pks(good.order_by("-created_at", "pk"))
        assert row["good"] == good.count()
        assert row["reviewsCount"] == book.reviews.count()


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [("limit: -1", "limit"), ("limit: 1001", "limit"), ("offset: -3", "offset")],
)
def test_nested_list__bad_sizes_are_bad_user_input(gql, arguments, argument):
    result = gql.error(f"{{ publishers(limit: 1) {{ books({arguments}) {{ id }} }} }}")
    assert result.status == 200
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == argument
    assert result.errors[0]["path"][:1] == ["publishers"]


def test_nested_list__bad_where_value_names_the_argument(gql):
    result = gql.error("{ publishers(limit: 1) { booksCount(where: {price: {gt: null}}) } }")
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "where.price.gt"


# -- generic foreign keys --------------------------------------------------------------------


def test_generic_foreign_key__targets_match_the_orm(gql):
    data = gql(
        """{ comments(orderBy: [{id: ASC}]) { id objectId target { __typename
             ... on Book { id title } ... on Author { id name } ... on Review { id rating } } } }"""
    )
    expected = []
    for comment in models.Comment.objects.order_by("pk"):
        target = comment.target
        shape = {
            models.Book: lambda t: {"__typename": "Book", "id": str(t.pk), "title": t.title},
            models.Author: lambda t: {"__typename": "Author", "id": str(t.pk), "name": t.name},
            models.Review: lambda t: {"__typename": "Review", "id": str(t.pk), "rating": t.rating},
        }[type(target)]
        expected.append({"id": str(comment.pk), "objectId": comment.object_id, "target": shape(target)})
    assert data["comments"] == expected
    assert {row["target"]["__typename"] for row in data["comments"]} == {"Book", "Author", "Review"}


def test_generic_foreign_key__union_holds_the_models_with_a_generic_relation():
    schema = toolkit.get_schema().graphql_schema
    union = schema.get_type("CommentTarget")
    assert isinstance(union, GraphQLUnionType)
    assert sorted(t.name for t in union.types) == ["Author", "Book", "Review"]
    assert schema.get_type("Comment").fields["target"].type is union  # nullable


def test_generic_foreign_key__deleted_target_is_null(gql):
    book = make_book(1)
    comment = models.Comment.objects.create(
        content_type=ContentType.objects.get_for_model(models.Book),
        object_id=book.pk,
        author_name="x",
        body="orphan soon",
        created_at=datetime.datetime(2024, 5, 1, tzinfo=UTC),
    )
    # Delete the row without Django's generic-relation cascade (as a raw SQL delete would).
    models.Book.objects.filter(pk=book.pk)._raw_delete(models.Book.objects.db)
    data = gql(
        "query($id: ID!) { comment(id: $id) { body objectId target { __typename } } }", {"id": comment.pk}
    )
    assert data["comment"] == {"body": "orphan soon", "objectId": book.pk, "target": None}


def test_generic_foreign_key__target_id_that_never_existed_is_null(gql):
    comment = models.Comment.objects.create(
        content_type=ContentType.objects.get_for_model(models.Review),
        object_id=10**12,
        author_name="x",
        body="dangling",
        created_at=datetime.datetime(2024, 5, 1, tzinfo=UTC),
    )
    data = gql("query($id: ID!) { comment(id: $id) { target { __typename } } }", {"id": comment.pk})
    assert data["comment"] == {"target": None}


@pytest.mark.parametrize("model", [models.Publisher, models.Tag])
def test_generic_foreign_key__target_outside_the_union_is_null(gql, model):
    target = model.objects.order_by("pk").first()
    comment = models.Comment.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=target.pk,
        author_name="x",
        body="elsewhere",
        created_at=datetime.datetime(2024, 5, 1, tzinfo=UTC),
    )
    data = gql("query($id: ID!) { comment(id: $id) { target { __typename } } }", {"id": comment.pk})
    assert data["comment"] == {"target": None}


def test_generic_foreign_key__from_a_nested_generic_relation(gql):
    book = models.Book.objects.filter(comments__isnull=False).order_by("pk").first()
    data = gql(
        "query($id: ID!) { book(id: $id) { comments { target { ... on Book { id } } } } }", {"id": book.pk}
    )
    assert data["book"]["comments"] == [{"target": {"id": str(book.pk)}}] * book.comments.count()


# -- multi-table inheritance and polymorphism ------------------------------------------------


def test_events__are_their_concrete_types(gql):
    data = gql(
        """{ events { __typename id name startsAt capacity venue { id }
             ... on BookLaunch { book { id } host { id } } ... on Signing { author { id } maxSignatures } } }"""
    )
    expected = []
    for event in models.Event.objects.order_by("starts_at", "pk"):
        row = {
            "__typename": typename_of(event),
            "id": str(event.pk),
            "name": event.name,
            "startsAt": event.starts_at.isoformat(),
            "capacity": event.capacity,
            "venue": {"id": str(event.venue_id)},
        }
        if row["__typename"] == "BookLaunch":
            launch = models.BookLaunch.objects.get(pk=event.pk)
            row["book"] = {"id": str(launch.book_id)}
            row["host"] = {"id": str(launch.host_id)} if launch.host_id else None
        elif row["__typename"] == "Signing":
            signing = models.Signing.objects.get(pk=event.pk)
            row["author"] = {"id": str(signing.author_id)}
            row["maxSignatures"] = signing.max_signatures
        expected.append(row)
    assert data["events"] == expected
    assert {row["__typename"] for row in data["events"]} == {"Event", "BookLaunch", "Signing"}


def test_events__filtered_and_ordered_keep_their_concrete_types(gql):
    data = gql(
        """{ events(where: {name: {startsWith: "Launch"}}, orderBy: [{name: DESC}]) { __typename id } }"""
    )
    launches = models.BookLaunch.objects.order_by("-name", "pk")
    assert [(r["__typename"], int(r["id"])) for r in data["events"]] == [
        ("BookLaunch", e.pk) for e in launches
    ]


def test_events__page_and_connection_are_polymorphic_too(gql):
    data = gql(
        """{ eventsPage(pageSize: 100) { items { __typename id } }
             eventsConnection(first: 100) { edges { node { __typename id } } } }"""
    )
    expected = [(typename_of(e), str(e.pk)) for e in models.Event.objects.order_by("starts_at", "pk")]
    assert [(r["__typename"], r["id"]) for r in data["eventsPage"]["items"]] == expected
    assert [(e["node"]["__typename"], e["node"]["id"]) for e in data["eventsConnection"]["edges"]] == expected


@pytest.mark.parametrize("model", [models.BookLaunch, models.Signing])
def test_event_lookup__of_a_child_row_returns_the_child(gql, model):
    child = model.objects.order_by("pk").first()
    data = gql(
        """query($id: ID!) { event(id: $id) { __typename id name
             ... on BookLaunch { book { id } } ... on Signing { author { id } } } }""",
        {"id": child.pk},
    )
    row = data["event"]
    assert row["__typename"] == model.__name__ and row["id"] == str(child.pk) and row["name"] == child.name
    if model is models.BookLaunch:
        assert row["book"] == {"id": str(child.book_id)}
    else:
        assert row["author"] == {"id": str(child.author_id)}


def test_event_lookup__of_a_plain_event_is_an_event(gql):
    plain = models.Event.objects.filter(booklaunch__isnull=True, signing__isnull=True).order_by("pk").first()
    data = gql("query($id: ID!) { event(id: $id) { __typename id } }", {"id": plain.pk})
    assert data["event"] == {"__typename": "Event", "id": str(plain.pk)}


def test_child_lookup__of_another_kind_is_not_found(gql):
    signing = models.Signing.objects.order_by("pk").first()
    result = gql.error("query($id: ID!) { bookLaunch(id: $id) { id } }", {"id": signing.pk})
    assert result.data == {"bookLaunch": None}
    assert result.error_code() == "NOT_FOUND"


def test_book_launches__only_launches_with_their_parent_fields(gql):
    data = gql(
        """{ bookLaunches { __typename id name startsAt duration capacity venue { id name } book { id }
             host { id } } }"""
    )
    expected = [
        {
            "__typename": "BookLaunch",
            "id": str(e.pk),
            "name": e.name,
            "startsAt": e.starts_at.isoformat(),
            "duration": duration_iso_string(e.duration),
            "capacity": e.capacity,
            "venue": {"id": str(e.venue.pk), "name": e.venue.name},
            "book": {"id": str(e.book_id)},
            "host": {"id": str(e.host_id)} if e.host_id else None,
        }
        for e in models.BookLaunch.objects.select_related("venue").order_by("starts_at", "pk")
    ]
    assert data["bookLaunches"] == expected
    assert 0 < len(expected) < models.Event.objects.count()


def test_signings__only_signings(gql):
    data = gql("{ signings { id name author { name } } }")
    assert ids(data["signings"]) == pks(models.Signing.objects.order_by("starts_at", "pk"))


def test_store_events__nested_list_is_polymorphic(gql):
    data = gql(
        """{ stores { id events { __typename id ... on BookLaunch { book { id } } ... on Signing { author { id } } }
                      eventsCount } }"""
    )
    for row in data["stores"]:
        store = models.Store.objects.get(pk=row["id"])
        events = list(store.events.order_by("starts_at", "pk"))
        assert [(e["__typename"], int(e["id"])) for e in row["events"]] == [
            (typename_of(e), e.pk) for e in events
        ]
        assert row["eventsCount"] == len(events)
        for e in row["events"]:
            if e["__typename"] == "BookLaunch":
                assert e["book"] == {"id": str(models.BookLaunch.objects.get(pk=e["id"]).book_id)}
            if e["__typename"] == "Signing":
                assert e["author"] == {"id": str(models.Signing.objects.get(pk=e["id"]).author_id)}
    assert {e["__typename"] for row in data["stores"] for e in row["events"]} == {
        "Event",
        "BookLaunch",
        "Signing",
    }


def test_new_child_rows__show_up_with_their_type(gql):
    store = models.Store.objects.order_by("pk").first()
    author = make_author(1)
    common = {
        "starts_at": datetime.datetime(2030, 1, 1, tzinfo=UTC),
        "duration": datetime.timedelta(hours=2),
        "venue": store,
    }
    signing = models.Signing.objects.create(name="Late signing", author=author, max_signatures=5, **common)
    data = gql(
        """{ events(where: {startsAt: {gte: "2030-01-01T00:00:00+00:00"}}) { __typename id
             ... on Signing { maxSignatures author { name } } } }"""
    )
    assert data["events"] == [
        {
            "__typename": "Signing",
            "id": str(signing.pk),
            "maxSignatures": 5,
            "author": {"name": "Relation Author 1"},
        }
    ]


def test_sdl__event_interface_is_implemented_by_every_event_kind():
    schema = toolkit.get_schema().graphql_schema
    interface = schema.get_type("EventInterface")
    assert isinstance(interface, GraphQLInterfaceType)
    implementations = schema.get_implementations(interface).objects
    assert sorted(t.name for t in implementations) == ["BookLaunch", "Event", "Signing"]
    assert set(interface.fields) == {"id", "name", "startsAt", "duration", "capacity", "venue"}
    for name in ("Event", "BookLaunch", "Signing"):
        assert interface in schema.get_type(name).interfaces
    assert str(schema.query_type.fields["events"].type) == "[EventInterface!]!"
    assert str(schema.query_type.fields["event"].type) == "EventInterface"
    assert str(schema.get_type("Store").fields["events"].type) == "[EventInterface!]!"
    assert str(schema.query_type.fields["bookLaunches"].type) == "[BookLaunch!]!"
