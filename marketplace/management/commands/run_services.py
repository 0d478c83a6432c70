"""`make run`: web, worker and beat (Procfile, through honcho) with a Redis, on any machine.

The Redis is the configured one, the one on 127.0.0.1:6379, or an embedded one started for
the session and stopped with the rest (marketplace/local_redis.py). Ctrl-C (or SIGTERM) stops
the processes first, then the embedded Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.local_redis import LocalRedisError, local_redis_choose

REPO = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = (
        "Start the Procfile's processes (web, worker, beat) with a Redis: REDIS_URL, the one "
        "on 127.0.0.1:6379, or an embedded one for the session."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "processes", nargs="*", help="Procfile processes to start (default: all)."
        )
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="First migrate and load the demo data (seed_demo --lifecycle), with the Redis "
            "of the session.",
        )
        parser.add_argument("--procfile", default=str(REPO / "Procfile"))
        parser.add_argument(
            "--run-dir", default=str(REPO / ".run"), help="Where the embedded Redis lives."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            choice = local_redis_choose(
                environ=os.environ,
                default_url=settings.REDIS_DEFAULT_URL,
                run_dir=Path(options["run_dir"]),
            )
        except LocalRedisError as exc:
            raise CommandError(str(exc)) from exc
        environment = dict(os.environ)
        with ExitStack() as stack:
            if choice.embedded is not None:
                try:
                    stack.enter_context(choice.embedded)
                except LocalRedisError as exc:
                    raise CommandError(str(exc)) from exc
                environment |= choice.embedded.environment()
            if options["prepare"]:
                for command in (["migrate", "--noinput"], ["seed_demo", "--lifecycle"]):
                    self._manage(command, environment)
            self._banner(choice.url, choice.reason)
            honcho = [sys.executable, "-m", "honcho", "start", "-f", options["procfile"]]
            code = run_until_stopped(honcho + options["processes"], environment)
        self.stdout.write(f"Stopped (honcho exit code {code}).")

    def _manage(self, command: list[str], environment: dict[str, str]) -> None:
        result = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *command],
            cwd=REPO,
            env=environment,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"manage.py {' '.join(command)} failed ({result.returncode}).")

    def _banner(self, redis_url: str, reason: str) -> None:
        site = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        lines = [
            "",
            f"  Home page      {site}/",
            f"  Admin          {site}/admin/",
            f"  API (browse)   {site}/api/",
            f"  API docs       {site}/api/docs/",
            f"  Redis          {redis_url}",
            f"                 ({reason})",
            "  Starting web server, Celery worker and Celery beat (Ctrl-C stops them all"
            + (", then the embedded Redis)" if "embedded" in reason else ")"),
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def run_until_stopped(command: list[str], environment: dict[str, str]) -> int:
    """Run ``command`` (honcho) in its own session until it ends; a SIGINT or SIGTERM to
    this process becomes one SIGTERM to it, upon which it stops its processes and returns."""
    process = subprocess.Popen(command, cwd=REPO, env=environment, start_new_session=True)

    def forward(signum: int, frame: FrameType | None) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
