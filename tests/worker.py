"""Real Celery workers in subprocesses, on a real Redis broker and the test database.

``celery_worker()`` yields a worker's hostname (the simple case); ``worker_process()``
yields a ``Worker`` that a fault test can signal, kill or read the log of, with
environment overrides (short time limits, visibility timeout, test knobs); ``beat_process()``
runs `celery beat` for the session's queue. ``RedisServer``
is a private redis-server on a free port that a test may restart, and ``use_broker``
points this process's Celery app at it (workers started meanwhile follow).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import kombu.exceptions
import redis
from django.conf import settings
from django.db import connection

from marketplace.celery import app

if TYPE_CHECKING:
    from matching.models import MatchRun

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


database_url = test_database_url  # a name pytest does not collect where it is imported


@dataclass
class Worker:
    """One `celery worker` main process (and its pool processes, in their own session)."""

    hostname: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def send_signal(self, sig: int) -> None:
        """A signal to the main process only (SIGTERM: shutdown, as a supervisor sends)."""
        self.process.send_signal(sig)

    def kill_everything(self) -> None:
        """SIGKILL the main process and its pool processes at once, as when the machine or
        container dies: nothing gets to ack, reject or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_exit(self, timeout: float = 30) -> int:
        return self.process.wait(timeout=timeout)

    def active_task_ids(self) -> list[str]:
        """The tasks the worker runs right now (remote control, through the broker)."""
        replies = app.control.inspect(destination=[self.hostname], timeout=1.0).active() or {}
        return [task["id"] for task in replies.get(self.hostname, [])]

    def alive(self) -> bool:
        return self.process.poll() is None

    def warm_up(self, timeout: float = 30) -> None:
        """Have the (only) pool process load the matching code and connect to the database,
        with a task for a run that does not exist (a no-op), so that the next task's time
        limits count its own work only. For a worker alone on the queue."""
        from matching.tasks import match_run_execute_task

        task_id = match_run_execute_task.apply_async(args=(0,)).id
        wait_for(
            lambda: any(
                task_id in line and "succeeded" in line for line in self.log().splitlines()
            ),
            timeout=timeout,
        )


def _broker_env() -> dict[str, str]:
    """The broker and result backend this process uses now (see use_broker)."""
    broker = str(app.conf.broker_url)
    backend = str(app.conf.result_backend or broker)
    return {"REDIS_URL": broker, "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": backend}


def _celery_env(env: dict[str, str] | None) -> dict[str, str]:
    """The environment of a Celery process of this session: its broker, queue and database."""
    return (
        os.environ
        | _broker_env()
        | {
            "DATABASE_URL": test_database_url(),
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(REPO),
        }
        | (env or {})
    )


def _launch(
    *,
    concurrency: int = 1,
    pool: str = "prefork",
    env: dict[str, str] | None = None,
    name: str = "test",
) -> Worker:
    """Start a worker process on this session's queue (without waiting for it)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Worker tests need DATABASE_URL pointing at PostgreSQL")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    hostname = f"{name}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker_env = _celery_env(env)
    with tempfile.NamedTemporaryFile(prefix=f"celery-{name}-", suffix=".log", delete=False) as log:
        command = [
            sys.executable, "-m", "celery", "-A", "tests.worker_app", "worker",
            "--queues", queue, "--pool", pool, "--concurrency", str(concurrency),
            "--hostname", hostname, "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        # its own session: kill_everything() reaches the pool processes, and a signal meant
        # for the worker never reaches pytest
        process = subprocess.Popen(
            command, cwd=REPO, env=worker_env, stdout=log, stderr=log, start_new_session=True
        )
    return Worker(hostname=hostname, process=process, log_path=Path(log.name))


@contextmanager
def worker_processes(
    count: int,
    *,
    concurrency: int = 1,
    pool: str = "prefork",
    env: dict[str, str] | None = None,
    purge: bool = True,
    name: str = "test",
) -> Iterator[list[Worker]]:
    """Start ``count`` workers at once on this session's queue; yield them once each answers
    a ping. ``env`` overrides the workers' environment (e.g. CELERY_TASK_TIME_LIMIT);
    ``purge`` empties the queue first. On exit each worker gets SIGTERM, then SIGKILL after
    20 s; if the test failed, their logs are printed with it."""
    if purge:
        app.control.purge()
    workers: list[Worker] = []
    try:
        for _ in range(count):
            workers.append(_launch(concurrency=concurrency, pool=pool, env=env, name=name))
        for worker in workers:
            _wait_until_ready(worker.process, worker.hostname, worker.log_path)
        yield workers
    except BaseException:
        for worker in workers:  # shown with the failing test
            print(f"--- log of worker {worker.hostname} ({worker.log_path}) ---\n{worker.log()}")
        raise
    finally:
        for worker in workers:
            _stop(worker)


@contextmanager
def worker_process(
    *,
    concurrency: int = 1,
    pool: str = "prefork",
    env: dict[str, str] | None = None,
    purge: bool = True,
    name: str = "test",
) -> Iterator[Worker]:
    """One worker (see worker_processes)."""
    with worker_processes(
        1, concurrency=concurrency, pool=pool, env=env, purge=purge, name=name
    ) as (worker,):
        yield worker


def _stop(worker: Worker) -> None:
    """SIGTERM, then SIGKILL to the worker and its pool processes if it is still there."""
    process = worker.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:  # the main process is gone; no pool process may outlive it
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


@contextmanager
def celery_worker(
    *, concurrency: int = 1, pool: str = "prefork", env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start a worker on this session's queue; yield its hostname once it answers a ping."""
    with worker_process(concurrency=concurrency, pool=pool, env=env) as worker:
        yield worker.hostname


@contextmanager
def beat_process(*, env: dict[str, str] | None = None) -> Iterator[Path]:
    """`celery beat` sending this session's periodic tasks (e.g. the sweeper, every
    ``MATCHING_SCHEDULE_SECONDS`` of ``env``) to its queue, with a schedule file of its own;
    yields its log's path once it has started. Stopped with SIGTERM on exit."""
    directory = Path(tempfile.mkdtemp(prefix="celery-beat-"))
    log_path = directory / "beat.log"
    command = [
        sys.executable, "-m", "celery", "-A", "marketplace", "beat", "--loglevel", "INFO",
        "--schedule", str(directory / "schedule"),
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=_celery_env(env), stdout=log, stderr=log, start_new_session=True
        )
    try:
        wait_for(lambda: "beat: Starting" in log_path.read_text(errors="replace"), timeout=60)
        yield log_path
    except BaseException:
        print(f"--- log of celery beat ---\n{log_path.read_text(errors='replace')}")
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_until_ready(process: subprocess.Popen, hostname: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{log.read_text()}")
        if answers_ping(hostname):
            return
    raise RuntimeError(f"Celery worker did not answer within 60 s:\n{log.read_text()}")


def answers_ping(hostname: str) -> bool:
    """The worker answers a remote-control ping (False while the broker is unreachable)."""
    try:
        return bool(app.control.ping(destination=[hostname], timeout=0.5))
    except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
        return False


def wait_for(predicate: Callable[[], T | None], *, timeout: float = 60, interval: float = 0.2) -> T:
    """Poll until predicate() returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# --- match runs -----------------------------------------------------------------------


def wait_for_run(run_id: int, statuses: Iterable[str], *, timeout: float = 60) -> MatchRun:
    """The run once its status is one of ``statuses`` (a fresh MatchRun)."""
    from matching.models import MatchRun

    wanted = list(statuses)
    return wait_for(
        lambda: MatchRun.objects.filter(pk=run_id, status__in=wanted).first(), timeout=timeout
    )


def wait_for_finished_run(run_id: int, *, timeout: float = 60) -> MatchRun:
    from matching.models import MatchRunStatus

    return wait_for_run(run_id, (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED), timeout=timeout)


def wait_for_solving(run_id: int, *, timeout: float = 60) -> MatchRun:
    """The run once a worker has claimed and loaded it and is in its solve phase."""
    from matching.models import MatchRun, MatchRunPhase, MatchRunStatus

    return wait_for(
        lambda: MatchRun.objects.filter(
            pk=run_id, status=MatchRunStatus.RUNNING, phase=MatchRunPhase.SOLVING
        ).first(),
        timeout=timeout,
        interval=0.05,
    )


# --- the broker -----------------------------------------------------------------------


def broker_client() -> redis.Redis:
    return redis.Redis.from_url(str(app.conf.broker_url))


def queue_length(queue: str | None = None) -> int:
    """Messages waiting in the queue (kombu keeps one Redis list per priority step)."""
    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    client = broker_client()
    keys = [queue] + [f"{queue}\x06\x16{step}" for step in range(1, 10)]
    return sum(client.llen(key) for key in keys)


def unacked_messages(queue: str | None = None) -> list[dict]:
    """Messages of the queue delivered to a worker and not yet acknowledged (kombu's
    ``unacked`` hash is shared by all queues of the Redis database)."""
    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    found = []
    for raw in broker_client().hvals("unacked"):
        message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            found.append(message)
    return found


def _reset_connections() -> None:
    """Make this process look its broker connection pool up again (after a broker change;
    kombu keeps one pool per broker URL, so the pools themselves stay open)."""
    # private attributes: celery-types does not declare them
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@contextmanager
def use_broker(url: str) -> Iterator[None]:
    """This process sends tasks and control commands through the Redis at ``url``, and
    workers started meanwhile use it as broker and result backend."""
    previous = (app.conf.broker_url, app.conf.result_backend)
    _reset_connections()
    # celery-types declares these settings read-only properties; Celery's settings take them
    app.conf.broker_url = url  # type: ignore[misc]
    app.conf.result_backend = url  # type: ignore[misc]
    try:
        yield
    finally:
        _reset_connections()
        app.conf.broker_url, app.conf.result_backend = previous  # type: ignore[misc]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server on a free loopback port, without persistence (like the
    deployment's: a restart loses what was queued). Other sessions' Redis is never touched."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is needed for the reliability tests")
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="test-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.dir), "--loglevel", "warning",
        ]  # fmt: skip
        with open(self.dir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._answers(client), timeout=10, interval=0.05)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: no save configured, so nothing is kept
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
