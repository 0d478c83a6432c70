"""Celery signal hooks: while a task that works on a match run executes, every log line
carries ``run_id`` (and ``task_id``) - see marketplace/logging.py.

The run id is the task's ``run_id`` argument, positional or keyword (match_run_execute_task,
match_shard_solve_task, match_run_write_task, match_run_shards_failed_task). The hooks run
in the process and thread that executes the task (the prefork child), before and after it.
"""

from __future__ import annotations

import contextvars
import inspect
from typing import Any

from celery import Task
from celery.signals import task_postrun, task_prerun

from marketplace.logging import run_id_var, task_id_var

# context-variable tokens of the tasks executing in this process, by task id
_tokens: dict[str, list[contextvars.Token[Any]]] = {}


def task_run_id(task: Task, args: tuple | list | None, kwargs: dict | None) -> Any:
    """The value of the task's ``run_id`` parameter in this call, or None."""
    kwargs = kwargs or {}
    if kwargs.get("run_id") is not None:
        return kwargs["run_id"]
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **kwargs)
    except (TypeError, ValueError):
        return None
    return bound.arguments.get("run_id")


@task_prerun.connect(dispatch_uid="marketplace.celery_logging.prerun")
def _task_prerun(
    task_id: str | None = None,
    task: Task | None = None,
    args: tuple | None = None,
    kwargs: dict | None = None,
    **_: Any,
) -> None:
    if task is None or task_id is None:
        return
    tokens: list[contextvars.Token[Any]] = [task_id_var.set(task_id)]
    tokens.append(run_id_var.set(task_run_id(task, args, kwargs)))
    _tokens[task_id] = tokens


@task_postrun.connect(dispatch_uid="marketplace.celery_logging.postrun")
def _task_postrun(task_id: str | None = None, **_: Any) -> None:
    tokens = _tokens.pop(task_id or "", None)
    if not tokens:
        return
    for token in reversed(tokens):
        try:
            token.var.reset(token)
        except ValueError:  # set in another context (should not happen): just clear it
            token.var.set(None)
