"""production.disputes.dispute_resolve: staff decide a dispute (upheld with a refund share,
redo, rejected); an upheld dispute counts as a 1-star rating in the factory's quality score
and the part no longer counts towards the end of its probation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pytest_django import Settings

from marketplace.errors import Conflict
from marketplace.models import Notification
from matching.models import Assignment
from orders.models import Order
from production.disputes import dispute_answer, dispute_open, dispute_resolve
from production.models import Dispute, DisputeStatus
from production.scores import factory_probation_update, factory_scores_recompute
from tests.builders import make_factory, make_user
from tests.conftest import client_for
from tests.production.test_api_delivery_and_rating import delivered_part
from tests.production.test_factory_scores import delivered, scores

pytestmark = pytest.mark.django_db


def disputed(part: Assignment) -> Dispute:
    order = Order.objects.get(pk=part.order_id)
    return dispute_open(order=order, actor=order.seller, reason="defects", text="Holes")


def test_an_upheld_dispute_counts_as_a_one_star_rating() -> None:
    factory = make_factory()
    part = delivered(factory, rating=5)
    delivered(factory, rating=5)
    factory_scores_recompute(factory_ids=[factory.pk])
    assert scores(factory)[0] == Decimal("4.29")  # (4 x 5 + 10) / 7
    Dispute.objects.create(assignment=part, reason="defects", text="Holes")
    factory_scores_recompute(factory_ids=[factory.pk])
    assert scores(factory)[0] == Decimal("4.29")  # an open dispute changes nothing yet

    Dispute.objects.filter(assignment=part).update(status=DisputeStatus.UPHELD, refund_percent=50)
    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory)[0] == Decimal("3.71")  # (4 x 5 + 5 + 1) / 7


def test_an_upheld_dispute_of_an_unrated_part_counts_too() -> None:
    factory = make_factory()
    part = delivered(factory)
    Dispute.objects.create(
        assignment=part, reason="defects", text="x", status="upheld", refund_percent=0
    )

    factory_scores_recompute(factory_ids=[factory.pk])

    assert scores(factory)[0] == Decimal("3.50")  # (4 x 5 + 1) / 6


@pytest.mark.parametrize("resolution", ["redo", "rejected"])
def test_a_dispute_not_upheld_leaves_the_score_alone(resolution: str) -> None:
    seller = make_user()
    part = delivered_part(client_for(seller), seller)
    before = scores(part.factory)

    dispute_resolve(dispute=disputed(part), actor=None, resolution=resolution)

    assert scores(part.factory) == before


def test_upholding_lowers_the_score_at_once_and_tells_both_sides() -> None:
    seller = make_user()
    part = delivered_part(client_for(seller), seller)
    dispute = disputed(part)
    dispute_answer(dispute=dispute, actor=part.factory.owner, answer="They were fine")

    dispute_resolve(dispute=dispute, actor=None, resolution="upheld", refund_percent=100)

    assert scores(part.factory)[0] == Decimal("3.50")
    kinds = Notification.objects.filter(kind="dispute_resolved")
    assert {n.recipient_id for n in kinds} == {seller.pk, part.factory.owner_id}


@pytest.mark.parametrize(
    ("resolution", "refund", "field"),
    [
        ("upheld", None, "refund_percent"),
        ("upheld", 101, "refund_percent"),
        ("upheld", -5, "refund_percent"),
        ("upheld", True, "refund_percent"),
        ("redo", 20, "refund_percent"),
        ("open", None, "resolution"),
    ],
)
def test_a_bad_decision_is_a_400_and_changes_nothing(
    resolution: str, refund: int | None, field: str
) -> None:
    seller = make_user()
    dispute = disputed(delivered_part(client_for(seller), seller))

    with pytest.raises(ValidationError) as error:
        dispute_resolve(dispute=dispute, actor=None, resolution=resolution, refund_percent=refund)

    assert field in error.value.message_dict
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_a_decided_dispute_is_a_409() -> None:
    seller = make_user()
    dispute = disputed(delivered_part(client_for(seller), seller))
    dispute_resolve(dispute=dispute, actor=None, resolution="rejected")

    with pytest.raises(Conflict):
        dispute_resolve(dispute=dispute, actor=None, resolution="upheld", refund_percent=10)
    with pytest.raises(Conflict):
        dispute_answer(dispute=dispute, actor=None, answer="Late answer")


def test_probation_counts_on_time_deliveries_without_upheld_disputes(
    settings: Settings,
) -> None:
    settings.PROBATION_ORDERS = 3
    factory = make_factory()
    first = delivered(factory)
    delivered(factory)
    delivered(factory, on_time=False)
    Dispute.objects.create(
        assignment=first, reason="defects", text="x", status="upheld", refund_percent=10
    )

    factory_probation_update(factory_ids=[factory.pk])

    factory.refresh_from_db()
    assert factory.probation_clean_deliveries == 1
    assert factory.probation_ended_at is None
    delivered(factory)
    delivered(factory)
    factory_probation_update(factory_ids=[factory.pk])
    factory.refresh_from_db()
    assert factory.probation_clean_deliveries == 3
    assert factory.probation_ended_at is not None


def test_confirming_delivery_counts_towards_the_end_of_probation(settings: Settings) -> None:
    settings.PROBATION_ORDERS = 1
    seller = make_user()

    part = delivered_part(client_for(seller), seller)

    part.factory.refresh_from_db()
    assert part.factory.probation_clean_deliveries == 1
    assert part.factory.probation_ended_at is not None
