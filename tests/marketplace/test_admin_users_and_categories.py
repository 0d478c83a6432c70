"""The admin for users and product categories: lists, search, filters, pages, autocomplete."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from marketplace.models import ProductCategory, Role, User
from tests.admin_pages import assert_error_shown, listed, pks
from tests.builders import category, make_capability, make_factory, make_user

pytestmark = pytest.mark.django_db


def test_a_staff_user_without_superuser_rights_gets_no_model_pages(client: Client) -> None:
    client.force_login(make_user(Role.STAFF))

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/marketplace/user/").status_code == 403
    assert client.get("/admin/factories/factory/").status_code == 403


def test_the_admin_index_lists_every_app(staff_client: Client) -> None:
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    for url in (
        "/admin/marketplace/user/",
        "/admin/marketplace/productcategory/",
        "/admin/factories/factory/",
        "/admin/factories/factorycapability/",
        "/admin/factories/capacitywindow/",
        "/admin/orders/order/",
        "/admin/matching/matchrun/",
        "/admin/matching/assignment/",
    ):
        assert url.encode() in response.content


def test_the_user_list_shows_users_with_their_role(staff_client: Client, staff_user: User) -> None:
    owner = make_user(Role.FACTORY_OWNER, company_name="Xinhui Garments")
    seller = make_user(Role.SELLER)

    response = staff_client.get("/admin/marketplace/user/")

    assert listed(response) == pks(staff_user, owner, seller)
    assert b"Xinhui Garments" in response.content
    assert b"Factory owner" in response.content


def test_the_user_list_searches_company_names(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER, company_name="Xinhui Garments")
    make_user(Role.SELLER, company_name="Shanghai Trading")

    assert listed(staff_client.get("/admin/marketplace/user/", {"q": "xinhui"})) == pks(owner)


def test_the_user_list_filters_by_role(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER)
    make_user(Role.SELLER)

    response = staff_client.get("/admin/marketplace/user/", {"role__exact": Role.FACTORY_OWNER})

    assert listed(response) == pks(owner)


def test_the_user_change_page_shows_the_marketplace_fields(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER, company_name="Xinhui Garments")

    response = staff_client.get(f"/admin/marketplace/user/{owner.pk}/change/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["role"].value() == Role.FACTORY_OWNER
    assert form["company_name"].value() == "Xinhui Garments"


def test_the_owner_autocomplete_offers_only_factory_owners(staff_client: Client) -> None:
    owner = make_user(Role.FACTORY_OWNER, company_name="Wang Textiles")
    make_user(Role.SELLER, company_name="Wang Trading")

    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "factories", "model_name": "factory", "field_name": "owner", "term": "wang"},
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(owner.pk)]


def test_the_seller_autocomplete_offers_only_sellers(staff_client: Client) -> None:
    make_user(Role.FACTORY_OWNER, company_name="Wang Textiles")
    seller = make_user(Role.SELLER, company_name="Wang Trading")

    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "orders", "model_name": "order", "field_name": "seller", "term": "wang"},
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(seller.pk)]


def test_the_category_list_shows_the_tree(staff_client: Client) -> None:
    response = staff_client.get("/admin/marketplace/productcategory/")

    assert listed(response) == set(ProductCategory.objects.values_list("pk", flat=True))
    assert "T恤".encode() in response.content


def test_the_category_list_searches_chinese_names(staff_client: Client) -> None:
    response = staff_client.get("/admin/marketplace/productcategory/", {"q": "T恤"})

    assert listed(response) == pks(category("t-shirts"))


def test_the_category_list_filters_groups_and_leaves(staff_client: Client) -> None:
    url = "/admin/marketplace/productcategory/"
    groups = set(ProductCategory.objects.filter(parent=None).values_list("pk", flat=True))
    leaves = set(ProductCategory.objects.exclude(parent=None).values_list("pk", flat=True))

    assert listed(staff_client.get(url, {"level": "group"})) == groups
    assert listed(staff_client.get(url, {"level": "leaf"})) == leaves
    assert category("apparel").pk in groups
    assert category("t-shirts").pk in leaves


def test_the_category_list_filters_by_parent(staff_client: Client) -> None:
    bags = category("bags")

    response = staff_client.get(
        "/admin/marketplace/productcategory/", {"parent__id__exact": bags.pk}
    )

    assert listed(response) == set(bags.children.values_list("pk", flat=True))
    assert category("backpacks").pk in listed(response)


def test_the_category_change_page_shows_the_category(staff_client: Client) -> None:
    tees = category("t-shirts")

    response = staff_client.get(f"/admin/marketplace/productcategory/{tees.pk}/change/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["name"].value() == "T-shirts"
    assert form["parent"].value() == category("apparel").pk


def test_the_leaf_category_autocomplete_hides_groups(staff_client: Client) -> None:
    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "orders", "model_name": "order", "field_name": "category", "term": "a"},
    )

    assert response.status_code == 200
    found = {int(row["id"]) for row in response.json()["results"]}
    assert category("backpacks").pk in found
    assert not found & set(ProductCategory.objects.filter(parent=None).values_list("pk", flat=True))


def test_categories_are_named_in_the_staffs_language(staff_client: Client) -> None:
    capability = make_capability(make_factory(), category("hoodies"))
    term = {"app_label": "factories", "model_name": "factorycapability", "field_name": "category"}
    url = f"/admin/factories/factorycapability/{capability.pk}/change/"

    chinese = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    found = staff_client.get(
        "/admin/autocomplete/", term | {"term": "卫衣"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert "服装 / 卫衣" in chinese and "Hoodies" not in chinese
    assert "Apparel / Hoodies and sweatshirts" in english and "卫衣" not in english
    assert found.json()["results"] == [{"id": str(category("hoodies").pk), "text": "服装 / 卫衣"}]


def test_a_category_needs_an_english_and_a_chinese_name(staff_client: Client) -> None:
    url = "/admin/marketplace/productcategory/add/"
    data = {"name": "Socks", "name_zh": "", "slug": "socks", "parent": category("apparel").pk}

    assert_error_shown(staff_client.post(url, data), "This field is required.")
    assert not ProductCategory.objects.filter(slug="socks").exists()
    staff_client.post(url, data | {"name_zh": "袜子"})
    with translation.override("zh-hans"):
        assert str(ProductCategory.objects.get(slug="socks")) == "服装 / 袜子"
