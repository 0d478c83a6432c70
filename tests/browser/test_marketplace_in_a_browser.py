"""The whole path in a real browser (headless Debian chromium, Playwright), once in English
and once in Chinese, walked like users walk it: each user opens the home page and from there
only clicks visible links and buttons. A factory owner registers (the home page's sign-up
link) and posts capacity; a seller registers (the header's sign-up link, then the login
page's) and uploads a CSV of orders; staff log in and start a match run whose progress bar
reaches done (a real Celery worker solves it); the factory accepts an offer on the calendar
page; the seller finds the order accepted. Pages are also walked at phone width (375 px).
axe-core checks every page reached (tests/browser/conftest.py)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import translation
from playwright.sync_api import Browser, FilePayload, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from factories.models import Factory
from factories.services import factory_verify
from marketplace.models import ProductCategory, Role, User
from orders.models import Order, OrderStatus
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page, open_home
from tests.browser.navigation import reads_in
from tests.builders import DONGGUAN, PASSWORD, SHANGHAI, days, make_marketplace, make_user
from tests.worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


def label(language: str, text: str) -> str:
    """``text`` as the pages show it in ``language`` (the catalogue's translation)."""
    with translation.override(language):
        return str(translation.gettext(text))


def menu(page: Page, language: str, text: str) -> Locator:
    """The header's link that reads ``text``; on a narrow screen the menu may be folded
    behind a toggle, which is opened first, as a user would."""
    name = re.compile(rf"^{re.escape(label(language, text))}(\s|$)")  # "Notifications 9 unread"
    link = page.locator("header").get_by_role("link", name=name)
    if not link.is_visible():
        toggle = page.locator(
            "header button[aria-expanded='false'], header details:not([open]) > summary"
        )
        if toggle.count():
            toggle.first.click()
    return link


def in_main(page: Page, language: str, role: str, text: str) -> Locator:
    return page.locator("main").get_by_role(role, name=label(language, text), exact=True)  # type: ignore[arg-type]


def submit(page: Page) -> Locator:
    return page.locator("main form.stacked button[type=submit]").first


def register(page: Page, screens: Screens, language: str, *, role: str, username: str) -> None:
    """On the sign-up page: fill it in and create the account."""
    expect(page).to_have_url(re.compile(r"/register/$"))
    page.check(f"input[name=role][value={role}]")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password]", "Loom-and-Thread-2026")
    click_to(page, screens, submit(page), name=f"registered {username}")
    expect(page).to_have_url(re.compile(r"/(factory|seller)/$"))


def log_in(page: Page, screens: Screens, language: str, username: str) -> None:
    """From any page: the header's log-in link, then the form."""
    reads_in(username, language)
    click_to(page, screens, menu(page, language, "Log in"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    click_to(page, screens, submit(page), name=f"logged in {username}")
    expect(page).to_have_url(re.compile(r"/(factory|seller|staff/runs)/$"))


def choose_category(page: Page, slug: str) -> None:
    category = ProductCategory.objects.get(slug=slug)
    page.select_option("select[name=category]", str(category.pk))


def post_factory_and_capacity(page: Page, screens: Screens, language: str) -> Factory:
    click_to(page, screens, menu(page, language, "My factories"))
    expect(page).to_have_url(re.compile(r"/factory/factories/$"))
    click_to(page, screens, in_main(page, language, "link", "Register a factory"))
    page.fill("input[name=name]", "Dongguan Bright Garments")
    # the city typed in pinyin, as the list of cities offers it: no coordinates typed
    page.fill("input[name=place]", "Dongguan")
    page.fill("input[name=min_order_quantity]", "100")
    page.fill("input[name=max_order_quantity]", "50000")
    click_to(page, screens, submit(page), name="factory saved")
    expect(page).to_have_url(re.compile(r"/factory/factories/\d+/$"))
    factory = Factory.objects.get(name="Dongguan Bright Garments")
    assert factory.city in ("Dongguan", "东莞市")
    assert abs(factory.latitude - DONGGUAN[0]) < 0.1 and abs(factory.longitude - DONGGUAN[1]) < 0.1
    factory_verify(factories=Factory.objects.filter(pk=factory.pk))  # staff's admin action
    # what it makes
    choose_category(page, "t-shirts")
    page.fill("input[name=unit_price]", "8.50")
    page.fill("input[name=daily_output]", "600")
    capability_form = page.locator(f"form[action='/factory/factories/{factory.pk}/capabilities/']")
    click_to(page, screens, capability_form.locator("button"), name="capabilities")
    expect(page.locator("#capabilities + .table-wrap")).to_contain_text("8.50")
    # when it is idle: from the dashboard
    click_to(page, screens, menu(page, language, "Dashboard"))
    click_to(page, screens, in_main(page, language, "link", "Post idle capacity"))
    page.select_option("select[name=factory]", str(factory.pk))
    choose_category(page, "t-shirts")
    page.fill("input[name=start_date]", days(2).isoformat())
    page.fill("input[name=end_date]", days(21).isoformat())
    page.fill("input[name=units_per_day]", "400")
    click_to(page, screens, submit(page), name="windows")
    expect(page.locator("table")).to_contain_text(re.compile(r"8,?000"))  # 20 days x 400
    return factory


def orders_csv() -> bytes:
    rows: list[list[object]] = [
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


def upload_orders(page: Page, screens: Screens, language: str) -> None:
    click_to(page, screens, menu(page, language, "Upload orders"))
    page.set_input_files(
        "input[type=file]",
        files=[FilePayload(name="orders.csv", mimeType="text/csv", buffer=orders_csv())],
    )
    click_to(page, screens, submit(page), name="orders after upload")
    expect(page).to_have_url(re.compile(r"/seller/orders/$"))
    expect(page.locator(".messages")).to_contain_text("2")


def run_matching_as_staff(page: Page, screens: Screens, language: str) -> None:
    start = in_main(page, language, "button", "Start a match run")
    click_to(page, screens, start, name="run started")
    expect(page).to_have_url(re.compile(r"/staff/runs/\d+/$"))
    # the bar follows the worker until the run is done, then the page reloads with the report
    expect(page.locator("#run-progress")).to_have_attribute("value", "100", timeout=60_000)
    expect(page.locator("figure.chart svg")).to_have_count(2, timeout=30_000)
    check_accessibility(page, screens)
    screens.take(page, "run report")


def accept_on_the_calendar(page: Page, screens: Screens, language: str) -> Order:
    click_to(page, screens, menu(page, language, "Capacity calendar"))
    offer = page.locator("article.offer").first
    expect(offer).to_be_visible()
    offer_id = int(offer.get_attribute("data-offer") or 0)
    accept = offer.locator("form[action$='/accept/'] button")
    expect(accept).to_contain_text(label(language, "Accept"))
    accept.click()  # htmx swaps the calendar in place
    expect(page.locator("#calendar .messages")).to_be_visible()
    expect(page.locator(f"article.offer[data-offer='{offer_id}']")).to_have_count(0)
    expect(page.locator(".bar .booked").first).to_be_attached()
    check_accessibility(page, screens)
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

    # the owner signs up from the home page's "Register as a factory or a seller"
    open_home(owner, screens)
    expect(owner.locator("html")).to_have_attribute("lang", language)
    sign_up = in_main(owner, language, "link", "Register as a factory or a seller")
    click_to(owner, screens, sign_up)
    register(owner, screens, language, role=Role.FACTORY_OWNER, username=f"owner-{language}")
    post_factory_and_capacity(owner, screens, language)

    # the seller tries the header's "Register", then the login page's "No account yet?"
    open_home(seller, screens)
    click_to(seller, screens, menu(seller, language, "Register"))
    expect(seller).to_have_url(re.compile(r"/register/$"))
    click_to(seller, screens, in_main(seller, language, "link", "Already registered? Log in"))
    click_to(seller, screens, in_main(seller, language, "link", "No account yet? Register"))
    register(seller, screens, language, role=Role.SELLER, username=f"seller-{language}")
    upload_orders(seller, screens, language)
    assert Order.objects.filter(status=OrderStatus.OPEN).count() == 2

    with celery_worker():
        open_home(staff_page, screens)
        log_in(staff_page, screens, language, staff.username)
        run_matching_as_staff(staff_page, screens, language)

    order = accept_on_the_calendar(owner, screens, language)
    click_to(seller, screens, menu(seller, language, "Orders"))
    click_to(seller, screens, seller.locator("main").get_by_role("link", name=order.title))
    expect(seller).to_have_url(re.compile(rf"/seller/orders/{order.pk}/$"))
    expect(seller.locator("span.status").first).to_have_text(label(language, "Accepted"))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED


# Per role, the clicks from the dashboard a user lands on after logging in: ("menu", text)
# is a header link, ("main", text) a link in the page, ("css", selector) the first link in the
# page that matches (an order, an offer, a run).
PHONE_WALKS: dict[str, list[tuple[str, str]]] = {
    Role.FACTORY_OWNER: [
        ("menu", "Offers"),
        ("css", "main a[href^='/factory/offers/']"),
        ("menu", "Capacity calendar"),
        ("menu", "My factories"),
        ("css", "main td a"),
        ("menu", "Dashboard"),
        ("main", "Post idle capacity"),
        ("main", "Change"),
    ],
    Role.SELLER: [
        ("menu", "Orders"),
        ("css", "main td a"),
        ("menu", "New order"),
        ("menu", "Upload orders"),
        ("menu", "Notifications"),
        ("menu", "Dashboard"),
    ],
    Role.STAFF: [("menu", "Match runs"), ("css", "main td a"), ("menu", "Notifications")],
}


def step(page: Page, language: str, where: str, what: str) -> Locator:
    if where == "menu":
        return menu(page, language, what)
    if where == "main":
        return in_main(page, language, "link", what).first
    return page.locator(what).first


def fits_a_phone_and_has_labels(page: Page) -> None:
    # nothing but scrollable tables and the calendar is wider than the screen
    too_wide = page.evaluate(
        """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
    )
    assert too_wide <= 1, f"{page.url} scrolls sideways by {too_wide}px at 375px"
    # every visible form control has a label the screen reader can read
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
             .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map(el => el.name)"""
    )
    assert unlabeled == [], f"{page.url}: controls without a label: {unlabeled}"
    assert page.locator("h1").count() == 1, f"{page.url} should have exactly one h1"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", list(PHONE_WALKS))
def test_pages_fit_a_phone_screen_and_have_labels(
    browser: Browser, live_server: LiveServer, screens: Screens, role: str, language: str
) -> None:
    market = make_marketplace()  # offers, orders at every stage, a run's report
    user: dict[str, User] = {
        Role.FACTORY_OWNER: market.owner,
        Role.SELLER: market.seller,
        Role.STAFF: market.staff,
    }
    page = new_page(browser, live_server.url, language, screens, width=375)
    open_home(page, screens)
    fits_a_phone_and_has_labels(page)
    log_in(page, screens, language, user[role].username)
    fits_a_phone_and_has_labels(page)
    for where, what in PHONE_WALKS[role]:
        click_to(page, screens, step(page, language, where, what))
        fits_a_phone_and_has_labels(page)
