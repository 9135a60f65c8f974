"""The CI workflow runs what .ci/run runs (lint, SQLite, PostgreSQL with its services), releases
are semantic-version tags with a changelog, and the runbooks exist where the docs say."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.production.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def run_steps(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_workflow__parses_and_triggers_on_pushes_pull_requests_and_tags(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request"}
    assert triggers["push"]["tags"] == ["v*.*.*"]


def test_workflow__lint_sqlite_and_postgres_jobs_run_the_ci_scripts(workflow):
    jobs = workflow["jobs"]
    assert {"lint", "sqlite", "postgres"} <= set(jobs)
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert "make lint" in ci_run and "make test" in ci_run  # what the jobs split up
    assert "scripts/lint.sh" in run_steps(jobs["lint"])
    assert "hadolint Dockerfile" in run_steps(jobs["lint"])
    assert "TEST_DATABASES=sqlite scripts/test.sh" in run_steps(jobs["sqlite"])
    assert "TEST_DATABASES=postgres scripts/test.sh" in run_steps(jobs["postgres"])
    for name in ("sqlite", "postgres"):
        assert "migrate --check" in run_steps(jobs[name])
        assert "redis" in jobs[name]["services"]
        assert "clamav-daemon" in run_steps(jobs[name])
    assert jobs["postgres"]["services"]["postgres"]["image"].startswith("postgres:15")


def test_workflow__python_version_matches_the_project(workflow):
    assert workflow["env"]["PYTHON_VERSION"] == "3.11"
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


def test_workflow__releases_only_tested_semantic_version_tags(workflow):
    release = workflow["jobs"]["release"]
    assert release["needs"] == ["lint", "sqlite", "postgres"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert "CHANGELOG.md" in run_steps(release) and "pyproject.toml" in run_steps(release)


def test_changelog__keeps_a_changelog_with_semantic_versions():
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.MULTILINE)
    assert headings[0] == ("Unreleased", "")
    versions = [v for v, _ in headings[1:]]
    assert versions and all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in versions)
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    assert version in versions  # the current version has its section


def test_contributing__covers_setup_tests_migrations_and_releases():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    for topic in ("make test", "make lint", "graphql snapshot", "Migrations", "Releasing", "git tag -a v"):
        assert topic in text, topic


@pytest.mark.parametrize(
    "section",
    [
        "## The process model",
        "## Containers",
        "## Logs",
        "## Errors and Sentry",
        "## Debug mode",
        "## Feature flags",
        "### Zero-downtime migrations (expand, migrate, contract)",
        "### Backup and restore",
        "### Rollback runbook",
        "## CI/CD and releases",
    ],
)
def test_deployment_docs__have_each_runbook(section):
    assert section in (ROOT / "docs" / "deployment.md").read_text()


def test_rollback_runbook__names_the_reverse_migration_previous_image_and_graphql_check():
    runbook = (ROOT / "docs" / "deployment.md").read_text().split("### Rollback runbook", 1)[1]
    for step in ("python manage.py migrate <app>", "previous image", "graphql check", "validate-operations"):
        assert step in runbook, step
