"""Probation of new factories: until ``PROBATION_ORDERS`` of its parts were delivered on time
without an upheld dispute, a factory takes orders of at most ``PROBATION_MAX_UNITS`` units
and ``PROBATION_MAX_VALUE`` CNY (quantity x its unit price).

The state lives on the factory (``probation_clean_deliveries``, ``probation_ended_at``), so
every layer can read it: the match run's loader gives the limits to the solver (an order over
them is no candidate of that factory, reason ``factory_on_probation``), accepting an offer
re-checks them, the owner's dashboard shows them. Production counts the deliveries
(``production/probation.py``) when a delivery is confirmed or a dispute resolved; probation
ends once and for good (staff may also end it in the admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from factories.models import Factory
from marketplace.errors import Conflict


@dataclass(frozen=True)
class Probation:
    """The limits a factory on probation works under, and how far it is."""

    max_units: int
    max_value: Decimal  # CNY: quantity x unit price
    clean_deliveries: int  # on time, no upheld dispute
    needed: int  # PROBATION_ORDERS

    def allows(self, *, quantity: int, unit_price: Decimal) -> bool:
        return quantity <= self.max_units and quantity * unit_price <= self.max_value


def factory_probation(*, factory: Factory) -> Probation | None:
    """The factory's probation, or None when it is over (or turned off)."""
    needed = settings.PROBATION_ORDERS
    if needed <= 0 or factory.probation_ended_at is not None:
        return None
    if factory.probation_clean_deliveries >= needed:
        return None
    return Probation(
        max_units=settings.PROBATION_MAX_UNITS,
        max_value=Decimal(settings.PROBATION_MAX_VALUE),
        clean_deliveries=factory.probation_clean_deliveries,
        needed=needed,
    )


def factory_probation_end(*, factory: Factory) -> Factory:
    """Staff end a factory's probation before its record does (409 when it is over)."""
    if factory_probation(factory=factory) is None:
        raise Conflict(_("This factory is not on probation."), current="not_on_probation")
    factory.probation_ended_at = timezone.now()
    # update(), not save(): not an edit a running match must re-check
    Factory.objects.filter(pk=factory.pk).update(probation_ended_at=factory.probation_ended_at)
    return factory


def probation_text(factory: Factory) -> str:
    """The factory's probation in a few words, for the admin."""
    probation = factory_probation(factory=factory)
    if probation is None:
        return gettext("Over")
    return gettext("%(done)s of %(needed)s on-time deliveries") % {
        "done": probation.clean_deliveries,
        "needed": probation.needed,
    }
