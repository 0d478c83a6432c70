"""GET /api/categories/: the product category tree."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import ProductCategory, User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/categories/"
GROUPS = {"apparel", "textiles", "shoes", "bags", "electronics-accessories", "home-goods"}


def test_it_lists_the_whole_tree_to_a_signed_in_user(seller: User) -> None:
    response = client_for(seller).get(URL)

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == ProductCategory.objects.count()
    top = {row["slug"] for row in rows if row["parent"] is None}
    assert top == GROUPS
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["apparel"]["is_leaf"] is False
    assert by_slug["t-shirts"]["is_leaf"] is True
    assert by_slug["t-shirts"]["parent"] == by_slug["apparel"]["id"]
    assert by_slug["t-shirts"]["name_zh"] == "T恤"


def test_it_is_public(api: APIClient) -> None:
    response = api.get(URL, {"leaf": "true"})

    assert response.status_code == 200
    assert len(response.json()) >= 15


def test_leaf_true_returns_only_leaves(seller: User) -> None:
    response = client_for(seller).get(URL, {"leaf": "true"})

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) >= 15
    assert all(row["is_leaf"] for row in rows)
    assert all(row["parent"] is not None for row in rows)
    assert not ProductCategory.objects.filter(
        pk__in=[r["id"] for r in rows], children__isnull=False
    )


def test_every_group_has_leaves(seller: User) -> None:
    rows = client_for(seller).get(URL, {"leaf": "true"}).json()

    parents = ProductCategory.objects.filter(pk__in={row["parent"] for row in rows})
    assert {parent.slug for parent in parents} == GROUPS


def test_leaf_false_returns_groups_too(seller: User) -> None:
    rows = client_for(seller).get(URL, {"leaf": "false"}).json()

    assert len(rows) == ProductCategory.objects.count()
    assert any(not row["is_leaf"] for row in rows)


def test_it_filters_by_parent(seller: User) -> None:
    shoes = ProductCategory.objects.get(slug="shoes")

    rows = client_for(seller).get(URL, {"parent": shoes.pk}).json()

    assert {row["slug"] for row in rows} == {"sneakers", "slippers", "leather-shoes"}


def test_it_shows_one_category(seller: User) -> None:
    mugs = ProductCategory.objects.get(slug="ceramic-mugs")

    response = client_for(seller).get(f"{URL}{mugs.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "Ceramic mugs"
    assert response.json()["is_leaf"] is True


def test_it_cannot_be_written(staff: User) -> None:
    count = ProductCategory.objects.count()

    response = client_for(staff).post(URL, {"name": "Toys", "slug": "toys"}, format="json")

    assert response.status_code == 405
    assert ProductCategory.objects.count() == count


def test_names_follow_the_request_language_with_both_names_listed(api: APIClient) -> None:
    chinese = {row["slug"]: row for row in api.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").json()}
    english = {row["slug"]: row for row in api.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()}

    both = {"name_en": "Hoodies and sweatshirts", "name_zh": "卫衣"}
    assert chinese["hoodies"] | both == chinese["hoodies"]
    assert chinese["hoodies"]["name"] == "卫衣"
    assert english["hoodies"] | both == english["hoodies"]
    assert english["hoodies"]["name"] == "Hoodies and sweatshirts"
