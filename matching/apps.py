from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # the texts of the history lines and notifications this app writes
        # the domain events of the layers below (marketplace/events.py)
        from marketplace import events
        from matching import (
            handlers,
            messages,  # noqa: F401
        )

        events.matching_input_changed.connect(
            handlers.on_matching_input_changed, dispatch_uid="matching.input_changed"
        )
        events.order_changing.connect(
            handlers.on_order_changing, dispatch_uid="matching.order_changing"
        )
        events.order_cancelled.connect(
            handlers.on_order_cancelled, dispatch_uid="matching.order_cancelled"
        )
        events.capacity_window_changing.connect(
            handlers.on_capacity_window_changing, dispatch_uid="matching.window_changing"
        )
