"""Translations: the Chinese catalogue is complete and current, and the site speaks Chinese.

The catalogues live in ``locale/<language>/LC_MESSAGES/django.po`` and are refreshed from
the sources with (run from the repository root)::

    python manage.py makemessages -l zh_Hans -l en --no-location --no-obsolete \\
        --ignore=.venv --ignore=staticfiles --ignore=matching/solver \\
        --ignore=bench --ignore=tests --ignore=docs --ignore=media

``compilemessages`` turns them into the ``.mo`` files Django reads (``make install`` does,
and so does the test session: tests/conftest.py).
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import socket
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat
from types import SimpleNamespace
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from marketplace.models import Role, User
from matching.models import Assignment, MatchRun, MatchRunPhase, MatchRunStatus
from matching.offers import offer_accept
from matching.tasks import failure_message
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_cancel, order_create
from tests.builders import (
    SHANGHAI,
    category,
    days,
    make_factory,
    make_order,
    make_run,
    make_user,
    make_window,
    run_matching,
)

ROOT = Path(settings.BASE_DIR)
ZH_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
ZH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

# what makemessages reads: the apps' Python and templates, without the solver (the bench is
# ignored by makemessages and is no app directory here)
SOURCE_DIRS = (
    "web",
    "marketplace",
    "factories",
    "orders",
    "matching",
    "production",
    "shops",
    "demo",
)
SKIPPED_SOURCES = ("matching/solver",)

# %(name)s / %(name)d, a literal %% and {name} (the countdown's texts for JavaScript)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%%|\{\w+\}")


# --- A small .po reader ---------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header, msgid "", left out); obsolete ``#~`` lines
    are skipped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (".*")$')
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if line.startswith("#~"):
            continue
        entry = entry or Entry()
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], (getattr(entry, target[0]) or "") + text)
        else:
            match = keyword.match(line)
            assert match, f"{path}: cannot read {line!r}"
            name, index, text = match.group(1), int(match.group(2) or 0), match.group(3)
            value = ast.literal_eval(text)
            if name == "msgstr":
                entry.msgstr[index] = value
            else:
                setattr(entry, name, value)
            target = (name, index)
    return [e for e in entries if e.msgid]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


# --- (a) the Chinese catalogue is complete --------------------------------------------


def test_every_chinese_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = read_po(ZH_PO)

    assert len(entries) > 500
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert untranslated == []
    # Chinese has one plural form
    assert [e.msgid for e in entries if e.msgid_plural and set(e.msgstr) != {0}] == []
    header = ZH_PO.read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert '"Language: zh_Hans\\n"' in header


def test_every_translation_keeps_the_placeholders_of_its_msgid() -> None:
    wrong = [
        (e.msgid, text)
        for e in read_po(ZH_PO)
        for text in e.msgstr.values()
        if placeholders(text) != placeholders(e.msgid)
        or (e.msgid_plural and set(placeholders(text)) != set(placeholders(e.msgid_plural)))
    ]

    assert wrong == []


def test_the_translations_are_chinese() -> None:
    """A msgstr copied from its msgid would pass the checks above: nearly all must hold
    Chinese characters (the exceptions are names and texts made only of placeholders)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    latin_only = [
        e.msgid for e in read_po(ZH_PO) if not any(han.search(t) for t in e.msgstr.values())
    ]

    assert set(latin_only) <= {"API", "%(factory)s: %(milestone)s."}


def test_the_english_catalogue_has_the_same_messages() -> None:
    """English is the source language: its catalogue exists (so compilemessages builds it)
    and lists the same messages, untranslated but for the few whose msgid holds Chinese."""
    assert {e.key for e in read_po(EN_PO)} == {e.key for e in read_po(ZH_PO)}


def test_the_compiled_catalogues_are_newer_than_their_sources() -> None:
    for po in (ZH_PO, EN_PO):
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, mo


# --- (b) the catalogue is up to date --------------------------------------------------


def test_the_catalogue_lists_every_message_of_the_sources(tmp_path: Path) -> None:
    """makemessages over a copy of the sources finds exactly the committed messages: none is
    missing (an untranslated text) and none is left over (a text no longer used)."""
    assert shutil.which("xgettext"), "GNU gettext is needed (apt-get install gettext)"
    for name in SOURCE_DIRS:
        shutil.copytree(
            ROOT / name,
            tmp_path / name,
            ignore=_skip_for_makemessages,
        )
    (tmp_path / "locale").mkdir()
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]), _working_directory(tmp_path):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            no_location=True,
            no_obsolete=True,
            ignore_patterns=["locale"],
            verbosity=0,
        )
    extracted = {e.key for e in read_po(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")}
    committed = {e.key for e in read_po(ZH_PO)}

    assert sorted(extracted - committed, key=str) == [], "run makemessages and translate"
    assert sorted(committed - extracted, key=str) == [], "run makemessages --no-obsolete"


def _skip_for_makemessages(directory: str, names: list[str]) -> set[str]:
    relative = Path(directory).relative_to(ROOT).as_posix()
    skipped = {
        name for name in names if f"{relative}/{name}" in SKIPPED_SOURCES or name == "__pycache__"
    }
    keep = (".py", ".html", ".txt")
    return skipped | {
        name for name in names if (Path(directory) / name).is_file() and not name.endswith(keep)
    }


class _working_directory:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        import os

        self.previous = Path.cwd()
        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        import os

        os.chdir(self.previous)


# --- (c) the site speaks Chinese ------------------------------------------------------


@pytest.mark.django_db
def test_the_home_page_is_chinese(client: Client) -> None:
    body = client.get("/", **ZH).content.decode()

    assert '<html lang="zh-hans">' in body
    assert "空闲产能制造撮合平台" in body
    assert "注册为工厂或卖家" in body
    assert "Idle-capacity manufacturing marketplace" not in body


@pytest.mark.django_db
def test_the_register_page_and_its_errors_are_chinese(client: Client) -> None:
    body = client.get("/register/", **ZH).content.decode()

    assert "创建账号" in body
    assert "用户名" in body
    assert "工厂主" in body  # the role choices

    response = client.post("/register/", {"username": "", "password": "x"}, **ZH)
    assert "该字段是必填项。" in response.content.decode()


@pytest.mark.django_db
def test_the_english_pages_stay_english(client: Client) -> None:
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Idle-capacity manufacturing marketplace" in body
    assert "空闲产能制造撮合平台" not in body


@pytest.mark.django_db
def test_an_api_validation_error_is_chinese(seller_api: APIClient) -> None:
    response = seller_api.post("/api/orders/", {}, format="json", **ZH)

    assert response.status_code == 400
    assert response.json()["title"] == ["该字段是必填项。"]


@pytest.mark.django_db
def test_a_service_error_is_chinese(seller_api: APIClient) -> None:
    data = {
        "title": "夏季T恤",
        "category": category("t-shirts").pk,
        "quantity": 100,
        "max_unit_price": "14.50",
        "due_date": "2020-01-01",
        "ship_to_city": "上海",
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
    }

    response = seller_api.post("/api/orders/", data, format="json", **ZH)

    assert response.status_code == 400
    assert response.json()["due_date"] == [f"交期不能早于 {days(1).isoformat()}。"]
    english = seller_api.post("/api/orders/", data, format="json")
    assert english.json()["due_date"] == [f"The due date must be {days(1).isoformat()} or later."]


@pytest.mark.django_db
def test_a_conflict_names_the_status_and_the_action_in_chinese(
    seller_api: APIClient, seller: User
) -> None:
    order = make_order(seller)
    order_cancel(order=order, actor=seller)

    response = seller_api.post(f"/api/orders/{order.pk}/cancel/", {}, format="json", **ZH)

    assert response.status_code == 409
    assert response.json()["detail"] == "该订单当前为“已取消”，无法取消；当前可执行：无。"


@pytest.mark.django_db
def test_choice_labels_follow_the_language() -> None:
    with translation.override("zh-hans"):
        assert str(OrderStatus.IN_PRODUCTION.label) == "生产中"
    with translation.override("en"):
        assert str(OrderStatus.IN_PRODUCTION.label) == "In production"


@pytest.mark.django_db
def test_history_notes_are_read_in_the_readers_language(settings: Any, seller: User) -> None:
    """History notes and notifications are read later by the other party: they are stored
    as a kind and parameters and rendered in the reader's language, whatever language the
    request that caused them was in."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("en"):
        order = order_create(
            seller=seller,
            title="T恤",
            category=category("t-shirts"),
            quantity=100,
            max_unit_price=Decimal(14),
            due_date=days(30),
            ship_to_city="上海",
            ship_to_latitude=SHANGHAI[0],
            ship_to_longitude=SHANGHAI[1],
            draft=True,
            request_match=False,
        )

    event = OrderEvent.objects.get(order=order)
    assert event.params == {"draft": True}
    with translation.override("zh-hans"):
        assert event.note == "已存为草稿。"
    with translation.override("en"):
        assert event.note == "Saved as a draft."
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT


def test_the_countdown_carries_its_texts_for_javascript() -> None:
    now = timezone.now()
    offer = SimpleNamespace(expires_at=now + dt.timedelta(hours=3, minutes=5))

    with translation.override("zh-hans"):
        html = render_to_string("factories/_countdown.html", {"offer": offer, "now": now})

    assert 'data-hours-left="剩余 {hours} 小时 {minutes} 分钟"' in html
    assert 'data-minutes-left="剩余 {minutes} 分钟"' in html
    assert 'data-expired="已过期"' in html
    assert "剩余 3" in html


def test_a_failed_runs_message_is_stored_in_the_site_language(settings: object) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # type: ignore[attr-defined]

    assert "软性时限" in failure_message(SoftTimeLimitExceeded())


# --- (d) every page of every role speaks one language ---------------------------------

# words that read the same in Chinese text: file formats and units, the currency code, the
# names of the API's tools and of certifications
SHARED_WORDS = {"API", "OpenAPI", "Swagger", "UI", "CSV", "XLSX", "Excel", "CNY", "ISO"}
SHARED_WORDS |= {"JPEG", "PNG", "WebP", "MB", "BSCI", "OEKO", "TEX"}
# e-commerce words Chinese shop back ends use as they are: a shop platform, its formats
SHARED_WORDS |= {"SKU", "JSON", "Shopify", "Webhook"}
# a language is named in its own language in the language switcher
LANGUAGE_NAMES = ("简体中文", "English")
# what users typed, shown as they typed it (set by _market below)
USER_DATA = (
    "Huaxin Garments",
    "Dongguan",
    "Guangdong",
    "lin-owner",
    "wang-seller",
    "staff-zhou",
    "Lotus Trading",
    "Shanghai",
    "Summer tees",
    "Winter hoodies",
    "Cheap tees",
    "Giant tote order",
    "杭州丝绸厂",
    "杭州",
    "浙江",
)
SKIPPED_PATHS = ("/api/", "/admin/", "/static/", "/media/", "/i18n/", "/logout/")
MAX_PAGES = 80
VARIANTS_PER_PATH = 3  # the calendar's previous/next links go on for ever
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class _VisibleText(HTMLParser):
    """The text a reader sees (on a phone too: ``data-label``) and the links to follow."""

    SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "data-label")
    HIDDEN_ELEMENTS = ("script", "style")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in self.HIDDEN_ELEMENTS:
            self._hidden += 1
        self.texts += [values[name] for name in self.SHOWN_ATTRIBUTES if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.texts.append(values.get("value", ""))
        self.links += [values[name] for name in ("href", "hx-get") if name in values]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN_ELEMENTS:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.texts.append(data)


def _market(language: str) -> dict[str, User | AnonymousUser]:
    """A market seen by each role: factories with capabilities and windows in two
    categories, orders, a finished run with offers (one accepted) and a queued run."""
    owner = make_user(Role.FACTORY_OWNER, username="lin-owner")
    seller = make_user(Role.SELLER, username="wang-seller", company_name="Lotus Trading")
    staff = make_user(Role.STAFF, username="staff-zhou", is_superuser=True)
    huaxin = make_factory(owner, name="Huaxin Garments")
    silk = make_factory(owner, name="杭州丝绸厂", city="杭州", province="浙江")
    for factory in (huaxin, silk):
        make_window(factory, category("t-shirts"))
        make_window(factory, category("hoodies"), start=3, end=25)
    make_order(seller, title="Summer tees", category=category("t-shirts"), quantity=400)
    make_order(seller, title="Winter hoodies", category=category("hoodies"), quantity=300)
    make_order(seller, title="Giant tote order", category=category("tote-bags"), quantity=900)
    # just below the factories' 10.00: price guidance on the owner's dashboard and calendar
    make_order(seller, title="Cheap tees", category=category("t-shirts"), max_unit_price="9.50")
    with translation.override(language):
        run_matching()
        offer = Assignment.objects.filter(order__title="Summer tees").first()
        assert offer is not None, "the run made no offer"
        offer_accept(offer=offer, actor=owner)
    make_run(status=MatchRunStatus.QUEUED, phase=MatchRunPhase.QUEUED)
    workers = {shard["worker"] for run in MatchRun.objects.all() for shard in run.shard_stats}
    assert workers <= {""} | {socket.gethostname()}
    return {"anonymous": AnonymousUser(), "owner": owner, "seller": seller, "staff": staff}


def _crawl(client: Client, start: list[str]) -> dict[str, str]:
    """The visible text of every page reachable by links from ``start`` (bounded)."""
    texts: dict[str, str] = {}
    variants: Counter[str] = Counter()
    queue = list(start)
    while queue and len(texts) < MAX_PAGES:
        path = queue.pop(0)
        if path in texts or variants[urlsplit(path).path] >= VARIANTS_PER_PATH:
            continue
        variants[urlsplit(path).path] += 1
        response = client.get(path)
        texts[path] = ""
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = _VisibleText()
        parser.feed(response.content.decode())
        texts[path] = " ".join(" ".join(parser.texts).split())
        for link in parser.links:
            target = urljoin(path, link).split("#")[0]
            if target.startswith("/") and not target.startswith(SKIPPED_PATHS):
                queue.append(target)
    return texts


def _foreign_words(text: str, language: str) -> list[str]:
    for allowed in (*USER_DATA, *LANGUAGE_NAMES, socket.gethostname()):
        text = text.replace(allowed, " ")
    if language == "en":
        return HAN.findall(text)
    return [word for word in LATIN_WORD.findall(text) if word not in SHARED_WORDS]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_of_every_role_is_in_the_readers_language(settings: Any, language: str) -> None:
    """Pages in Chinese show no English interface words, and pages in English no Chinese:
    labels, category names, solver statuses, progress labels; only what users typed (and
    the language switcher) may be in another language. The site's language is the reader's
    one, as stored texts (notifications, history) are written in the site's language."""
    settings.LANGUAGE_CODE = language
    users = _market(language)
    found: dict[str, dict[str, list[str]]] = {}
    scanned = 0
    # the pages a header link leads to as well (until it goes to the page, not to the API)
    start = {"anonymous": ["/", "/register/"], "owner": ["/", "/factory/factories/"]}
    for role, user in users.items():
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if user.is_authenticated:
            client.force_login(user)
        pages = _crawl(client, start.get(role, ["/"]))
        scanned += len(pages)
        for path, text in pages.items():
            words = _foreign_words(text, language)
            if words:
                found.setdefault(role, {})[path] = sorted(set(words))

    assert scanned > 30
    assert not found, pformat(found)
