"""The Celery application: configured from Django settings (CELERY_* names)."""

import os
from typing import Any

from celery import Celery
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect(dispatch_uid="marketplace.celery.time_limits_of_the_worker")
def _time_limits_of_the_worker(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """Messages carry no time limits, so the worker that runs a task applies its own
    CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT, which its settings check against
    its visibility timeout. (Celery copies the sender's limits into every message, and they
    override the worker's: a web process configured apart would void that check.)"""
    if headers is not None and "timelimit" in headers:
        headers["timelimit"] = (None, None)


# run ids in the log lines of match-run tasks; the heartbeat /healthz reads (docs/operations.md)
import marketplace.celery_logging  # noqa: E402, F401
from marketplace.heartbeat import WorkerHeartbeat  # noqa: E402

app.steps["consumer"].add(WorkerHeartbeat)
