"""Accounts with admin access (`createsuperuser`, staff status) are marketplace staff: the staff
role, not a seller who could post orders."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Role, User
from orders.models import Order
from tests.admin_pages import assert_error_shown, form_data, page_errors
from tests.builders import make_user
from tests.orders.test_api_order_create import payload

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_a_staff_account_that_cannot_post_orders(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-staff-2026")
    call_command(
        "createsuperuser", "--noinput", username="ops", email="ops@example.com", verbosity=0
    )
    token = api.post("/api/auth/token/", {"username": "ops", "password": "first-staff-2026"})
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    me = api.get("/api/auth/me/").json()
    refused = api.post("/api/orders/", payload(), format="json")

    assert (me["role"], me["is_staff"]) == ("staff", True)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only sellers can do this."}
    assert not Order.objects.exists()


def test_an_account_made_with_staff_status_has_the_staff_role() -> None:
    user = User.objects.create_user("ops2", password="x", is_staff=True)

    assert user.role == Role.STAFF


def _change_form(client: Client, user: User) -> tuple[str, dict[str, Any]]:
    """The user's change page and its form sent back unchanged (date joined: two inputs)."""
    url = f"/admin/marketplace/user/{user.pk}/change/"
    joined = timezone.localtime(user.date_joined)
    data = form_data(client.get(url)) | {
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().replace(microsecond=0).isoformat(),
    }
    return url, data


def test_the_admin_refuses_staff_status_for_a_seller(staff_client: Client) -> None:
    seller = make_user(Role.SELLER)
    url, data = _change_form(staff_client, seller)
    data["is_staff"] = "on"

    response = staff_client.post(url, data)

    assert_error_shown(
        response, "An account with staff status or superuser rights has the staff role."
    )
    assert page_errors(response) == (
        "An account with staff status or superuser rights has the staff role."
    )
    seller.refresh_from_db()
    assert not seller.is_staff


def test_the_admin_gives_staff_status_with_the_staff_role(staff_client: Client) -> None:
    seller = make_user(Role.SELLER)
    url, data = _change_form(staff_client, seller)
    data |= {"is_staff": "on", "role": Role.STAFF}

    response = staff_client.post(url, data)

    assert response.status_code == 302, page_errors(response)
    seller.refresh_from_db()
    assert (seller.role, seller.is_staff) == (Role.STAFF, True)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_superusers_and_staff_the_staff_role() -> None:
    before = ("marketplace", "0005_verbose_names")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_user = executor.loader.project_state([before]).apps.get_model("marketplace", "User")
    admin = old_user.objects.create(
        username="admin", role="seller", is_superuser=True, is_staff=True
    )
    helper = old_user.objects.create(username="helper", role="factory_owner", is_staff=True)
    seller = old_user.objects.create(username="seller", role="seller")

    # through 0006_superusers_have_the_staff_role to the latest, as the other tests need
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {"admin": "staff", "helper": "staff", "seller": "seller"}
    assert {admin.pk, helper.pk, seller.pk} == set(User.objects.values_list("pk", flat=True))
