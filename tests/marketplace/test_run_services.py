"""`make run` (manage.py run_services) on a machine with no Redis: it starts an embedded one
for the session, the Procfile's worker runs matches through it, and it stops with the rest."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from marketplace.local_redis import LocalRedisError, local_redis_choose, redis_answers
from marketplace.models import ProductCategory
from matching.models import MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from tests.builders import make_factory, make_order, make_window
from tests.worker import (
    REPO,
    answers_ping,
    database_url,
    free_port,
    use_broker,
    wait_for,
    wait_for_finished_run,
)


def nowhere() -> str:
    """A Redis URL at which nothing answers."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert not redis_answers(url)
    return url


def test_a_redis_set_in_the_environment_is_used_as_it_is(tmp_path: Path) -> None:
    environ = {"REDIS_URL": settings.REDIS_URL}

    choice = local_redis_choose(environ=environ, default_url=nowhere(), run_dir=tmp_path)

    assert (choice.url, choice.embedded) == (settings.REDIS_URL, None)


def test_a_redis_set_in_the_environment_that_does_not_answer_stops_it(tmp_path: Path) -> None:
    with pytest.raises(LocalRedisError, match="not reachable"):
        local_redis_choose(
            environ={"REDIS_URL": nowhere()}, default_url=settings.REDIS_URL, run_dir=tmp_path
        )


def test_the_redis_on_the_default_address_is_used_when_it_answers(tmp_path: Path) -> None:
    choice = local_redis_choose(environ={}, default_url=settings.REDIS_URL, run_dir=tmp_path)

    assert (choice.url, choice.embedded) == (settings.REDIS_URL, None)


REDIS_SETTINGS = ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")


def start_run_services(run_dir: Path, log: Path, *, default_url: str) -> subprocess.Popen[bytes]:
    """`manage.py run_services worker` (the Procfile's worker line only: no web port taken)
    with no Redis configured and nothing on the default address, on the test database and
    this session's queue."""
    env = {name: value for name, value in os.environ.items() if name not in REDIS_SETTINGS}
    env |= {
        "REDIS_DEFAULT_URL": default_url,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    command = [sys.executable, "manage.py", "run_services", "--run-dir", str(run_dir), "worker"]
    with open(log, "wb") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_without_a_redis_it_starts_an_embedded_one_that_runs_a_match_and_stops_with_it(
    tmp_path: Path,
) -> None:
    category = ProductCategory.objects.get(slug="t-shirts")
    make_window(make_factory(), category, start=1, end=10, units_per_day=100)
    orders = [make_order(category=category, quantity=300) for _ in range(2)]
    nothing_there = nowhere()
    run_dir, log = tmp_path / "run", tmp_path / "run_services.log"
    sock = run_dir.resolve() / "redis.sock"

    process = start_run_services(run_dir, log, default_url=nothing_there)
    try:
        # the banner says which Redis the session uses
        wait_for(lambda: "Starting web server" in log.read_text(errors="replace"), timeout=60)
        banner = log.read_text(errors="replace")
        assert f"Redis          unix://{sock}?db=0" in banner
        assert f"embedded, for this session only: nothing answers on {nothing_there}" in banner
        with use_broker(f"redis+socket://{sock}"):
            wait_for(lambda: answers_ping(f"worker@{socket.gethostname()}"), timeout=90)
            run, _created = match_run_request(trigger=MatchRunTrigger.MANUAL)
            finished = wait_for_finished_run(run.pk, timeout=90)
    finally:
        process.send_signal(signal.SIGTERM)  # as Ctrl-C: the worker, then the Redis
        code = process.wait(timeout=60)
        print(log.read_text(errors="replace"))

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    assert finished.matched_orders == len(orders)
    assert code == 0
    assert not redis_answers(f"unix://{sock}?db=0")
    assert not sock.exists()
