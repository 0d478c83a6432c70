"""Staff resume paused factories and recompute scores from the factory admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import timezone

from factories.models import Factory
from matching.models import Assignment, AssignmentStatus
from tests.admin_pages import messages_of
from tests.builders import make_assignment, make_factory, make_order, make_window

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

FACTORIES = "/admin/factories/factory/"


def act(client: Client, action: str, *factories: Factory) -> TestResponse:
    return client.post(FACTORIES, {"action": action, "_selected_action": [f.pk for f in factories]})


def test_staff_resume_a_paused_factory(staff_client: Client) -> None:
    paused, running = make_factory(), make_factory()
    Factory.objects.filter(pk=paused.pk).update(
        paused_at=timezone.now(), pause_reason="3 offers expired", expired_offers_in_a_row=3
    )

    response = act(staff_client, "resume_offers", paused, running)

    assert messages_of(response)[0] == "1 factory resumed."
    assert "is not paused" in messages_of(response)[1]
    paused.refresh_from_db()
    assert not paused.is_paused and paused.expired_offers_in_a_row == 0


def test_the_factory_page_shows_why_it_is_paused(staff_client: Client) -> None:
    factory = make_factory()
    Factory.objects.filter(pk=factory.pk).update(
        paused_at=timezone.now(), pause_reason="3 offers in a row expired"
    )

    response = staff_client.get(f"{FACTORIES}{factory.pk}/change/")

    assert b"3 offers in a row expired" in response.content


def test_staff_recompute_scores_from_delivered_ratings(staff_client: Client) -> None:
    factory = make_factory()
    part = make_assignment(make_order(), make_window(factory), status=AssignmentStatus.ACCEPTED)
    Assignment.objects.filter(pk=part.pk).update(
        delivered_on=timezone.localdate(), on_time=True, quality_rating=5
    )

    response = act(staff_client, "recompute_scores", factory)

    assert messages_of(response) == ["Scores of 1 factories recomputed."]
    factory.refresh_from_db()
    # (4.0 * 5 + 5) / 6 and (0.9 * 5 + 1) / 6
    assert (str(factory.quality_score), str(factory.on_time_rate)) == ("4.17", "0.917")
    assert factory.scored_orders == 1
