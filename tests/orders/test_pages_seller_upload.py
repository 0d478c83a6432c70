"""The bulk upload page: templates to download, every bad row reported with its row number,
field and message while nothing is saved, and all orders created from a good file."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marketplace.models import User
from orders.models import Order, OrderStatus
from tests.builders import days

pytestmark = pytest.mark.django_db

URL = "/seller/upload/"
HEADER = (
    "title,category,quantity,max_unit_price,due_date,ship_to_city,ship_to_latitude,"
    "ship_to_longitude\n"
)


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def csv_file(text: str, name: str = "orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def row(title: str = "Shirts", *, category: str = "t-shirts", quantity: str = "300",
        due: str | None = None) -> str:  # fmt: skip
    return (
        f"{title},{category},{quantity},12.50,{due or days(30).isoformat()},Shanghai,31.23,121.47\n"
    )


def test_the_page_links_both_templates(seller_client: Client) -> None:
    body = seller_client.get(URL).content.decode()

    assert 'href="/seller/upload/template.csv"' in body
    assert 'href="/seller/upload/template.xlsx"' in body
    assert 'type="file" name="file"' in body
    assert 'enctype="multipart/form-data"' in body


@pytest.mark.parametrize(
    ("language", "above", "below"),
    [("en", "templates above", "templates below"), ("zh-hans", "上面的模板", "下面的模板")],
)
def test_the_file_fields_help_points_up_to_the_templates_above_it(
    seller_client: Client, language: str, above: str, below: str
) -> None:
    body = seller_client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert above in body and below not in body
    # and the template links do come before the help on the page
    assert body.index('href="/seller/upload/template.csv"') < body.index(above)


def test_the_templates_download(seller_client: Client) -> None:
    response = seller_client.get("/seller/upload/template.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert b"title" in response.content

    response = seller_client.get("/seller/upload/template.xlsx")
    assert "spreadsheetml" in response["Content-Type"]
    assert zipfile.is_zipfile(io.BytesIO(response.content))

    zh = seller_client.get("/seller/upload/template.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "标题" in zh.content.decode("utf-8-sig")


def test_every_bad_row_is_reported_and_nothing_is_saved(
    seller_client: Client, seller: User
) -> None:
    text = (
        HEADER
        + row("Good one")
        + row("Zero", quantity="0")
        + row("Odd", category="no-such-thing", due="2020-01-01")
        + row("Also good")
    )

    response = seller_client.post(URL, {"file": csv_file(text)})

    assert response.status_code == 200
    assert not Order.objects.filter(seller=seller).exists()
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "2 of 4 rows have problems" in body
    errors = {(e["row"], e["column"]) for e in response.context["errors"]}
    # the service also finds the default minimum lot (1) above a quantity of 0
    assert errors == {(3, "quantity"), (3, "min_lot_quantity"), (4, "category"), (4, "due_date")}
    messages = {(e["row"], e["column"]): e["message"] for e in response.context["errors"]}
    assert messages[(3, "quantity")] == "Quantity must be between 1 and 10,000,000."
    for (number, _column), message in messages.items():
        assert f'<td data-label="Row" class="num">{number}</td>' in body
        assert message.replace("“", "&ldquo;") in body or message in body


def test_a_good_file_creates_every_order(seller_client: Client, seller: User) -> None:
    text = HEADER + row("First") + row("Second") + row("Third")

    response = seller_client.post(URL, {"file": csv_file(text)}, follow=True)

    assert response.redirect_chain[-1][0] == "/seller/orders/"
    orders = Order.objects.filter(seller=seller)
    assert sorted(orders.values_list("title", flat=True)) == ["First", "Second", "Third"]
    assert set(orders.values_list("status", flat=True)) == {OrderStatus.OPEN}
    assert "3 orders created" in response.content.decode()


def test_the_downloaded_xlsx_template_uploads_as_it_is(seller_client: Client, seller: User) -> None:
    template = seller_client.get("/seller/upload/template.xlsx").content
    upload = SimpleUploadedFile("orders.xlsx", template)

    response = seller_client.post(URL, {"file": upload}, follow=True)

    assert Order.objects.filter(seller=seller).count() == 2
    assert "2 orders created" in response.content.decode()


def test_an_unreadable_file_is_an_error_on_the_file_field(
    seller_client: Client, seller: User
) -> None:
    response = seller_client.post(URL, {"file": csv_file("%PDF-1.4", name="orders.pdf")})

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert "Upload a CSV or Excel (.xlsx) file" in response.content.decode()
    assert not Order.objects.filter(seller=seller).exists()


def test_a_missing_column_is_reported(seller_client: Client, seller: User) -> None:
    response = seller_client.post(URL, {"file": csv_file("title\nShirts\n")})

    assert "lacks the required column" in response.content.decode()
    assert not Order.objects.filter(seller=seller).exists()


def test_no_file_is_a_field_error(seller_client: Client) -> None:
    response = seller_client.post(URL, {})

    assert response.context["form"].errors["file"] == ["This field is required."]
