"""Celery interface to the matching services: ids in, a service call, nothing else."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError


class MatchRunTask(Task):
    """Marks the run failed once the task has failed for good (saleor-style hook)."""

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple, kwargs: dict, einfo: Any
    ) -> None:
        from matching.services import match_run_fail

        run_id = kwargs.get("run_id", args[0] if args else None)
        if run_id is not None:
            match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    base=MatchRunTask,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=3,
)
def match_run_execute_task(self: MatchRunTask, run_id: int) -> None:
    from matching.services import MatchRunBusy, match_run_execute

    try:
        match_run_execute(run_id=run_id, task_id=self.request.id or "direct-call")
    except MatchRunBusy as exc:
        # another run executes: wait for it (bounded, then the failure hook records it)
        raise self.retry(exc=exc, countdown=5, max_retries=120) from exc


@shared_task
def match_run_schedule_task() -> None:
    from matching.services import match_run_schedule

    match_run_schedule()
