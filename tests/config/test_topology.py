"""The production topology on one machine: separate hosts that share only PostgreSQL, Redis and S3.

The test runs docker-compose.yml's own app commands (migrate once, then two web processes, two
Celery workers and beat), each as its own process group in its own empty working directory, with
the production settings. A vendor answers and uploads evidence through one web process, which is
then killed; the rest goes through the other. The worker rendering the report is killed in the
middle of the render; the surviving worker renders it again once the broker hands the message back,
and the PDF downloads from the surviving web process with its SHA-256 verified. Nothing may be lost:
every answer and the evidence are there, and no process wrote a file of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings

from tests.conftest import free_port, require_service

pytestmark = pytest.mark.worker

ROOT = Path(settings.BASE_DIR)
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
BIN = Path(sys.executable).parent
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
DATABASE_URL = os.environ.get("DATABASE_URL", "")

SETUP = """
import json, re
from django.core import mail
from accounts.roles import Role
from accounts.services.api_tokens import api_token_create
from procurement.services.invites import invite_send
from questionnaires.models import Question
from tests.factories import (
    ContactFactory, EvaluationFactory, MembershipFactory, OrganizationFactory, ProductFactory,
    QuestionFactory, SectionFactory, TemplateFactory,
)
org = OrganizationFactory(name="Topology Health", slug="topology")
officer = MembershipFactory(organization=org, role=Role.OFFICER).user
template = TemplateFactory(organization=org)
section = SectionFactory(template=template, key="security")
QuestionFactory(section=section, key="security.processes_phi", type=Question.Type.YES_NO)
QuestionFactory(section=section, key="security.soc2_report", type=Question.Type.FILE, requires_evidence=True)
product = ProductFactory(vendor__organization=org)
contact = ContactFactory(vendor=product.vendor)
evaluation = EvaluationFactory(organization=org, product=product, template=template, owner=officer)
invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)
invite_token = re.search(r"/v/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
_, api_token = api_token_create(user=officer, organization=org, name="Topology")
print(json.dumps({"invite": invite_token, "api": api_token, "evaluation": str(evaluation.public_id)}))
"""


def host_command(words: list[str], workdir: Path) -> list[str]:
    """A compose command as this machine runs it: the virtualenv's programs, the repository's files."""
    program = sys.executable if words[0] == "python" else str(BIN / words[0])
    files = {"manage.py": str(ROOT / "manage.py"), "gunicorn.conf.py": str(ROOT / "gunicorn.conf.py")}
    # Beat's schedule file: in its own working directory rather than the container's /tmp (decided on
    # the compose words, before they become this checkout's paths, which may lie under /tmp too).
    rest = [
        str(workdir / "celerybeat-schedule") if word.startswith("/tmp/") else files.get(word, word)
        for word in words[1:]
    ]
    return [program, *rest]


def compose_commands(service: str) -> list[list[str]]:
    words = shlex.split(SERVICES[service]["command"])
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&")]
    return [words]


class Host:
    """One process group, as one container would be: its own working directory and log."""

    def __init__(self, name: str, base: Path, env: dict[str, str]) -> None:
        self.name = name
        self.workdir = base / name
        self.workdir.mkdir()
        self.log = base / f"{name}.log"
        self.env = {**env, "PRIVATE_STORAGE_ROOT": str(self.workdir / "private")}
        self.process: subprocess.Popen | None = None

    def run(self, words: list[str], *, env: dict | None = None) -> str:
        result = subprocess.run(
            host_command(words, self.workdir),
            cwd=self.workdir,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, f"{self.name}: {words}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def start(self, service: str, extra: list[str]) -> None:
        [words] = compose_commands(service)
        self.process = subprocess.Popen(
            host_command(words, self.workdir) + extra,
            cwd=self.workdir,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the whole group (master and children), as a host that dies."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def files_written(self) -> list[str]:
        return sorted(str(p.relative_to(self.workdir)) for p in self.workdir.rglob("*") if p.is_file())


def http(method: str, url: str, *, headers: dict | None = None, body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def json_body(payload: dict) -> tuple[bytes, dict]:
    return json.dumps(payload).encode(), {"Content-Type": "application/json"}


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def topology_database():
    """An empty PostgreSQL database of its own, which the compose migrate fills."""
    if not DATABASE_URL.startswith("postgres"):
        pytest.skip(
            "the topology shares one PostgreSQL between hosts: it runs in the PostgreSQL run of make test "
            "(DATABASE_URL=postgres://...), not on the embedded SQLite default"
        )
    import psycopg2

    server = urlparse(DATABASE_URL)
    require_service(f"postgres://{server.hostname}:{server.port or 5432}", "PostgreSQL")
    name = f"dd_topology_{secrets.token_hex(4)}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=server.username or "postgres",
        password=server.password or None,
        host=server.hostname,
        port=server.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def topology(topology_database, s3_server, tmp_path):
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    require_service(redis_url, "Redis")
    bucket = s3_server.create_bucket()
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "AWS_", "DATABASE_", "REDIS_", "PYTEST", "TEST_"))
    }
    env = {
        **inherited,
        **SERVICES["web"]["environment"],
        **s3_server.environment(bucket),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": topology_database,
        "REDIS_URL": redis_url,
        # Production's settings without the image's collectstatic step (see topology_settings.py).
        "DJANGO_SETTINGS_MODULE": "tests.config.topology_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        # Plain HTTP on loopback, as behind the TLS proxy.
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # Its own queue on the shared Redis. A dead worker's message comes back after the visibility
        # timeout, which must stay longer than a render (else a live worker's render is handed out
        # again, as production's 3600 s against a 300 s time limit never does).
        "CELERY_TASK_DEFAULT_QUEUE": f"topology-{uuid.uuid4().hex[:10]}",
        "CELERY_VISIBILITY_TIMEOUT": "25",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "BEAT_HEARTBEAT_SECONDS": "2",
        "BEAT_STALE_SECONDS": "20",
        "REPORT_FAULT_DELAY_SECONDS": "3",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
    }
    hosts: dict[str, Host] = {}

    def host(name: str) -> Host:
        hosts[name] = Host(name, tmp_path, env)
        return hosts[name]

    try:
        yield SimpleNamespace(bucket=bucket, host=host, hosts=hosts, redis_url=redis_url)
    finally:
        for each in hosts.values():
            each.stop()
        for each in hosts.values():
            if each.log.exists():
                print(f"--- {each.name} ---\n{each.log.read_text(errors='replace')[-3000:]}")


def test_invite_to_verified_report_across_hosts_with_a_web_process_and_a_worker_killed(topology, s3_server):
    from celery import Celery

    started = time.monotonic()
    # The one-shot migrate (with the shipped library), then an officer who invites a vendor. That one
    # set-up process runs its tasks itself, so the link is read from its e-mail outbox.
    migrate = topology.host("migrate")
    for words in compose_commands("migrate"):
        migrate.run(words)
    eager = {
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    output = topology.host("officer").run(
        ["python", "manage.py", "shell", "--no-imports", "-c", SETUP], env=eager
    )
    ids = json.loads(output.strip().splitlines()[-1])
    phases = {"migrate and set-up": time.monotonic() - started}

    ports = {"web-a": free_port(), "web-b": free_port()}
    for name, port in ports.items():
        topology.host(name).start("web", [f"--bind=127.0.0.1:{port}"])
    workers = ["worker-1", "worker-2"]
    for name in workers:
        # On one machine the workers need distinct node names (each container has its own hostname).
        topology.host(name).start("worker", ["-n", f"{name}@%h"])
    topology.host("beat").start("beat", [])
    hosts = topology.hosts

    control = Celery(broker=topology.redis_url)
    nodes = [f"{name}@{socket.gethostname()}" for name in workers]
    wait_for(
        lambda: len(control.control.ping(destination=nodes, timeout=0.5) or []) == 2,
        timeout=60,
        what="both workers",
    )
    web_a, web_b = (f"http://127.0.0.1:{ports[name]}" for name in ("web-a", "web-b"))

    def healthy(base: str):
        status, body, _ = http("GET", f"{base}/healthz")
        return json.loads(body) if status == 200 else None

    for base in (web_a, web_b):
        health = wait_for(lambda base=base: healthy(base), timeout=60, what=f"{base}/healthz")
        assert health["beat"]["ok"] is True
        assert health["workers"]["ok"] is True
        assert health["database"]["detail"] == "postgresql"

    phases["hosts up"] = time.monotonic() - started
    # The vendor answers and uploads evidence through web A.
    vendor = {"Authorization": f"Invite {ids['invite']}"}
    body, headers = json_body({"value": "yes", "version": 0})
    url = f"{web_a}/api/v1/vendor/answers/security.processes_phi/"
    status, answer, _ = http("PUT", url, headers={**vendor, **headers}, body=body)
    assert status == 200, answer
    body, headers = multipart("file", "soc2-type2.pdf", PDF)
    url = f"{web_a}/api/v1/vendor/answers/security.soc2_report/evidence/"
    status, uploaded, _ = http("POST", url, headers={**vendor, **headers}, body=body)
    assert status == 201, uploaded
    evidence = json.loads(uploaded)
    assert evidence["sha256"] == hashlib.sha256(PDF).hexdigest()

    # Web A dies; the vendor submits through web B.
    hosts["web-a"].kill()
    status, submitted, _ = http("POST", f"{web_b}/api/v1/vendor/submit/", headers=vendor)
    assert status == 200, submitted
    assert json.loads(submitted)["status"] == "submitted"

    # The officer asks web B for the report; the worker rendering it is killed in the middle.
    officer_api = {"Authorization": f"Bearer {ids['api']}"}
    body, headers = json_body({})
    url = f"{web_b}/api/v1/evaluations/{ids['evaluation']}/report/"
    status, requested, _ = http("POST", url, headers={**officer_api, **headers}, body=body)
    assert status == 202, requested
    report_id = json.loads(requested)["id"]

    def rendering_on():
        active = control.control.inspect(destination=nodes, timeout=0.5).active() or {}
        for node, tasks in active.items():
            if any(task["name"] == "reports.render_report" for task in tasks):
                return node.split("@")[0]
        return None

    victim = wait_for(rendering_on, timeout=30, what="a worker rendering the report", every=0.1)
    hosts[victim].kill()
    survivor = next(name for name in workers if name != victim)

    def finished():
        status, body, _ = http("GET", f"{web_b}/api/v1/reports/{report_id}/", headers=officer_api)
        assert status == 200, body
        data = json.loads(body)
        return data if data["status"] in ("done", "failed") else None

    phases["worker killed"] = time.monotonic() - started
    done = wait_for(finished, timeout=90, what="the surviving worker to render the report", every=0.5)
    phases["report rendered again"] = time.monotonic() - started
    assert done["status"] == "done", done
    # Control replies travel through the broker: with two test suites on two cores, half a second
    # and ten seconds were once not enough for a healthy survivor to answer.
    assert wait_for(
        lambda: rendering_on() is None and control.control.ping(destination=nodes, timeout=2),
        timeout=30,
        what="the survivor",
    ) == [{f"{survivor}@{socket.gethostname()}": {"ok": "pong"}}]

    # Downloaded from web B, and the bytes are those the worker fingerprinted.
    status, pdf, headers = http("GET", f"{web_b}/api/v1/reports/{report_id}/download/", headers=officer_api)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == done["sha256"]

    # Nothing lost: the evidence uploaded to web A downloads from web B unchanged; the answer stayed.
    status, document, _ = http("GET", f"{web_b}/v/{ids['invite']}/evidence/{evidence['id']}/")
    assert status == 200
    assert document == PDF
    status, questionnaire, _ = http("GET", f"{web_b}/api/v1/vendor/questionnaire/", headers=vendor)
    assert status == 200
    assert '"value": "yes"' in questionnaire.decode() or '"value":"yes"' in questionnaire.decode()
    contents = s3_server.client().list_objects_v2(Bucket=topology.bucket).get("Contents", [])
    keys = sorted(obj["Key"] for obj in contents)
    assert [key.split("/")[0] for key in keys] == ["evidence", "reports"]
    # No host kept a file of its own: everything lives in PostgreSQL, Redis and the bucket.
    for name in ("web-a", "web-b", "worker-1", "worker-2"):
        assert hosts[name].files_written() == [], name
    # Beat keeps only its schedule and pid file, which a new beat host can do without.
    beat_files = hosts["beat"].files_written()
    assert all(name.startswith(("celerybeat-schedule", "celerybeat.pid")) for name in beat_files)
    phases["all checked"] = time.monotonic() - started
    print("topology:", ", ".join(f"{name} at {seconds:.1f} s" for name, seconds in phases.items()))
