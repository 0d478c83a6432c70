"""/api/capacity-windows/: the idle capacity a factory posts, per category and date range."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import CapacityWindow, Factory
from marketplace.models import User
from tests.builders import (
    category,
    days,
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
)

pytestmark = pytest.mark.django_db

URL = "/api/capacity-windows/"


def detail(window: CapacityWindow) -> str:
    return f"{URL}{window.pk}/"


@pytest.fixture
def factory(owner: User) -> Factory:
    """One of the owner's factories that makes t-shirts (up to 1,000 a day)."""
    factory = make_factory(owner)
    make_capability(factory, category("t-shirts"), daily_output=1000)
    return factory


def payload(factory: Factory, **overrides: Any) -> dict[str, Any]:
    return {
        "factory": factory.pk,
        "category": category("t-shirts").pk,
        "start_date": days(2).isoformat(),
        "end_date": days(11).isoformat(),
        "units_per_day": 300,
    } | overrides


def book(window: CapacityWindow, units: int) -> None:
    CapacityWindow.objects.filter(pk=window.pk).update(booked_units=units)


def test_it_needs_authentication(api: APIClient) -> None:
    make_window(make_factory())

    assert api.get(URL).status_code == 401


def test_an_owner_posts_a_window_and_the_totals_are_computed(
    owner_api: APIClient, factory: Factory
) -> None:
    response = owner_api.post(URL, payload(factory), format="json")

    assert response.status_code == 201, response.content
    window = CapacityWindow.objects.get()
    assert window.factory == factory
    assert (window.start_date, window.end_date) == (days(2), days(11))
    assert window.total_units == 300 * 10
    assert window.booked_units == 0
    body = response.json()
    assert body["total_units"] == 3000
    assert body["booked_units"] == 0
    assert body["remaining_units"] == 3000


def test_a_one_day_window_counts_one_day(owner_api: APIClient, factory: Factory) -> None:
    response = owner_api.post(
        URL,
        payload(factory, start_date=days(1).isoformat(), end_date=days(1).isoformat()),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["total_units"] == 300


def test_a_window_may_start_today(owner_api: APIClient, factory: Factory) -> None:
    response = owner_api.post(URL, payload(factory, start_date=days(0).isoformat()), format="json")

    assert response.status_code == 201
    assert response.json()["total_units"] == 300 * 12


def test_it_ignores_system_owned_totals_on_create(owner_api: APIClient, factory: Factory) -> None:
    response = owner_api.post(
        URL, payload(factory, total_units=999_999, booked_units=50), format="json"
    )

    assert response.status_code == 201
    window = CapacityWindow.objects.get()
    assert window.total_units == 3000
    assert window.booked_units == 0


def test_a_seller_cannot_post_a_window(seller_api: APIClient, factory: Factory) -> None:
    response = seller_api.post(URL, payload(factory), format="json")

    assert response.status_code == 403
    assert not CapacityWindow.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": 5, "end_date": 4}, "end_date"),
        ({"start_date": -1}, "start_date"),
        ({"start_date": -9, "end_date": -2}, "end_date"),
        ({"units_per_day": 1001}, "units_per_day"),
        ({"units_per_day": 0}, "units_per_day"),
        ({"category": "jeans"}, "category"),
        ({"category": "apparel"}, "category"),
    ],
    ids=[
        "end-before-start",
        "starts-in-the-past",
        "wholly-in-the-past",
        "above-daily-output",
        "zero-units",
        "not-a-capability",
        "category-group",
    ],
)
def test_it_refuses_a_bad_window(
    owner_api: APIClient, factory: Factory, overrides: dict[str, Any], field: str
) -> None:
    """Dates are given as days from today, categories by slug."""
    data = payload(factory)
    for key, value in overrides.items():
        if key.endswith("_date"):
            data[key] = days(value).isoformat()
        elif key == "category":
            data[key] = category(value).pk
        else:
            data[key] = value

    response = owner_api.post(URL, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not CapacityWindow.objects.exists()


def test_it_refuses_a_foreign_factory(owner_api: APIClient) -> None:
    theirs = make_factory()
    make_capability(theirs, category("t-shirts"))

    response = owner_api.post(URL, payload(theirs), format="json")

    assert response.status_code == 400
    assert "factory" in response.json()
    assert not CapacityWindow.objects.exists()


def test_it_refuses_an_overlap_in_the_same_category(owner_api: APIClient, factory: Factory) -> None:
    make_window(factory, category("t-shirts"), start=5, end=15)

    response = owner_api.post(
        URL,
        payload(factory, start_date=days(15).isoformat(), end_date=days(20).isoformat()),
        format="json",
    )

    assert response.status_code == 400
    assert "start_date" in response.json()
    assert CapacityWindow.objects.count() == 1


def test_adjacent_windows_do_not_overlap(owner_api: APIClient, factory: Factory) -> None:
    make_window(factory, category("t-shirts"), start=5, end=15)

    response = owner_api.post(
        URL,
        payload(factory, start_date=days(16).isoformat(), end_date=days(20).isoformat()),
        format="json",
    )

    assert response.status_code == 201
    assert CapacityWindow.objects.count() == 2


def test_an_overlap_in_another_category_is_fine(owner_api: APIClient, factory: Factory) -> None:
    make_window(factory, category("t-shirts"), start=2, end=11)
    make_capability(factory, category("hoodies"), daily_output=500)

    response = owner_api.post(URL, payload(factory, category=category("hoodies").pk), format="json")

    assert response.status_code == 201
    assert CapacityWindow.objects.count() == 2


def test_an_overlap_in_another_factory_is_fine(
    owner_api: APIClient, owner: User, factory: Factory
) -> None:
    make_window(factory, category("t-shirts"), start=2, end=11)
    other = make_factory(owner)
    make_capability(other, category("t-shirts"))

    response = owner_api.post(URL, payload(other), format="json")

    assert response.status_code == 201


def test_the_list_shows_only_my_windows(owner_api: APIClient, factory: Factory) -> None:
    mine = make_window(factory)
    make_window(make_factory())

    response = owner_api.get(URL)

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_the_list_filters_by_factory_category_and_dates(
    owner_api: APIClient, owner: User, factory: Factory
) -> None:
    early = make_window(factory, category("t-shirts"), start=1, end=5)
    late = make_window(factory, category("t-shirts"), start=20, end=30)
    hoodies = make_window(factory, category("hoodies"), start=1, end=30)
    elsewhere = make_window(make_factory(owner), category("t-shirts"), start=1, end=5)

    def ids(**params: Any) -> set[int]:
        response = owner_api.get(URL, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(factory=factory.pk) == {early.pk, late.pk, hoodies.pk}
    assert ids(category=category("hoodies").pk) == {hoodies.pk}
    assert ids(factory=factory.pk, category=category("t-shirts").pk) == {early.pk, late.pk}
    # windows that reach into [day 10, day 25]
    assert ids(available_from=days(10), available_until=days(25)) == {late.pk, hoodies.pk}
    assert ids(available_until=days(5)) == {early.pk, hoodies.pk, elsewhere.pk}


def test_an_owner_grows_a_window_and_totals_follow(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    book(window, 400)

    response = owner_api.patch(
        detail(window), {"units_per_day": 200, "end_date": days(20).isoformat()}, format="json"
    )

    assert response.status_code == 200, response.content
    window.refresh_from_db()
    assert window.units_per_day == 200
    assert window.total_units == 200 * 20
    assert window.booked_units == 400
    assert response.json()["remaining_units"] == 200 * 20 - 400


def test_it_ignores_system_owned_totals_on_edit(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    book(window, 300)

    response = owner_api.patch(
        detail(window), {"total_units": 5, "booked_units": 0, "units_per_day": 150}, format="json"
    )

    assert response.status_code == 200
    window.refresh_from_db()
    assert window.total_units == 1500
    assert window.booked_units == 300


def test_units_per_day_cannot_shrink_below_the_booked_units(
    owner_api: APIClient, factory: Factory
) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    book(window, 800)

    response = owner_api.patch(detail(window), {"units_per_day": 50}, format="json")

    assert response.status_code == 400
    assert "units_per_day" in response.json()
    window.refresh_from_db()
    assert (window.units_per_day, window.total_units, window.booked_units) == (100, 1000, 800)


def test_units_per_day_may_shrink_down_to_the_booked_units(
    owner_api: APIClient, factory: Factory
) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    book(window, 800)

    response = owner_api.patch(detail(window), {"units_per_day": 80}, format="json")

    assert response.status_code == 200
    window.refresh_from_db()
    assert window.total_units == 800
    assert response.json()["remaining_units"] == 0


def test_a_booked_window_cannot_get_shorter(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    book(window, 100)

    response = owner_api.patch(detail(window), {"end_date": days(9).isoformat()}, format="json")

    assert response.status_code == 400
    assert "start_date" in response.json()
    window.refresh_from_db()
    assert window.end_date == days(10)
    assert window.total_units == 1000


def test_an_unbooked_window_may_get_shorter(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)

    response = owner_api.patch(detail(window), {"start_date": days(6).isoformat()}, format="json")

    assert response.status_code == 200
    window.refresh_from_db()
    assert window.total_units == 500


def test_an_edit_cannot_exceed_the_daily_output(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, units_per_day=100)

    response = owner_api.patch(detail(window), {"units_per_day": 1001}, format="json")

    assert response.status_code == 400
    assert "units_per_day" in response.json()
    window.refresh_from_db()
    assert window.units_per_day == 100


def test_an_edit_cannot_overlap_another_window(owner_api: APIClient, factory: Factory) -> None:
    first = make_window(factory, start=1, end=5)
    make_window(factory, start=10, end=15)

    response = owner_api.patch(detail(first), {"end_date": days(10).isoformat()}, format="json")

    assert response.status_code == 400
    assert "start_date" in response.json()
    first.refresh_from_db()
    assert first.end_date == days(5)


def test_the_category_cannot_be_changed(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, category("t-shirts"))
    make_capability(factory, category("hoodies"))

    response = owner_api.patch(detail(window), {"category": category("hoodies").pk}, format="json")

    assert response.status_code == 400
    assert "category" in response.json()
    window.refresh_from_db()
    assert window.category.slug == "t-shirts"


def test_the_factory_cannot_be_changed(owner_api: APIClient, owner: User, factory: Factory) -> None:
    window = make_window(factory)
    other = make_factory(owner)
    make_capability(other, category("t-shirts"))

    response = owner_api.patch(detail(window), {"factory": other.pk}, format="json")

    assert response.status_code == 400
    assert "factory" in response.json()
    window.refresh_from_db()
    assert window.factory == factory


def test_another_owners_window_gets_404(owner_api: APIClient) -> None:
    theirs = make_window(make_factory(), units_per_day=100)

    assert owner_api.get(detail(theirs)).status_code == 404
    assert owner_api.patch(detail(theirs), {"units_per_day": 5}, format="json").status_code == 404
    assert owner_api.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.units_per_day == 100


def test_an_owner_deletes_a_free_window(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory)

    response = owner_api.delete(detail(window))

    assert response.status_code == 204
    assert not CapacityWindow.objects.exists()


def test_a_booked_window_cannot_be_deleted(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory)
    book(window, 1)

    response = owner_api.delete(detail(window))

    assert response.status_code == 400
    assert "window" in response.json()
    assert CapacityWindow.objects.filter(pk=window.pk).exists()


def test_a_window_with_past_offers_cannot_be_deleted(
    owner_api: APIClient, factory: Factory
) -> None:
    window = make_window(factory)
    make_assignment(make_order(), window, status="declined")

    response = owner_api.delete(detail(window))

    assert response.status_code == 400
    assert CapacityWindow.objects.filter(pk=window.pk).exists()


def test_a_window_that_already_started_can_still_be_edited(
    owner_api: APIClient, factory: Factory
) -> None:
    window = make_window(factory, start=1, end=10, units_per_day=100)
    CapacityWindow.objects.filter(pk=window.pk).update(start_date=days(-4), total_units=1500)

    response = owner_api.patch(detail(window), {"units_per_day": 200}, format="json")

    assert response.status_code == 200, response.content
    window.refresh_from_db()
    assert window.start_date == days(-4)
    assert window.total_units == 200 * 15


def test_a_window_cannot_be_moved_to_start_in_the_past(
    owner_api: APIClient, factory: Factory
) -> None:
    window = make_window(factory, start=1, end=10)

    response = owner_api.patch(detail(window), {"start_date": days(-1).isoformat()}, format="json")

    assert response.status_code == 400
    assert "start_date" in response.json()
    window.refresh_from_db()
    assert window.start_date == days(1)


def test_an_edit_to_zero_units_per_day_is_refused(owner_api: APIClient, factory: Factory) -> None:
    window = make_window(factory, units_per_day=100)

    response = owner_api.patch(detail(window), {"units_per_day": 0}, format="json")

    assert response.status_code == 400
    assert "units_per_day" in response.json()
    window.refresh_from_db()
    assert window.units_per_day == 100


def test_it_refuses_a_window_beyond_the_planning_horizon(
    owner_api: APIClient, factory: Factory
) -> None:
    response = owner_api.post(URL, payload(factory, end_date=days(800).isoformat()), format="json")

    assert response.status_code == 400
    assert "end_date" in response.json()
    assert not CapacityWindow.objects.exists()


def test_a_foreign_factory_filters_to_nothing_like_a_missing_one(
    owner_api: APIClient, factory: Factory
) -> None:
    make_window(factory)
    foreign = make_window(make_factory())

    assert owner_api.get(URL, {"factory": foreign.factory_id}).json()["count"] == 0
    assert owner_api.get(URL, {"factory": 999_999}).json()["count"] == 0
    assert owner_api.get(URL, {"factory": factory.pk}).json()["count"] == 1
