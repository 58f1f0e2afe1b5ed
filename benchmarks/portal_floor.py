"""The vendor portal against its floor: the same gunicorn serving bare bytes and one ORM UPDATE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dd_perf .venv/bin/python benchmarks/portal_floor.py
    .venv/bin/python benchmarks/portal_floor.py --clients 8 --seconds 15 --workers 2 --threads 4

Prepares evaluations of the library's 238-question template (as `load_autosave.py` does), then runs
on the same gunicorn configuration with the production settings:

1. the vendor page (`GET /v/<token>/`) and the floor answering as many prebuilt bytes;
2. the autosave of a text answer (`POST /v/<token>/q/<key>/`, htmx) and the floor running one ORM
   UPDATE of an answer per request;

each for --seconds in all with --clients keep-alive connections, the product and its floor
alternating in --rounds short rounds (both servers stay up), and prints requests per second, the
ratio floor / product beside its target, and the workers' resident memory afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_autosave as load

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dd_perf"
PAGE_TARGET = 20.0
SAVE_TARGET = 5.0
CONFLICTS = [0]  # autosaves refused as conflicts: the figure is of saves only when this stays 0


async def _hammer(port: int, clients: list[dict], seconds: float, make_request) -> tuple[int, list[int]]:
    """Each client sends its next request as soon as the previous answer arrived; counts the answers."""
    deadline = time.perf_counter() + seconds
    done = 0
    sizes: list[int] = []

    async def one(client: dict) -> None:
        nonlocal done
        # One connection per client, like a browser tab, keeping its cookies (the CSRF cookie).
        conn = client.setdefault(("conn", port), load.Connection("127.0.0.1", port))
        try:
            while time.perf_counter() < deadline:
                method, path, headers, body = make_request(client)
                response = await conn.request(method, path, headers, body)
                if response.status != 200:
                    raise RuntimeError(f"{method} {path.split('/')[1]}…: HTTP {response.status}")
                if port == client.get("port"):
                    # The product's last answer carries the version the next autosave must send.
                    client["last"] = response.text
                    if "Someone else changed this answer" in client["last"]:
                        CONFLICTS[0] += 1
                    match = re.search(rf'name="q{client["pk"]}-version" value="(\d+)"', client["last"])
                    if match:
                        client["version"] = int(match.group(1))
                sizes.append(len(response.body))
                done += 1
        finally:
            # The socket belongs to this event loop; the cookies stay for the next measurement.
            await conn.close()

    await asyncio.gather(*(one(c) for c in clients))
    return done, sizes


def _page_request(client: dict):
    return "GET", f"/v/{client['token']}/", {}, b""


def _save_request(client: dict):
    client["n"] = client.get("n", 0) + 1
    body = urlencode(
        {
            f"q{client['pk']}-version": client.get("version", 0),
            f"q{client['pk']}-value": f"text {client['n']}",
        }
    ).encode()
    origin = f"http://127.0.0.1:{client['port']}"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": client["csrf"],
        "HX-Request": "true",
        "Origin": origin,
        "Referer": origin + f"/v/{client['token']}/",
    }
    return "POST", f"/v/{client['token']}/q/{client['key']}/", headers, body


def _rate(done: int, seconds: float) -> float:
    return done / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="alternations of product and floor")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if urlsplit(database_url).hostname not in load.LOOPBACK:
        parser.error("DATABASE_URL must name a PostgreSQL database on loopback")

    with tempfile.TemporaryDirectory(prefix="portal-floor-") as tmp:
        env = load.server_env(database_url, tmp)
        created = load.ensure_database(database_url)
        try:
            load.django_setup(env)
            vendors, _ = load.build(args.clients, seed=1)
            from django.db import connections

            from procurement.models import Answer, Evaluation

            clients = []
            for v in vendors:
                text, other = [q for q in v["questions"] if q["kind"] == "text"][:2]
                clients.append(
                    {
                        "token": v["token"],
                        "key": text["key"],
                        "pk": text["pk"],
                        "evaluation": v,
                        "floor_question": other["pk"],
                    }
                )
            connections.close_all()
            log_path = Path(tmp) / "gunicorn.log"
            floor_log = Path(tmp) / "floor.log"
            results: dict[str, float] = {}
            cpu: dict[str, float] = {}
            db_cpu: dict[str, float] = {}
            counts: dict[str, int] = {}
            rss: list[float] = []

            # The product and the floor run side by side on the same gunicorn configuration, and the
            # measurements alternate in short rounds, so a change in the machine's load during the
            # run weighs on both sides of each ratio alike.
            port = load.free_port()
            process, server = load.start_gunicorn(env, port, args.workers, args.threads, log_path)
            floor_port = load.free_port()
            floor_env = {**env, "PYTHONPATH": str(load.ROOT)}
            floor_process = None
            try:
                floor_process, _ = load.start_gunicorn(
                    floor_env,
                    floor_port,
                    args.workers,
                    args.threads,
                    floor_log,
                    app="benchmarks.floor_app:application",
                )
                for c in clients:
                    c["port"] = port
                asyncio.run(_hammer(port, clients, 1.0, _page_request))  # warm-up: templates, caches
                for c in clients:
                    c["csrf"] = load.CSRF_RE.search(c["last"]).group(1)
                asyncio.run(_hammer(port, clients, 1.0, _save_request))  # warm-up; creates the answers
                # The floor updates an answer of its own in each evaluation: were it the answer the
                # autosave writes, every floor round would move that answer's version and the
                # product's next save would be refused as a conflict.
                evaluations = Evaluation.objects.in_bulk([c["evaluation"]["evaluation"] for c in clients])
                floor_rows = Answer.objects.bulk_create(
                    Answer(
                        organization_id=evaluations[c["evaluation"]["evaluation"]].organization_id,
                        evaluation_id=c["evaluation"]["evaluation"],
                        question_id=c["floor_question"],
                        value="floor",
                        version=1,
                    )
                    for c in clients
                )
                connections.close_all()
                for c, row in zip(clients, floor_rows, strict=True):
                    c["answer"] = row.pk
                page_size = 0

                def bytes_request(client):
                    return "GET", f"/bytes/{page_size}", {}, b""

                def update_request(client):
                    return "POST", f"/update?pk={client['answer']}", {}, b""

                _, sizes = asyncio.run(_hammer(port, clients, 1.0, _page_request))
                page_size = int(statistics.median(sizes))
                asyncio.run(_hammer(floor_port, clients, 1.0, bytes_request))
                slice_ = args.seconds / args.rounds
                counts = {"page": 0, "bytes": 0, "save": 0, "update": 0}
                cpu = dict.fromkeys(counts, 0.0)
                db_cpu = dict.fromkeys(counts, 0.0)
                plan = (
                    ("page", port, _page_request),
                    ("bytes", floor_port, bytes_request),
                    ("save", port, _save_request),
                    ("update", floor_port, update_request),
                )
                for _ in range(args.rounds):
                    for name, target, make in plan:
                        measured = process if target == port else floor_process
                        workers, database = load.worker_cpu(measured), load.database_cpu()
                        done, _ = asyncio.run(_hammer(target, clients, slice_, make))
                        cpu[name] += load.cpu_spent(workers, load.worker_cpu(measured))
                        db_cpu[name] += load.cpu_spent(database, load.database_cpu())
                        counts[name] += done
                results = {name: _rate(done, args.seconds) for name, done in counts.items()}
                rss = load.worker_rss_mb(process)
            finally:
                load.stop_gunicorn(process)
                if floor_process is not None:
                    load.stop_gunicorn(floor_process)
        finally:
            if created and not args.keep:
                from django.db import connections

                connections.close_all()
                load.drop_database(database_url)

    page_ratio = results["bytes"] / results["page"]
    save_ratio = results["update"] / results["save"]
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nvendor portal against its floor — gunicorn {server}")
    print(
        f"  {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {load_average}, "
        f"{args.clients} clients, {args.seconds:g} s per measurement, 238-question library template"
    )
    print(f"  vendor page GET      {results['page']:8.1f} req/s ({page_size:,} bytes)")
    print(f"  floor: same bytes    {results['bytes']:8.1f} req/s")
    print(f"  autosave POST        {results['save']:8.1f} req/s")
    print(f"  floor: one UPDATE    {results['update']:8.1f} req/s")
    page_met = "met" if page_ratio <= PAGE_TARGET else "MISSED"
    save_met = "met" if save_ratio <= SAVE_TARGET else "MISSED"
    print(f"  page ratio (floor / product)      {page_ratio:6.1f}x   target <= {PAGE_TARGET:g}x  {page_met}")
    print(f"  autosave ratio (floor / product)  {save_ratio:6.1f}x   target <= {SAVE_TARGET:g}x  {save_met}")
    print(f"  autosave conflicts   {CONFLICTS[0]:8d} (must be 0: each client saves its own answer)")
    for label, seconds in (("workers'", cpu), ("database", db_cpu)):
        per_request = {name: 1000 * seconds[name] / counts[name] for name in counts if counts[name]}
        print(
            f"  {label} CPU per request: "
            + ", ".join(f"{name} {ms:.2f} ms" for name, ms in per_request.items())
        )
    print("  worker RSS after the product's runs: " + " / ".join(f"{r:.0f}" for r in rss) + " MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
