"""Detail cards (an order's category, kind, split rule...) wrap their values between words,
never inside one: "T-shirts · T恤" may wrap at a space, never as "T / 恤"; checked at the
widths of a phone, a tablet and desktops, in Chinese and English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from tests.browser.conftest import Screens, click_to, new_page
from tests.browser.navigation import click_in_header, log_in_from_home
from tests.builders import category, days, make_order, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]

WIDTHS = [360, 375, 768, 1024, 1180, 1280, 1440]

# The places inside each card value where a line ends in the middle of a word: two letters
# (Latin or Chinese) with no space between them on different lines. A line may end after
# a space, a hyphen or a punctuation mark.
BREAKS_INSIDE_WORDS = """() => [...document.querySelectorAll('.cards dd')].flatMap(dd => {
  const found = [];
  const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
  let previous = null;  // {char, top}
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const char = node.data[i];
      if (/\\s/.test(char)) { previous = null; continue; }
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      if (!box) continue;
      if (previous && box.top > previous.top + 2 && /[\\p{L}\\p{N}]/u.test(previous.char)
          && /[\\p{L}\\p{N}]/u.test(char)) {
        found.push(`${dd.textContent.trim()}: ${previous.char} / ${char}`);
      }
      previous = {char, top: box.top};
    }
  }
  return found;
})"""


def a_long_date() -> dt.date:
    """The first day after today whose date is written at its longest ("2026年12月28日")."""
    day = days(1)
    while day.month < 10 or day.day < 10:
        day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_detail_cards_wrap_between_words_not_inside_them(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    seller = make_user(Role.SELLER, username="seller")
    for slug in ("t-shirts", "hoodies", "tote-bags"):
        make_order(seller, title=f"Logo {slug}", category=category(slug), allow_split=True,
                   min_lot_quantity=100, due_date=a_long_date())  # fmt: skip
    page = new_page(browser, live_server.url, language, screens)
    log_in_from_home(page, screens, language, seller.username)
    for slug in ("t-shirts", "hoodies", "tote-bags"):
        page.set_viewport_size({"width": 1280, "height": 900})
        click_in_header(page, screens, language, "Orders")
        click_to(page, screens, page.get_by_role("link", name=f"Logo {slug}"))
        page.wait_for_url(re.compile(r"/seller/orders/\d+/$"))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            broken = page.evaluate(BREAKS_INSIDE_WORDS)
            if broken or width in (375, 1180):
                screens.take(page, f"{slug} at {width}px")
            assert broken == [], f"{slug} at {width}px: {broken}"
