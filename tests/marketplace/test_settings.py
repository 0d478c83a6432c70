"""Settings come from the environment, with typed helpers and clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from marketplace.celery import app
from marketplace.env import env_bool, env_float, env_int, env_list

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import marketplace.settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG)"
)


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY"))}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off() -> None:
    result = _import_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_reads_the_database_and_broker_from_the_environment() -> None:
    result = _import_settings(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u@db.example:5432/market",
        REDIS_URL="redis://cache.example:6379/3",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.example:6379/3",
        "False",
    ]


def test_it_refuses_celery_limits_that_allow_a_second_delivery() -> None:
    result = _import_settings(CELERY_TASK_TIME_LIMIT="100", CELERY_VISIBILITY_TIMEOUT="50")

    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT" in result.stderr


def test_it_refuses_a_sweeper_that_fails_runs_before_they_are_redelivered() -> None:
    # hard limit 100 s, visibility timeout 400 s: a killed worker's run comes back after 400 s
    result = _import_settings(
        CELERY_TASK_TIME_LIMIT="100",
        CELERY_VISIBILITY_TIMEOUT="400",
        MATCHING_LOST_RUN_AFTER_SECONDS="160",
    )

    assert result.returncode != 0
    assert "MATCHING_LOST_RUN_AFTER_SECONDS" in result.stderr


def test_the_celery_configuration_is_safe_for_long_jobs(settings: Settings) -> None:
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert (
        settings.MATCHING_TIME_LIMIT_SECONDS
        < settings.CELERY_TASK_SOFT_TIME_LIMIT
        < settings.CELERY_TASK_TIME_LIMIT
        < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        < settings.MATCHING_LOST_RUN_AFTER_SECONDS
    )


def test_the_typed_helpers_parse_and_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_FLOAT", "2.5")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_float("X_FLOAT", 1.0) == 2.5
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_int("X_MISSING", 7) == 7

    monkeypatch.setenv("X_INT", "many")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be an integer"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL must be a boolean"):
        env_bool("X_BOOL")


def test_beat_runs_the_lifecycle_jobs(settings: Settings) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "matching.tasks.offers_expire_task",
        "production.tasks.milestone_reminders_send_task",
        "production.tasks.factory_scores_recompute_task",
        "matching.tasks.what_ifs_sweep_task",
    } <= tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
