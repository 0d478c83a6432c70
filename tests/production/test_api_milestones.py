"""/api/offers/{id}/milestones/: the factory reports the progress of an accepted offer, in
order, each milestone with an optional photo; the seller follows it on the order's parts."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pytest_django import Settings
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from production.models import Milestone
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SEQUENCE = ("materials_ready", "production_started", "quality_passed", "shipped")
SHIPMENT = {"carrier": "SF Express", "tracking_number": "SF1234567890"}


def url(part: Assignment) -> str:
    return f"/api/offers/{part.pk}/milestones/"


def part_of(owner: User, seller: User | None = None, **kwargs: Any) -> Assignment:
    return make_assignment(
        make_order(seller),
        make_window(make_factory(owner)),
        status=kwargs.pop("status", AssignmentStatus.ACCEPTED),
        **kwargs,
    )


def image_file(fmt: str = "PNG", name: str = "photo.png", size: int = 32) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def huge_png(width: int = 30_000, height: int = 30_000) -> SimpleUploadedFile:
    """A tiny PNG file whose header claims ``width`` x ``height`` pixels (a decompression
    bomb: far more pixels than Pillow agrees to open)."""
    data = bytearray(image_file().read())
    # the IHDR chunk follows the 8-byte signature: length (4), type (4), width, height, ...
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return SimpleUploadedFile("huge.png", bytes(data), content_type="image/png")


def post(client: APIClient, part: Assignment, kind: str, **data: Any) -> Any:
    return client.post(url(part), {"kind": kind, **data}, format="multipart")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_needs_authentication(api: APIClient, owner: User) -> None:
    part = part_of(owner)

    assert post(api, part, "materials_ready").status_code == 401
    assert not Milestone.objects.exists()


def test_the_factory_posts_the_milestones_in_sequence(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)

    for kind in SEQUENCE:
        extra = SHIPMENT if kind == "shipped" else {}
        response = post(owner_api, part, kind, note=f"{kind} note", **extra)
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == kind
        assert response.json()["note"] == f"{kind} note"

    assert list(part.milestones.values_list("kind", flat=True)) == list(SEQUENCE)
    assert all(m.posted_by == owner for m in part.milestones.all())


def test_production_started_moves_the_order_into_production(
    owner_api: APIClient, owner: User
) -> None:
    part = part_of(owner)
    assert post(owner_api, part, "materials_ready").status_code == 201
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED

    response = post(owner_api, part, "production_started")

    assert response.status_code == 201, response.content
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.IN_PRODUCTION


def test_shipped_needs_a_carrier_and_a_tracking_number(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    for kind in SEQUENCE[:3]:
        assert post(owner_api, part, kind).status_code == 201

    response = post(owner_api, part, "shipped")

    assert response.status_code == 400
    assert set(response.json()) >= {"carrier", "tracking_number"}
    assert not part.milestones.filter(kind="shipped").exists()
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.IN_PRODUCTION

    response = post(owner_api, part, "shipped", carrier="SF Express", tracking_number="  ")

    assert response.status_code == 400
    assert set(response.json()) == {"tracking_number"}


def test_shipped_moves_the_order_to_shipped(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    for kind in SEQUENCE[:3]:
        assert post(owner_api, part, kind).status_code == 201

    response = post(owner_api, part, "shipped", **SHIPMENT)

    assert response.status_code == 201, response.content
    assert response.json()["carrier"] == "SF Express"
    assert response.json()["tracking_number"] == "SF1234567890"
    part.refresh_from_db()
    assert part.shipped_on is not None
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.SHIPPED


@pytest.mark.parametrize(
    ("posted", "kind"),
    [
        ((), "production_started"),
        ((), "shipped"),
        (("materials_ready",), "materials_ready"),
        (("materials_ready",), "quality_passed"),
    ],
    ids=["skips-materials", "ships-first", "repeats", "skips-production"],
)
def test_it_rejects_a_milestone_out_of_order(
    owner_api: APIClient, owner: User, posted: tuple[str, ...], kind: str
) -> None:
    part = part_of(owner)
    for earlier in posted:
        assert post(owner_api, part, earlier).status_code == 201

    response = post(owner_api, part, kind, **SHIPMENT)

    assert response.status_code == 409
    expected = SEQUENCE[len(posted)]
    assert response.json()["allowed_actions"] == [expected]
    assert part.milestones.count() == len(posted)
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED


def test_it_rejects_any_milestone_after_shipping(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    for kind in SEQUENCE:
        assert post(owner_api, part, kind, **SHIPMENT).status_code == 201

    response = post(owner_api, part, "quality_passed")

    assert response.status_code == 409
    assert part.milestones.count() == 4


def test_it_rejects_an_unknown_kind(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)

    response = post(owner_api, part, "painted")

    assert response.status_code == 400
    assert "kind" in response.json()
    assert not Milestone.objects.exists()


def test_a_png_photo_is_stored_and_its_url_returned(
    owner_api: APIClient, owner: User, media: Path
) -> None:
    part = part_of(owner)

    response = post(owner_api, part, "materials_ready", photo=image_file())

    assert response.status_code == 201, response.content
    milestone = Milestone.objects.get()
    assert milestone.photo.name is not None
    assert milestone.photo.name.startswith("milestones/")
    assert milestone.photo.name.endswith(".png")
    stored = media / milestone.photo.name
    assert stored.is_file()
    with Image.open(stored) as image:
        assert image.format == "PNG"
    photo_url = response.json()["photo"]
    assert photo_url.startswith("http://testserver/media/milestones/")
    assert photo_url.endswith(milestone.photo.name.rsplit("/", 1)[-1])


def test_a_jpeg_photo_is_accepted(owner_api: APIClient, owner: User, media: Path) -> None:
    part = part_of(owner)

    response = post(owner_api, part, "materials_ready", photo=image_file("JPEG", "p.jpg"))

    assert response.status_code == 201, response.content
    assert len(files_under(media)) == 1


@pytest.mark.parametrize(
    "make_photo",
    [
        lambda: SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", "image/png"),
        lambda: SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
        lambda: image_file("GIF", "photo.gif"),
        lambda: image_file("BMP", "photo.bmp"),
        lambda: image_file("PNG", "big.png", size=64),
    ],
    ids=["fake-png", "text", "gif", "bmp", "too-big"],
)
def test_it_rejects_a_bad_photo_and_saves_nothing(
    owner_api: APIClient,
    owner: User,
    media: Path,
    settings: Settings,
    make_photo: Any,
) -> None:
    settings.MILESTONE_PHOTO_MAX_BYTES = 4096  # a 64 x 64 noise PNG is about 12 kB
    part = part_of(owner)

    response = post(owner_api, part, "materials_ready", photo=make_photo())

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["photo"]
    assert not Milestone.objects.exists()
    assert files_under(media) == []
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.ACCEPTED


def test_the_size_limit_message_names_the_limit(
    owner_api: APIClient, owner: User, media: Path, settings: Settings
) -> None:
    settings.MILESTONE_PHOTO_MAX_BYTES = 1000
    part = part_of(owner)

    response = post(owner_api, part, "materials_ready", photo=image_file(size=64))

    assert response.status_code == 400
    assert "1,000" in str(response.json()["photo"])


def test_another_owner_gets_404(owner: User) -> None:
    part = part_of(owner)
    other = client_for(make_factory().owner)

    assert post(other, part, "materials_ready").status_code == 404
    assert other.get(url(part)).status_code == 404
    assert not Milestone.objects.exists()


def test_the_seller_gets_404_because_offers_are_the_factorys(owner: User, seller: User) -> None:
    part = part_of(owner, seller)
    client = client_for(seller)

    assert post(client, part, "materials_ready").status_code == 404
    assert client.get(url(part)).status_code == 404
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    "status",
    [AssignmentStatus.PROPOSED, AssignmentStatus.DECLINED, AssignmentStatus.WITHDRAWN],
)
def test_an_offer_that_is_not_accepted_gets_409(
    owner_api: APIClient, owner: User, status: str
) -> None:
    part = part_of(owner, status=AssignmentStatus.PROPOSED)
    Assignment.objects.filter(pk=part.pk).update(status=status)

    response = post(owner_api, part, "materials_ready")

    assert response.status_code == 409
    assert response.json()["status"] == status
    assert not Milestone.objects.exists()


def test_a_cancelled_order_gets_no_milestones(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    Order.objects.filter(pk=part.order_id).update(status=OrderStatus.CANCELLED)

    response = post(owner_api, part, "materials_ready")

    assert response.status_code == 409
    assert response.json()["status"] == "cancelled"
    assert not Milestone.objects.exists()


def test_get_lists_the_milestones_in_order(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)
    other = part_of(owner)
    for kind in SEQUENCE[:3]:
        assert post(owner_api, part, kind, note=kind).status_code == 201
    assert post(owner_api, other, "materials_ready").status_code == 201

    response = owner_api.get(url(part))

    assert response.status_code == 200
    assert [m["kind"] for m in response.json()] == list(SEQUENCE[:3])
    assert [m["note"] for m in response.json()] == list(SEQUENCE[:3])
    assert owner_api.get(url(part_of(owner))).json() == []


def test_the_seller_sees_the_timeline_in_the_orders_parts(
    owner_api: APIClient, owner: User, seller: User, media: Path
) -> None:
    part = part_of(owner, seller)
    assert post(owner_api, part, "materials_ready", photo=image_file()).status_code == 201
    assert post(owner_api, part, "production_started", note="Line 3").status_code == 201

    response = client_for(seller).get(f"/api/orders/{part.order_id}/parts/")

    assert response.status_code == 200, response.content
    [row] = response.json()
    assert row["id"] == part.pk
    assert row["factory"] == part.factory_id
    assert [m["kind"] for m in row["milestones"]] == ["materials_ready", "production_started"]
    assert row["milestones"][0]["photo"].startswith("http://testserver/media/milestones/")
    assert row["milestones"][1]["note"] == "Line 3"


def test_the_seller_is_notified_of_each_milestone(owner_api: APIClient, owner: User) -> None:
    part = part_of(owner)

    assert post(owner_api, part, "materials_ready").status_code == 201

    seller = Order.objects.get(pk=part.order_id).seller
    assert list(seller.notifications.values_list("kind", flat=True)) == [
        "milestone_materials_ready"
    ]
    assert not owner.notifications.exists()


def test_a_valid_photo_on_a_refused_milestone_is_not_stored(
    owner_api: APIClient, owner: User, media: Path
) -> None:
    part = part_of(owner)

    response = post(owner_api, part, "quality_passed", photo=image_file())

    assert response.status_code == 409
    assert not Milestone.objects.exists()
    assert files_under(media) == []


def test_a_decompression_bomb_is_a_clear_400(
    owner_api: APIClient, owner: User, media: Path
) -> None:
    part = part_of(owner)
    photo = huge_png()
    assert photo.size is not None
    assert photo.size < 5 * 1024 * 1024  # small on disk: the size limit does not catch it

    response = post(owner_api, part, "materials_ready", photo=photo)

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["photo"]
    assert not Milestone.objects.exists()
    assert files_under(media) == []


@pytest.mark.parametrize("name", ["photo.html", "photo.svg", "photo"])
def test_a_photo_is_never_stored_under_a_non_image_extension(
    owner_api: APIClient, owner: User, media: Path, name: str
) -> None:
    part = part_of(owner)
    photo = image_file()
    photo.name = name

    response = post(owner_api, part, "materials_ready", photo=photo)

    # either refused, or stored under the extension of the format it really is
    assert response.status_code in (201, 400), response.content
    stored = files_under(media)
    assert all(path.suffix == ".png" for path in stored), stored
    if response.status_code == 201:
        assert response.json()["photo"].endswith(".png")
    else:
        assert list(response.json()) == ["photo"]
        assert stored == []
