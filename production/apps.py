from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        # the domain events of the layers below (marketplace/events.py); connected after
        # matching's (INSTALLED_APPS order), so a cancelled order's parts are withdrawn before
        # its delays are answered, as the global lock order wants (marketplace/locks.py)
        from marketplace import events
        from production import handlers, messages  # noqa: F401

        events.order_cancelled.connect(
            handlers.on_order_cancelled, dispatch_uid="production.order_cancelled"
        )
