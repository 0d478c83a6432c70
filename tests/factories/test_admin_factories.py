"""The admin for factories, capabilities and capacity windows: lists, the verify action, and
add and change forms that write through the services and show their errors on the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import Role, User
from matching.models import AssignmentStatus, MatchRun, MatchRunTrigger
from tests.admin_pages import (
    add_inline_rows,
    assert_error_shown,
    form_data,
    listed,
    messages_of,
    page_errors,
    pks,
)
from tests.builders import (
    category,
    days,
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_user,
    make_window,
    today,
)

pytestmark = pytest.mark.django_db

FACTORIES = "/admin/factories/factory/"
CAPABILITIES = "/admin/factories/factorycapability/"
WINDOWS = "/admin/factories/capacitywindow/"


# --- Factory list, change page and the verify action ----------------------------


def test_the_factory_list_shows_factories_with_their_counts(staff_client: Client) -> None:
    factory = make_factory(name="Xinhui Garments")
    make_window(factory)
    other = make_factory(name="Ningbo Bags", verified=False)

    response = staff_client.get(FACTORIES)

    assert listed(response) == pks(factory, other)
    row = next(f for f in response.context["cl"].result_list if f.pk == factory.pk)
    assert (row.capability_count, row.window_count) == (1, 1)
    assert b"Xinhui Garments" in response.content


def test_the_factory_list_searches_cities_and_owners(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER, company_name="Yiwu Holdings")
    yiwu = make_factory(owner, city="Yiwu", province="Zhejiang")
    dongguan = make_factory(city="Dongguan")

    assert listed(staff_client.get(FACTORIES, {"q": "yiwu"})) == pks(yiwu)
    assert listed(staff_client.get(FACTORIES, {"q": "holdings"})) == pks(yiwu)
    assert listed(staff_client.get(FACTORIES, {"q": "dongguan"})) == pks(dongguan)


def test_the_factory_list_filters_by_verified_and_province(staff_client: Client) -> None:
    verified = make_factory(verified=True)
    unverified = make_factory(verified=False, province="Zhejiang", city="Yiwu")

    assert listed(staff_client.get(FACTORIES, {"verified__exact": "1"})) == pks(verified)
    assert listed(staff_client.get(FACTORIES, {"verified__exact": "0"})) == pks(unverified)
    assert listed(staff_client.get(FACTORIES, {"province": "Zhejiang"})) == pks(unverified)


def test_the_factory_change_page_shows_its_capabilities_and_windows(staff_client: Client) -> None:
    factory = make_factory(name="Xinhui Garments")
    window = make_window(factory, units_per_day=50)

    response = staff_client.get(f"{FACTORIES}{factory.pk}/change/")

    assert response.status_code == 200
    assert response.context["adminform"].form["name"].value() == "Xinhui Garments"
    inlines = {i.formset.prefix: i.formset for i in response.context["inline_admin_formsets"]}
    assert [f.instance.pk for f in inlines["capabilities"].forms] == list(
        factory.capabilities.values_list("pk", flat=True)
    )
    assert [f.instance.pk for f in inlines["windows"].forms] == [window.pk]


def test_it_marks_selected_factories_verified(staff_client: Client) -> None:
    first = make_factory(verified=False)
    second = make_factory(verified=False)
    untouched = make_factory(verified=False)

    response = staff_client.post(
        FACTORIES, {"action": "mark_verified", "_selected_action": [first.pk, second.pk]}
    )

    assert response.status_code == 302
    assert set(Factory.objects.filter(verified=True).values_list("pk", flat=True)) == pks(
        first, second
    )
    untouched.refresh_from_db()
    assert untouched.verified is False
    assert messages_of(response) == ["2 factories marked verified."]


def test_it_says_which_selected_factories_were_verified_already(staff_client: Client) -> None:
    new = make_factory(verified=False)
    old = make_factory(verified=True)

    response = staff_client.post(
        FACTORIES, {"action": "mark_verified", "_selected_action": [new.pk, old.pk]}
    )

    new.refresh_from_db()
    assert new.verified is True
    assert messages_of(response) == ["1 factory marked verified. 1 was verified already."]


def test_the_factory_list_offers_no_bulk_delete(staff_client: Client) -> None:
    make_factory()

    response = staff_client.get(FACTORIES)

    choices = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "mark_verified" in choices
    assert "delete_selected" not in choices


# --- Adding a factory ------------------------------------------------------------------


def _factory_add_data(owner: User, **overrides: Any) -> dict[str, Any]:
    return {
        "owner": owner.pk,
        "name": "Qingdao Knitwear",
        "description": "Knitting and dyeing",
        "certifications": '["ISO 9001"]',
        "active": "on",
        "city": "Qingdao",
        "province": "Shandong",
        "latitude": "36.0671",
        "longitude": "120.3826",
        "min_order_quantity": "200",
        "max_order_quantity": "20000",
        "_save": "Save",
    } | overrides


def test_adding_a_factory_through_the_admin_saves_it_unverified(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER)

    response = staff_client.post(f"{FACTORIES}add/", _factory_add_data(owner))

    assert response.status_code == 302
    factory = Factory.objects.get()
    assert (factory.owner, factory.name, factory.city) == (owner, "Qingdao Knitwear", "Qingdao")
    assert factory.certifications == ["ISO 9001"]
    assert (factory.min_order_quantity, factory.max_order_quantity) == (200, 20000)
    assert factory.verified is False


def test_adding_a_factory_for_a_seller_shows_the_services_error(staff_client: Client) -> None:
    seller = make_user(Role.SELLER)

    response = staff_client.post(f"{FACTORIES}add/", _factory_add_data(seller))

    assert_error_shown(response, "Only factory owners can register factories.")
    assert not Factory.objects.exists()


def test_a_factory_with_its_maximum_below_its_minimum_is_refused(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER)

    response = staff_client.post(
        f"{FACTORIES}add/", _factory_add_data(owner, max_order_quantity="100")
    )

    assert_error_shown(response, "The maximum order quantity cannot be below the minimum.")
    assert not Factory.objects.exists()


def test_the_factory_change_page_cannot_verify_a_factory(staff_client: Client) -> None:
    factory = make_factory(verified=False, name="Old name")
    data = form_data(staff_client.get(f"{FACTORIES}{factory.pk}/change/"))

    response = staff_client.post(
        f"{FACTORIES}{factory.pk}/change/", data | {"name": "New name", "verified": "on"}
    )

    assert response.status_code == 302
    factory.refresh_from_db()
    assert factory.name == "New name"
    assert factory.verified is False


# --- Capabilities ---------------------------------------------------------------


def test_the_capability_list_searches_and_filters_by_category(staff_client: Client) -> None:
    tees = make_capability(make_factory(name="Xinhui Garments"), category("t-shirts"))
    bags = make_capability(make_factory(name="Ningbo Bags"), category("backpacks"))

    assert listed(staff_client.get(CAPABILITIES)) == pks(tees, bags)
    assert listed(staff_client.get(CAPABILITIES, {"q": "ningbo"})) == pks(bags)
    by_category = staff_client.get(CAPABILITIES, {"category__id__exact": category("t-shirts").pk})
    assert listed(by_category) == pks(tees)


def test_the_capability_change_page_shows_the_capability(staff_client: Client) -> None:
    capability = make_capability(make_factory(name="Xinhui Garments"), unit_price="9.50")

    response = staff_client.get(f"{CAPABILITIES}{capability.pk}/change/")

    assert response.status_code == 200
    assert response.context["adminform"].form["unit_price"].value() == Decimal("9.50")
    assert b"Xinhui Garments" in response.content


@override_settings(MATCHING_AUTO_RUN_ON_CHANGE=True)
def test_adding_a_capability_through_the_admin_goes_through_the_service(
    staff_client: Client,
) -> None:
    factory = make_factory()

    response = staff_client.post(
        f"{CAPABILITIES}add/",
        {
            "factory": factory.pk,
            "category": category("hoodies").pk,
            "unit_price": "18.00",
            "daily_output": "400",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    capability = FactoryCapability.objects.get()
    assert (capability.factory, capability.category) == (factory, category("hoodies"))
    assert (capability.unit_price, capability.daily_output) == (Decimal("18.00"), 400)
    # the service asks for a match run; the dry run in the form's clean() left no trace
    assert list(MatchRun.objects.values_list("trigger", flat=True)) == [MatchRunTrigger.EVENT]


def test_a_capability_for_a_category_group_shows_the_services_error(staff_client: Client) -> None:
    factory = make_factory()

    response = staff_client.post(
        f"{CAPABILITIES}add/",
        {
            "factory": factory.pk,
            "category": category("apparel").pk,
            "unit_price": "18.00",
            "daily_output": "400",
            "_save": "Save",
        },
    )

    assert_error_shown(response, "“Apparel” is a group; choose one of its leaf categories.")
    assert not FactoryCapability.objects.exists()


# --- Capacity windows: list and change page ------------------------------------------


def test_the_window_list_searches_factories(staff_client: Client) -> None:
    xinhui = make_window(make_factory(name="Xinhui Garments"))
    ningbo = make_window(make_factory(name="Ningbo Bags"))

    assert listed(staff_client.get(WINDOWS)) == pks(xinhui, ningbo)
    assert listed(staff_client.get(WINDOWS, {"q": "xinhui"})) == pks(xinhui)


def test_the_window_list_filters_by_period(staff_client: Client) -> None:
    soon = make_window(make_factory(), start=2, end=10)
    later = make_window(make_factory(), start=20, end=30)
    ended = make_window(make_factory(), start=1, end=5)
    CapacityWindow.objects.filter(pk=ended.pk).update(
        start_date=today() - dt.timedelta(days=10), end_date=today() - dt.timedelta(days=3)
    )

    assert listed(staff_client.get(WINDOWS, {"period": "next7"})) == pks(soon)
    assert listed(staff_client.get(WINDOWS, {"period": "upcoming"})) == pks(later)
    assert listed(staff_client.get(WINDOWS, {"period": "ended"})) == pks(ended)


def test_the_window_list_filters_by_free_capacity(staff_client: Client) -> None:
    full = make_window(make_factory(), start=1, end=5, units_per_day=100)
    CapacityWindow.objects.filter(pk=full.pk).update(booked_units=500)
    free = make_window(make_factory())

    assert listed(staff_client.get(WINDOWS, {"room": "full"})) == pks(full)
    assert listed(staff_client.get(WINDOWS, {"room": "free"})) == pks(free)


def test_the_window_change_page_shows_the_booking(staff_client: Client) -> None:
    window = make_window(make_factory(), start=1, end=10, units_per_day=100)
    make_assignment(make_order(quantity=300), window, status=AssignmentStatus.ACCEPTED)

    response = staff_client.get(f"{WINDOWS}{window.pk}/change/")

    assert response.status_code == 200
    readonly = {
        field.field["name"]: str(field.contents())
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }
    assert (readonly["total_units"], readonly["booked_units"], readonly["remaining"]) == (
        "1000",
        "300",
        "700",
    )


# --- Capacity windows: adding through the admin ------------------------------------


def _window_add_data(factory: Factory, start: dt.date, end: dt.date, units: int = 100) -> dict:
    return {
        "factory": factory.pk,
        "category": category().pk,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "units_per_day": str(units),
        "_save": "Save",
    }


def test_adding_a_window_through_the_admin_computes_its_total_units(staff_client: Client) -> None:
    factory = make_factory()
    make_capability(factory, daily_output=500)

    response = staff_client.post(f"{WINDOWS}add/", _window_add_data(factory, days(3), days(12)))

    assert response.status_code == 302
    window = CapacityWindow.objects.get()
    assert (window.start_date, window.end_date, window.units_per_day) == (days(3), days(12), 100)
    assert (window.total_units, window.booked_units) == (1000, 0)


def test_an_overlapping_window_shows_the_services_error_and_is_not_saved(
    staff_client: Client,
) -> None:
    existing = make_window(make_factory(), start=5, end=15)

    response = staff_client.post(
        f"{WINDOWS}add/", _window_add_data(existing.factory, days(10), days(20))
    )

    assert_error_shown(response, f"Overlaps the window {days(5)} to {days(15)} for this category.")
    assert list(CapacityWindow.objects.all()) == [existing]


def test_a_window_in_the_past_shows_the_services_error_and_is_not_saved(
    staff_client: Client,
) -> None:
    factory = make_factory()
    make_capability(factory)
    yesterday = today() - dt.timedelta(days=1)

    response = staff_client.post(f"{WINDOWS}add/", _window_add_data(factory, yesterday, days(5)))

    assert_error_shown(response, "A window cannot start in the past.")
    assert not CapacityWindow.objects.exists()


def test_a_window_beyond_the_daily_output_shows_the_services_error(staff_client: Client) -> None:
    factory = make_factory()
    make_capability(factory, daily_output=80)

    response = staff_client.post(f"{WINDOWS}add/", _window_add_data(factory, days(1), days(5)))

    assert_error_shown(response, "daily output for this category (80)")
    assert not CapacityWindow.objects.exists()


# --- Capacity windows: system fields ---------------------------------------------------


def test_posting_total_and_booked_units_to_a_window_changes_nothing(staff_client: Client) -> None:
    window = make_window(make_factory(), start=1, end=10, units_per_day=100)
    make_assignment(make_order(quantity=300), window, status=AssignmentStatus.ACCEPTED)
    url = f"{WINDOWS}{window.pk}/change/"
    data = form_data(staff_client.get(url))

    response = staff_client.post(url, data | {"total_units": "99999", "booked_units": "0"})

    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.total_units, window.booked_units) == (1000, 300)


def test_a_window_change_recomputes_total_units_whatever_is_posted(staff_client: Client) -> None:
    window = make_window(make_factory(), start=1, end=10, units_per_day=100)
    url = f"{WINDOWS}{window.pk}/change/"
    data = form_data(staff_client.get(url))

    response = staff_client.post(
        url, data | {"units_per_day": "50", "total_units": "7", "booked_units": "7"}
    )

    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.units_per_day, window.total_units, window.booked_units) == (50, 500, 0)


# --- Capabilities and windows as inlines of the factory -----------------------------


def test_a_window_added_on_the_factory_page_goes_through_the_service(staff_client: Client) -> None:
    factory = make_factory()
    make_capability(factory)
    url = f"{FACTORIES}{factory.pk}/change/"
    data = form_data(staff_client.get(url))
    add_inline_rows(
        data,
        "windows",
        [
            {
                "category": category().pk,
                "start_date": days(2).isoformat(),
                "end_date": days(5).isoformat(),
                "units_per_day": "100",
                "total_units": "1",
                "booked_units": "1",
            }
        ],
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, page_errors(response)
    window = factory.windows.get()
    assert (window.total_units, window.booked_units) == (400, 0)


def test_two_new_windows_that_overlap_each_other_are_refused_together(
    staff_client: Client,
) -> None:
    factory = make_factory()
    make_capability(factory)
    url = f"{FACTORIES}{factory.pk}/change/"
    data = form_data(staff_client.get(url))
    row = {"category": category().pk, "units_per_day": "100"}
    add_inline_rows(
        data,
        "windows",
        [
            row | {"start_date": days(2).isoformat(), "end_date": days(8).isoformat()},
            row | {"start_date": days(6).isoformat(), "end_date": days(10).isoformat()},
        ],
    )

    response = staff_client.post(url, data)

    assert_error_shown(
        response, f"New row 2: Overlaps the window {days(2)} to {days(8)} for this category."
    )
    assert not CapacityWindow.objects.exists()


@override_settings(MATCHING_AUTO_RUN_ON_CHANGE=True)
def test_a_capability_added_on_the_factory_page_goes_through_the_service(
    staff_client: Client,
) -> None:
    factory = make_factory()
    url = f"{FACTORIES}{factory.pk}/change/"
    data = form_data(staff_client.get(url))
    add_inline_rows(
        data,
        "capabilities",
        [{"category": category("jeans").pk, "unit_price": "25.00", "daily_output": "300"}],
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, page_errors(response)
    capability = factory.capabilities.get()
    assert (capability.category, capability.daily_output) == (category("jeans"), 300)
    assert list(MatchRun.objects.values_list("trigger", flat=True)) == [MatchRunTrigger.EVENT]


def test_a_capability_row_for_a_category_group_shows_the_services_error(
    staff_client: Client,
) -> None:
    factory = make_factory()
    url = f"{FACTORIES}{factory.pk}/change/"
    data = form_data(staff_client.get(url))
    add_inline_rows(
        data,
        "capabilities",
        [{"category": category("apparel").pk, "unit_price": "25.00", "daily_output": "300"}],
    )

    response = staff_client.post(url, data)

    assert_error_shown(response, "“Apparel” is a group; choose one of its leaf categories.")
    assert not factory.capabilities.exists()


def test_posting_total_and_booked_units_in_the_window_inline_changes_nothing(
    staff_client: Client,
) -> None:
    factory = make_factory()
    window = make_window(factory, start=1, end=10, units_per_day=100)
    make_assignment(make_order(quantity=300), window, status=AssignmentStatus.ACCEPTED)
    url = f"{FACTORIES}{factory.pk}/change/"
    data = form_data(staff_client.get(url))

    response = staff_client.post(
        url, data | {"windows-0-total_units": "5", "windows-0-booked_units": "0"}
    )

    assert response.status_code == 302, page_errors(response)
    window.refresh_from_db()
    assert (window.total_units, window.booked_units) == (1000, 300)
