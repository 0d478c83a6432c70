"""At phone width (375 px) the capacity calendar, the run report and the header are usable:
each page is reached by clicking from the home page, measured, and photographed, in
Chinese and in English.

What "usable" means here, measured in the browser:
- nothing but the calendar, the charts and tables scrolls sideways: the page itself is no
  wider than the screen;
- the header is one line (the site's name and a menu button) until the menu is opened;
- the calendar's bars get most of the width (the factory and category label sits above
  its bars, not beside them), and the timeline scrolls sideways;
- chart text is drawn at 10 px or more (a chart is never shrunk to fit);
- the run report of a run with many shards stays a few screens tall (a shard is one table
  row, not a stacked card).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from factories.models import CapacityWindow
from marketplace.models import Role, User
from matching.models import MatchRun, MatchRunPhase, MatchRunStatus
from orders.models import Order, UnmatchedReason
from tests.browser.conftest import Screens, click_to, new_page
from tests.browser.navigation import click_in_header, log_in_from_home
from tests.builders import (
    category,
    make_assignment,
    make_factory,
    make_order,
    make_run,
    make_user,
    make_window,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]

PHONE = 375
LANGUAGES = ["zh-hans", "en"]
SHARDS = 40
# where the owner's factories are, and the other regions of the utilisation heatmap
REGIONS = [
    ("Guangdong", "Dongguan", (23.02, 113.75)),
    ("Zhejiang", "Yiwu", (29.31, 120.07)),
    ("Jiangsu", "Suzhou", (31.30, 120.58)),
    ("Fujian", "Jinjiang", (24.78, 118.55)),
    ("Shandong", "Qingdao", (36.07, 120.38)),
]
CATEGORIES = ["t-shirts", "hoodies", "dresses", "sneakers", "phone-cases", "ceramic-mugs"]


@dataclass(frozen=True)
class Market:
    owner: User
    staff: User
    run: MatchRun


def a_market() -> Market:
    """A factory owner with three factories (long names, two categories each), factories
    in five provinces, and a finished run with many shards that made the owner offers."""
    owner = make_user(Role.FACTORY_OWNER, username="owner")
    staff = make_user(Role.STAFF, username="staff")
    seller = make_user(Role.SELLER, username="seller")
    names = [
        "Dongguan Bright Garments Manufacturing Co.",
        "东莞市明亮服装制造有限公司第二工厂",
        "Yiwu Small Commodities Light Industry Works",
    ]
    windows: list[CapacityWindow] = []
    for n, name in enumerate(names):
        province, city, (lat, lng) = REGIONS[n]
        factory = make_factory(
            owner, name=name, province=province, city=city, latitude=lat, longitude=lng
        )
        for k, slug in enumerate(CATEGORIES[2 * n : 2 * n + 2]):
            windows.append(make_window(factory, category(slug), start=2 + 3 * k, end=30 + 5 * n))
    for province, city, (lat, lng) in REGIONS[3:]:
        factory = make_factory(province=province, city=city, latitude=lat, longitude=lng)
        make_window(factory, category("jeans"), start=1, end=40)
    run = make_run(
        finished_at=timezone.now(),
        phase=MatchRunPhase.DONE,
        status=MatchRunStatus.SUCCEEDED,
        solver_status="OPTIMAL",
        objective=1_234_500.0,
        best_bound=1_234_500.0,
        gap=0.0,
        production_cost=Decimal("9450.00"),
        transport_cost=Decimal("1200.00"),
        shards_total=SHARDS,
        shards_done=SHARDS,
        shard_stats=[
            {
                "shard": n,
                "orders": 12 + n,
                "windows": 3,
                "pairs": 30 + 2 * n,
                "matched_orders": 10,
                "status": "OPTIMAL",
                "objective": 1000.0,
                "bound": 1000.0,
                "gap": 0.0,
                "seconds": 0.25,
                "worker": f"celery@worker-{n % 3}.example.internal",
            }
            for n in range(SHARDS)
        ],
    )
    for n, window in enumerate(windows):
        order = make_order(
            seller, title=f"Logo tees batch {n}", category=window.category, quantity=300
        )
        make_assignment(order, window, run=run, quantity=100 + 40 * n)  # some only in part
    for n, reason in enumerate([UnmatchedReason.PRICE_BELOW_MARKET, UnmatchedReason.CAPACITY_FULL]):
        order = make_order(seller, title=f"Too cheap {n}", category=category("towels"))
        Order.objects.filter(pk=order.pk).update(unmatched_reason=reason)
    # the run loaded every order above
    MatchRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now(), matched_orders=len(windows)
    )
    return Market(owner=owner, staff=staff, run=run)


def page_overflow(page: Page) -> int:
    """How far the page itself scrolls sideways (px)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def assert_fits_the_phone(page: Page, what: str) -> None:
    assert page_overflow(page) <= 0, f"{what} scrolls sideways at {PHONE}px"


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def market() -> Market:
    return a_market()


@pytest.fixture
def phone(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> Callable[[User], Page]:
    """Opens a 375 px wide browser tab, logged in as the given user from the home page."""

    def open_as(user: User) -> Page:
        page = new_page(browser, live_server.url, language, screens, width=PHONE)
        log_in_from_home(page, screens, language, user.username)
        return page

    return open_as


def header_height(page: Page) -> float:
    return page.evaluate(
        "() => document.querySelector('header.top').getBoundingClientRect().height"
    )


def test_the_header_is_one_line_with_a_menu_at_phone_width(
    market: Market, phone: Callable[[User], Page], screens: Screens, language: str
) -> None:
    page = phone(market.owner)
    screens.take(page, f"header closed {language}")

    # the site's name and the menu button: one line (a 44 px touch target and padding)
    assert header_height(page) <= 64, f"header is {header_height(page)}px tall"
    links = page.locator("header.top nav ul a")
    expect(links.first).to_be_hidden()
    assert_fits_the_phone(page, "the header")

    page.locator("header.top details.menu > summary").click()
    expect(links.first).to_be_visible()
    expect(page.locator("#language-switcher")).to_be_visible()
    screens.take(page, f"header open {language}")
    # the open menu lists one link a line, each a comfortable touch target
    heights = page.evaluate(
        "() => [...document.querySelectorAll('header.top nav ul a, header.top nav ul button')]"
        ".map(el => el.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 24, heights
    assert_fits_the_phone(page, "the open menu")

    # at desktop width the links are in the bar, with no menu button
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("header.top details.menu > summary")).to_be_hidden()
    expect(links.first).to_be_visible()
    assert header_height(page) <= 64
    screens.take(page, f"header on a desktop {language}")


def test_the_calendar_gives_its_bars_the_width_of_a_phone(
    market: Market, phone: Callable[[User], Page], screens: Screens, language: str
) -> None:
    page = phone(market.owner)
    click_in_header(page, screens, language, "Capacity calendar")
    expect(page.locator(".gantt .bar").first).to_be_visible()
    screens.take(page, f"calendar {language}")

    assert_fits_the_phone(page, "the calendar page")
    geometry = page.evaluate(
        """() => {
          const gantt = document.querySelector('.gantt');
          const track = document.querySelector('.gantt-track:not(.gantt-head)');
          const label = document.querySelector('.gantt-label:not(.gantt-head)');
          const visible = (el) => {
            const box = el.getBoundingClientRect(), frame = gantt.getBoundingClientRect();
            return Math.max(0, Math.min(box.right, frame.right) - Math.max(box.left, frame.left));
          };
          return {
            scrolls: gantt.scrollWidth > gantt.clientWidth,
            trackVisible: visible(track),
            labelWidth: label.getBoundingClientRect().width,
            labelFont: parseFloat(getComputedStyle(label).fontSize),
          };
        }"""
    )
    # the bars' area takes most of the screen, and the rest of the timeline is a swipe away
    assert geometry["trackVisible"] >= 0.55 * PHONE, geometry
    assert geometry["scrolls"], geometry
    assert geometry["labelFont"] >= 12, geometry

    # swiping the timeline keeps the row's label on screen
    page.locator(".gantt").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    label_left = page.evaluate(
        "() => document.querySelector('.gantt-label:not(.gantt-head)').getBoundingClientRect().left"
    )
    assert 0 <= label_left < PHONE / 2
    screens.take(page, f"calendar scrolled {language}")

    # the offers under it can be answered at this width
    offer = page.locator("article.offer").first
    expect(offer.locator("form[action$='/accept/'] button")).to_be_visible()
    assert (offer.bounding_box() or {"width": 1e9})["width"] <= PHONE


def chart_font_sizes(page: Page) -> list[float]:
    """The drawn size (px) of every text of the charts on screen: its font size times the
    SVG's scale (drawn width / viewBox width)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('figure.chart svg')]
          .filter(svg => svg.getBoundingClientRect().width > 0)
          .flatMap(svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')]
              .map(t => scale * parseFloat(getComputedStyle(t).fontSize));
          })"""
    )


def test_the_run_report_reflows_at_phone_width(
    market: Market, phone: Callable[[User], Page], screens: Screens, language: str
) -> None:
    run = market.run
    page = phone(market.staff)
    click_to(page, screens, page.get_by_role("link", name=f"#{run.pk}", exact=True))
    page.wait_for_url(f"**/staff/runs/{run.pk}/")
    expect(page.locator("figure.chart svg:visible")).to_have_count(2)
    screens.take(page, f"run report {language}")

    assert_fits_the_phone(page, "the run report")
    sizes = chart_font_sizes(page)
    assert sizes and min(sizes) >= 10, f"chart text drawn at {min(sizes):.1f}px"
    # each chart fits the screen or scrolls inside its own frame, never the page
    for box in page.locator("figure.chart").all():
        assert (box.bounding_box() or {"width": 1e9})["width"] <= PHONE
    # a shard is one table row
    rows = page.evaluate(
        "() => [...document.querySelectorAll('#shards ~ .table-wrap tbody tr')]"
        ".map(tr => tr.getBoundingClientRect().height)"
    )
    assert len(rows) == SHARDS and max(rows) <= 48, rows
    # The fixed part (cards, reasons, what to relax, two charts) fits in about four screens
    # of 900 px; each shard adds one row.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 4 * 900 + SHARDS * 48, f"the report is {height}px tall"

    # on a desktop the same charts are drawn at the same size
    page.set_viewport_size({"width": 1280, "height": 900})
    screens.take(page, f"run report on a desktop {language}")
    assert set(chart_font_sizes(page)) <= {12.0, 15.0}  # labels and titles, not scaled
