"""factories.services.factory_verify: staff mark factories verified so they receive offers."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from factories.models import Factory
from factories.services import factory_verify
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from tests.builders import make_factory

pytestmark = pytest.mark.django_db


def test_it_verifies_the_given_factories_and_counts_them() -> None:
    first = make_factory(verified=False)
    second = make_factory(verified=False)
    untouched = make_factory(verified=False)

    count = factory_verify(factories=Factory.objects.filter(pk__in=[first.pk, second.pk]))

    assert count == 2
    assert set(Factory.objects.filter(verified=True).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    untouched.refresh_from_db()
    assert untouched.verified is False


def test_it_does_not_count_factories_already_verified() -> None:
    verified = make_factory(verified=True)
    unverified = make_factory(verified=False)

    count = factory_verify(factories=Factory.objects.filter(pk__in=[verified.pk, unverified.pk]))

    assert count == 1
    assert Factory.objects.filter(verified=True).count() == 2


def test_it_queues_a_match_run_when_something_was_verified(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    factory = make_factory(verified=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        factory_verify(factories=Factory.objects.filter(pk=factory.pk))

    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.QUEUED
    assert run.trigger == MatchRunTrigger.EVENT
    assert len(callbacks) == 1


def test_it_queues_nothing_when_nothing_changed(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    factory = make_factory(verified=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = factory_verify(factories=Factory.objects.filter(pk=factory.pk))

    assert count == 0
    assert not MatchRun.objects.exists()
    assert callbacks == []
