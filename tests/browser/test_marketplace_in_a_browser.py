"""The whole path in a real browser (headless Debian chromium, Playwright), once in English
and once in Chinese: a factory owner registers and posts capacity; a seller uploads a CSV
of orders; staff start a match run and its progress bar reaches done (a real Celery worker
solves it); the factory accepts an offer on the calendar page; the seller sees the order
accepted. Pages are also checked at phone width."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from factories.models import Factory
from factories.services import factory_verify
from marketplace.models import ProductCategory, Role
from orders.models import Order, OrderStatus
from tests.browser.conftest import Screens, new_page
from tests.builders import DONGGUAN, PASSWORD, SHANGHAI, days, make_user
from tests.worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


def label(language: str, text: str) -> str:
    """``text`` as the pages show it in ``language`` (the catalogue's translation)."""
    with translation.override(language):
        return str(translation.gettext(text))


def register(page: Page, screens: Screens, *, role: str, username: str) -> None:
    page.goto("/register/")
    screens.take(page, f"register {username}")
    page.check(f"input[name=role][value={role}]")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password]", "Loom-and-Thread-2026")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"/(factory|seller)/$"))


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"/(factory|seller|staff/runs)/$"))


def choose_category(page: Page, slug: str) -> None:
    category = ProductCategory.objects.get(slug=slug)
    page.select_option("select[name=category]", str(category.pk))


def post_factory_and_capacity(page: Page, screens: Screens) -> Factory:
    page.goto("/factory/factories/new/")
    page.fill("input[name=name]", "Dongguan Bright Garments")
    page.fill("input[name=city]", "Dongguan")
    page.fill("input[name=province]", "Guangdong")
    page.fill("input[name=latitude]", str(DONGGUAN[0]))
    page.fill("input[name=longitude]", str(DONGGUAN[1]))
    page.fill("input[name=min_order_quantity]", "100")
    page.fill("input[name=max_order_quantity]", "50000")
    screens.take(page, "factory form")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"/factory/factories/\d+/$"))
    factory = Factory.objects.get(name="Dongguan Bright Garments")
    factory_verify(factories=Factory.objects.filter(pk=factory.pk))  # staff's admin action
    # what it makes
    choose_category(page, "t-shirts")
    page.fill("input[name=unit_price]", "8.50")
    page.fill("input[name=daily_output]", "600")
    page.click(f"form[action='/factory/factories/{factory.pk}/capabilities/'] button")
    expect(page.locator("#capabilities + .table-wrap")).to_contain_text("8.50")
    screens.take(page, "capabilities")
    # when it is idle
    page.goto("/factory/windows/")
    page.select_option("select[name=factory]", str(factory.pk))
    choose_category(page, "t-shirts")
    page.fill("input[name=start_date]", days(2).isoformat())
    page.fill("input[name=end_date]", days(21).isoformat())
    page.fill("input[name=units_per_day]", "400")
    page.click("form.stacked button[type=submit]")
    expect(page.locator("table")).to_contain_text(re.compile(r"8,?000"))  # 20 days x 400
    screens.take(page, "windows")
    return factory


def orders_csv() -> bytes:
    rows = [
        ["title", "category", "quantity", "max_unit_price", "due_date", "ship_to_city",
         "ship_to_latitude", "ship_to_longitude", "priority", "allow_split",
         "min_lot_quantity", "kind", "notes"],
        ["Logo tees, navy", "t-shirts", "1200", "11.00", days(25).isoformat(), "Shanghai",
         SHANGHAI[0], SHANGHAI[1], "rush", "no", "1", "bulk", ""],
        ["Logo tees, white", "t-shirts", "800", "10.50", days(28).isoformat(), "Shanghai",
         SHANGHAI[0], SHANGHAI[1], "normal", "no", "1", "bulk", "Cotton 180 g"],
    ]  # fmt: skip
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


def upload_orders(page: Page, screens: Screens) -> None:
    page.goto("/seller/upload/")
    screens.take(page, "upload form")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": orders_csv()}],
    )
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"/seller/orders/$"))
    expect(page.locator(".messages")).to_contain_text("2")
    screens.take(page, "orders after upload")


def run_matching_as_staff(page: Page, screens: Screens) -> None:
    page.goto("/staff/runs/")
    page.click("form[action='/staff/runs/start/'] button")
    page.wait_for_url(re.compile(r"/staff/runs/\d+/$"))
    screens.take(page, "run started")
    # the bar follows the worker until the run is done, then the report replaces it
    expect(page.locator("#run-progress")).to_have_attribute("value", "100", timeout=60_000)
    expect(page.locator("figure.chart svg")).to_have_count(2, timeout=30_000)
    screens.take(page, "run report")


def accept_on_the_calendar(page: Page, screens: Screens, language: str) -> Order:
    page.goto("/factory/calendar/")
    offer = page.locator("article.offer").first
    expect(offer).to_be_visible()
    screens.take(page, "calendar with offers")
    offer_id = int(offer.get_attribute("data-offer") or 0)
    offer.locator("form[action$='/accept/'] button").click()
    expect(page.locator("#calendar .messages")).to_be_visible()
    expect(page.locator(f"article.offer[data-offer='{offer_id}']")).to_have_count(0)
    expect(page.locator(".bar .booked").first).to_be_attached()
    screens.take(page, "calendar after accepting")
    return Order.objects.get(assignments__pk=offer_id)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_marketplace_path_in_a_browser(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    staff = make_user(Role.STAFF, username=f"staff-{language}")
    owner = new_page(browser, live_server.url, language, screens)
    seller = new_page(browser, live_server.url, language, screens)
    staff_page = new_page(browser, live_server.url, language, screens)

    register(owner, screens, role=Role.FACTORY_OWNER, username=f"owner-{language}")
    expect(owner.locator("html")).to_have_attribute("lang", language)
    post_factory_and_capacity(owner, screens)

    register(seller, screens, role=Role.SELLER, username=f"seller-{language}")
    upload_orders(seller, screens)
    assert Order.objects.filter(status=OrderStatus.OPEN).count() == 2

    with celery_worker():
        log_in(staff_page, staff.username)
        run_matching_as_staff(staff_page, screens)

    order = accept_on_the_calendar(owner, screens, language)
    seller.goto(f"/seller/orders/{order.pk}/")
    screens.take(seller, "seller's order page")
    expect(seller.locator("span.status").first).to_have_text(label(language, "Accepted"))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED


PHONE_PAGES = {
    Role.FACTORY_OWNER: [
        "/factory/",
        "/factory/calendar/",
        "/factory/offers/",
        "/factory/windows/",
    ],
    Role.SELLER: ["/seller/", "/seller/orders/", "/seller/orders/new/", "/seller/upload/"],
    Role.STAFF: ["/staff/runs/"],
}


@pytest.mark.parametrize("role", list(PHONE_PAGES))
def test_pages_fit_a_phone_screen_and_have_labels(
    browser: Browser, live_server: LiveServer, screens: Screens, role: str
) -> None:
    user = make_user(role, username=f"phone-{role}")
    page = new_page(browser, live_server.url, "zh-hans", screens, width=375)
    log_in(page, user.username)
    for url in PHONE_PAGES[role]:
        page.goto(url)
        screens.take(page, url)
        # nothing but scrollable tables and the calendar is wider than the screen
        too_wide = page.evaluate(
            """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
        )
        assert too_wide <= 1, f"{url} scrolls sideways by {too_wide}px at 375px"
        # every visible form control has a label the screen reader can read
        unlabeled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.name)"""
        )
        assert unlabeled == [], f"{url}: controls without a label: {unlabeled}"
        assert page.locator("h1").count() == 1, f"{url} should have exactly one h1"
