"""factories.services.factory_create and friends, called directly (as the admin and seeds do)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from factories.models import Factory
from factories.services import factory_create, factory_update
from marketplace.models import Role
from tests.builders import DONGGUAN, make_factory, make_user

pytestmark = pytest.mark.django_db


def create(role: str) -> Factory:
    return factory_create(
        owner=make_user(role),
        name="Lucky Shoes",
        city="Jinjiang",
        province="Fujian",
        latitude=DONGGUAN[0],
        longitude=DONGGUAN[1],
    )


def test_a_seller_cannot_own_a_factory() -> None:
    with pytest.raises(ValidationError) as error:
        create(Role.SELLER)

    assert "owner" in error.value.message_dict
    assert not Factory.objects.exists()


@pytest.mark.parametrize("role", [Role.FACTORY_OWNER, Role.STAFF])
def test_an_owner_or_staff_may_create_a_factory(role: str) -> None:
    factory = create(role)

    assert factory.pk is not None
    assert factory.verified is False
    assert factory.active is True


def test_update_refuses_a_system_owned_field() -> None:
    factory = make_factory(verified=False)

    with pytest.raises(ValidationError) as error:
        factory_update(factory=factory, data={"verified": True})

    assert "verified" in error.value.message_dict
    factory.refresh_from_db()
    assert factory.verified is False
