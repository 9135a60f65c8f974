"""The recorded schema versions and health check runs are listed, read-only, in the admin."""

from __future__ import annotations

import pytest

from tests.lifecycle.conftest import graphql
from toolkit.models import HealthCheckRun, SchemaVersion

pytestmark = pytest.mark.django_db


def test_admin__lists_versions_and_runs_read_only(admin_client, snapshot_file):
    graphql("snapshot", "--comment", "seen in admin")
    HealthCheckRun.objects.create(healthy=False, duration=0.5, results=[])
    page = admin_client.get("/admin/toolkit/schemaversion/")
    assert page.status_code == 200 and b"seen in admin" in page.content
    assert admin_client.get("/admin/toolkit/healthcheckrun/").status_code == 200
    assert admin_client.get("/admin/toolkit/schemaversion/add/").status_code == 403
    version = SchemaVersion.objects.get()
    assert (
        admin_client.post(f"/admin/toolkit/schemaversion/{version.pk}/change/", {"comment": "x"}).status_code
        == 403
    )
