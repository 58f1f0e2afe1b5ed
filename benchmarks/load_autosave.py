"""Load test of the vendor portal's autosave: many vendors saving answers at once, against gunicorn and
PostgreSQL on loopback, then a check in the database that no answer was lost or mixed up.

    .venv/bin/python benchmarks/load_autosave.py                     # 200 vendors for 60 s, 5-15 s apart
    .venv/bin/python benchmarks/load_autosave.py --flood             # saves 50-250 ms apart: the ceiling
    .venv/bin/python benchmarks/load_autosave.py --smoke             # 10 vendors for 5 s
    .venv/bin/python benchmarks/load_autosave.py --vendors 50 --duration 20 --keep

DATABASE_URL names the PostgreSQL database (default postgres://postgres@127.0.0.1:5432/dd_load); it is
created when missing and dropped afterwards unless --keep (a database that existed before is kept).
The server runs with the production settings over plain HTTP on 127.0.0.1 (SECURE_SSL_REDIRECT off,
as behind a TLS-terminating proxy), tasks in-process and the local-memory cache, without Redis.
The client is a small asyncio HTTP/1.1 client with one keep-alive connection per vendor, like a
browser tab. The exit status is 1 when an answer was lost or mixed up, or more than 1% of the
requests failed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dd_load"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LIBRARY_SLUG = "clinical-ai-vendor-due-diligence"
QUESTIONS_PER_VENDOR = {"text": 5, "number": 2, "choice": 5}
NUMBER_BASE = 1_000_000  # a number answer is vendor * NUMBER_BASE + n: its writer can be read back
REQUEST_TIMEOUT = 30.0
ERROR_BUDGET = 0.01


# ---------------------------------------------------------------------------------------------
# Pure pieces: figures and the lost / mixed-up check (tested without a server)
# ---------------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct % of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def text_value(vendor: int, question: int, n: int) -> str:
    return f"v{vendor}-q{question}-{n}"


def number_value(vendor: int, n: int) -> int:
    return vendor * NUMBER_BASE + n


def writer_of(value: Any) -> int | None:
    """The vendor whose client wrote this value, when the value says so (choices do not)."""
    if isinstance(value, str):
        match = re.fullmatch(r"v(\d+)-q\d+-\d+", value)
        return int(match.group(1)) if match else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value // NUMBER_BASE
    return None


UNKNOWN = object()  # no save of unknown outcome


@dataclass
class Expected:
    """What one vendor's client knows about one of its answers."""

    vendor: int
    saves: int = 0  # confirmed saves, each of which changed the value
    last: Any = None  # the value of the last confirmed save
    pending: Any = UNKNOWN  # value of a save that timed out: it may or may not have landed


@dataclass(frozen=True)
class Stored:
    value: Any
    version: int
    writer: int | None  # vendor index of the contact who saved it last (None: someone else)


@dataclass
class CheckResult:
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.mixed or self.versions)


def check_answers(
    expected: dict[tuple[int, int], Expected], stored: dict[tuple[int, int], Stored], owners: dict[int, int]
) -> CheckResult:
    """Compares the client's ledger with the stored answers, keyed by (evaluation id, question id).

    Lost: a confirmed save whose value is not what is stored. Mixed up: a stored answer written by,
    or carrying a value of, a vendor other than the one the evaluation belongs to, or an answer
    nobody saved. Versions: the stored version differs from the number of saves.
    """
    result = CheckResult()
    for key, exp in expected.items():
        if exp.saves == 0 and exp.pending is UNKNOWN:
            continue
        result.checked += 1
        got = stored.get(key)
        if got is None:
            if exp.saves:
                result.lost.append(f"{key}: saved {exp.last!r} {exp.saves}x, nothing stored")
            continue
        landed = exp.pending is not UNKNOWN and got.value == exp.pending
        want_value, want_version = (exp.pending, exp.saves + 1) if landed else (exp.last, exp.saves)
        if got.value != want_value:
            result.lost.append(f"{key}: last saved {want_value!r}, stored {got.value!r}")
        if got.version != want_version:
            result.versions.append(f"{key}: {want_version} saves, stored version {got.version}")
    for key, got in stored.items():
        owner = owners.get(key[0])
        value_writer = writer_of(got.value)
        if key not in expected or (expected[key].saves == 0 and expected[key].pending is UNKNOWN):
            result.mixed.append(f"{key}: answer {got.value!r} stored but never saved by its vendor")
        elif got.writer != owner or (value_writer is not None and value_writer != owner):
            result.mixed.append(
                f"{key}: evaluation of vendor {owner} holds {got.value!r} saved by vendor {got.writer}"
            )
    return result


# ---------------------------------------------------------------------------------------------
# A small HTTP/1.1 client on asyncio streams (keep-alive, Content-Length or chunked bodies)
# ---------------------------------------------------------------------------------------------


class StaleConnection(Exception):
    """The server closed a kept-alive connection before answering: the request was not processed."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reused = False
        self.cookies: dict[str, str] = {}

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        try:
            return await self._once(method, path, headers or {}, body)
        except StaleConnection:
            # What browsers do too: a request on a connection the server had just closed is sent again.
            await self.close()
            return await self._once(method, path, headers or {}, body)

    async def _once(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.reused = False
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        reused, self.reused = self.reused, True
        try:
            await self.writer.drain()
            status_line = await self.reader.readline()
        except (ConnectionResetError, BrokenPipeError) as exc:
            if reused:
                raise StaleConnection from exc
            raise
        if not status_line:
            if reused:
                raise StaleConnection
            raise ConnectionError("connection closed before the response")
        status = int(status_line.split()[1])
        response_headers: list[tuple[str, str]] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if found.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(chunks)
        elif "content-length" in found:
            data = await self.reader.readexactly(int(found["content-length"]))
        else:
            data = await self.reader.read()
            await self.close()
        if found.get("connection", "").lower() == "close":
            await self.close()
        for value in (v for k, v in response_headers if k == "set-cookie"):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(status, response_headers, data)


# ---------------------------------------------------------------------------------------------
# The simulated vendors
# ---------------------------------------------------------------------------------------------


@dataclass
class Target:
    """One question a vendor answers during the run."""

    key: str
    pk: int
    kind: str  # text, number or choice
    choices: list[str]
    version: int = 0
    retired: bool = False  # after a save of unknown outcome or a conflict, the vendor leaves it alone


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # autosave POSTs, seconds
    page_latencies: list[float] = field(default_factory=list)
    requests: int = 0
    saves: int = 0
    errors: Counter = field(default_factory=Counter)
    conflicts: int = 0
    reconnects: int = 0


CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def version_in(html: str, pk: int) -> int | None:
    match = re.search(rf'name="q{pk}-version" value="(\d+)"', html)
    return int(match.group(1)) if match else None


def next_value(target: Target, vendor: int, index: int, n: int, current: Any) -> Any:
    if target.kind == "text":
        return text_value(vendor, index, n)
    if target.kind == "number":
        return number_value(vendor, n)
    position = target.choices.index(current) if current in target.choices else -1
    return target.choices[(position + 1) % len(target.choices)]


async def run_vendor(
    vendor: int,
    token: str,
    evaluation_id: int,
    targets: list[Target],
    ledger: dict[tuple[int, int], Expected],
    port: int,
    deadline: float,
    stats: Stats,
    seed: int,
    pace: tuple[float, float] = (5.0, 15.0),
) -> None:
    rng = random.Random(f"{seed}-{vendor}")
    conn = Connection("127.0.0.1", port)
    origin = f"http://127.0.0.1:{port}"
    page = f"/v/{token}/"
    await asyncio.sleep(rng.uniform(0, 1.0))  # vendors open their links within the first second
    try:
        start = time.perf_counter()
        try:
            response = await asyncio.wait_for(conn.request("GET", page), REQUEST_TIMEOUT)
        except (TimeoutError, OSError, ConnectionError) as exc:
            stats.errors["timeout" if isinstance(exc, TimeoutError) else "connection"] += 1
            return
        stats.requests += 1
        stats.page_latencies.append(time.perf_counter() - start)
        match = CSRF_RE.search(response.text)
        if response.status != 200 or not match:
            stats.errors[f"page {response.status}"] += 1
            return
        csrf = match.group(1)
        n = 0
        # People do not all save at the same instant: the first save comes within one pause.
        await asyncio.sleep(rng.uniform(0, pace[1]))
        while time.perf_counter() < deadline:
            live = [t for t in targets if not t.retired]
            if not live:
                break
            target = rng.choice(live)
            index = targets.index(target)
            exp = ledger[(evaluation_id, target.pk)]
            n += 1
            value = next_value(target, vendor, index, n, exp.last)
            body = urlencode({f"q{target.pk}-version": target.version, f"q{target.pk}-value": value}).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": csrf,
                "HX-Request": "true",
                "HX-Target": f"q-{target.pk}",
                "HX-Current-URL": origin + page,
                "Origin": origin,
                "Referer": origin + page,
            }
            start = time.perf_counter()
            try:
                response = await asyncio.wait_for(
                    conn.request("POST", f"/v/{token}/q/{target.key}/", headers, body), REQUEST_TIMEOUT
                )
            except (TimeoutError, OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as exc:
                stats.errors["timeout" if isinstance(exc, TimeoutError) else "connection"] += 1
                exp.pending, target.retired = value, True
                await conn.close()
                continue
            stats.requests += 1
            stats.latencies.append(time.perf_counter() - start)
            html = response.text
            version = version_in(html, target.pk)
            if response.status >= 300:
                stats.errors[f"http {response.status}"] += 1
                exp.pending, target.retired = value, True
            elif "Someone else changed this answer" in html:
                stats.conflicts += 1
                target.retired = True
            elif "save-state-saved" in html and version == target.version + 1:
                stats.saves += 1
                target.version = version
                exp.saves += 1
                exp.last = value
            else:
                stats.errors["not saved"] += 1
                exp.pending, target.retired = value, True
            await asyncio.sleep(rng.uniform(*pace))
    finally:
        await conn.close()


async def run_load(
    vendors: list[dict], port: int, duration: float, seed: int, pace: tuple[float, float] = (5.0, 15.0)
) -> tuple[Stats, float, dict[tuple[int, int], Expected]]:
    stats = Stats()
    ledger: dict[tuple[int, int], Expected] = {}
    plans = []
    for v in vendors:
        targets = [
            Target(key=q["key"], pk=q["pk"], kind=q["kind"], choices=q["choices"]) for q in v["questions"]
        ]
        for t in targets:
            ledger[(v["evaluation"], t.pk)] = Expected(vendor=v["index"])
        plans.append((v, targets))
    start = time.perf_counter()
    deadline = start + duration
    await asyncio.gather(
        *(
            run_vendor(
                v["index"], v["token"], v["evaluation"], targets, ledger, port, deadline, stats, seed, pace
            )
            for v, targets in plans
        )
    )
    return stats, time.perf_counter() - start, ledger


# ---------------------------------------------------------------------------------------------
# Database, data and server
# ---------------------------------------------------------------------------------------------


def server_env(database_url: str, private_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_TASK_ALWAYS_EAGER")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CONN_MAX_AGE": "60",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SITE_URL": "http://127.0.0.1",
            "PRIVATE_STORAGE_ROOT": private_root,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def ensure_database(database_url: str) -> bool:
    """Creates the database when missing; True when this run created it."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        admin.close()


def drop_database(database_url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(database_url)
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(parts.path.lstrip("/"))
                )
            )
    finally:
        admin.close()


def django_setup(env: dict[str, str]) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_BACKEND"):
        os.environ[key] = env[key]
    for key in ("SECURE_SSL_REDIRECT", "PRIVATE_STORAGE_ROOT", "SITE_URL", "LOG_LEVEL"):
        os.environ[key] = env[key]
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # The production static storage needs its manifest, as in the Docker image.
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("load_library", verbosity=0, stdout=io.StringIO())


def question_pool() -> tuple[dict[str, list[dict]], Any]:
    """Unconditional questions of the library template a vendor can change at will, by kind."""
    from questionnaires.models import Question, Template

    template = Template.objects.library().filter(slug=LIBRARY_SLUG).order_by("-version").first()
    pool: dict[str, list[dict]] = {"text": [], "number": [], "choice": []}
    for q in Question.objects.filter(template=template, condition__isnull=True).order_by("pk"):
        options = q.options or {}
        if q.type in ("short_text", "long_text"):
            kind, choices = "text", []
        elif q.type == "number" and options.get("max") is None:
            kind, choices = "number", []
        elif q.type == "yes_no":
            kind, choices = "choice", ["yes", "no"]
        elif q.type == "single_choice":
            kind, choices = "choice", [c["value"] for c in options.get("choices", [])]
        else:
            continue
        pool[kind].append({"key": q.key, "pk": q.pk, "kind": kind, "choices": choices})
    return pool, template


def build(vendor_count: int, seed: int) -> tuple[list[dict], int]:
    """One organization, and per vendor an evaluation of its product with one invited contact.

    The invites go through `invite_send`: only token hashes are stored, and the clear links are read
    from the e-mails (local-memory backend), as a vendor would.
    """
    from django.core import mail

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services.organizations import membership_set, organization_create
    from procurement.models import Evaluation
    from procurement.services.invites import invite_send
    from vendors.models import Contact, Product, Vendor

    pool, template = question_pool()
    stamp = f"{int(time.time())}-{secrets.token_hex(3)}"
    org = organization_create(name=f"Load test hospital {stamp}", slug=f"load-{stamp}")
    officer = User.objects.create_user(username=f"load-officer-{stamp}", email="officer@load.example")
    membership_set(organization=org, user=officer, role=Role.OFFICER)
    mail.outbox = []
    vendors = []
    link = re.compile(r"/v/([A-Za-z0-9_-]{20,})/")
    for i in range(vendor_count):
        vendor = Vendor.objects.create(organization=org, legal_name=f"Load Vendor {i} Inc.")
        product = Product.objects.create(organization=org, vendor=vendor, name=f"Predictor {i}")
        contact = Contact.objects.create(
            organization=org, vendor=vendor, name=f"Contact {i}", email=f"contact{i}@vendor{i}.example"
        )
        evaluation = Evaluation.objects.create(
            organization=org, product=product, template=template, owner=officer
        )
        invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)
        match = link.search(mail.outbox[-1].body)
        assert match, "no link in the invite e-mail"
        rng = random.Random(f"{seed}-questions-{i}")
        questions = [q for kind, n in QUESTIONS_PER_VENDOR.items() for q in rng.sample(pool[kind], n)]
        vendors.append(
            {
                "index": i,
                "token": match.group(1),
                "evaluation": evaluation.pk,
                "contact": contact.pk,
                "questions": questions,
            }
        )
    return vendors, org.pk


def stored_answers(vendors: list[dict]) -> tuple[dict[tuple[int, int], Stored], dict[int, int], dict]:
    from django.db.models import Count

    from procurement.models import Answer, AuditEvent

    owners = {v["evaluation"]: v["index"] for v in vendors}
    by_contact = {v["contact"]: v["index"] for v in vendors}
    stored = {
        (a["evaluation_id"], a["question_id"]): Stored(
            value=a["value"], version=a["version"], writer=by_contact.get(a["updated_by_contact_id"])
        )
        for a in Answer.objects.filter(evaluation_id__in=owners).values(
            "evaluation_id", "question_id", "value", "version", "updated_by_contact_id"
        )
    }
    # Every stored version is one save, and every save writes one audit line by its contact.
    audit = Counter(versions=sum(s.version for s in stored.values()))
    for row in (
        AuditEvent.objects.filter(evaluation_id__in=owners, kind=AuditEvent.Kind.ANSWER_CHANGED)
        .values("evaluation_id", "actor_contact_id")
        .annotate(n=Count("id"))
    ):
        same = by_contact.get(row["actor_contact_id"]) == owners[row["evaluation_id"]]
        audit["own" if same else "foreign"] += row["n"]
    return stored, owners, audit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    log_path: Path,
    app: str = "config.wsgi:application",
):
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--backlog=512",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/healthz"
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, " ".join(command[1:])
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(process)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s:\n{tail}")


def worker_rss_mb(process: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB, read from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(process.pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def _cpu_by_process(belongs) -> dict[int, float]:
    """CPU time (user and system) spent so far by each process `belongs(name, parent pid)` picks."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # The command name (field 2) is parenthesised and may hold spaces: split after it.
        name = text[text.find("(") + 1 : text.rfind(")")]
        fields = text.rsplit(")", 1)[1].split()
        if belongs(name, fields[1]):  # fields[1]: the parent's pid
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU time spent between two readings; a process gone by the second (a closed database
    session) is left out, a process started in between counts from zero."""
    return sum(total - before.get(pid, 0.0) for pid, total in after.items())


def worker_cpu(process: subprocess.Popen) -> dict[int, float]:
    """`_cpu_by_process` of the gunicorn workers (the master's children)."""
    return _cpu_by_process(lambda name, ppid: ppid == str(process.pid))


def database_cpu() -> dict[int, float]:
    """`_cpu_by_process` of this machine's PostgreSQL processes (the benchmark's loopback server)."""
    return _cpu_by_process(lambda name, ppid: name == "postgres")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


P95_TARGET_MS = 300
WORKER_RSS_TARGET_MB = 150


def report(
    stats: Stats,
    elapsed: float,
    check: CheckResult,
    audit: Counter,
    args,
    server: str,
    log_text: str,
    rss: list[float] | None = None,
) -> int:
    error_count = sum(stats.errors.values())
    attempts = stats.requests + sum(v for k, v in stats.errors.items() if k in ("timeout", "connection"))
    error_rate = error_count / attempts if attempts else 1.0
    ms = [x * 1000 for x in stats.latencies]
    server_errors = log_text.count("Traceback")
    rows = [
        ("vendors / duration", f"{args.vendors} / {args.duration:g} s (ran {elapsed:.1f} s)"),
        (
            "requests (page GET + autosave POST)",
            f"{stats.requests} ({len(stats.page_latencies)} + {len(ms)})",
        ),
        ("requests per second", f"{stats.requests / elapsed:.1f}"),
        (
            "autosave latency p50 / p95 / p99",
            " / ".join(f"{percentile(ms, p):.0f}" for p in (50, 95, 99)) + " ms",
        ),
        ("page GET latency p50", f"{percentile([x * 1000 for x in stats.page_latencies], 50):.0f} ms"),
        ("saves confirmed", str(stats.saves)),
        ("errors", f"{error_count} ({error_rate:.2%})" + (f": {dict(stats.errors)}" if error_count else "")),
        ("conflicts", str(stats.conflicts)),
        ("server tracebacks in the log", str(server_errors)),
        ("answers checked in the database", str(check.checked)),
        ("lost answers", str(len(check.lost))),
        ("mixed-up answers", str(len(check.mixed))),
        ("version mismatches", str(len(check.versions))),
        (
            "audit lines: own / other vendor / versions",
            f"{audit['own']} / {audit['foreign']} / {audit['versions']}",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    p95 = percentile(ms, 95)
    targets = [
        ("autosave p95", f"{p95:.0f} ms", f"< {P95_TARGET_MS} ms", p95 < P95_TARGET_MS),
        ("errors", str(error_count), "0", error_count == 0),
        ("lost / mixed-up answers", f"{len(check.lost)} / {len(check.mixed)}", "0 / 0", check.ok),
    ]
    if rss:
        targets.append(
            (
                "gunicorn worker RSS after the run",
                " / ".join(f"{r:.0f}" for r in rss) + " MB",
                f"<= {WORKER_RSS_TARGET_MB} MB each",
                max(rss) <= WORKER_RSS_TARGET_MB,
            )
        )
    print(f"\nvendor autosave load test — gunicorn {server}")
    print(
        f"  {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, PostgreSQL on loopback, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"one save every {args.pace[0]:g}-{args.pace[1]:g} s per vendor"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print("  targets:")
    for label, value, target, met in targets:
        print(f"    {label:<34} {value:>22}   target {target:<18} {'met' if met else 'MISSED'}")
    for line in (check.lost + check.mixed + check.versions)[:10]:
        print(f"  ! {line}")
    failed = (
        not check.ok
        or audit["foreign"]
        or audit["own"] != audit["versions"]
        or stats.conflicts
        or error_rate > ERROR_BUDGET
        or server_errors
    )
    print("RESULT: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of autosaving")
    parser.add_argument("--smoke", action="store_true", help="quick run: 10 vendors for 5 s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--pace",
        default="5-15",
        help="seconds between one vendor's saves, MIN-MAX (default 5-15, a person typing)",
    )
    parser.add_argument("--flood", action="store_true", help="saves every 50-250 ms: the server's ceiling")
    args = parser.parse_args()
    if args.smoke:
        args.vendors, args.duration = 10, 5.0
    if args.flood:
        args.pace = "0.05-0.25"
    elif args.smoke and args.pace == "5-15":
        args.pace = "0.2-1"
    low, _, high = args.pace.partition("-")
    args.pace = (float(low), float(high or low))
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres") or parts.hostname not in LOOPBACK:
        parser.error("DATABASE_URL must name a PostgreSQL database on loopback")

    with tempfile.TemporaryDirectory(prefix="load-autosave-") as tmp:
        env = server_env(database_url, tmp)
        created = ensure_database(database_url)
        process = None
        try:
            t0 = time.perf_counter()
            django_setup(env)
            vendors, _ = build(args.vendors, args.seed)
            from django.db import connections

            connections.close_all()
            print(f"prepared {len(vendors)} evaluations and invites in {time.perf_counter() - t0:.1f} s")
            port = free_port()
            log_path = Path(tmp) / "gunicorn.log"
            process, server = start_gunicorn(env, port, args.workers, args.threads, log_path)
            print(f"gunicorn on 127.0.0.1:{port}; {args.vendors} vendors autosaving for {args.duration:g} s")
            stats, elapsed, ledger = asyncio.run(run_load(vendors, port, args.duration, args.seed, args.pace))
            rss = worker_rss_mb(process)
            stop_gunicorn(process)
            log_text = log_path.read_text(errors="replace")
            stored, owners, audit = stored_answers(vendors)
            check = check_answers(ledger, stored, owners)
            status = report(stats, elapsed, check, audit, args, server, log_text, rss)
            if "Traceback" in log_text:
                print("\nserver log (first traceback):")
                start = log_text.index("Traceback")
                print(log_text[max(0, start - 500) : start + 4000])
            connections.close_all()
            return status
        finally:
            if process is not None:
                stop_gunicorn(process)
            if created and not args.keep:
                try:
                    from django.db import connections

                    connections.close_all()
                except ImportError:
                    pass
                drop_database(database_url)
            elif args.keep or not created:
                print(f"database kept: {database_url}")


if __name__ == "__main__":
    sys.exit(main())
