"""``/healthz``: is this deployment able to take orders and match them?

Checks (each bounded by HEALTH_CHECK_TIMEOUT_SECONDS, all run in parallel threads, so the
endpoint answers within about that time whatever hangs):

- ``database`` (critical): ``SELECT 1`` on the default database;
- ``redis`` (critical): ``PING`` to REDIS_URL and to the Celery broker when that differs;
- ``worker`` (critical): at least one Celery worker consuming the default queue wrote its
  heartbeat within HEALTH_WORKER_MAX_AGE_SECONDS (see ``WorkerHeartbeat`` below);
- ``queue`` (warning only): messages waiting in the Celery queue (LLEN on the broker);
- ``queued_runs`` (warning only): match runs waiting in ``queued`` and the age of the
  oldest.

HTTP 200 when every critical check passes, else 503; ``failing`` names the failed checks.
Nothing secret is shown: no URLs, hostnames or error messages, only exception class names
(the full error goes to the log).

Why a heartbeat key rather than ``app.control.ping``: a ping is a broadcast that every
worker must answer and the caller waits for the whole timeout to collect replies, on every
probe; it also only proves that the worker's control thread lives. The heartbeat is
written by a step of the worker's *consumer* on the consumer's own event loop (the loop
that fetches tasks), so it stops when the worker stops consuming - hung loop, lost broker
connection, shut down - and reading it is one ``HGETALL``. Times come from Redis' own
clock (``TIME``) on both sides, so clock skew between machines does not matter.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlparse

from celery import bootsteps

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "marketplace:worker-heartbeat:{queue}"
# kombu's Redis transport keeps priority messages in extra lists: name + sep + priority
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def _timeout() -> float:
    return float(_setting("HEALTH_CHECK_TIMEOUT_SECONDS", 1.0))


def heartbeat_interval() -> float:
    return float(_setting("WORKER_HEARTBEAT_SECONDS", 10.0))


def worker_max_age() -> float:
    return float(_setting("HEALTH_WORKER_MAX_AGE_SECONDS", 3 * heartbeat_interval()))


def broker_redis_url() -> str:
    """The broker's URL when it is Redis (where the queue and the heartbeats live)."""
    broker = _setting("CELERY_BROKER_URL", "") or ""
    if urlparse(broker).scheme in ("redis", "rediss"):
        return broker
    return _setting("REDIS_URL", "")


def redis_client(url: str, timeout: float | None = None) -> Any:
    import redis

    timeout = _timeout() if timeout is None else timeout
    return redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
    )


def redis_now(client: Any) -> float:
    seconds, microseconds = client.time()
    return seconds + microseconds / 1_000_000


def queue_depth(client: Any, queue: str) -> int:
    pipe = client.pipeline(transaction=False)
    for step in _PRIORITY_STEPS:
        pipe.llen(queue if step == 0 else f"{queue}{_PRIORITY_SEP}{step}")
    return sum(pipe.execute())


# --- the checks -------------------------------------------------------------------------


def _ok(**details: Any) -> dict[str, Any]:
    return {"ok": True, **details}


def _failed(error: str, **details: Any) -> dict[str, Any]:
    return {"ok": False, "error": error, **details}


def _error_name(exc: BaseException) -> str:
    return type(exc).__name__


def _database_checks() -> dict[str, dict[str, Any]]:
    from django.db import connection
    from django.db.models import Count, Min
    from django.utils import timezone

    from matching.models import MatchRun, MatchRunStatus

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = _ok(ms=round((time.perf_counter() - started) * 1000, 1))
        queued = MatchRun.objects.filter(status=MatchRunStatus.QUEUED).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        age = (timezone.now() - queued["oldest"]).total_seconds() if queued["oldest"] else None
        warn_after = float(
            _setting(
                "HEALTH_QUEUED_RUN_WARN_SECONDS",
                _setting("MATCHING_EVENT_DELAY_SECONDS", 30)
                + _setting("CELERY_TASK_TIME_LIMIT", 300)
                + 60,
            )
        )
        runs = {
            "ok": age is None or age <= warn_after,
            "count": queued["count"],
            "oldest_age_seconds": None if age is None else round(age, 1),
            "warn_after_seconds": warn_after,
        }
        return {"database": database, "queued_runs": runs}
    except Exception as exc:
        logger.warning("Health check: database failed: %r", exc)
        return {
            "database": _failed(_error_name(exc)),
            "queued_runs": _failed("database unavailable"),
        }
    finally:
        connection.close()  # this thread's connection: not left open


def _redis_checks() -> dict[str, dict[str, Any]]:
    from django.conf import settings

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    urls = list(dict.fromkeys(u for u in (settings.REDIS_URL, broker_redis_url()) if u))
    try:
        for url in urls:
            redis_client(url).ping()
    except Exception as exc:
        logger.warning("Health check: Redis failed: %r", exc)
        down = _failed("redis unavailable")
        return {"redis": _failed(_error_name(exc)), "worker": down, "queue": down}

    results: dict[str, dict[str, Any]] = {"redis": _ok()}
    client = redis_client(broker_redis_url())
    try:
        now = redis_now(client)
        beats = client.hgetall(HEARTBEAT_KEY.format(queue=queue))
        ages = [now - float(value) for value in beats.values()]
        max_age = worker_max_age()
        fresh = [age for age in ages if age <= max_age]
        details = {
            "workers": len(fresh),
            "last_heartbeat_age_seconds": round(min(ages), 1) if ages else None,
            "max_age_seconds": max_age,
        }
        results["worker"] = (
            _ok(**details) if fresh else _failed("no worker heartbeat on the queue", **details)
        )
    except Exception as exc:
        logger.warning("Health check: worker heartbeat failed: %r", exc)
        results["worker"] = _failed(_error_name(exc))
    try:
        depth = queue_depth(client, queue)
        warn_above = int(_setting("HEALTH_QUEUE_DEPTH_WARN", 100))
        results["queue"] = {
            "ok": depth <= warn_above,
            "name": queue,
            "depth": depth,
            "warn_above": warn_above,
        }
    except Exception as exc:
        logger.warning("Health check: queue depth failed: %r", exc)
        results["queue"] = _failed(_error_name(exc), name=queue)
    return results


CRITICAL = ("database", "redis", "worker")
# groups of checks run in parallel; each returns the results of its checks by name
CHECK_GROUPS: dict[str, tuple[Callable[[], dict[str, dict[str, Any]]], tuple[str, ...]]] = {
    "database": (_database_checks, ("database", "queued_runs")),
    "redis": (_redis_checks, ("redis", "worker", "queue")),
}


def health_report() -> tuple[bool, dict[str, Any]]:
    """Run every check within the time budget; (healthy, report)."""
    started = time.perf_counter()
    budget = 2 * _timeout() + 0.5
    checks: dict[str, dict[str, Any]] = {}
    pool = ThreadPoolExecutor(max_workers=len(CHECK_GROUPS), thread_name_prefix="healthz")
    try:
        # each check runs in a copy of this context: its log lines keep the request id
        futures = {
            name: pool.submit(contextvars.copy_context().run, fn)
            for name, (fn, _names) in CHECK_GROUPS.items()
        }
        for group, future in futures.items():
            remaining = max(0.0, budget - (time.perf_counter() - started))
            try:
                checks.update(future.result(timeout=remaining))
            except FutureTimeout:
                for name in CHECK_GROUPS[group][1]:
                    checks[name] = _failed("timed out")
            except Exception as exc:  # a bug in a check: report it, never raise
                logger.exception("Health check group %s raised", group)
                for name in CHECK_GROUPS[group][1]:
                    checks[name] = _failed(_error_name(exc))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    failing = [name for name in CRITICAL if not checks.get(name, {}).get("ok")]
    warnings = [name for name, check in checks.items() if name not in CRITICAL and not check["ok"]]
    report = {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "warnings": warnings,
        "checks": {name: checks[name] for name in sorted(checks)},
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return not failing, report


def healthz(request: Any) -> Any:
    from django.http import HttpResponseNotAllowed, JsonResponse
    from django.utils.cache import add_never_cache_headers

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    healthy, report = health_report()
    response = JsonResponse(report, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


# --- the worker side: the heartbeat -----------------------------------------------------


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer step: every WORKER_HEARTBEAT_SECONDS, record "this worker consumes these
    queues now" as ``HSET marketplace:worker-heartbeat:<queue> <hostname> <redis time>``.

    It runs on the consumer's timer (the event loop that fetches tasks), so it stops with
    the consumer. A heartbeat that fails (Redis down) is logged and tried again at the
    next tick. Shutting down removes this worker's entries at once.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None
        self.client: Any = None
        self.failing = False

    def _queues(self, c: Any) -> list[str]:
        consumer = getattr(c, "task_consumer", None)
        queues = getattr(consumer, "queues", None) or []
        return sorted({q.name for q in queues})

    def beat(self, c: Any) -> None:
        try:
            if self.client is None:
                self.client = redis_client(broker_redis_url())
            now = redis_now(self.client)
            keep = max(3600.0, 10 * worker_max_age())
            pipe = self.client.pipeline(transaction=False)
            for queue in self._queues(c):
                key = HEARTBEAT_KEY.format(queue=queue)
                pipe.hset(key, c.hostname, repr(now))
                pipe.expire(key, int(keep))
            pipe.execute()
            # forget workers gone for long (those that died without shutting down)
            for queue in self._queues(c):
                key = HEARTBEAT_KEY.format(queue=queue)
                stale = [
                    host
                    for host, value in self.client.hgetall(key).items()
                    if now - float(value) > keep
                ]
                if stale:
                    self.client.hdel(key, *stale)
            if self.failing:
                logger.info("Worker heartbeat written again")
            self.failing = False
        except Exception as exc:
            if not self.failing:
                logger.warning("Worker heartbeat could not be written: %r", exc)
            self.failing = True
            self.client = None

    def start(self, c: Any) -> None:
        self.beat(c)
        self.tref = c.timer.call_repeatedly(heartbeat_interval(), self.beat, (c,), priority=10)

    def stop(self, c: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def shutdown(self, c: Any) -> None:
        self.stop(c)
        try:
            client = self.client or redis_client(broker_redis_url())
            for queue in self._queues(c):
                client.hdel(HEARTBEAT_KEY.format(queue=queue), c.hostname)
        except Exception as exc:
            logger.info("Worker heartbeat not removed at shutdown: %r", exc)
