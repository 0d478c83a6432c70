"""Celery interface to the production services: reminders of late milestones, standby
factories proposed for parts in trouble, and the periodic recomputation of the factories'
scores and track records."""

from __future__ import annotations

from celery import shared_task

from production.scores import factory_probation_update, factory_scores_recompute
from production.services import milestone_reminders_send
from production.standby import standby_switches_propose
from production.track_record import track_records_learn


@shared_task
def milestone_reminders_send_task() -> int:
    return milestone_reminders_send()


@shared_task
def factory_scores_recompute_task() -> int:
    factory_probation_update()
    return factory_scores_recompute()


@shared_task
def track_records_learn_task() -> int:
    return track_records_learn()


@shared_task
def standby_switches_propose_task() -> int:
    return standby_switches_propose()
