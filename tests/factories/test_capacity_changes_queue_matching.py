"""With MATCHING_AUTO_RUN_ON_CHANGE on, capacity changes queue one event-triggered match run."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings
from rest_framework.test import APIClient

from factories.models import Factory
from marketplace.models import User
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from tests.builders import category, days, make_capability, make_factory, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def factory(owner: User, settings: Settings) -> Factory:
    """A t-shirt factory, built first; then matching on change is turned on."""
    factory = make_factory(owner)
    make_capability(factory, category("t-shirts"), daily_output=1000)
    assert not MatchRun.objects.exists()
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    return factory


def test_posting_a_window_queues_a_run(
    owner_api: APIClient,
    factory: Factory,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_api.post(
            "/api/capacity-windows/",
            {
                "factory": factory.pk,
                "category": category("t-shirts").pk,
                "start_date": days(1).isoformat(),
                "end_date": days(10).isoformat(),
                "units_per_day": 100,
            },
            format="json",
        )

    assert response.status_code == 201
    run = MatchRun.objects.get()
    assert (run.status, run.trigger) == (MatchRunStatus.QUEUED, MatchRunTrigger.EVENT)
    assert len(callbacks) == 1


def test_several_capacity_changes_share_one_queued_run(
    owner_api: APIClient,
    factory: Factory,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    window = make_window(factory, units_per_day=100)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        responses = [
            owner_api.patch(
                f"/api/capacity-windows/{window.pk}/", {"units_per_day": 200}, format="json"
            ),
            owner_api.patch(f"/api/factories/{factory.pk}/", {"name": "Renamed"}, format="json"),
            owner_api.post(
                "/api/capabilities/",
                {
                    "factory": factory.pk,
                    "category": category("hoodies").pk,
                    "unit_price": "20.00",
                    "daily_output": 100,
                },
                format="json",
            ),
        ]

    assert [r.status_code for r in responses] == [200, 200, 201]
    assert MatchRun.objects.count() == 1
    assert MatchRun.objects.get().status == MatchRunStatus.QUEUED
    assert len(callbacks) == 1


def test_a_refused_window_queues_nothing(
    owner_api: APIClient,
    factory: Factory,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_api.post(
            "/api/capacity-windows/",
            {
                "factory": factory.pk,
                "category": category("t-shirts").pk,
                "start_date": days(1).isoformat(),
                "end_date": days(10).isoformat(),
                "units_per_day": 5000,
            },
            format="json",
        )

    assert response.status_code == 400
    assert not MatchRun.objects.exists()
    assert callbacks == []
