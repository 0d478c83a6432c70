"""A real Celery worker in a subprocess, on the real Redis broker and the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import connection

from marketplace.celery import app

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def celery_worker(
    *, concurrency: int = 1, pool: str = "prefork", env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start a worker on this session's queue; yield its hostname once it answers a ping."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Worker tests need DATABASE_URL pointing at PostgreSQL")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    app.control.purge()
    hostname = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker_env = os.environ | {
        "DATABASE_URL": test_database_url(),
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(REPO),
    }
    worker_env |= env or {}
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
    command = [
        sys.executable, "-m", "celery", "-A", "marketplace", "worker",
        "--queues", queue, "--pool", pool, "--concurrency", str(concurrency),
        "--hostname", hostname, "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=worker_env, stdout=log, stderr=log)
    try:
        _wait_until_ready(process, hostname, Path(log.name))
        yield hostname
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_ready(process: subprocess.Popen, hostname: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log.read_text()}")
        if app.control.ping(destination=[hostname], timeout=0.5):
            return
    raise RuntimeError(f"Celery worker did not answer within 60 s:\n{log.read_text()}")


def wait_for(predicate: Callable[[], T], *, timeout: float = 60, interval: float = 0.2) -> T:
    """Poll until predicate() returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
