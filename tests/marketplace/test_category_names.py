"""A category's two names: the reader's one is shown, and migration 0004 gives every category
a Chinese name."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from marketplace.models import ProductCategory
from tests.builders import category

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("marketplace.migrations.0004_category_names_in_both_languages")


def test_the_name_and_the_path_follow_the_active_language() -> None:
    shirts = category("t-shirts")

    with translation.override("zh-hans"):
        assert (shirts.display_name, str(shirts)) == ("T恤", "服装 / T恤")
    with translation.override("en"):
        assert (shirts.display_name, str(shirts)) == ("T-shirts", "Apparel / T-shirts")


def test_a_missing_name_falls_back_to_the_other_language() -> None:
    with translation.override("zh-hans"):
        assert ProductCategory.localized_name("Socks", "") == "Socks"
    with translation.override("en"):
        assert ProductCategory.localized_name("", "袜子") == "袜子"


def test_the_migration_gives_categories_without_a_chinese_name_one() -> None:
    ProductCategory.objects.filter(slug="t-shirts").update(name_zh="")
    socks = ProductCategory.objects.create(name="Socks", slug="socks", parent=category("apparel"))

    MIGRATION.fill_chinese_names(apps, None)

    assert category("t-shirts").name_zh == "T恤"  # the seeded name
    assert ProductCategory.objects.get(pk=socks.pk).name_zh == "Socks"  # staff translate it
    assert category("hoodies").name_zh == "卫衣"
