"""The workers' heartbeat and the Redis helpers that read it.

Every Celery worker writes "I consume these queues now" to Redis on its consumer's event loop
(``WorkerHeartbeat``, a consumer step added in marketplace/celery.py); ``/healthz``
(web/health.py) and ``/metrics`` (web/metrics.py) read it, and the queue depth, from here.

Why a heartbeat key rather than ``app.control.ping``: a ping is a broadcast that every
worker must answer and the caller waits for the whole timeout to collect replies, on every
probe; it also only proves that the worker's control thread lives. The heartbeat is
written by a step of the worker's *consumer* on the consumer's own event loop (the loop
that fetches tasks), so it stops when the worker stops consuming - hung loop, lost broker
connection, shut down - and reading it is one ``HGETALL``. Times come from Redis' own
clock (``TIME``) on both sides, so clock skew between machines does not matter.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from celery import bootsteps

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "marketplace:worker-heartbeat:{queue}"
# kombu's Redis transport keeps priority messages in extra lists: name + sep + priority
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def setting_or(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def check_timeout() -> float:
    return float(setting_or("HEALTH_CHECK_TIMEOUT_SECONDS", 1.0))


def heartbeat_interval() -> float:
    return float(setting_or("WORKER_HEARTBEAT_SECONDS", 10.0))


def worker_max_age() -> float:
    return float(setting_or("HEALTH_WORKER_MAX_AGE_SECONDS", 3 * heartbeat_interval()))


def broker_redis_url() -> str:
    """The broker's URL when it is Redis (where the queue and the heartbeats live)."""
    broker = setting_or("CELERY_BROKER_URL", "") or ""
    if urlparse(broker).scheme in ("redis", "rediss"):
        return broker
    return setting_or("REDIS_URL", "")


def redis_client(url: str, timeout: float | None = None) -> Any:
    import redis

    timeout = check_timeout() if timeout is None else timeout
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
