"""Demo orders at every stage after the match (``seed_demo --lifecycle``).

Runs one match run here (no worker needed), then answers its offers and carries some
orders through production, delivery and ratings, through the same services the API uses,
so the admin, the history and the notifications show a marketplace in use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.test.utils import override_settings

from demo.data import MARKER_USERNAME
from demo.shops import demo_shop_create
from marketplace.models import ProductCategory, User
from matching.counters import counter_create
from matching.models import Assignment, AssignmentStatus, DeclineReason, MatchRunTrigger
from matching.offers import offer_accept, offer_decline
from matching.runs import match_run_request
from matching.selectors import offer_allowed_actions
from matching.solve import match_run_execute
from orders.models import MilestoneKind, Order, OrderStatus
from production.services import (
    delay_report,
    delivery_confirm,
    milestone_post,
    order_rate,
)
from production.track_record import track_records_learn

# Of the run's offers: declined, accepted, left waiting (the rest).
DECLINED_SHARE = 0.08
ACCEPTED_SHARE = 0.6
# Of the accepted ones, how far production got: the index into the milestones posted,
# then delivered and rated.
STAGE_WEIGHTS = {
    "accepted": 3,
    "materials_ready": 2,
    "production_started": 3,
    "quality_passed": 1,
    "shipped": 1,
    "delivered": 2,
}
CARRIERS = ("SF Express", "ZTO Express", "YTO Express", "Deppon Logistics")


@dataclass(frozen=True)
class LifecycleSummary:
    run_id: int
    matched_orders: int
    statuses: dict[str, int]


def demo_lifecycle_advance(*, seed: int = 2026) -> LifecycleSummary:
    """One match run, then offers answered and orders carried forward (deterministic)."""
    rng = random.Random(seed)
    with override_settings(MATCHING_AUTO_RUN_ON_CHANGE=False):
        run, _created = match_run_request(trigger=MatchRunTrigger.ADMIN)
        finished = match_run_execute(run_id=run.pk, task_id=f"seed-demo-{run.pk}")
        offers = list(
            Assignment.objects.filter(run_id=run.pk, status=AssignmentStatus.PROPOSED)
            .select_related("factory__owner", "order__seller")
            .order_by("pk")
        )
        rng.shuffle(offers)
        declined = round(len(offers) * DECLINED_SHARE)
        accepted = round(len(offers) * ACCEPTED_SHARE)
        for offer in offers[:declined]:
            reason = rng.choice([r for r in DeclineReason.values if r != DeclineReason.OTHER])
            if _may(offer, "decline"):
                offer_decline(offer=offer, actor=offer.factory.owner, reason=reason)
        delayed = False
        for offer in offers[declined : declined + accepted]:
            if not _may(offer, "accept"):
                continue
            offer_accept(offer=offer, actor=offer.factory.owner)
            stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
            _advance(offer, stage, rng)
            offer.order.refresh_from_db()
            started = offer.order.status == OrderStatus.IN_PRODUCTION
            if stage == "production_started" and started and not delayed:
                delay_report(
                    part=offer,
                    actor=offer.factory.owner,
                    new_finish=offer.planned_finish + dt.timedelta(days=3),
                    reason="A dyeing machine is being repaired; the colour batch runs late.",
                )
                delayed = True
        _counter_one(offers[declined + accepted :])
    # what the delivered parts taught: lead times, delays, demonstrated output
    track_records_learn()
    seller = User.objects.get(username=MARKER_USERNAME)
    category = Order.objects.filter(seller=seller).order_by("pk").values_list("category", flat=True)
    demo_shop_create(seller=seller, category=ProductCategory.objects.get(pk=category[0]), seed=seed)
    statuses = Counter(
        Assignment.objects.filter(run_id=run.pk).values_list("order__status", flat=True)
    )
    return LifecycleSummary(
        run_id=run.pk,
        matched_orders=(finished.matched_orders or 0) if finished else 0,
        statuses=dict(sorted(statuses.items())),
    )


def _counter_one(waiting: list[Assignment]) -> None:
    """One factory answers a waiting offer with a counter-offer (5% more, two days later), so
    the seller has one to answer."""
    for offer in waiting:
        if _may(offer, "counter"):
            counter_create(
                offer=offer,
                actor=offer.factory.owner,
                unit_price=(offer.unit_price * Decimal("1.05")).quantize(Decimal("0.01")),
                planned_finish=offer.planned_finish + dt.timedelta(days=2),
                note="Cotton went up this week; we can still make it two days later.",
            )
            return


def _may(offer: Assignment, action: str) -> bool:
    """Whether the factory may still ``action`` the offer, as its offer page decides: a part
    of a split order is superseded once another part of it was declined."""
    offer.refresh_from_db()
    return action in offer_allowed_actions(offer)


def _advance(offer: Assignment, stage: str, rng: random.Random) -> None:
    """Post the milestones up to ``stage``; "delivered" also confirms and rates."""
    owner, seller = offer.factory.owner, offer.order.seller
    offer.order.refresh_from_db()
    if stage == "accepted" or offer.order.status != OrderStatus.ACCEPTED:
        return  # a split order is produced once every part of it is accepted
    for kind in MilestoneKind:
        shipped = kind == MilestoneKind.SHIPPED
        milestone_post(
            part=offer,
            actor=owner,
            kind=kind,
            carrier=rng.choice(CARRIERS) if shipped else "",
            tracking_number=_tracking(rng) if shipped else "",
        )
        if kind == stage:
            return
    offer.order.refresh_from_db()
    if offer.order.status != OrderStatus.SHIPPED:
        return  # other parts of a split order are still being made
    order = delivery_confirm(order=offer.order, actor=seller)
    order_rate(
        order=order,
        actor=seller,
        quality=rng.choices([5, 4, 3, 2], weights=[5, 4, 2, 1])[0],
        comment=rng.choice(["", "Good stitching.", "Colours as agreed.", "Some loose threads."]),
        part=offer,
    )


def _tracking(rng: random.Random) -> str:
    return "SF" + "".join(rng.choice("0123456789") for _ in range(12))
