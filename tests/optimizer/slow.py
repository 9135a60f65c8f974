"""A scope that makes PostgreSQL sleep, to trigger the statement timeout in a test."""

from django.db.models.expressions import RawSQL


def slow_scope(queryset, user, action):
    return queryset.filter(pk__in=RawSQL("SELECT id FROM demo_tag WHERE pg_sleep(0.2) IS NOT NULL", []))
