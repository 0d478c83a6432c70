"""/healthz: database, Redis, worker heartbeat (critical), queue depth and queued runs."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from marketplace.heartbeat import HEARTBEAT_KEY, redis_client
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _forget_heartbeats() -> None:
    """No worker of an earlier test (one killed without shutting down) counts here."""
    redis_client(settings.REDIS_URL).delete(
        HEARTBEAT_KEY.format(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    )


def test_healthz_is_200_with_every_check_ok_when_database_redis_and_a_worker_are_up() -> None:
    _forget_heartbeats()
    with celery_worker():
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "redis", "worker", "queue", "queued_runs"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["workers"] == 1
    assert body["checks"]["worker"]["last_heartbeat_age_seconds"] < 30
    assert body["checks"]["queue"]["name"] == settings.CELERY_TASK_DEFAULT_QUEUE
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_worker_that_shut_down_is_no_longer_counted_as_alive() -> None:
    _forget_heartbeats()
    with celery_worker():
        assert Client().get("/healthz").status_code == 200
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert response.json()["checks"]["worker"]["workers"] == 0


def test_healthz_is_503_naming_redis_when_redis_is_unreachable(closed_port: int) -> None:
    url = f"redis://127.0.0.1:{closed_port}/0"
    started = time.monotonic()
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert "redis" in body["failing"]
    assert "database" not in body["failing"]
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True
    assert time.monotonic() - started < 3
    assert str(closed_port) not in response.content.decode()  # no addresses shown


def test_healthz_is_503_naming_the_worker_when_no_worker_wrote_a_heartbeat() -> None:
    _forget_heartbeats()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]


def test_healthz_shows_the_queue_depth_and_the_age_of_the_oldest_queued_run() -> None:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis_client(settings.REDIS_URL)
    run = MatchRun.objects.create(status=MatchRunStatus.QUEUED, trigger=MatchRunTrigger.MANUAL)
    MatchRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    client.rpush(queue, "a", "b", "c")
    try:
        with override_settings(HEALTH_QUEUE_DEPTH_WARN=2, HEALTH_QUEUED_RUN_WARN_SECONDS=60):
            body = Client().get("/healthz").json()
    finally:
        client.delete(queue)
    assert body["checks"]["queue"]["depth"] == 3
    assert body["checks"]["queue"]["ok"] is False
    assert body["checks"]["queued_runs"]["count"] == 1
    assert 590 < body["checks"]["queued_runs"]["oldest_age_seconds"] < 700
    # warnings, not failures: only the database, Redis and the worker decide the status
    assert set(body["warnings"]) == {"queue", "queued_runs"}
    assert "queue" not in body["failing"] and "queued_runs" not in body["failing"]


def test_healthz_answers_get_only() -> None:
    assert Client().post("/healthz").status_code == 405
