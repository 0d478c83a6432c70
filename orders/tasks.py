"""Celery interface to the order services: reminders of late milestones."""

from __future__ import annotations

from celery import shared_task


@shared_task
def milestone_reminders_send_task() -> int:
    from orders.production import milestone_reminders_send

    return milestone_reminders_send()
