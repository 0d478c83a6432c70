"""Notifications: in-app rows for the other party of an order event, each also emailed.

The email goes out from a Celery task after the transaction commits, through Django's
email framework (EMAIL_BACKEND: the console in development, SMTP in production), so a
slow or failing mail server never holds up or rolls back the action that caused it.

Notifications (like order-history lines) are stored as a kind and parameters and rendered
when read, in the reader's language (marketplace/messages.py): the email in the
recipient's ``User.language``.

``stored_text_language`` is for the few texts still stored as written (a match run's
error, read by staff): the site's language (``LANGUAGE_CODE``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from marketplace.messages import Params
from marketplace.models import Notification, User


def stored_text_language() -> translation.override:
    """Translate the texts built inside this block into the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


def notification_create(
    *,
    recipients: Iterable[User],
    kind: str,
    params: Params,
    order_id: int | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """One notification per recipient (each once, never the one who acted); its text is
    rendered from ``kind`` and ``params`` when read (marketplace/messages.py)."""
    people = {user.pk: user for user in recipients if user is not None}
    if exclude is not None:
        people.pop(exclude.pk, None)
    created = Notification.objects.bulk_create(
        Notification(recipient=user, order_id=order_id, kind=kind, params=params)
        for user in people.values()
    )
    for notification in created:
        if notification.recipient.email:
            _send_email_on_commit(notification.pk)
    return created


def notification_create_many(*, notifications: Iterable[Notification]) -> list[Notification]:
    """Unsaved notifications (recipient, order, kind, params) saved in one insert, each
    emailed as ``notification_create`` does: for a match run's write, one per factory."""
    created = Notification.objects.bulk_create(notifications, batch_size=1000)
    for notification in created:
        if notification.recipient.email:
            _send_email_on_commit(notification.pk)
    return created


def _send_email_on_commit(notification_id: int) -> None:
    from marketplace.tasks import notification_email_send_task

    transaction.on_commit(
        lambda: notification_email_send_task.delay(notification_id=notification_id), robust=True
    )


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification once; False when it was already sent or has no address."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id)
    found = notification.first()
    if found is None or found.emailed_at is not None or not found.recipient.email:
        return False
    with translation.override(found.recipient.language):
        subject, message = found.texts
    send_mail(
        subject=subject,
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[found.recipient.email],
    )
    notification.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
