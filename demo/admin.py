from django.contrib import admin

from . import models


@admin.register(models.Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "founded_on"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class AuthorshipInline(admin.TabularInline):
    model = models.Authorship
    extra = 0
    autocomplete_fields = ["author"]


@admin.register(models.Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "publisher", "price", "published_on", "in_stock"]
    list_filter = ["status", "in_stock", "tags"]
    search_fields = ["title", "isbn"]
    autocomplete_fields = ["publisher"]
    inlines = [AuthorshipInline]


@admin.register(models.Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "birth_date"]
    search_fields = ["name", "email"]


@admin.register(models.Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["book", "rating", "reviewer_name", "created_at"]
    list_filter = ["rating", "verified_purchase"]
    raw_id_fields = ["book", "user"]


@admin.register(models.Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "opens_at", "closes_at"]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_at", "venue"]


admin.site.register(
    [models.Tag, models.AuthorProfile, models.Comment, models.PartnerAccount, models.ReadingList]
)
admin.site.register([models.BookLaunch, models.Signing])
