"""The result cache: keyed by document, variables and the caller's scope; dropped by signals."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demo.models import Book, ReadingList, Tag
from tests.conftest import GraphQLClient
from tests.optimizer.test_planner import is_bookkeeping
from tests.services import burst_worker
from toolkit import caching

TAGS = "{ tags { id name } }"


@pytest.fixture
def cached(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "RESULT_CACHE": {"enabled": True, "timeout": 300}}
    cache.clear()
    yield
    cache.clear()


def sql_of(gql, query, variables=None):
    with CaptureQueriesContext(connection) as captured:
        result = gql.post(query, variables, check=False)
    assert result.status == 200 and not result.errors, result.body
    return len([q for q in captured.captured_queries if not is_bookkeeping(q["sql"])]), result.data


def test_an_identical_read__is_served_without_sql(gql, cached):
    first_sql, first = sql_of(gql, TAGS)
    again_sql, again = sql_of(gql, TAGS)
    assert first_sql >= 1 and again_sql == 0
    assert again == first


def test_variables_and_operation_names__are_part_of_the_key(gql, cached):
    query = "query($n: Int) { tags(limit: $n) { id } }"
    _, two = sql_of(gql, query, {"n": 2})
    sql, three = sql_of(gql, query, {"n": 3})
    assert sql >= 1 and len(two["tags"]) == 2 and len(three["tags"]) == 3


def test_a_save__drops_the_results_that_read_the_model(gql, cached, django_capture_on_commit_callbacks):
    sql_of(gql, TAGS)
    tag = Tag.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "renamed-for-the-cache"
        tag.save()
    sql, data = sql_of(gql, TAGS)
    assert sql >= 1
    assert "renamed-for-the-cache" in [t["name"] for t in data["tags"]]


def test_a_write_to_another_model__keeps_the_entry(gql, cached, django_capture_on_commit_callbacks):
    sql_of(gql, TAGS)
    with django_capture_on_commit_callbacks(execute=True):
        book = Book.objects.order_by("pk").first()
        book.save()
    sql, _ = sql_of(gql, TAGS)
    assert sql == 0  # exactly the entries depending on the changed models are dropped


def test_joined_and_nested_models__are_dependencies_too(gql, cached, django_capture_on_commit_callbacks):
    query = "{ books(limit: 3) { title publisher { name } tags { name } } }"
    sql_of(gql, query)
    first_three = Book.objects.order_by("pk")[:3]
    book = next(b for b in first_three if b.publisher_id)
    with django_capture_on_commit_callbacks(execute=True):
        book.publisher.name = "Joined Press"
        book.publisher.save()
    sql, data = sql_of(gql, query)
    assert sql >= 1
    with django_capture_on_commit_callbacks(execute=True):
        book.tags.add(Tag.objects.create(name="m2m-added", slug="m2m-added"))  # m2m_changed
    sql, data = sql_of(gql, query)
    assert sql >= 1
    assert any("m2m-added" in [t["name"] for t in b["tags"]] for b in data["books"])


def test_bulk_fast_path__invalidates_although_it_sends_no_signals(
    gql, admin_gql, cached, django_capture_on_commit_callbacks
):
    sql_of(gql, TAGS)
    with django_capture_on_commit_callbacks(execute=True):
        result = admin_gql(
            'mutation { bulkCreateTags(inputs: [{name: "bulk-cache", slug: "bulk-cache"}]) { ok } }'
        )
    assert result["bulkCreateTags"]["ok"]
    sql, data = sql_of(gql, TAGS)
    assert sql >= 1 and "bulk-cache" in [t["name"] for t in data["tags"]]


def test_one_users_data__is_never_served_to_another(db, cached):
    """Reading lists are owner-scoped: each reader's cached answer stays theirs."""
    User = get_user_model()
    alice, bob = (User.objects.create_user(name, f"{name}@example.com", "pw") for name in ("alice", "bob"))
    ReadingList.objects.create(owner=alice, name="alice private", is_public=False)
    clients = {}
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        clients[user.username] = GraphQLClient(client, user)
    query = "{ readingLists { name } }"
    alice_names = [r["name"] for r in clients["alice"](query)["readingLists"]]
    bob_sql, bob_data = sql_of(clients["bob"], query)
    assert "alice private" in alice_names
    assert bob_sql >= 1 and "alice private" not in [r["name"] for r in bob_data["readingLists"]]
    anonymous = GraphQLClient(Client())
    assert "alice private" not in [r["name"] for r in anonymous(query)["readingLists"]]


def test_errors_and_mutations__are_not_cached(gql, admin_gql, cached):
    bad = gql.post("{ tags(limit: -1) { id } }", check=False)
    assert bad.errors
    mutation = 'mutation { createTag(input: {name: "once", slug: "once"}) { ok } }'
    assert admin_gql(mutation)["createTag"]["ok"]
    assert not admin_gql(mutation)["createTag"]["ok"]  # executed again: now a unique error


def test_disabled__every_read_queries(gql, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "RESULT_CACHE": {"enabled": False, "timeout": 300}}
    sql_of(gql, TAGS)
    sql, _ = sql_of(gql, TAGS)
    assert sql >= 1


@pytest.mark.django_db(transaction=True)
def test_with_redis__invalidation_runs_on_the_cache_invalidation_queue(rq_redis, settings, redis_url):
    """With REDIS_URL the bump is a job on ``cache_invalidation``: the entry stays valid until a
    worker runs it (the window), then the next read queries again."""
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.TOOLKIT = {**settings.TOOLKIT, "RESULT_CACHE": {"enabled": True, "timeout": 300}}
    import django_rq

    Tag.objects.create(name="queued", slug="queued")
    django_rq.get_queue("cache_invalidation").empty()  # the creation's own job: not under test
    caching.bump(["demo.Tag"])
    gql = GraphQLClient(Client())
    sql_of(gql, TAGS)
    tag = Tag.objects.get(slug="queued")
    tag.name = "queued-renamed"
    tag.save()  # commits (transactional test): the job is enqueued on commit
    assert django_rq.get_queue("cache_invalidation").count == 1
    sql, stale = sql_of(gql, TAGS)
    assert sql == 0 and "queued-renamed" not in [t["name"] for t in stale["tags"]]  # the window
    started = time.monotonic()
    result = burst_worker(rq_redis, "cache_invalidation")
    assert result.returncode == 0, result.stdout + result.stderr
    window = time.monotonic() - started
    sql, fresh = sql_of(gql, TAGS)
    assert sql >= 1 and "queued-renamed" in [t["name"] for t in fresh["tags"]]
    print(f"invalidation window with a burst worker started after the write: {window:.2f} s")


def test_scope_of__separates_anonymous_users_and_permissions(db):
    User = get_user_model()
    plain = User.objects.create_user("scope-plain", "p@example.com", "pw")
    staff = User.objects.create_user("scope-staff", "s@example.com", "pw", is_staff=True)
    assert caching.scope_of(None) == {"user": None}
    assert caching.scope_of(plain) != caching.scope_of(staff)
    before = caching.scope_of(plain)
    caching.bump([caching.PERMISSIONS_LABEL])
    assert caching.scope_of(plain) != before  # a permission change starts new entries


@pytest.mark.django_db(transaction=True)
def test_with_a_running_worker__the_stale_window_is_short(rq_worker, rq_redis, settings, redis_url):
    """A read after a committed write is fresh once the job ran; with a worker running that is
    milliseconds later (printed; docs/performance.md records the figure)."""
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.TOOLKIT = {**settings.TOOLKIT, "RESULT_CACHE": {"enabled": True, "timeout": 300}}
    tag = Tag.objects.create(name="window", slug="window")
    gql = GraphQLClient(Client())
    deadline = time.monotonic() + 10
    while "window" not in [t["name"] for t in sql_of(gql, TAGS)[1]["tags"]]:
        assert time.monotonic() < deadline
    tag.name = "window-renamed"
    tag.save()
    written = time.monotonic()
    while "window-renamed" not in [t["name"] for t in sql_of(gql, TAGS)[1]["tags"]]:
        assert time.monotonic() - written < 10, "the invalidation job did not run"
        time.sleep(0.005)
    print(f"stale window with a running worker: {(time.monotonic() - written) * 1000:.0f} ms")
