"""Every link leads somewhere: for each role (anonymous, factory owner, seller, staff) a
crawler starts at the home page and follows every internal link on every page it reaches
(up to PAGES_PER_ROLE pages, new kinds of page first), over a marketplace with every kind
of page filled (tests/builders.py make_marketplace: orders at every stage, offers,
milestones, a delay, a run's report, notifications). It fails on any answer of 400 or
more, and on any link from a page into /api/ other than the documented ones. Forms are
not submitted (log-out and the language switch are POST forms); static and media files
and the admin's delete links are not followed."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from marketplace.models import User
from tests.builders import make_marketplace

pytestmark = pytest.mark.django_db

PAGES_PER_ROLE = 200


def documented_api_links() -> frozenset[str]:
    """The API pages the site links to on purpose, and only these: the API documentation
    (footer and home page) and the OpenAPI schema (home page). README lists the same."""
    return frozenset({reverse("api:swagger-ui"), reverse("api:schema")})


def not_followed(path: str) -> bool:
    """Files rather than pages, and links whose GET would end the walk or start deleting."""
    return (
        path.startswith((settings.STATIC_URL, settings.MEDIA_URL, "/i18n/"))
        or path.endswith("/logout/")
        or (path.startswith("/admin/") and path.endswith("/delete/"))
    )


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_on(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def kind_of_page(url: str) -> str:
    """Pages that differ only in ids or in their query (filters, sorting, paging) are the
    same kind of page."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?…" if parts.query else "")


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # url -> final status
    wrong: dict[str, str] = field(default_factory=dict)  # link -> where and what, first seen

    @property
    def problems(self) -> list[str]:
        return list(self.wrong.values())

    @property
    def kinds(self) -> set[str]:
        return {kind_of_page(url) for url in self.visited}


def crawl(client: Client, *, limit: int = PAGES_PER_ROLE) -> Crawl:
    """Breadth first from the home page; a link to a kind of page not seen yet goes before
    more pages of kinds already seen, so that the bound cuts repetition, not coverage."""
    found = Crawl()
    api_links = documented_api_links()
    new_kinds: deque[tuple[str, str]] = deque([("/", "(start)")])
    more: deque[tuple[str, str]] = deque()
    queued = {"/"}
    kinds_queued = {kind_of_page("/")}
    while (new_kinds or more) and len(found.visited) < limit:
        url, linked_from = (new_kinds or more).popleft()
        response = client.get(url, follow=True)
        found.visited[url] = response.status_code
        if response.status_code >= 400:
            found.wrong.setdefault(url, f"{linked_from} links to {url}: {response.status_code}")
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if url in api_links or "text/html" not in response.get("Content-Type", ""):
            continue  # a file or the API's own documentation: reached, not walked
        for href in links_on(response.content.decode()):
            target = urljoin(final, href).split("#")[0]
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue  # mailto:, other sites
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.path.startswith("/api/") and target not in api_links:
                found.wrong.setdefault(target, f"{final} links into the API: {target}")
                continue
            if not target or target in queued or not_followed(parts.path):
                continue
            queued.add(target)
            kind = kind_of_page(target)
            (more if kind in kinds_queued else new_kinds).append((target, final))
            kinds_queued.add(kind)
    return found


def client_as(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user:
        client.force_login(user)
    return client


# The kinds of page each role's walk must reach: the walk went where the data is.
MUST_REACH = {
    "anonymous": {"/", "/register/", "/login/", "/admin/"},
    "factory owner": {
        "/factory/",
        "/factory/calendar/",
        "/factory/offers/N/",
        "/factory/factories/N/",
        "/factory/windows/N/",
        "/notifications/",
    },
    "seller": {
        "/seller/",
        "/seller/orders/N/",
        "/seller/orders/?…",
        "/seller/upload/",
        "/seller/upload/template.csv",
    },
    "staff": {
        "/staff/runs/",
        "/staff/runs/N/",
        "/admin/",
        "/admin/orders/order/",
        "/admin/orders/order/N/change/",
        "/admin/matching/matchrun/N/change/",
    },
}


@pytest.mark.parametrize("role", list(MUST_REACH))
def test_every_link_a_role_can_reach_answers_and_stays_out_of_the_api(role: str) -> None:
    market = make_marketplace()
    user = {"factory owner": market.owner, "seller": market.seller, "staff": market.staff}

    walked = crawl(client_as(user.get(role)))

    assert walked.problems == []
    assert MUST_REACH[role] <= walked.kinds, sorted(walked.kinds)


def test_the_crawler_reports_a_broken_link_and_a_link_into_the_api(client: Client) -> None:
    """The crawler itself: it finds a 404 behind a link and an undocumented API link."""
    pages = {
        "/": '<a href="/nowhere/">x</a> <a href="/api/orders/">y</a> <a href="/fine/">z</a>',
        "/fine/": '<a href="/api/orders/">the same API link again</a>',
    }

    class FakePages(Client):
        def get(self, path: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if path in pages:
                response = super().get("/login/", follow=True)
                response.content = pages[path].encode()
                return response
            return super().get(path, *args, **kwargs)

    walked = crawl(FakePages())

    assert walked.problems == [
        "/ links into the API: /api/orders/",
        "/ links to /nowhere/: 404",
    ]
    assert set(walked.visited) == {"/", "/nowhere/", "/fine/"}
