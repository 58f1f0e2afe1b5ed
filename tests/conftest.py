"""Personas shared by the whole suite: an organization A with one member per role, and an outsider."""

from __future__ import annotations

import contextlib
import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from accounts.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property-based tests explore new random inputs on a developer's machine; in CI they replay a fixed
# sequence, so a run's verdict depends on the code alone.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")


def require_service(url: str, what: str) -> None:
    """Skip where a real service is missing on a newcomer's laptop; in CI its absence is a failure."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return
    except OSError:
        message = f"{what} is not reachable at {parsed.hostname}:{parsed.port}"
        if IN_CI:
            pytest.fail(message + " (CI must provide it)")
        pytest.skip(message)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Riverside Health", slug="riverside")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Elsewhere Clinic", slug="elsewhere")


def _member(org, role):
    return MembershipFactory(organization=org, role=role).user


@pytest.fixture
def admin_user(org):
    """Administrators must use two-factor authentication, so this one has a confirmed device."""
    user = _member(org, Role.ADMIN)
    TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return user


@pytest.fixture
def officer(org):
    return _member(org, Role.OFFICER)


@pytest.fixture
def compliance_lead(org):
    return _member(org, Role.COMPLIANCE)


@pytest.fixture
def reviewer(org):
    return _member(org, Role.REVIEWER)


@pytest.fixture
def outsider(other_org):
    """An officer of another organization: must never see organization A's data."""
    return _member(other_org, Role.OFFICER)


@pytest.fixture
def user_without_org(db):
    return UserFactory()


def _client_for(user) -> Client:
    """A client signed in as `user`, past the second factor when the user has one."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def admin_client_org(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def compliance_client(compliance_lead):
    return _client_for(compliance_lead)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    require_service(url, "Redis")
    return url


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test writes evidence and reports to its own folder."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_STORAGE_ROOT


__all__ = ["IN_CI", "require_service", "settings"]


class WorkerProcess:
    """A real `celery worker` process on a private queue, sharing the test database."""

    def __init__(self, *, redis_url: str, queue: str, database_url: str) -> None:
        self.redis_url = redis_url
        self.queue = queue
        self.database_url = database_url
        self.process = None

    def start(self) -> None:
        import subprocess
        import sys
        import time

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_RESULT_BACKEND": self.redis_url,
            # What the worker itself publishes (the sweep's runs) goes to the queue it consumes.
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
            ],
            env=env,
            cwd=str(settings.BASE_DIR),
        )
        from config.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(destination=[f"{self.queue}@{socket.gethostname()}"], timeout=0.5):
                return
            if self.process.poll() is not None:
                raise RuntimeError("The Celery worker exited during start-up.")
        raise RuntimeError("The Celery worker did not answer within 60 s.")

    def kill(self) -> None:
        """Hard stop (SIGKILL), as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except Exception:  # noqa: BLE001
                self.kill()


def _database_url_for_worker() -> str:
    from django.db import connection

    params = connection.settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or "postgres"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def reset_celery_connections(app) -> None:
    """Drop pooled connections and the cached backend so the next publish uses the current settings."""
    app._pool = None
    # A task run eagerly earlier caches the result backend of that time (none): drop it too.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    try:
        del app.control.mailbox.producer_pool
    except AttributeError:
        pass
    # The result backend is cached on first use (an eager task uses it too), so a worker test that
    # runs after eager tests would otherwise keep the "disabled" backend of the eager setup.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def celery_worker_process(redis_url, transactional_db, settings):
    """Runs tasks in a real worker (not eagerly) for the duration of the test."""
    import uuid

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved = {
        k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue", "result_backend")
    }
    app.conf.update(
        broker_url=redis_url, task_always_eager=False, task_default_queue=queue, result_backend=redis_url
    )
    reset_celery_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = WorkerProcess(redis_url=redis_url, queue=queue, database_url=_database_url_for_worker())
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.conf.update(saved)
        reset_celery_connections(app)


@contextlib.contextmanager
def running_beat(*, worker: WorkerProcess, redis_url: str, tmp_path, env: dict[str, str] | None = None):
    """A real `celery beat` publishing to the worker's queue, its schedule file and log in tmp_path.

    `env` adds settings read by beat (a faster schedule). On the way out the log must show no
    SchedulingError: a task that beat could not send fails the test that relied on it.
    """
    import subprocess
    import sys

    process_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker.database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": worker.queue,
        **(env or {}),
    }
    log = (tmp_path / "beat.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "-s",
            str(tmp_path / "celerybeat-schedule"),
            "--pidfile",
            str(tmp_path / "beat.pid"),
        ],
        env=process_env,
        cwd=str(settings.BASE_DIR),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
        beat_log = (tmp_path / "beat.log").read_text()
        assert "SchedulingError" not in beat_log, beat_log


def free_port() -> int:
    """A loopback port nothing listens on now (the caller binds it straight away)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """moto's standalone S3-compatible HTTP server, in its own process, for the whole test session."""

    access_key = "test-access-key"
    secret_key = "test-secret-key"
    region = "us-east-1"

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        import shutil
        import subprocess
        import sys
        import time
        import urllib.request

        command = shutil.which("moto_server", path=os.path.dirname(sys.executable))
        if command is None:
            raise RuntimeError("moto_server is not installed (requirements-dev.txt)")
        self.process = subprocess.Popen(
            [command, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("moto_server exited during start-up")
            try:
                with urllib.request.urlopen(self.endpoint_url, timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def create_bucket(self) -> str:
        import uuid

        name = f"dd-test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables the settings read to use this server as the object store."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_ADDRESSING_STYLE": "path",
        }


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible HTTP server on a free loopback port, started once per test session."""
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """The default storage is a fresh, empty bucket on the S3 server for this test; yields its name."""
    bucket = s3_server.create_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server.endpoint_url,
                "region_name": s3_server.region,
                "access_key": s3_server.access_key,
                "secret_key": s3_server.secret_key,
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    return bucket
