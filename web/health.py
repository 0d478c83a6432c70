"""``/healthz``: is this deployment able to take orders and match them?

Checks (each bounded by HEALTH_CHECK_TIMEOUT_SECONDS, all run in parallel threads, so the
endpoint answers within about that time whatever hangs):

- ``database`` (critical): ``SELECT 1`` on the default database;
- ``redis`` (critical): ``PING`` to REDIS_URL and to the Celery broker when that differs;
- ``worker`` (critical): at least one Celery worker consuming the default queue wrote its
  heartbeat within HEALTH_WORKER_MAX_AGE_SECONDS (``WorkerHeartbeat`` in marketplace/heartbeat.py);
- ``queue`` (warning only): messages waiting in the Celery queue (LLEN on the broker);
- ``queued_runs`` (warning only): match runs waiting in ``queued`` and the age of the
  oldest.

HTTP 200 when every critical check passes, else 503; ``failing`` names the failed checks.
Nothing secret is shown: no URLs, hostnames or error messages, only exception class names
(the full error goes to the log).

The worker side, the heartbeat, is marketplace/heartbeat.py.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from marketplace.heartbeat import (
    HEARTBEAT_KEY,
    broker_redis_url,
    check_timeout,
    queue_depth,
    redis_client,
    redis_now,
    setting_or,
    worker_max_age,
)

logger = logging.getLogger(__name__)


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
            setting_or(
                "HEALTH_QUEUED_RUN_WARN_SECONDS",
                setting_or("MATCHING_EVENT_DELAY_SECONDS", 30)
                + setting_or("CELERY_TASK_TIME_LIMIT", 300)
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
        warn_above = int(setting_or("HEALTH_QUEUE_DEPTH_WARN", 100))
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
    budget = 2 * check_timeout() + 0.5
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
