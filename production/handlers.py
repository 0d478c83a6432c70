"""Production's handlers of the domain events the layers below send (marketplace/events.py),
connected in ``ProductionConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from marketplace.events import CancelEffects
from orders.models import Order
from production.models import Delay, DelayStatus, StandbySwitch, StandbySwitchStatus


def on_order_cancelled(*, order: Order, **kwargs: Any) -> CancelEffects:
    """The order's standby proposals that waited for the seller are closed (written under
    their parts' locks, which matching's handler holds). The seller cancelled instead of
    accepting a delay: the delays that waited are answered (declined), and cancelling then
    does not count against the seller's reliability. Delays are the last kind in the global
    lock order, so they are updated last."""
    StandbySwitch.objects.filter(part__order=order, status=StandbySwitchStatus.PENDING).update(
        status=StandbySwitchStatus.CLOSED, decided_at=timezone.now()
    )
    declined = Delay.objects.filter(assignment__order=order, status=DelayStatus.PENDING).update(
        status=DelayStatus.DECLINED, decided_at=timezone.now()
    )
    return CancelEffects(answered_delay=declined > 0)
