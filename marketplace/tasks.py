"""Celery interface to the shared services: emails of notifications."""

from __future__ import annotations

import smtplib

from celery import shared_task


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=5,
)
def notification_email_send_task(notification_id: int) -> None:
    from marketplace.notifications import notification_email_send

    notification_email_send(notification_id=notification_id)
