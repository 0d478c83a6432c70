"""Translations: the Chinese catalogue is complete and current, and the site speaks Chinese.

The catalogues live in ``locale/<language>/LC_MESSAGES/django.po`` and are refreshed from
the sources with (run from the repository root)::

    python manage.py makemessages -l zh_Hans -l en --no-location --no-obsolete \\
        --ignore=.venv --ignore=staticfiles --ignore=matching/solver \\
        --ignore=matching/bench --ignore=tests --ignore=docs --ignore=media

``compilemessages`` turns them into the ``.mo`` files Django reads (``make install`` does,
and so does the test session: tests/conftest.py).
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from marketplace.models import User
from matching.tasks import failure_message
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_cancel, order_create
from tests.builders import SHANGHAI, category, days, make_order

ROOT = Path(settings.BASE_DIR)
ZH_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

# what makemessages reads: the apps' Python and templates, without the solver and the bench
SOURCE_DIRS = ("marketplace", "factories", "orders", "matching")
SKIPPED_SOURCES = ("matching/solver", "matching/bench")

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

    assert set(latin_only) <= {"API", "Worker", "%(factory)s: %(milestone)s."}


def test_the_english_catalogue_has_the_same_messages() -> None:
    """English is the source language: its catalogue exists (so compilemessages builds it)
    and lists the same messages, untranslated."""
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
def test_stored_texts_are_written_in_the_site_language(settings: Any, seller: User) -> None:
    """History notes and notifications are read later by the other party: they follow
    LANGUAGE_CODE, whatever language the request that caused them was in."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("en"):
        order = order_create(
            seller=seller,
            title="T恤",
            category=category("t-shirts"),
            quantity=100,
            max_unit_price=14,
            due_date=days(30),
            ship_to_city="上海",
            ship_to_latitude=SHANGHAI[0],
            ship_to_longitude=SHANGHAI[1],
            draft=True,
            request_match=False,
        )

    assert OrderEvent.objects.get(order=order).note == "已存为草稿。"
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
