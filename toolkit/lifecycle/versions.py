"""Reading the ``SchemaVersion`` table, with one readable error when it does not exist yet."""

from __future__ import annotations

from django.db import DatabaseError, connections, router

from toolkit.lifecycle.errors import EXIT_BAD_INPUT, EXIT_NOT_MIGRATED, LifecycleError
from toolkit.models import SchemaVersion

NOT_MIGRATED = "the database is not migrated: table {table} is missing (run: manage.py migrate)"


def require_table() -> None:
    """``LifecycleError`` (exit 3) unless ``manage.py migrate`` created the versions table.

    Looking first (rather than catching the failed query) keeps a PostgreSQL transaction usable."""
    alias = router.db_for_read(SchemaVersion)
    table = SchemaVersion._meta.db_table
    try:
        with connections[alias].cursor() as cursor:
            tables = connections[alias].introspection.table_names(cursor)
    except DatabaseError as exc:
        raise LifecycleError(
            f"cannot reach the database: {str(exc).splitlines()[0]}", EXIT_NOT_MIGRATED
        ) from exc
    if table not in tables:
        raise LifecycleError(NOT_MIGRATED.format(table=table), EXIT_NOT_MIGRATED)


def latest() -> SchemaVersion | None:
    require_table()
    return SchemaVersion.objects.order_by("-number").first()


def get(number: int) -> SchemaVersion:
    require_table()
    try:
        return SchemaVersion.objects.get(number=number)
    except SchemaVersion.DoesNotExist:
        numbers = SchemaVersion.objects.order_by("number").values_list("number", flat=True)
        known = f"known: {numbers[0]}-{numbers.reverse()[0]}" if numbers else "none recorded yet"
        raise LifecycleError(f"unknown schema version {number} ({known})", EXIT_BAD_INPUT) from None


def get_by_label(label: str) -> SchemaVersion:
    """``"latest"`` or a version number."""
    if label == "latest":
        version = latest()
        if version is None:
            raise LifecycleError(
                "no schema version is recorded yet (run: manage.py graphql snapshot)", EXIT_BAD_INPUT
            )
        return version
    if label.isdigit():
        return get(int(label))
    raise LifecycleError(f"{label!r} is not a version number or 'latest'", EXIT_BAD_INPUT)


def all_versions() -> list[SchemaVersion]:
    require_table()
    return list(SchemaVersion.objects.order_by("number").defer("sdl"))
