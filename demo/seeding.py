"""Deterministic sample data for the demo catalogue (used by ``demo_seed``, tests and benchmarks).

The same size and seed always produce the same rows (timestamps set by ``auto_now`` aside), so
tests and benchmarks can rely on the data. Rows are written with ``bulk_create``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from demo import models

T = TypeVar("T")


@dataclass(frozen=True)
class Size:
    publishers: int
    authors: int
    tags: int
    books: int
    reviews: int
    stores: int
    events: int
    comments: int
    partners: int
    files: int  # books that get a cover image and a sample chapter


SIZES: dict[str, Size] = {
    "tiny": Size(3, 8, 5, 12, 40, 2, 6, 20, 2, 3),
    "small": Size(10, 40, 12, 200, 1_000, 5, 30, 300, 3, 5),
    "medium": Size(50, 400, 30, 2_000, 10_000, 20, 200, 3_000, 5, 5),
    "large": Size(200, 4_000, 50, 20_000, 100_000, 50, 1_000, 20_000, 5, 5),
}

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Mary",
    "Chinua",
    "Jorge",
    "Toni",
    "Italo",
    "Ursula",
    "Haruki",
    "Zadie",
    "Kazuo",
    "Clarice",
    "Naguib",
    "Wisława",
    "Orhan",
    "Elena",
    "Ngũgĩ",
    "Yoko",
    "Olga",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Shelley",
    "Achebe",
    "Borges",
    "Morrison",
    "Calvino",
    "Le Guin",
    "Murakami",
    "Smith",
    "Ishiguro",
    "Lispector",
    "Mahfouz",
    "Szymborska",
    "Pamuk",
    "Ferrante",
    "Thiong'o",
    "Ogawa",
    "Tokarczuk",
]
WORDS = [
    "silent",
    "river",
    "garden",
    "empire",
    "winter",
    "paper",
    "city",
    "glass",
    "memory",
    "north",
    "orchard",
    "signal",
    "harbor",
    "atlas",
    "lantern",
    "tide",
    "archive",
    "comet",
    "meridian",
    "quiet",
    "stone",
    "letters",
    "machine",
    "island",
]
TAGS = [
    "fiction",
    "history",
    "science",
    "poetry",
    "mystery",
    "fantasy",
    "biography",
    "travel",
    "philosophy",
    "economics",
    "art",
    "cooking",
    "children",
    "drama",
    "essays",
    "nature",
    "politics",
    "music",
    "design",
    "software",
    "mathematics",
    "religion",
    "sports",
    "humor",
    "horror",
    "romance",
    "classics",
    "graphic-novels",
    "memoir",
    "true-crime",
    "education",
    "health",
    "law",
    "languages",
    "psychology",
    "sociology",
    "architecture",
    "film",
    "photography",
    "gardening",
    "crafts",
    "business",
    "reference",
    "war",
    "myth",
    "plays",
    "short-stories",
    "anthology",
    "young-adult",
    "science-fiction",
]
CITIES = ["Lisbon", "Nairobi", "Osaka", "Toronto", "Valparaíso", "Tbilisi", "Reykjavík", "Hanoi"]
COUNTRIES = ["GB", "US", "FR", "DE", "JP", "BR", "NG", "IN", "PT", "KE"]
READER_PREFIX = "reader-"
BASE_TIME = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.UTC)
BASE_DATE = datetime.date(1990, 1, 1)


def isbn13(number: int) -> str:
    body = f"978{number:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def has_demo_data() -> bool:
    return models.Book.objects.exists() or models.Publisher.objects.exists()


def flush_demo_data() -> None:
    for model in (
        models.Comment,
        models.Event,
        models.Review,
        models.Authorship,
        models.Book,
        models.AuthorProfile,
        models.Author,
        models.Publisher,
        models.Tag,
        models.Store,
        models.PartnerAccount,
        models.ReadingList,
    ):
        model._base_manager.all().delete()
    get_user_model()._default_manager.filter(username__startswith=READER_PREFIX).delete()


class Seeder:
    """Writes one size of demo data; ``progress`` wraps long loops (e.g. with tqdm)."""

    def __init__(
        self,
        size: Size,
        seed: int = 42,
        progress: Callable[[Iterable[T], str, int], Iterable[T]] | None = None,
    ) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.progress = progress or (lambda items, label, total: items)

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            publishers = self.publishers()
            authors = self.authors()
            tags = self.tags()
            books = self.books(publishers)
            self.relations(books, authors, tags)
            reviews = self.reviews(books)
            stores = self.stores(books)
            self.events(stores, books, authors)
            self.comments(books, authors, reviews)
            self.partners()
            self.files(books[: self.size.files])
            self.reading_lists(books)
        return {
            model.__name__: model._base_manager.count()
            for model in (
                models.Publisher,
                models.Author,
                models.Tag,
                models.Book,
                models.Review,
                models.Store,
                models.Event,
                models.Comment,
            )
        }

    def _bulk(self, model: Any, objects: list[T], label: str) -> list[T]:
        created: list[T] = []
        batch = 1_000
        chunks = range(0, len(objects), batch)
        for start in self.progress(chunks, label, len(chunks)):
            created += model.objects.bulk_create(objects[start : start + batch])
        return created

    def publishers(self) -> list[models.Publisher]:
        rng = self.rng
        items = []
        for i in range(self.size.publishers):
            name = (
                f"{rng.choice(WORDS).title()} {rng.choice(['Press', 'Books', 'House', 'Editions'])} {i + 1}"
            )
            items.append(
                models.Publisher(
                    name=name,
                    slug=slugify(name),
                    website=f"https://{slugify(name)}.example.com",
                    email=f"contact@{slugify(name)}.example.com",
                    founded_on=BASE_DATE - datetime.timedelta(days=rng.randint(0, 40_000)) if i % 4 else None,
                    country=rng.choice(COUNTRIES),
                    metadata={
                        "tier": rng.choice(["gold", "silver", "bronze"]),
                        "imprints": rng.sample(WORDS, 2),
                        "independent": i % 3 == 0,
                    },
                )
            )
        return self._bulk(models.Publisher, items, "publishers")

    def authors(self) -> list[models.Author]:
        rng = self.rng
        items = []
        for i in range(self.size.authors):
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
            items.append(
                models.Author(
                    name=f"{first} {last}",
                    email=f"{slugify(first)}.{slugify(last)}.{i}@example.org",
                    birth_date=BASE_DATE - datetime.timedelta(days=rng.randint(7_000, 30_000))
                    if i % 5
                    else None,
                    bio=f"{first} {last} writes about {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                    website=f"https://{slugify(first)}{i}.example.net" if i % 2 else "",
                )
            )
        authors = self._bulk(models.Author, items, "authors")
        profiles = [
            models.AuthorProfile(
                author=a,
                twitter_handle=f"@{slugify(a.name).replace('-', '_')[:20]}{n}",
                followers=rng.randint(0, 250_000),
            )
            for n, a in enumerate(authors)
            if n % 3 != 2
        ]
        self._bulk(models.AuthorProfile, profiles, "profiles")
        return authors

    def tags(self) -> list[models.Tag]:
        names = TAGS[: self.size.tags]
        return self._bulk(models.Tag, [models.Tag(name=n, slug=slugify(n)) for n in names], "tags")

    def books(self, publishers: list[models.Publisher]) -> list[models.Book]:
        rng = self.rng
        statuses = (
            [models.Book.Status.PUBLISHED] * 6
            + [models.Book.Status.DRAFT] * 2
            + [models.Book.Status.OUT_OF_PRINT]
        )
        items = []
        for i in range(self.size.books):
            title = f"The {rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
            status = rng.choice(statuses)
            pages = rng.randint(80, 900) if i % 10 else None
            items.append(
                models.Book(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    title=title,
                    slug=f"{slugify(title)}-{i + 1}",
                    isbn=isbn13(i + 1),
                    status=status,
                    description=f"A novel about {rng.choice(WORDS)}, {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                    edition=rng.randint(1, 5),
                    pages=pages,
                    word_count=pages * rng.randint(250, 400) if pages else None,
                    price=Decimal(rng.randint(499, 7999)) / 100,
                    in_stock=rng.random() < 0.8,
                    published_on=(
                        BASE_DATE + datetime.timedelta(days=rng.randint(0, 12_000))
                        if status != models.Book.Status.DRAFT
                        else None
                    ),
                    reading_time=datetime.timedelta(minutes=pages * 2) if pages else None,
                    metadata={
                        "format": rng.choice(["hardcover", "paperback", "ebook"]),
                        "language": rng.choice(["en", "fr", "pt", "ja"]),
                        **(
                            {"series": {"name": rng.choice(WORDS), "number": rng.randint(1, 6)}}
                            if i % 4 == 0
                            else {}
                        ),
                    },
                    publisher=rng.choice(publishers) if publishers and i % 11 else None,
                )
            )
        return self._bulk(models.Book, items, "books")

    def relations(
        self, books: list[models.Book], authors: list[models.Author], tags: list[models.Tag]
    ) -> None:
        rng = self.rng
        roles = [models.Authorship.Role.AUTHOR] * 4 + [
            models.Authorship.Role.EDITOR,
            models.Authorship.Role.TRANSLATOR,
            models.Authorship.Role.ILLUSTRATOR,
        ]
        authorships, book_tags = [], []
        for book in books:
            for position, author in enumerate(rng.sample(authors, k=min(len(authors), rng.randint(1, 3)))):
                role = models.Authorship.Role.AUTHOR if position == 0 else rng.choice(roles)
                authorships.append(models.Authorship(book=book, author=author, role=role, position=position))
            for tag in rng.sample(tags, k=min(len(tags), rng.randint(0, 3))):
                book_tags.append(models.Book.tags.through(book_id=book.pk, tag_id=tag.pk))
        self._bulk(models.Authorship, authorships, "authorships")
        self._bulk(models.Book.tags.through, book_tags, "book tags")

    def reviews(self, books: list[models.Book]) -> list[models.Review]:
        rng = self.rng
        items = []
        for i in range(self.size.reviews if books else 0):
            book = rng.choice(books)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            ip = (
                f"203.0.113.{rng.randint(1, 254)}"
                if i % 3 == 0
                else f"2001:db8::{rng.randint(1, 0xFFFF):x}"
                if i % 3 == 1
                else None
            )
            items.append(
                models.Review(
                    book=book,
                    reviewer_name=f"{first} {last}",
                    reviewer_email=f"reader{i}@example.com" if i % 4 else "",
                    rating=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 6, 5])[0],
                    title=f"{rng.choice(['Loved', 'Enjoyed', 'Disliked', 'Admired'])} the {rng.choice(WORDS)}",
                    body=f"The {rng.choice(WORDS)} was {rng.choice(['moving', 'slow', 'brilliant', 'odd'])}.",
                    ip_address=ip,
                    verified_purchase=rng.random() < 0.6,
                    created_at=BASE_TIME + datetime.timedelta(minutes=rng.randint(0, 500_000)),
                )
            )
        reviews = self._bulk(models.Review, items, "reviews")
        ratings: dict[int, list[int]] = {}
        for review in reviews:
            ratings.setdefault(review.book_id, []).append(review.rating)
        for book in books:
            values = ratings.get(book.pk)
            book.rating = round(sum(values) / len(values), 2) if values else None
        for start in range(0, len(books), 1_000):
            models.Book.objects.bulk_update(books[start : start + 1_000], ["rating"])
        return reviews

    def stores(self, books: list[models.Book]) -> list[models.Store]:
        rng = self.rng
        stores = self._bulk(
            models.Store,
            [
                models.Store(
                    name=f"{CITIES[i % len(CITIES)]} Books {i + 1}",
                    slug=f"store-{i + 1}",
                    city=CITIES[i % len(CITIES)],
                    opens_at=datetime.time(rng.choice([8, 9, 10])),
                    closes_at=datetime.time(rng.choice([18, 19, 20, 21]), rng.choice([0, 30])),
                    open_on_weekends=i % 2 == 0,
                )
                for i in range(self.size.stores)
            ],
            "stores",
        )
        through = models.Store.books.through
        links = [
            through(store_id=s.pk, book_id=b.pk)
            for s in stores
            for b in rng.sample(books, k=min(len(books), 5 + len(books) // 4))
        ]
        self._bulk(through, links, "store stock")
        return stores

    def events(
        self, stores: list[models.Store], books: list[models.Book], authors: list[models.Author]
    ) -> None:
        rng = self.rng
        for i in range(self.size.events if stores else 0):
            common = {
                "starts_at": BASE_TIME + datetime.timedelta(days=i * 3, hours=rng.randint(0, 10)),
                "duration": datetime.timedelta(minutes=rng.choice([60, 90, 120, 180])),
                "capacity": rng.choice([20, 50, 100, 200]),
                "venue": rng.choice(stores),
            }
            if i % 3 == 0 and books:
                book = rng.choice(books)
                models.BookLaunch.objects.create(
                    name=f"Launch: {book.title}",
                    book=book,
                    host=rng.choice(authors) if i % 2 else None,
                    **common,
                )
            elif i % 3 == 1 and authors:
                author = rng.choice(authors)
                models.Signing.objects.create(
                    name=f"Signing with {author.name}",
                    author=author,
                    max_signatures=rng.choice([50, 100, 300]),
                    **common,
                )
            else:
                models.Event.objects.create(name=f"Reading night {i + 1}", **common)

    def comments(
        self, books: list[models.Book], authors: list[models.Author], reviews: list[models.Review]
    ) -> None:
        rng = self.rng
        pools = [
            (ContentType.objects.get_for_model(models.Book), books),
            (ContentType.objects.get_for_model(models.Author), authors),
            (ContentType.objects.get_for_model(models.Review), reviews),
        ]
        pools = [(ct, objs) for ct, objs in pools if objs]
        items = []
        for i in range(self.size.comments if pools else 0):
            content_type, objects = pools[i % len(pools)]
            items.append(
                models.Comment(
                    content_type=content_type,
                    object_id=rng.choice(objects).pk,
                    author_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    body=f"About the {rng.choice(WORDS)}: {rng.choice(['agreed', 'not sure', 'wonderful'])}.",
                    created_at=BASE_TIME + datetime.timedelta(minutes=rng.randint(0, 500_000)),
                )
            )
        self._bulk(models.Comment, items, "comments")

    def reading_lists(self, books: list[models.Book]) -> None:
        """Two readers (no password), each with a public and a private list."""
        rng = self.rng
        User = get_user_model()
        for number in (1, 2):
            reader = User._default_manager.create_user(
                f"{READER_PREFIX}{number}", f"reader{number}@example.org"
            )
            reader.set_unusable_password()
            reader.save(update_fields=["password"])
            for public in (True, False):
                reading_list = models.ReadingList.objects.create(
                    owner=reader,
                    name=f"{'Shared' if public else 'Private'} picks of reader {number}",
                    is_public=public,
                )
                reading_list.books.set(rng.sample(books, k=min(len(books), 3)))

    def partners(self) -> None:
        rng = self.rng
        items = []
        for i in range(self.size.partners):
            digest = hashlib.sha256(f"partner-{i}".encode()).hexdigest()
            items.append(
                models.PartnerAccount(
                    name=f"Partner {i + 1}",
                    contact_email=f"ops{i + 1}@partner.example.com",
                    api_token=f"tok_{rng.getrandbits(128):032x}",
                    password_hash=f"pbkdf2_sha256$600000${digest[:12]}${digest[12:56]}",
                    webhook_secret=f"whsec_{rng.getrandbits(96):024x}",
                    signing_key=f"sk_{rng.getrandbits(96):024x}",
                    last_seen_ip=f"198.51.100.{i + 1}",
                )
            )
        self._bulk(models.PartnerAccount, items, "partners")

    def files(self, books: list[models.Book]) -> None:
        """Real files in the default storage: a PNG cover and a text sample chapter."""
        from PIL import Image

        for index, book in enumerate(books):
            image = Image.new("RGB", (120, 180), color=(40 + index * 40 % 200, 90, 160))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            book.cover = _save(f"covers/seed-{book.slug}.png", buffer.getvalue())
            book.sample_chapter = _save(
                f"samples/seed-{book.slug}.txt", f"Chapter 1 of {book.title}.\n".encode()
            )
            book.save(update_fields=["cover", "sample_chapter"])


def _save(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))
