"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

from marketplace.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}
