"""A factory's track record per category (production/track_record.py): lead times and delays
as shrunk quantiles, the demonstrated daily output, learned as parts ship."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.utils import timezone

from factories.models import FactoryCapability
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from matching.offers import offer_accept
from production.track_record import (
    Measured,
    Shipped,
    busy_days,
    demonstrated_output,
    learn,
    shrunk_quantile,
    track_records_learn,
)
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SEQUENCE = ("materials_ready", "production_started", "quality_passed", "shipped")
SHIPMENT = {"carrier": "SF Express", "tracking_number": "SF1234567890"}


def test_a_quantile_with_no_history_of_its_own_is_the_marketplace_s() -> None:
    prior = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert shrunk_quantile([], prior, 0.5, 5.0) == 5.0
    assert shrunk_quantile([], prior, 0.9, 5.0) == 9.0


def test_a_long_history_outweighs_the_prior() -> None:
    own = [20.0] * 200
    assert shrunk_quantile(own, [1.0] * 1000, 0.5, 5.0) == 20.0
    # two parts of its own do not: the prior still weighs five
    assert shrunk_quantile([20.0, 20.0], [1.0] * 1000, 0.5, 5.0) == 1.0


def test_it_refuses_to_take_a_quantile_of_nothing() -> None:
    with pytest.raises(ValueError):
        shrunk_quantile([], [], 0.5, 5.0)


def test_a_line_slower_than_planned_demonstrates_less_than_declared() -> None:
    d = dt.date(2026, 12, 1)
    slow = Measured(d, d + dt.timedelta(days=3), d, d + dt.timedelta(days=1), 200)
    assert demonstrated_output([slow], 1000) == 500
    # faster than planned never counts above the declared output
    fast = Measured(d, d, d, d + dt.timedelta(days=3), 200)
    assert demonstrated_output([fast], 1000) == 1000
    assert demonstrated_output([], 1000) is None


def test_parts_made_side_by_side_share_their_days() -> None:
    d = dt.date(2026, 12, 1)
    spans = [(d, d + dt.timedelta(days=4)), (d + dt.timedelta(days=2), d + dt.timedelta(days=6))]
    assert busy_days(spans) == 7
    assert busy_days([(d, d), (d + dt.timedelta(days=10), d + dt.timedelta(days=11))]) == 3
    assert busy_days([]) == 0


def draw_shipped(rng: random.Random, median: float, late_share: float) -> Shipped:
    """A factory's job: log-normal lead days around ``median``; late by 1-10 days (geometric)
    with probability ``late_share``."""
    lead = max(1, round(rng.lognormvariate(0.0, 0.35) * median))
    late = 0
    if rng.random() < late_share:
        late = 1
        while late < 10 and rng.random() < 0.6:
            late += 1
    return Shipped(lead_days=lead, delay_days=late)


def test_the_learned_p90_covers_about_nine_in_ten_held_out_jobs() -> None:
    rng = random.Random(20261206)
    # the marketplace: factories of every kind
    prior = [draw_shipped(rng, rng.uniform(8, 30), rng.uniform(0.05, 0.5)) for _ in range(1000)]
    covered_lead = covered_delay = held_out = 0
    for _factory in range(30):
        median, late_share = rng.uniform(8, 30), rng.uniform(0.05, 0.5)
        history = [draw_shipped(rng, median, late_share) for _ in range(rng.randint(20, 60))]
        record = learn(history, prior, [], 1000, weight=5.0)
        assert record.lead_p90_days is not None and record.delay_p90_days is not None
        for _job in range(500):
            job = draw_shipped(rng, median, late_share)
            covered_lead += job.lead_days <= record.lead_p90_days
            covered_delay += job.delay_days <= record.delay_p90_days
            held_out += 1
    assert 0.85 <= covered_lead / held_out <= 0.95
    # delays are whole days, mostly 0: the P90 covers at least nine in ten, often more
    assert 0.88 <= covered_delay / held_out <= 0.99


def test_a_new_factory_starts_at_the_marketplace_s_figures() -> None:
    rng = random.Random(1)
    prior = [draw_shipped(rng, 12, 0.2) for _ in range(500)]
    alone = learn([], prior, [], 1000, weight=5.0)
    assert alone.shipped_parts == 0
    assert alone.lead_p50_days == pytest.approx(12, abs=1)
    assert alone.delay_p50_days == 0


def test_it_knows_nothing_without_any_shipped_part() -> None:
    record = learn([], [], [], 1000, weight=5.0)
    assert (record.lead_p50_days, record.lead_p90_days, record.demonstrated_daily_output) == (
        None,
        None,
        None,
    )


@pytest.mark.django_db
def test_shipping_a_part_teaches_its_capability_the_lead_time_and_the_output(
    owner: User,
) -> None:
    """Accepted on day 0; planned on 2 days of a 300-a-day window, made from day 2 to day 4
    (3 days, 600 units), shipped on day 6: a lead time of 6 days, and two thirds of the
    planned speed, so 666 of the 1,000 units a day declared."""
    factory = make_factory(owner)
    window = make_window(factory, start=1, end=20, units_per_day=300)
    with time_machine.travel(START, tick=False):
        part = make_assignment(make_order(quantity=600), window)
        offer_accept(offer=part, actor=owner)
    part.refresh_from_db()
    owner_api = client_for(owner)
    for day, kind in zip((1, 2, 4, 6), SEQUENCE, strict=True):
        with time_machine.travel(START + dt.timedelta(days=day), tick=False):
            extra = SHIPMENT if kind == "shipped" else {}
            response = owner_api.post(
                f"/api/offers/{part.pk}/milestones/", {"kind": kind, **extra}, format="multipart"
            )
            assert response.status_code == 201, response.content
    capability = FactoryCapability.objects.get(factory=factory)
    assert capability.shipped_parts == 1
    assert (capability.lead_p50_days, capability.lead_p90_days) == (6, 6)
    assert part.promised_finish is not None
    late = max((START.date() + dt.timedelta(days=6) - part.promised_finish).days, 0)
    assert (capability.delay_p50_days, capability.delay_p90_days) == (late, late)
    assert (capability.demonstrated_daily_output, capability.measured_parts) == (666, 1)
    assert capability.daily_output == 1000
    # one part is not enough to plan by (DEMONSTRATED_MIN_PARTS = 3)
    assert capability.planning_daily_output(3) is None
    assert capability.planning_daily_output(1) == 666


@pytest.mark.django_db
def test_the_hourly_learning_gives_a_factory_without_history_the_marketplace_s_figures(
    owner: User,
) -> None:
    veteran = make_factory()
    newcomer = make_factory(owner)
    make_window(newcomer)
    window = make_window(veteran)
    for lead in (5, 7, 9):
        part = make_assignment(make_order(quantity=100), window, status=AssignmentStatus.ACCEPTED)
        assert part.promised_finish is not None
        Assignment.objects.filter(pk=part.pk).update(
            responded_at=START,
            shipped_on=START.date() + dt.timedelta(days=lead),
            promised_finish=START.date() + dt.timedelta(days=lead),
        )
    assert track_records_learn() == 2
    learned = FactoryCapability.objects.get(factory=newcomer)
    assert (learned.lead_p50_days, learned.lead_p90_days, learned.shipped_parts) == (7, 9, 0)
    assert (learned.delay_p50_days, learned.delay_p90_days) == (0, 0)
    assert learned.track_record_updated_at is not None
    assert learned.track_record_updated_at <= timezone.now()
