"""``manage.py graphql <subcommand>``: the schema lifecycle (export, snapshot, diff, check,
validate-operations, versions, show, regenerate). See docs/operations.md.

The command only parses options and formats output; the work is in ``toolkit.lifecycle``.
Exit codes: 0 success, 1 the check failed, 2 bad input, 3 database not migrated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit.lifecycle import render, snapshots, sources, versions
from toolkit.lifecycle import sdl as sdl_text
from toolkit.lifecycle.diff import Criticality, diff_schemas
from toolkit.lifecycle.errors import EXIT_BAD_INPUT, EXIT_FAILED, LifecycleError
from toolkit.lifecycle.operations import Status, validate_directory

SCHEMA_HELP = (
    "'current' (the live schema), 'latest' (the newest recorded version), a version number or an SDL file"
)


def shown(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except (ValueError, AttributeError):
        return str(path)


class Command(BaseCommand):
    help = "Schema lifecycle: export, snapshot, diff, check, validate-operations, versions, show, regenerate."
    requires_system_checks: list[str] = []  # `check` must report a bad configuration itself

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="subcommand", title="subcommands"
        )

        def command(name: str, help_text: str, **flags: bool) -> CommandParser:
            p = sub.add_parser(name, help=help_text, description=help_text)
            # Django's own options also work after the subcommand (SUPPRESS keeps the top-level value).
            p.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS)
            p.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS)
            p.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=argparse.SUPPRESS)
            if flags.get("json"):
                p.add_argument("--json", action="store_true", help="Machine-readable output.")
            if flags.get("quiet"):
                p.add_argument("--quiet", action="store_true", help="Print only problems.")
            return p

        p = command("export", "Print the live schema as sorted SDL or introspection JSON.")
        p.add_argument("--format", choices=["sdl", "json"], default="sdl")
        p.add_argument("--out", metavar="FILE", help="Write to FILE instead of standard output.")
        p.add_argument(
            "--role", metavar="NAME", default=None,
            help="Only what this role of TOOLKIT['ROLES'] can see (docs/security.md).",
        )  # fmt: skip

        p = command(
            "snapshot", "Record the live schema as a new version if it changed, and write the snapshot file.",
            json=True, quiet=True,
        )  # fmt: skip
        p.add_argument("--comment", default="", help="Why the schema changed (stored with the version).")
        p.add_argument("--author", default=None, help="Who recorded it (default: the OS user).")

        p = command("diff", "Classify the changes between two schemas as breaking, dangerous or safe.")
        p.add_argument("old", nargs="?", default="latest", help=f"Default 'latest'. {SCHEMA_HELP}.")
        p.add_argument("new", nargs="?", default="current", help=f"Default 'current'. {SCHEMA_HELP}.")
        p.add_argument("--format", choices=list(render.DIFF_FORMATS), default="text")
        p.add_argument(
            "--fail-on", choices=["breaking", "dangerous", "any"], default=None,
            help="Exit 1 when a change at least this critical is found.",
        )  # fmt: skip

        command(
            "check",
            "For CI: exit 1 if the committed snapshot is stale or the live schema breaks it. Writes nothing.",
            json=True, quiet=True,
        )  # fmt: skip

        p = command(
            "validate-operations", "Validate stored client operations (*.graphql) against a schema.",
            json=True, quiet=True,
        )  # fmt: skip
        p.add_argument("directory", metavar="DIR")
        p.add_argument("--schema", default="current", help=f"Default 'current'. {SCHEMA_HELP}.")
        p.add_argument(
            "--fail-on-deprecated", action="store_true", help="Exit 1 if an operation uses deprecated fields."
        )

        command("versions", "List the recorded schema versions.", json=True)
        p = command("show", "Print a recorded schema version's SDL.", json=True)
        p.add_argument("number", metavar="N", help="A version number or 'latest'.")
        command("regenerate", "Rebuild the live schema in every running process.", quiet=True)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["subcommand"].replace("-", "_")
        try:
            getattr(self, f"do_{name}")(options)
        except LifecycleError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc

    def progress(self, options: dict[str, Any], message: str) -> None:
        """Progress for long steps, on standard error, when someone is watching."""
        if options.get("quiet") or options.get("json"):
            return
        if options["verbosity"] >= 2 or self.stderr.isatty():
            self.stderr.write(message)

    # -- subcommands --------------------------------------------------------------------------
    def do_export(self, options: dict[str, Any]) -> None:
        schema = sources.live_schema()
        if options["role"] is not None:
            from toolkit.security.roles import UnknownRole, role_schema

            try:
                schema = role_schema(options["role"])
            except UnknownRole as exc:
                raise LifecycleError(str(exc), EXIT_BAD_INPUT) from None
        text = (
            sdl_text.introspection_json(schema)
            if options["format"] == "json"
            else sdl_text.sorted_sdl(schema)
        )
        if options["out"]:
            path = Path(options["out"])
            snapshots.write_if_changed(path, text)
            self.stderr.write(f"Wrote {shown(path)}.")
        else:
            self.stdout.write(text, ending="")

    def do_snapshot(self, options: dict[str, Any]) -> None:
        self.progress(options, "Building the live schema and comparing it with the latest version ...")
        result = snapshots.record(comment=options["comment"], author=options["author"])
        version, where = result.version, shown(result.file)
        if options["json"]:
            payload = {
                **render.version_dict(version),
                "created": result.created,
                "file": where,
                "file_written": result.file_written,
            }
            self.stdout.write(json.dumps(payload, indent=2))
            return
        if options["quiet"]:
            return
        if result.created:
            against = f" against version {version.number - 1}" if version.number > 1 else ""
            self.stdout.write(
                self.style.SUCCESS(f"Recorded schema version {version.number}")
                + f" ({version.breaking_count} breaking, {version.dangerous_count} dangerous, "
                f"{version.safe_count} safe changes{against}); wrote {where}."
            )
        else:
            state = f"rewrote {where}" if result.file_written else f"{where} is up to date"
            self.stdout.write(f"Schema unchanged since version {version.number}; {state}.")

    def do_diff(self, options: dict[str, Any]) -> None:
        self.progress(options, f"Loading {options['old']} and {options['new']} ...")
        old, new = sources.resolve(options["old"]), sources.resolve(options["new"])
        diff = diff_schemas(old.schema, new.schema, old.label, new.label)
        self.stdout.write(render.DIFF_FORMATS[options["format"]](diff), ending="")
        level = options["fail_on"]
        if level and diff.reaches(level):
            raise CommandError(f"{render.summary(diff)} (--fail-on {level})", returncode=EXIT_FAILED)

    def do_check(self, options: dict[str, Any]) -> None:
        result = snapshots.check()
        where = shown(result.file)
        if options["json"]:
            payload = {
                "file": where,
                "up_to_date": result.up_to_date,
                "breaking": result.breaking,
                "diff": json.loads(render.diff_json(result.diff)) if result.diff else None,
            }
            self.stdout.write(json.dumps(payload, indent=2))
        elif result.diff and not options["quiet"]:
            self.stdout.write(render.diff_text(result.diff), ending="")
        if result.up_to_date:
            if not (options["quiet"] or options["json"]):
                self.stdout.write(self.style.SUCCESS(f"The schema snapshot {where} is up to date."))
            return
        if result.diff is None:
            message = f"no schema snapshot at {where} (run: manage.py graphql snapshot)"
        elif result.breaking:
            count = len(result.diff.of(Criticality.BREAKING))
            message = f"the live schema has {count} breaking change(s) against {where}"
        else:
            message = f"the schema snapshot {where} is stale (run: manage.py graphql snapshot)"
        raise CommandError(message, returncode=EXIT_FAILED)

    def do_validate_operations(self, options: dict[str, Any]) -> None:
        source = sources.resolve(options["schema"])
        reports = validate_directory(
            Path(options["directory"]), source.schema, progress=lambda m: self.progress(options, m)
        )
        output = render.operations_json if options["json"] else render.operations_text
        self.stdout.write(output(reports, quiet=options["quiet"]), ending="")
        counts = {status: sum(r.status is status for r in reports) for status in Status}
        if counts[Status.UNPARSABLE]:
            raise CommandError(
                f"{counts[Status.UNPARSABLE]} document(s) are not valid GraphQL syntax",
                returncode=EXIT_BAD_INPUT,
            )
        if counts[Status.BROKEN]:
            raise CommandError(
                f"{counts[Status.BROKEN]} of {len(reports)} operation document(s) are broken against "
                f"{source.label}",
                returncode=EXIT_FAILED,
            )
        if counts[Status.DEPRECATED] and options["fail_on_deprecated"]:
            raise CommandError(
                f"{counts[Status.DEPRECATED]} operation document(s) use deprecated fields",
                returncode=EXIT_FAILED,
            )

    def do_versions(self, options: dict[str, Any]) -> None:
        items = versions.all_versions()
        self.stdout.write(
            (render.versions_json if options["json"] else render.versions_text)(items), ending=""
        )

    def do_show(self, options: dict[str, Any]) -> None:
        version = versions.get_by_label(options["number"])
        if options["json"]:
            self.stdout.write(json.dumps(render.version_dict(version, with_sdl=True), indent=2))
        else:
            self.stdout.write(version.sdl, ending="")

    def do_regenerate(self, options: dict[str, Any]) -> None:
        from django.core.cache import cache
        from django.core.cache.backends.locmem import LocMemCache

        from toolkit.conf import get_config
        from toolkit.schema import build_schema, bump_schema_generation

        self.progress(options, "Building the schema from the current settings ...")
        try:
            build_schema()  # refuse to bump when the new schema would not build
        except Exception as exc:
            raise LifecycleError(
                f"the schema does not build, nothing changed: {exc}", EXIT_BAD_INPUT
            ) from exc
        generation = bump_schema_generation()
        if options["quiet"]:
            return
        seconds = get_config()["SCHEMA_GENERATION_CHECK_SECONDS"]
        self.stdout.write(
            self.style.SUCCESS(f"Schema generation is now {generation}")
            + f": running processes rebuild their schema within {seconds:g}s of their next request."
        )
        if (
            isinstance(cache, LocMemCache)
            or "LocMemCache" in type(getattr(cache, "_wrapped", cache)).__name__
        ):
            self.stderr.write(
                self.style.WARNING(
                    "The default cache is local memory: other processes do not see the new generation "
                    "(set REDIS_URL to share it)."
                )
            )
