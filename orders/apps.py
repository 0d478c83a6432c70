from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Production orders")

    def ready(self) -> None:
        # the texts of the history lines and notifications this app writes
        from orders import messages  # noqa: F401
