"""Rendered reports in an S3-compatible bucket (a real moto server), fingerprinted and verified."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from procurement.models import AuditEvent
from reports import services
from reports.models import Report

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7 stored report\n%%EOF\n"


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch):
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: PDF)


@pytest.fixture
def stored_report(s3_storage, evaluation, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    return report


def test_a_rendered_report_is_stored_in_the_bucket_with_its_sha256(stored_report, s3_storage, s3_server):
    assert stored_report.status == Report.Status.DONE
    body = s3_server.client().get_object(Bucket=s3_storage, Key=stored_report.file.name)["Body"].read()
    assert body == PDF
    assert stored_report.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_stored_report_downloads_through_the_app(stored_report, compliance_client):
    response = compliance_client.get(reverse("report_download", args=[stored_report.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED).count() == 1


def test_a_report_overwritten_in_the_bucket_is_refused(
    stored_report, s3_storage, s3_server, compliance_client
):
    s3_server.client().put_object(Bucket=s3_storage, Key=stored_report.file.name, Body=b"%PDF-1.7 forged")
    response = compliance_client.get(reverse("report_download", args=[stored_report.public_id]))
    assert response.status_code == 409
    assert "no longer matches the fingerprint (SHA-256)" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED).exists()


def test_a_report_gone_from_the_bucket_is_rendered_again_on_request(
    stored_report, s3_storage, s3_server, evaluation, officer, django_capture_on_commit_callbacks
):
    s3_server.client().delete_object(Bucket=s3_storage, Key=stored_report.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(evaluation=evaluation, user=officer)
    assert again.pk != stored_report.pk
    again.refresh_from_db()
    assert again.status == Report.Status.DONE
    assert again.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_production_settings_store_into_the_bucket_named_by_the_environment(s3_server):
    """The settings read the bucket, endpoint, region, keys and addressing style from the environment."""
    bucket = s3_server.create_bucket()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        **s3_server.environment(bucket),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "dd.hospital.example",
    }
    script = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage as s\n"
        "s._setup()\n"
        "print(type(s._wrapped).__name__, s.bucket_name, s.addressing_style)\n"
        "print(s.save('evidence/probe.txt', ContentFile(b'probe')))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [f"S3Storage {bucket} path", "evidence/probe.txt"]
    body = s3_server.client().get_object(Bucket=bucket, Key="evidence/probe.txt")["Body"].read()
    assert body == b"probe"

    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
