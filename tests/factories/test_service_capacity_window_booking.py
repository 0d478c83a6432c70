"""factories.services.capacity_window_book / _release: matching takes and frees units."""

from __future__ import annotations

import pytest

from factories.models import CapacityWindow
from factories.services import capacity_window_book, capacity_window_release
from tests.builders import make_factory, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def window() -> CapacityWindow:
    """Ten days of 100 units: 1,000 in all."""
    return make_window(make_factory(), start=1, end=10, units_per_day=100)


def booked(window: CapacityWindow) -> int:
    window.refresh_from_db()
    return window.booked_units


def test_it_books_free_units(window: CapacityWindow) -> None:
    assert capacity_window_book(window_id=window.pk, units=600)
    assert booked(window) == 600
    assert window.remaining_units == 400


def test_it_books_exactly_the_remaining_units(window: CapacityWindow) -> None:
    assert capacity_window_book(window_id=window.pk, units=600)
    assert capacity_window_book(window_id=window.pk, units=400)
    assert booked(window) == 1000
    assert window.remaining_units == 0


def test_it_refuses_to_overbook(window: CapacityWindow) -> None:
    assert capacity_window_book(window_id=window.pk, units=600)

    assert not capacity_window_book(window_id=window.pk, units=401)
    assert booked(window) == 600


def test_it_releases_units(window: CapacityWindow) -> None:
    capacity_window_book(window_id=window.pk, units=600)

    capacity_window_release(window_id=window.pk, units=250)

    assert booked(window) == 350


def test_it_never_releases_below_zero(window: CapacityWindow) -> None:
    capacity_window_book(window_id=window.pk, units=100)

    capacity_window_release(window_id=window.pk, units=101)

    assert booked(window) == 100
