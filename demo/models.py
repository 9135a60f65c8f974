"""A publishing catalogue that, model by model, uses every Django field type.

Publishers publish books; authors write them (through ``Authorship``, which carries a role);
readers review them and comment on books, authors and reviews (a generic relation). Stores host
events, which come in two kinds (multi-table inheritance). ``PartnerAccount`` holds credentials
that the generated API must never expose.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from toolkit import computed, mutation


class TimeStampedModel(models.Model):
    """Abstract base: creation and modification times, set by Django."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Publisher(TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    founded_on = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    logo = models.ImageField(upload_to="publishers/", null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @computed(cache=300, depends_on=["demo.Book", "demo.Review"], requires=["id"])
    def average_rating(self) -> float | None:
        """Mean rating of every review of the publisher's books (null without reviews)."""
        found = Review.objects.filter(book__publisher_id=self.pk).aggregate(mean=models.Avg("rating"))
        return round(found["mean"], 2) if found["mean"] is not None else None


class Author(TimeStampedModel):
    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    birth_date = models.DateField(null=True, blank=True)
    bio = models.TextField(blank=True)
    website = models.URLField(blank=True)
    comments = GenericRelation("Comment", related_query_name="author")

    def __str__(self) -> str:
        return self.name


class AuthorProfile(models.Model):
    """One-to-one extension of an author."""

    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    twitter_handle = models.CharField(max_length=30, blank=True)
    photo = models.ImageField(upload_to="authors/", null=True, blank=True)
    followers = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Profile of {self.author}"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Book(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        OUT_OF_PRINT = "out_of_print", "Out of print"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    isbn = models.CharField("ISBN", max_length=13, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(blank=True)
    edition = models.IntegerField(default=1)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    word_count = models.BigIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    rating = models.FloatField(null=True, blank=True, help_text="Average review rating")
    in_stock = models.BooleanField(default=True)
    published_on = models.DateField(null=True, blank=True)
    reading_time = models.DurationField(null=True, blank=True)
    cover = models.ImageField(upload_to="covers/", null=True, blank=True)
    sample_chapter = models.FileField(upload_to="samples/", null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    publisher = models.ForeignKey(
        Publisher, on_delete=models.SET_NULL, null=True, blank=True, related_name="books"
    )
    authors = models.ManyToManyField(Author, through="Authorship", related_name="books")
    tags = models.ManyToManyField(Tag, related_name="books", blank=True)
    comments = GenericRelation("Comment", related_query_name="book")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="book_price_not_negative",
                violation_error_code="negative_price",
                violation_error_message="The price cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED and self.published_on is None:
            raise ValidationError({"published_on": "A published book needs a publication date."})

    @mutation
    def publish(self, on: datetime.date | None = None) -> bool:
        """Put the book on sale (from ``on``, default today). False if it already was."""
        if self.status == self.Status.PUBLISHED:
            return False
        if self.price <= 0:
            raise ValidationError(
                {"price": ValidationError("Set a price before publishing.", code="invalid")}
            )
        self.status = self.Status.PUBLISHED
        self.published_on = on or timezone.localdate()
        self.full_clean()
        self.save(update_fields=["status", "published_on", "updated_at"])
        return True


class PublishedManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(status=Book.Status.PUBLISHED)


class PublishedBook(Book):
    """Proxy: only the books that are on sale."""

    objects = PublishedManager()

    class Meta:
        proxy = True

    class GraphQLMeta:
        read_only = True


class Authorship(models.Model):
    """The ``through`` model of Book.authors: who did what on a book."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        EDITOR = "editor", "Editor"
        TRANSLATOR = "translator", "Translator"
        ILLUSTRATOR = "illustrator", "Illustrator"

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["book_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["book", "author", "role"], name="unique_book_author_role")
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.role}) on {self.book}"


class Review(models.Model):
    """A reader's review. Its reviewer e-mail is masked and its IP address hidden from non-staff;
    the server records who wrote it (``owner_field``), and only they may change it."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    reviewer_name = models.CharField(max_length=120)
    reviewer_email = models.EmailField(blank=True)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    verified_purchase = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    comments = GenericRelation("Comment", related_query_name="review")

    class GraphQLMeta:
        owner_field = "user"
        scope = "demo.policies.reviews_for"
        field_policies = {
            "reviewer_email": {"policy": "staff", "mask": "email"},
            "ip_address": "staff",
        }

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.book_id} by {self.reviewer_name}"


class Comment(models.Model):
    """A comment on a book, an author or a review (a generic foreign key)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author_name = models.CharField(max_length=120)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"Comment by {self.author_name}"


class Store(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    city = models.CharField(max_length=80)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    open_on_weekends = models.BooleanField(default=False)
    books = models.ManyToManyField(Book, related_name="stores", blank=True)
    #: Optimistic concurrency: updates must send the version they read (``expectedVersion``).
    version = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError("A store must close after it opens.", code="hours")


class Event(models.Model):
    """Concrete parent of the event kinds (multi-table inheritance)."""

    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration = models.DurationField()
    capacity = models.PositiveIntegerField(default=50)
    venue = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="events")

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.name


class BookLaunch(Event):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="launches")
    host = models.ForeignKey(
        Author, on_delete=models.SET_NULL, null=True, blank=True, related_name="hosted_launches"
    )


class Signing(Event):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="signings")
    max_signatures = models.PositiveIntegerField(default=100)


class ReadingList(TimeStampedModel):
    """A reader's list of books: private unless shared. Owner-scoped on every path to it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_lists"
    )
    name = models.CharField(max_length=120)
    is_public = models.BooleanField(default=False)
    books = models.ManyToManyField(Book, related_name="reading_lists", blank=True)

    class GraphQLMeta:
        owner_field = "owner"
        scope = "demo.policies.reading_lists_for"

    def __str__(self) -> str:
        return self.name


class PartnerAccount(TimeStampedModel):
    """A reseller's API account: only users with its view permission see it, and its
    credentials never appear in the API."""

    class GraphQLMeta:
        read_policy = "view"

    name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    is_active = models.BooleanField(default=True)
    api_token = models.CharField(max_length=64)
    password_hash = models.CharField(max_length=128)
    webhook_secret = models.CharField(max_length=64, blank=True)
    signing_key = models.CharField(max_length=64, blank=True)
    last_seen_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
