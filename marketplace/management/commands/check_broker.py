"""`make check-redis` (and `make loadtest`): fail with a clear message when the configured
Redis is not reachable. (`make run` needs none: without one it starts an embedded Redis,
see marketplace/local_redis.py.)"""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

HOW_TO_START = (
    "Start one with:\n"
    "  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no\n"
    "(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis && "
    "brew services start redis), or point REDIS_URL at a running Redis. (`make run` starts "
    "an embedded one by itself when REDIS_URL is unset.)"
)


class Command(BaseCommand):
    help = "Check that the Celery broker (Redis) answers."

    def handle(self, *args: object, **options: object) -> None:
        url = settings.CELERY_BROKER_URL
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        except redis.RedisError as exc:
            raise CommandError(
                f"Redis is not reachable at {url} ({exc}).\n"
                f"The Celery worker and beat need it to run matches.\n{HOW_TO_START}"
            ) from exc
        self.stdout.write(f"Redis answers at {url}")
