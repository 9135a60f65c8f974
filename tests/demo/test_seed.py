"""The demo catalogue: its field coverage, the deterministic seeder and the demo commands."""

from __future__ import annotations

import hashlib
import json
import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from demo import models as demo
from demo.seeding import SIZES, isbn13

# -- the demo uses every field type -----------------------------------------------------------


def demo_models() -> list[type[models.Model]]:
    return list(apps.get_app_config("demo").get_models())


def declared_fields(model: type[models.Model]) -> list:
    """Fields declared on the model itself (inherited abstract fields included, parent links not)."""
    opts = model._meta
    return [
        f
        for f in [*opts.local_fields, *opts.local_many_to_many, *opts.private_fields]
        if not (isinstance(f, models.OneToOneField) and f.remote_field.parent_link)
    ]


def field_classes() -> set[type]:
    return {type(f) for model in demo_models() for f in declared_fields(model)}


@pytest.mark.parametrize(
    "field_class",
    [
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.DecimalField,
        models.FloatField,
        models.BooleanField,
        models.DateField,
        models.DateTimeField,
        models.TimeField,
        models.DurationField,
        models.UUIDField,
        models.EmailField,
        models.URLField,
        models.SlugField,
        models.GenericIPAddressField,
        models.JSONField,
        models.FileField,
        models.ImageField,
        models.ForeignKey,
        models.OneToOneField,
        models.ManyToManyField,
        GenericForeignKey,
        GenericRelation,
    ],
    ids=lambda c: c.__name__,
)
def test_demo_models_use_every_field_type(field_class):
    """Exact classes, so an ImageField does not count as a FileField nor an EmailField as a CharField."""
    assert field_class in field_classes()


def test_demo_has_a_char_field_with_choices():
    with_choices = [
        f"{m.__name__}.{f.name}"
        for m in demo_models()
        for f in declared_fields(m)
        if type(f) is models.CharField and f.choices
    ]
    assert "Book.status" in with_choices


def test_demo_has_a_one_to_one_that_is_not_a_parent_link():
    assert any(type(f) is models.OneToOneField for m in demo_models() for f in declared_fields(m)), (
        "only multi-table parent links are one-to-one"
    )


def test_demo_has_many_to_many_with_and_without_a_through_model():
    m2m = [f for m in demo_models() for f in m._meta.local_many_to_many]
    auto = [f for f in m2m if f.remote_field.through._meta.auto_created]
    explicit = [f for f in m2m if not f.remote_field.through._meta.auto_created]
    assert demo.Book._meta.get_field("tags") in auto
    assert demo.Book._meta.get_field("authors") in explicit
    assert demo.Book._meta.get_field("authors").remote_field.through is demo.Authorship


def test_demo_has_an_abstract_base_a_multi_table_child_and_a_proxy():
    concrete_with_abstract_base = [
        m
        for m in demo_models()
        if any(getattr(getattr(b, "_meta", None), "abstract", False) for b in m.__mro__[1:])
    ]
    children = [m for m in demo_models() if m._meta.parents and not m._meta.proxy]
    proxies = [m for m in demo_models() if m._meta.proxy]
    assert demo.TimeStampedModel._meta.abstract
    assert demo.TimeStampedModel not in demo_models()
    assert demo.Book in concrete_with_abstract_base
    assert {demo.BookLaunch, demo.Signing} <= set(children)
    assert all(demo.Event in m._meta.parents for m in (demo.BookLaunch, demo.Signing))
    assert proxies == [demo.PublishedBook]
    assert demo.PublishedBook._meta.concrete_model is demo.Book


# -- the seeder is deterministic --------------------------------------------------------------

DEMO_MODELS = [
    demo.Publisher,
    demo.Author,
    demo.AuthorProfile,
    demo.Tag,
    demo.Book,
    demo.Authorship,
    demo.Review,
    demo.Comment,
    demo.Store,
    demo.Event,
    demo.BookLaunch,
    demo.Signing,
    demo.PartnerAccount,
]


def row_counts() -> dict[str, int]:
    counts = {m.__name__: m._base_manager.count() for m in DEMO_MODELS}
    counts["book_tags"] = demo.Book.tags.through.objects.count()
    counts["store_books"] = demo.Store.books.through.objects.count()
    return counts


def catalogue_snapshot() -> dict:
    """The seeded content without primary keys and ``auto_now`` timestamps."""
    books = {b.pk: b.isbn for b in demo.Book.objects.all()}
    authors = {a.pk: a.email for a in demo.Author.objects.all()}
    reviews = {
        r.pk: (books[r.book_id], r.reviewer_name, r.created_at.isoformat()) for r in demo.Review.objects.all()
    }
    targets = {"book": books, "author": authors, "review": reviews}
    return {
        "publishers": sorted(
            (p.name, p.slug, p.email, str(p.founded_on), p.country, json.dumps(p.metadata, sort_keys=True))
            for p in demo.Publisher.objects.all()
        ),
        "authors": sorted(
            (
                a.email,
                a.name,
                str(a.birth_date),
                a.bio,
                a.website,
                getattr(getattr(a, "profile", None), "followers", None),
            )
            for a in demo.Author.objects.select_related("profile")
        ),
        "books": sorted(
            (
                b.isbn,
                b.title,
                b.slug,
                str(b.uuid),
                b.status,
                str(b.price),
                b.rating,
                b.pages,
                b.word_count,
                b.in_stock,
                str(b.published_on),
                str(b.reading_time),
                json.dumps(b.metadata, sort_keys=True),
                b.publisher.name if b.publisher else None,
                b.cover.name or None,
                sorted(t.name for t in b.tags.all()),
                [(s.author.email, s.role, s.position) for s in b.authorships.all()],
            )
            for b in demo.Book.objects.select_related("publisher")
        ),
        "reviews": sorted(
            (
                books[r.book_id],
                r.reviewer_name,
                r.reviewer_email,
                r.rating,
                r.title,
                r.body,
                r.ip_address,
                r.verified_purchase,
                r.created_at.isoformat(),
            )
            for r in demo.Review.objects.all()
        ),
        "comments": sorted(
            (
                c.content_type.model,
                str(targets[c.content_type.model][c.object_id]),
                c.author_name,
                c.body,
                c.created_at.isoformat(),
            )
            for c in demo.Comment.objects.select_related("content_type")
        ),
        "stores": sorted(
            (s.slug, s.name, str(s.opens_at), str(s.closes_at), sorted(b.isbn for b in s.books.all()))
            for s in demo.Store.objects.all()
        ),
        "events": sorted(
            (e.name, e.starts_at.isoformat(), str(e.duration), e.capacity, e.venue.slug)
            for e in demo.Event.objects.select_related("venue")
        ),
        "partners": sorted(
            (p.name, p.api_token, p.password_hash, p.webhook_secret, p.signing_key)
            for p in demo.PartnerAccount.objects.all()
        ),
    }


def digest(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()


def seed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo_seed", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_session_seed_has_the_tiny_sizes(db):
    tiny = SIZES["tiny"]
    assert demo.Publisher.objects.count() == tiny.publishers
    assert demo.Author.objects.count() == tiny.authors
    assert demo.Tag.objects.count() == tiny.tags
    assert demo.Book.objects.count() == tiny.books
    assert demo.Review.objects.count() == tiny.reviews
    assert demo.Store.objects.count() == tiny.stores
    assert demo.Event.objects.count() == tiny.events
    assert demo.Comment.objects.count() == tiny.comments
    assert demo.PartnerAccount.objects.count() == tiny.partners
    assert demo.Book.objects.exclude(cover="").exclude(cover=None).count() == tiny.files
    assert sorted(demo.Book.objects.values_list("isbn", flat=True)) == [isbn13(n) for n in range(1, 13)]


def test_isbn13_has_a_valid_check_digit():
    assert isbn13(1) == "9780000000019"
    assert isbn13(30640615) == "9780306406157"  # the textbook example


def test_seed_on_seeded_database__says_already_present_and_writes_nothing(db):
    before_counts, before = row_counts(), catalogue_snapshot()
    with CaptureQueriesContext(connection) as queries:
        out, err = seed("--size", "tiny", "--seed", "99")
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
    assert "already present" in out
    assert err == ""
    assert writes == []
    assert row_counts() == before_counts
    assert catalogue_snapshot() == before


def test_seed_flush__recreates_exactly_the_session_data(db):
    before_counts, before = row_counts(), catalogue_snapshot()
    seed("--flush", "--size", "tiny", "--seed", "7")
    assert row_counts() == before_counts
    after = catalogue_snapshot()
    assert after == before
    assert digest(after) == digest(before)


def test_seed_flush__different_seeds_give_different_data(db):
    session = catalogue_snapshot()
    seed("--flush", "--size", "tiny", "--seed", "8")
    seed_8 = catalogue_snapshot()
    assert digest(seed_8) != digest(session)
    assert [b[1] for b in seed_8["books"]] != [b[1] for b in session["books"]]  # titles
    assert seed_8["reviews"] != session["reviews"]
    seed("--flush", "--size", "tiny", "--seed", "8")
    assert digest(catalogue_snapshot()) == digest(seed_8)


def test_seed_flush__prints_a_summary_of_the_row_counts(db):
    out, err = seed("--flush", "--size", "tiny", "--seed", "7")
    summary = (
        f"{demo.Publisher.objects.count()} publishers, {demo.Author.objects.count()} authors, "
        f"{demo.Tag.objects.count()} tags, {demo.Book.objects.count()} books, "
        f"{demo.Review.objects.count()} reviews, {demo.Store.objects.count()} stores, "
        f"{demo.Event.objects.count()} events, {demo.Comment.objects.count()} comments"
    )
    assert out.strip() == f"Seeded the demo (tiny, seed 7): {summary}."
    assert "3 publishers, 8 authors, 5 tags, 12 books, 40 reviews, 2 stores, 6 events, 20 comments" in out
    assert err == ""


def test_seed_flush__with_progress_writes_a_bar_to_stderr(db):
    out, err = seed("--flush", "--size", "tiny", "--progress")
    assert "Seeded the demo (tiny, seed 42)" in out
    assert "publishers" in err and "books" in err
    assert re.search(r"\d+%\|", err), err
    assert "%|" not in out


def test_seed_progress__bar_redraws_in_place(db):
    """tqdm redraws one line with carriage returns; a newline after every refresh (what Django's
    OutputWrapper adds to each write) would leave a stack of stale bars in the terminal."""
    _, err = seed("--flush", "--size", "tiny", "--progress")
    assert "publishers" in err
    assert "\n" not in err, repr(err[:300])


def test_seed_flush__no_progress_bar_for_tiny_by_default(db):
    _, err = seed("--flush", "--size", "tiny")
    assert err == ""


def test_seed_flush__no_progress_flag_silences_the_bar(db):
    _, err = seed("--flush", "--size", "tiny", "--no-progress")
    assert err == ""


@pytest.mark.parametrize("size", ["huge", "TINY", ""])
def test_seed__invalid_size_is_refused(db, size):
    before = row_counts()
    with pytest.raises(CommandError, match="invalid choice"):
        seed("--flush", "--size", size)
    assert row_counts() == before


def test_seed__invalid_seed_is_refused(db):
    with pytest.raises(CommandError, match="--seed"):
        seed("--flush", "--size", "tiny", "--seed", "seven")


# -- demo_superuser ---------------------------------------------------------------------------

GENERATED = re.compile(
    r"Login: (?P<user>\S+) / (?P<password>\S+)\s+\(generated now and shown only this once\)"
)


def superuser(*args: str) -> str:
    out = StringIO()
    call_command("demo_superuser", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def no_password_env(monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)


def test_superuser__generated_password_is_printed_once_and_logs_in(db, no_password_env):
    out = superuser()
    match = GENERATED.search(out)
    assert match, out
    assert match["user"] == "admin"
    password = match["password"]
    assert len(password) >= 16
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.email == "admin@example.com"
    assert authenticate(username="admin", password=password) == user

    again = superuser()
    assert password not in again
    assert GENERATED.search(again) is None
    assert "DEMO_ADMIN_PASSWORD" in again
    assert authenticate(username="admin", password=password) == user
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_superuser__generated_passwords_differ_between_users(db, no_password_env):
    first = GENERATED.search(superuser("--username", "first"))["password"]
    second = GENERATED.search(superuser("--username", "second"))["password"]
    assert first != second


def test_superuser__password_from_the_environment_is_used_and_not_printed(db, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "correct horse battery staple")
    out = superuser("--username", "boss", "--email", "boss@example.com")
    assert "correct horse battery staple" not in out
    assert "DEMO_ADMIN_PASSWORD" in out
    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser and user.email == "boss@example.com"
    assert authenticate(username="boss", password="correct horse battery staple") == user


def test_superuser__environment_password_resets_an_existing_user(db, monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    generated = GENERATED.search(superuser())["password"]
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "a-new-password-123")
    out = superuser()
    assert "a-new-password-123" not in out and generated not in out
    assert authenticate(username="admin", password="a-new-password-123") is not None
    assert authenticate(username="admin", password=generated) is None
    assert get_user_model().objects.filter(username="admin").count() == 1
