"""Celery interface to the production services: reminders of late milestones and the
periodic recomputation of the factories' scores."""

from __future__ import annotations

from celery import shared_task

from production.scores import factory_probation_update, factory_scores_recompute
from production.services import milestone_reminders_send


@shared_task
def milestone_reminders_send_task() -> int:
    return milestone_reminders_send()


@shared_task
def factory_scores_recompute_task() -> int:
    factory_probation_update()
    return factory_scores_recompute()
