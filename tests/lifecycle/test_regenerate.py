"""``graphql regenerate``: a schema generation in Django's cache that every process notices."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management.base import CommandError

import toolkit
from tests.lifecycle.conftest import graphql
from toolkit.schema import GENERATION_KEY, bump_schema_generation, schema_generation


@pytest.fixture
def every_call(settings):
    """Look at the cached generation on every get_schema() call."""
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_GENERATION_CHECK_SECONDS": 0}
    yield
    cache.delete(GENERATION_KEY)


def test_regenerate__rebuilds_the_schema_in_this_process(every_call):
    before = toolkit.get_schema()
    out = graphql("regenerate")
    assert out.startswith("Schema generation is now 1:")
    assert toolkit.get_schema() is not before
    assert toolkit.get_schema() is toolkit.get_schema()


def test_regenerate__another_process_bumping_the_cache_is_noticed(every_call):
    before = toolkit.get_schema()
    cache.set(GENERATION_KEY, 41, timeout=None)  # what `regenerate` in another process leaves
    assert toolkit.get_schema() is not before
    assert schema_generation() == 41
    assert bump_schema_generation() == 42


def test_regenerate__the_cache_is_read_at_most_once_per_interval(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_GENERATION_CHECK_SECONDS": 3600}
    first = schema_generation()
    cache.set(GENERATION_KEY, first + 5, timeout=None)
    try:
        assert schema_generation() == first  # not looked at again within the interval
    finally:
        cache.delete(GENERATION_KEY)


def test_regenerate__quiet_prints_nothing(every_call):
    assert graphql("regenerate", "--quiet") == ""


def test_regenerate__a_schema_that_does_not_build_is_exit_2_and_bumps_nothing(every_call, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "APPS": ["nope"]}
    with pytest.raises(CommandError, match="the schema does not build, nothing changed") as info:
        graphql("regenerate")
    assert info.value.returncode == 2
    assert cache.get(GENERATION_KEY) is None
