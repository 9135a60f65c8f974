"""Schema versions: the ``SchemaVersion`` history, each version's SDL, and the diff between any two
(or a version and the live schema), classified by ``toolkit.lifecycle.diff`` — the same code as
``manage.py graphql diff``."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path
from django.utils import timezone

from dashboard.panels.base import BadParameter, NotFound, Panel, Tile, page_url


@dataclass
class VersionInfo:
    number: int
    created_at: datetime.datetime
    created_by: str
    comment: str
    git_commit: str
    sdl_hash: str
    types: int
    fields: int
    breaking: int
    dangerous: int
    safe: int
    sdl: str = ""


@dataclass
class SchemaData:
    versions: list[VersionInfo]
    #: The live schema's SDL hash equals the latest version's (``None``: no version, or it cannot be built).
    live_matches: bool | None = None
    live_error: str = ""
    error: str = ""

    @property
    def latest(self) -> VersionInfo | None:
        return self.versions[0] if self.versions else None


@dataclass
class DiffData:
    old: str
    new: str
    changes: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    old_version: VersionInfo | None = None
    new_version: VersionInfo | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts,
            "changes": [c.as_dict() for c in self.changes],
        }


def _info(version: Any, with_sdl: bool = False) -> VersionInfo:
    return VersionInfo(
        number=version.number,
        created_at=version.created_at,
        created_by=version.created_by,
        comment=version.comment,
        git_commit=version.git_commit,
        sdl_hash=version.sdl_hash,
        types=version.type_count,
        fields=version.field_count,
        breaking=version.breaking_count,
        dangerous=version.dangerous_count,
        safe=version.safe_count,
        sdl=version.sdl if with_sdl else "",
    )


_live_memo: dict[int, tuple[Any, str]] = {}


def live_hash() -> str:
    """The SDL hash of the live schema, computed once per schema object."""
    from toolkit.lifecycle.sdl import sdl_hash, sorted_sdl
    from toolkit.schema import get_schema

    schema = get_schema()
    cached = _live_memo.get(id(schema))
    if cached is None or cached[0] is not schema:
        _live_memo.clear()
        cached = _live_memo[id(schema)] = (schema, sdl_hash(sorted_sdl(schema.graphql_schema)))
    return cached[1]


def _versions() -> list[VersionInfo]:
    from toolkit.lifecycle import versions

    return [_info(v) for v in reversed(versions.all_versions())]


class SchemaPanel(Panel):
    slug = "schema"
    title = "Schema versions"
    template = "dashboard/schema.html"

    def data(self, params: Mapping[str, str]) -> SchemaData:
        from toolkit.exceptions import ConfigurationError
        from toolkit.lifecycle import LifecycleError

        try:
            data = SchemaData(versions=_versions())
        except LifecycleError as exc:
            return SchemaData(versions=[], error=str(exc))
        if data.latest is not None:
            try:
                data.live_matches = live_hash() == data.latest.sdl_hash
            except ConfigurationError as exc:
                data.live_error = f"the live schema does not build: {exc}"
        return data

    def version(self, number: int) -> VersionInfo:
        """One version with its SDL (:class:`NotFound` for an unknown number)."""
        from toolkit.lifecycle import LifecycleError, versions

        try:
            return _info(versions.get(number), with_sdl=True)
        except LifecycleError as exc:
            raise NotFound(str(exc)) from exc

    def diff(self, old: str, new: str) -> DiffData:
        """The changes from ``old`` to ``new`` (version numbers, or ``current`` for the live schema)."""
        from toolkit.lifecycle import LifecycleError, sources
        from toolkit.lifecycle.diff import diff_schemas

        labelled = {}
        for label in (old, new):
            if label != "current" and not label.isdigit():
                raise BadParameter(f"{label!r} is not a version number or 'current'")
            try:
                labelled[label] = sources.resolve(label)
            except LifecycleError as exc:
                raise NotFound(str(exc)) from exc
        try:
            found = diff_schemas(
                labelled[old].schema, labelled[new].schema, labelled[old].label, labelled[new].label
            )
        except LifecycleError as exc:  # a stored SDL that no longer parses
            raise BadParameter(str(exc)) from exc
        return DiffData(
            old=found.old,
            new=found.new,
            changes=found.changes,
            counts=found.counts,
            old_version=self.version(int(old)) if old.isdigit() else None,
            new_version=self.version(int(new)) if new.isdigit() else None,
        )

    def tiles(self) -> list[Tile]:
        data = self.data({})
        url = self.url
        if data.error:
            return [Tile("schema", "Schema version", "unknown", "unknown", url, data.error)]
        latest = data.latest
        if latest is None:
            return [
                Tile(
                    "schema",
                    "Schema version",
                    "none",
                    "unknown",
                    url,
                    "no version recorded (run: manage.py graphql snapshot)",
                )
            ]
        age = timezone.now() - latest.created_at
        when = f"recorded {latest.created_at:%Y-%m-%d %H:%M} UTC ({age.days} days ago)"
        if data.live_matches is False:
            return [
                Tile(
                    "schema",
                    "Schema version",
                    f"v{latest.number}",
                    "warning",
                    url,
                    f"the live schema differs from it; {when}",
                    latest.number,
                )
            ]
        if data.live_error:
            return [
                Tile(
                    "schema",
                    "Schema version",
                    f"v{latest.number}",
                    "error",
                    url,
                    data.live_error,
                    latest.number,
                )
            ]
        return [
            Tile(
                "schema",
                "Schema version",
                f"v{latest.number}",
                "ok",
                url,
                f"the live schema matches; {when}",
                latest.number,
            )
        ]

    def text(self, data: SchemaData) -> str:
        if data.error:
            return f"Schema versions: {data.error}\n"
        if not data.versions:
            return "No schema version recorded yet (run: manage.py graphql snapshot).\n"
        match = {
            True: "the live schema matches the latest",
            False: "the live schema DIFFERS from the latest",
            None: data.live_error,
        }
        lines = [f"Schema versions ({match[data.live_matches]}):"]
        lines += [
            f"  {v.number:>4} {v.created_at:%Y-%m-%d %H:%M} {v.types:>4} types {v.fields:>5} fields "
            f"changes {v.breaking}/{v.dangerous}/{v.safe}  {v.comment}"
            for v in data.versions
        ]
        return "\n".join(lines) + "\n"

    # -- pages ------------------------------------------------------------------------------------
    def urls(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> list[URLPattern]:
        return [
            path("schema/<int:number>/", wrap(self.version_view), name="dashboard_schema_version"),
            path("schema/diff/", wrap(self.diff_form_view), name="dashboard_schema_diff_form"),
            path("schema/diff/<str:old>/<str:new>/", wrap(self.diff_view), name="dashboard_schema_diff"),
        ]

    def version_view(self, request: HttpRequest, number: int) -> HttpResponse:
        from dashboard.views import render_page

        version = self.version(number)
        return render_page(
            request,
            self,
            "dashboard/schema_version.html",
            {"version": version},
            title=f"Schema version {number}",
        )

    def diff_form_view(self, request: HttpRequest) -> HttpResponse:
        old, new = (request.GET.get("old") or "").strip(), (request.GET.get("new") or "").strip()
        if not old or not new:
            raise BadParameter("choose the two versions to compare")
        for label in (old, new):
            if label != "current" and not label.isdigit():
                raise BadParameter(f"{label!r} is not a version number or 'current'")
        return HttpResponseRedirect(page_url("schema_diff", old, new))

    def diff_view(self, request: HttpRequest, old: str, new: str) -> HttpResponse:
        from dashboard.views import render_page

        found = self.diff(old, new)
        groups = [
            (c, [x for x in found.changes if x.criticality.value == c])
            for c in ("breaking", "dangerous", "safe")
        ]
        return render_page(
            request,
            self,
            "dashboard/schema_diff.html",
            {"diff": found, "groups": groups},
            title=f"Schema changes: {found.old} → {found.new}",
        )
