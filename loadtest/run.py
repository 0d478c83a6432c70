"""`make loadtest`: locust headless against gunicorn on loopback, then a database check.

    python -m loadtest.run [--users 50] [--orders 5000] [--workers 4] [--run-time 100]
                           [--reference-run-time 35] [--only orders|reference]

1. Creates (when missing) and migrates the database of LOADTEST_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/loadtest), seeds N seller users with API tokens and
   deletes the orders earlier load runs left.
2. Starts gunicorn (``--workers`` sync workers, a free port on 127.0.0.1) with DEBUG off,
   MATCHING_AUTO_RUN_ON_CHANGE=false and the bare reference endpoint switched on.
3. Runs locust twice, 50 users each, until 5,000 posts are answered or the time bound
   (``--run-time``, 100 s): ``orders`` against ``POST /api/orders/`` (our services), then
   ``reference`` against ``POST /api/loadtest/reference-orders/`` (plain DRF
   ModelSerializer.save()) for at most ``--reference-run-time`` (35 s: its steady rate is
   what counts), both reading ``GET /api/orders/`` as well.
4. Prints requests/s, p50/p95/p99 latency and errors per run, and checks the database:
   every order that got a 201 is there exactly once with its title, and nothing else was
   created. Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / ".run" / "loadtest"
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/loadtest"
SELLER_PREFIX = "loadtest-seller-"

RUNS = {
    "orders": "/api/orders/",
    "reference": "/api/loadtest/reference-orders/",
}


def server_env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loadtest-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "MATCHING_AUTO_RUN_ON_CHANGE": "false",
        "LOADTEST_REFERENCE_ENDPOINT": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }


def create_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (PostgreSQL only)."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    if "postgresql" not in db["ENGINE"]:
        return
    params: dict[str, Any] = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = conn.execute(query, [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
            print(f"created database {db['NAME']}")


def django_setup(env: dict[str, str]) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"):
        os.environ[key] = env[key]
    import django

    django.setup()


def seed(users: int) -> dict[str, Any]:
    """N sellers with tokens, the leaf categories; no orders of theirs left."""
    from rest_framework.authtoken.models import Token

    from marketplace.models import ProductCategory, Role, User

    tokens = []
    for n in range(users):
        user, created = User.objects.get_or_create(
            username=f"{SELLER_PREFIX}{n:03d}", defaults={"role": Role.SELLER}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    categories = list(
        ProductCategory.objects.filter(children__isnull=True).values_list("id", flat=True)
    )
    if not categories:
        raise SystemExit("no product categories: did the migrations run?")
    clear_orders()
    return {"tokens": tokens, "categories": categories}


def clear_orders() -> None:
    from orders.models import Order

    Order.objects.filter(seller__username__startswith=SELLER_PREFIX).delete()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    log = open(OUT / "gunicorn.log", "w", encoding="utf-8")
    command = [
        str(BIN / "gunicorn"), "marketplace.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "5",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{(OUT / 'gunicorn.log').read_text()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/", timeout=1)
            return process
        except urllib.error.HTTPError:  # 401/403 without a token: it answers
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def run_locust(
    name: str, *, port: int, setup_file: Path, users: int, orders: int, run_time: int
) -> dict[str, Any]:
    ids_file = OUT / f"{name}-ids.tsv"
    ids_file.unlink(missing_ok=True)
    prefix = f"lt-{name}-{int(time.time())}"
    env = os.environ | {
        "LOADTEST_SETUP_FILE": str(setup_file),
        "LOADTEST_IDS_FILE": str(ids_file),
        "LOADTEST_ORDERS": str(orders),
        "LOADTEST_CREATE_PATH": RUNS[name],
        "LOADTEST_PREFIX": prefix,
    }
    command = [
        str(BIN / "locust"), "-f", str(REPO / "loadtest" / "locustfile.py"),
        "--headless", "--host", f"http://127.0.0.1:{port}",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{run_time}s",
        "--stop-timeout", "10", "--only-summary", "--csv", str(OUT / name),
        "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    started = time.monotonic()
    with open(OUT / f"{name}-locust.log", "w", encoding="utf-8") as log:
        subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=log, check=True)
    elapsed = time.monotonic() - started
    stats = read_stats(OUT / f"{name}_stats.csv")
    return {"name": name, "path": RUNS[name], "elapsed": elapsed, "stats": stats,
            "ids_file": ids_file, "prefix": prefix}  # fmt: skip


def read_stats(path: Path) -> dict[str, dict[str, float]]:
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "mean": float(row["Average Response Time"]),
            }
    return rows


def check_database(result: dict[str, Any]) -> list[str]:
    """Every 201 is one row with its title; nothing else was created."""
    from orders.models import Order

    created: list[tuple[int, str]] = []
    not_created: list[tuple[str, str]] = []
    for line in result["ids_file"].read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if parts[0] == "!":
            not_created.append((parts[1], parts[2]))
        else:
            created.append((int(parts[0]), parts[1]))
    problems = []
    ids = Counter(order_id for order_id, _title in created)
    twice = [order_id for order_id, n in ids.items() if n > 1]
    if twice:
        problems.append(f"ids answered twice: {twice[:10]}")
    rows = dict(
        Order.objects.filter(seller__username__startswith=SELLER_PREFIX).values_list("id", "title")
    )
    missing = [order_id for order_id, _t in created if order_id not in rows]
    wrong = [oid for oid, title in created if oid in rows and rows[oid] != title]
    extra = sorted(set(rows) - set(ids))
    titles = Counter(rows.values())
    duplicated = [title for title, n in titles.items() if n > 1]
    if missing:
        problems.append(f"{len(missing)} orders answered 201 are missing: {missing[:10]}")
    if wrong:
        problems.append(f"{len(wrong)} orders have another title than posted: {wrong[:10]}")
    if extra:
        problems.append(f"{len(extra)} orders exist that got no 201: {extra[:10]}")
    if duplicated:
        problems.append(f"{len(duplicated)} titles stored more than once: {duplicated[:10]}")
    result["created"] = len(created)
    result["not_created"] = len(not_created)
    result["rows"] = len(rows)
    result["problems"] = problems
    return problems


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; gunicorn {args.workers} sync workers, "
        f"locust {args.users} users, {args.orders} posts per run",
        f"load average (1 min) before the runs {args.load_before:.1f}, "
        f"after {os.getloadavg()[0]:.1f} (other work on the machine takes CPU from the figures)",
        "",
        f"{'run':<10} {'endpoint':<32} {'req/s':>7} {'posts/s':>8} {'p50':>6} {'p95':>6} "
        f"{'p99':>6} {'errors':>6} {'201s':>6} {'rows':>6}  check",
    ]
    for r in results:
        total = r["stats"].get("Aggregated", {})
        posts = r["stats"].get("POST create", {})
        check = "ok" if not r["problems"] else "FAILED"
        post_rate = posts.get("requests", 0) / r["elapsed"] if r["elapsed"] else 0
        lines.append(
            f"{r['name']:<10} {r['path']:<32} {total.get('rps', 0):>7.1f} "
            f"{posts.get('rps', post_rate):>8.1f} {total.get('p50', 0):>6.0f} "
            f"{total.get('p95', 0):>6.0f} {total.get('p99', 0):>6.0f} "
            f"{total.get('failures', 0):>6} {r['created']:>6} {r['rows']:>6}  {check}"
        )
        for name in ("POST create", "GET list"):
            s = r["stats"].get(name)
            if s:
                lines.append(
                    f"{'':<10} {name:<32} {s['rps']:>7.1f} {'':>8} {s['p50']:>6.0f} "
                    f"{s['p95']:>6.0f} {s['p99']:>6.0f} {s['failures']:>6}"
                )
    lines.append("latencies in ms (locust rounds them to 2 significant digits above 100 ms)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", 50)))
    parser.add_argument("--orders", type=int, default=int(os.environ.get("LOADTEST_ORDERS", 5000)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOADTEST_WORKERS", 4)))
    parser.add_argument(
        "--run-time",
        type=int,
        default=int(os.environ.get("LOADTEST_RUN_TIME", 100)),
        help="seconds the orders run may take at most",
    )
    parser.add_argument(
        "--reference-run-time",
        type=int,
        default=int(os.environ.get("LOADTEST_REFERENCE_RUN_TIME", 35)),
        help="seconds the reference run may take at most (its rate is what counts)",
    )
    parser.add_argument("--only", choices=sorted(RUNS), help="one of the two runs")
    args = parser.parse_args()
    args.load_before = os.getloadavg()[0]

    database_url = os.environ.get("LOADTEST_DATABASE_URL") or DEFAULT_DATABASE_URL
    env = server_env(database_url)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)

    create_database(database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    django_setup(env)
    setup = seed(args.users)
    setup_file = OUT / "setup.json"
    setup_file.write_text(json.dumps(setup), encoding="utf-8")

    port = free_port()
    gunicorn = start_gunicorn(env, port, args.workers)
    print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; database {database_url}")
    results = []
    try:
        for name in [args.only] if args.only else list(RUNS):
            clear_orders()
            print(f"locust: {name} ({RUNS[name]}), {args.users} users, {args.orders} posts ...")
            result = run_locust(
                name,
                port=port,
                setup_file=setup_file,
                users=args.users,
                orders=args.orders,
                run_time=args.reference_run_time if name == "reference" else args.run_time,
            )
            check_database(result)
            results.append(result)
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    text = report(results, args)
    print()
    print(text)
    failed = False
    for r in results:
        for problem in r["problems"]:
            print(f"CHECK FAILED ({r['name']}): {problem}")
            failed = True
        if r["created"] + r["not_created"] < args.orders:
            print(
                f"note ({r['name']}): {r['created'] + r['not_created']} of {args.orders} "
                f"posts were answered within the time bound ({r['elapsed']:.0f} s)"
            )
    if not failed:
        print("database check: every 201 is stored exactly once, nothing else was created")
    summary = [
        {k: v for k, v in r.items() if k != "ids_file"} | {"ids_file": str(r["ids_file"])}
        for r in results
    ]
    (OUT / "results.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (OUT / "report.txt").write_text(text + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
