"""Structured logs: JSON lines with timestamp, level, logger, message and the ids."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.celery_logging import task_run_id
from marketplace.logging import JsonFormatter, PlainFormatter, request_id_var, run_id_var
from matching.models import MatchRunStatus
from matching.tasks import (
    match_run_execute_task,
    match_run_write_task,
    match_shard_solve_task,
    offers_expire_task,
)
from tests.builders import make_run

REPO = Path(__file__).resolve().parents[2]


def _record(message: str = "hello %s", *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("orders.services", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_json_log_line_has_timestamp_level_logger_message_and_the_ids() -> None:
    token = request_id_var.set("req-1")
    try:
        line = json.loads(JsonFormatter().format(_record("hello %s", "world", order_id=7)))
    finally:
        request_id_var.reset(token)
    assert line["level"] == "WARNING"
    assert line["logger"] == "orders.services"
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-1"
    assert line["run_id"] is None
    assert line["order_id"] == 7  # extra= fields come along
    stamp = dt.datetime.fromisoformat(line["timestamp"])
    assert stamp.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 60


def test_a_json_log_line_carries_the_traceback_of_an_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed"
    assert "ValueError: boom" in line["exc_info"]


def test_a_plain_log_line_appends_the_ids_when_there_are_any() -> None:
    assert PlainFormatter().format(_record("plain")).endswith("plain")
    token = run_id_var.set(42)
    try:
        assert PlainFormatter().format(_record("plain")).endswith("plain [run_id=42]")
    finally:
        run_id_var.reset(token)


@pytest.mark.parametrize(("log_format", "is_json"), [("json", True), ("plain", False)])
def test_log_format_from_the_environment_picks_json_or_plain_lines(
    log_format: str, is_json: bool
) -> None:
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('orders.services').warning('from %s', 'settings')"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "LOG_FORMAT": log_format,
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "from settings" in line]
    if is_json:
        entry = json.loads(line)
        assert entry["message"] == "from settings"
        assert {"timestamp", "level", "logger", "request_id", "run_id"} <= set(entry)
    else:
        assert line.endswith("WARNING orders.services from settings")


def test_the_run_id_is_read_from_the_tasks_run_id_argument_positional_or_keyword() -> None:
    assert task_run_id(match_run_execute_task, (5,), {}) == 5
    assert task_run_id(match_run_execute_task, (), {"run_id": 6}) == 6
    assert task_run_id(match_shard_solve_task, ({}, 0, 7), {}) == 7
    assert task_run_id(match_run_write_task, ([],), {"run_id": 8, "snapshot": {}}) == 8
    assert task_run_id(offers_expire_task, (), {}) is None


@pytest.mark.django_db
def test_a_match_run_tasks_log_lines_carry_the_run_id(json_logs) -> None:
    run = make_run(status=MatchRunStatus.SUCCEEDED)  # already finished: the task says so
    result = match_run_execute_task.apply(args=(run.pk,))
    assert result.successful(), result.traceback
    logging.getLogger("after").warning("after the task")

    lines = json_logs.matching(lambda line: line["logger"] == "matching.runs")
    assert lines, json_logs.lines()
    assert {line["run_id"] for line in lines} == {run.pk}
    assert {line["task_id"] for line in lines} == {result.id}
    [after] = json_logs.matching(lambda line: line["logger"] == "after")
    assert after["run_id"] is None and after["task_id"] is None
