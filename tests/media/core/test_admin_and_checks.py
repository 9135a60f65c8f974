"""The admin (read-only MediaFile with a re-scan action, a cover set through the Book admin),
the system checks, and the clamd health check without CLAMD_URL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from demo.models import Book
from media_pipeline.checks import check_media_settings, check_scanner_for_production
from media_pipeline.models import MediaFile
from tests.media.conftest import image_bytes
from tests.services import ROOT


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


# -- admin --------------------------------------------------------------------------------------------
def test_admin__lists_media_files_read_only(staff_client, db):
    media = MediaFile.objects.filter(model_label="demo.book").first()
    response = staff_client.get("/admin/media_pipeline/mediafile/")
    assert response.status_code == 200 and media.original_name in response.content.decode()
    assert staff_client.get("/admin/media_pipeline/mediafile/add/").status_code == 403
    page = staff_client.get(f"/admin/media_pipeline/mediafile/{media.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # no editable fields


def test_admin__rescan_action_queues_scans_but_not_of_quarantined_files(
    staff_client, db, rq_redis, media_dirs, django_capture_on_commit_callbacks
):
    import django_rq

    clean = MediaFile.objects.create(file="a.txt", original_name="a.txt", content_type="text/plain", size=1,
                                     sha256="0" * 64, status="clean")  # fmt: skip
    infected = MediaFile.objects.create(file="v.txt", original_name="v.txt", content_type="text/plain", size=1,
                                        sha256="0" * 64, status="infected")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/media_pipeline/mediafile/",
            {"action": "rescan", "_selected_action": [str(clean.pk), str(infected.pk)]},
            follow=True,
        )
    text = response.content.decode()
    assert "Queued 1 scan(s)." in text and "Skipped 1 quarantined file(s)." in text
    assert [job.args for job in django_rq.get_queue("media").get_jobs()] == [(str(clean.pk), True)]


def test_admin__a_cover_uploaded_in_the_book_admin_enters_the_pipeline(
    staff_client, db, media_dirs, new_media, django_capture_on_commit_callbacks
):
    book = Book.objects.filter(cover="").first() or Book.objects.first()
    page = staff_client.get(f"/admin/demo/book/{book.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name in ("cover", "sample_chapter"):
            continue
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = field.prepare_value(getattr(value, "pk", value))
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = management.initial.get(name, 0)
        for i, inline in enumerate(formset.formset.forms):
            for name in inline.fields:
                value = inline[name].value()
                if value is not None:
                    data[f"{formset.formset.prefix}-{i}-{name}"] = getattr(value, "pk", value)
            data[f"{formset.formset.prefix}-{i}-id"] = inline.instance.pk
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["cover"] = SimpleUploadedFile("admin cover.png", image_bytes(640, 480), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/demo/book/{book.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    [media] = new_media()
    assert (media.file.name, media.status, media.model_label, media.object_id) == (
        "covers/admin_cover.png", "clean", "demo.book", str(book.pk),
    )  # fmt: skip
    assert set(media.thumbnails) == {"small", "medium", "large"}


# -- system checks -------------------------------------------------------------------------------------
def ids(messages) -> list[tuple[str, str]]:
    return [(m.id, m.msg) for m in messages]


def test_check_media_settings__the_defaults_pass(db):
    assert check_media_settings() == []


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ({"MAX_FILE_SIZE": 0}, ("media_pipeline.E003", 'TOOLKIT["MEDIA"]["MAX_FILE_SIZE"] must be a positive integer, got 0.')),
        ({"SCAN_RETRY_INTERVALS": [10, -1]},
         ("media_pipeline.E003", 'TOOLKIT["MEDIA"]["SCAN_RETRY_INTERVALS"] must be a list of seconds (integers >= 0), got [10, -1].')),
        ({"MAX_SIZE": 1}, ("media_pipeline.E002", 'TOOLKIT["MEDIA"] has unknown key(s): MAX_SIZE.')),
        ({"QUARANTINE_STORAGE": "vault"},
         ("media_pipeline.E004", 'TOOLKIT["MEDIA"]["QUARANTINE_STORAGE"] names the storage \'vault\', which is not in STORAGES.')),
        ({"PURGE_BACKEND": "media_pipeline.purge.Nope"},
         ("media_pipeline.E005", 'TOOLKIT["MEDIA"]["PURGE_BACKEND"] cannot be imported: Module "media_pipeline.purge" does not define a "Nope" attribute/class.')),
        ({"ALLOWED_TYPES": {"demo.Book.title": ["text/plain"]}},
         ("media_pipeline.E006", "TOOLKIT[\"MEDIA\"][\"ALLOWED_TYPES\"] has the key 'demo.Book.title', which is not a File/Image field.")),
        ({"ALLOWED_TYPES": {"demo.Book.cover": "image/png"}},
         ("media_pipeline.E006", 'TOOLKIT["MEDIA"]["ALLOWED_TYPES"]["demo.Book.cover"] must be a list of MIME types.')),
        ({"THUMBNAIL_SIZES": {"s": [0, 10]}},
         ("media_pipeline.E007", 'TOOLKIT["MEDIA"]["THUMBNAIL_SIZES"] must map names to [width, height] (positive integers).')),
        ({"THUMBNAIL_FORMAT": "BMPX"},
         ("media_pipeline.E007", "TOOLKIT[\"MEDIA\"][\"THUMBNAIL_FORMAT\"] 'BMPX' is not available in this Pillow.")),
        ({"CDN_URL": "cdn.example.com"},
         ("media_pipeline.E003", "TOOLKIT[\"MEDIA\"][\"CDN_URL\"] must be an http(s) URL, got 'cdn.example.com'.")),
    ],
)  # fmt: skip
def test_check_media_settings__names_the_bad_key(settings, media, expected):
    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": media}
    assert ids(check_media_settings()) == [expected]


def test_check_scanner_for_production(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "CLAMD_URL": ""}
    [error] = check_scanner_for_production()
    assert error.id == "media_pipeline.E001" and error.msg.startswith('TOOLKIT["CLAMD_URL"] is not set')
    settings.TOOLKIT = {**settings.TOOLKIT, "CLAMD_URL": "tcp://127.0.0.1:3310"}
    assert check_scanner_for_production() == []


@pytest.mark.parametrize(("clamd_url", "refused"), [("", True), ("tcp://127.0.0.1:3310", False)])
def test_settings_prod__refuses_the_builtin_scanner(clamd_url, refused):
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "settings.prod", "CLAMD_URL": clamd_url,
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-test-0123456789",
        "ALLOWED_HOSTS": "api.example.com", "DATABASE_URL": "sqlite:////tmp/toolkit-media-check-unused.sqlite3",
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert ("media_pipeline.E001" in result.stderr) is refused, result.stderr


# -- health check -------------------------------------------------------------------------------------
def test_clamd_health_check__without_clamd_url_passes_naming_the_builtin_scanner(settings):
    from toolkit.conf import get_config
    from toolkit.health.checks import Clamd
    from toolkit.validation import settings_problems

    settings.TOOLKIT = {**settings.TOOLKIT, "CLAMD_URL": ""}
    check = Clamd()
    check.run()
    assert check.detail == "not configured (builtin-test scanner)"
    assert [p for p in settings_problems(get_config()) if "CLAMD_URL" in p.msg] == []
