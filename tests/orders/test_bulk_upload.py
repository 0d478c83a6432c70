"""A seller's bulk upload of orders from CSV or XLSX: templates, parsing, checking, creating."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook
from pytest_django import DjangoAssertNumQueries, Settings

from marketplace.models import ProductCategory, User
from matching.models import MatchRun, MatchRunStatus
from orders import bulk_upload
from orders.bulk_upload import (
    BulkUploadError,
    bulk_upload_check,
    bulk_upload_create,
    bulk_upload_parse,
    bulk_upload_template_csv,
    bulk_upload_template_xlsx,
)
from orders.models import Order, OrderEvent, OrderKind, OrderPriority, OrderStatus
from tests.builders import days

pytestmark = pytest.mark.django_db

HEADER = [
    "title",
    "category",
    "quantity",
    "max_unit_price",
    "due_date",
    "ship_to_city",
    "ship_to_latitude",
    "ship_to_longitude",
    "priority",
    "allow_split",
    "min_lot_quantity",
    "kind",
    "notes",
]
HEADER_ZH = [
    "标题",
    "类目",
    "数量",
    "最高单价",
    "交货日期",
    "收货城市",
    "纬度",
    "经度",
    "优先级",
    "允许拆单",
    "最小批量",
    "类型",
    "备注",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def good_row(n: int = 1, **changes: Any) -> list[Any]:
    values = {
        "title": f"Tees {n}",
        "category": "t-shirts",
        "quantity": "500",
        "max_unit_price": "12.50",
        "due_date": days(30).isoformat(),
        "ship_to_city": "Shanghai",
        "ship_to_latitude": "31.2304",
        "ship_to_longitude": "121.4737",
        "priority": "normal",
        "allow_split": "no",
        "min_lot_quantity": "1",
        "kind": "bulk",
        "notes": "",
    } | changes
    return [values[name] for name in HEADER]


def csv_bytes(
    rows: list[list[Any]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def queued_runs() -> int:
    return MatchRun.objects.filter(status=MatchRunStatus.QUEUED).count()


def test_the_english_csv_template_parses_back_and_its_example_rows_are_valid(
    seller: User,
) -> None:
    data = bulk_upload_template_csv()

    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show Chinese
    assert data.decode("utf-8-sig").splitlines()[0].startswith("title,category (slug),quantity")
    rows = bulk_upload_parse(data=data, filename="template.csv")
    report = bulk_upload_check(seller=seller, rows=rows)
    assert report.ok, report.errors
    assert [r.row_number for r in rows] == [2, 3]
    assert len(report.orders) == 2


def test_the_chinese_csv_template_parses_back_with_chinese_headers_and_values(
    seller: User,
) -> None:
    data = bulk_upload_template_csv(language="zh")

    assert data.decode("utf-8-sig").startswith("标题,类目,数量,最高单价（元）,交货日期")
    report = bulk_upload_check(
        seller=seller, rows=bulk_upload_parse(data=data, filename="模板.csv")
    )
    assert report.ok, report.errors
    assert [o.priority for o in report.orders] == [OrderPriority.NORMAL, OrderPriority.RUSH]
    assert [o.allow_split for o in report.orders] == [False, True]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_xlsx_template_parses_back_and_lists_the_leaf_categories_on_a_second_sheet(
    seller: User, language: str
) -> None:
    data = bulk_upload_template_xlsx(language=language)

    report = bulk_upload_check(seller=seller, rows=bulk_upload_parse(data=data, filename="t.xlsx"))
    assert report.ok, report.errors
    assert len(report.orders) == 2
    workbook = load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 2
    listed = list(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
    leaves = ProductCategory.objects.exclude(
        pk__in=ProductCategory.objects.filter(parent__isnull=False).values("parent")
    )
    assert {row[0] for row in listed} == set(leaves.values_list("slug", flat=True))
    assert ("t-shirts", "T-shirts", "T恤") in {row[:3] for row in listed}
    assert "apparel" not in {row[0] for row in listed}  # a group is not a valid category


def test_a_valid_csv_creates_every_order_with_its_create_event_and_queues_one_match_run(
    seller: User, settings: Settings
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    rows = [good_row(n) for n in range(1, 26)]
    rows[3] = good_row(4, category="ceramic-mugs", priority="rush", allow_split="yes")
    rows[3][HEADER.index("min_lot_quantity")] = "100"

    result = bulk_upload_create(seller=seller, data=csv_bytes(rows), filename="orders.csv")

    assert result.ok and result.created_count == 25 and result.match_requested
    orders = Order.objects.filter(seller=seller).order_by("pk")
    assert orders.count() == 25
    assert {o.status for o in orders} == {OrderStatus.OPEN}
    mug = orders.get(title="Tees 4")
    assert (mug.category.slug, mug.priority, mug.allow_split, mug.min_lot_quantity) == (
        "ceramic-mugs",
        OrderPriority.RUSH,
        True,
        100,
    )
    assert mug.max_unit_price == Decimal("12.50")
    assert mug.due_date == days(30)
    events = OrderEvent.objects.filter(order__seller=seller)
    assert events.count() == 25
    event = events.get(order=mug)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "create",
        seller,
        OrderStatus.OPEN,
        OrderStatus.OPEN,
    )
    assert "orders.csv, row 5" in event.note
    assert queued_runs() == 1


def test_a_valid_xlsx_with_typed_cells_creates_every_order_and_queues_one_match_run(
    seller: User, settings: Settings
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    due = dt.datetime.combine(days(40), dt.time())
    rows = [
        ["Mugs", "ceramic-mugs", 1200, 8.5, due, "Guangzhou", 23.1291, 113.2644, "rush", True]
        + [300, "sample", "glazed"],
        ["Tees", "t-shirts", 500.0, 12, days(20), "Shanghai", 31.2304, 121.4737, None, None]
        + [None, None, None],
    ]

    result = bulk_upload_create(seller=seller, data=xlsx_bytes(rows), filename="orders.xlsx")

    assert result.ok, result.report.errors
    mugs, tees = result.created
    assert (mugs.quantity, mugs.max_unit_price, mugs.due_date) == (1200, Decimal("8.5"), days(40))
    assert (mugs.allow_split, mugs.min_lot_quantity, mugs.kind) == (True, 300, OrderKind.SAMPLE)
    assert (tees.priority, tees.allow_split, tees.min_lot_quantity, tees.kind, tees.notes) == (
        OrderPriority.NORMAL,
        False,
        1,
        OrderKind.BULK,
        "",
    )
    assert OrderEvent.objects.filter(order__in=result.created, action="create").count() == 2
    assert queued_runs() == 1


def test_chinese_headers_and_chinese_values_are_accepted(seller: User) -> None:
    row = good_row(priority="加急", allow_split="是", kind="大货", ship_to_city="上海")
    row[HEADER.index("category")] = "T恤"  # a leaf's exact Chinese name works as well
    row[HEADER.index("due_date")] = f"{days(30).year}年{days(30).month}月{days(30).day}日"

    result = bulk_upload_create(
        seller=seller, data=csv_bytes([row], header=HEADER_ZH), filename="订单.csv"
    )

    assert result.ok, result.report.errors
    (order,) = result.created
    assert (order.category.slug, order.priority, order.allow_split, order.ship_to_city) == (
        "t-shirts",
        OrderPriority.RUSH,
        True,
        "上海",
    )
    assert order.due_date == days(30)


def test_a_gb18030_csv_with_semicolons_is_read(seller: User) -> None:
    rows = [good_row(1, title="纯棉T恤 白色", ship_to_city="广州", notes="胸前印花")]
    rows.append(good_row(2, max_unit_price="12,50"))  # a decimal comma, as such files have
    data = csv_bytes(rows, header=HEADER_ZH, delimiter=";", encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    result = bulk_upload_create(seller=seller, data=data, filename="orders.csv")

    assert result.ok, result.report.errors
    first, second = result.created
    assert (first.title, first.ship_to_city, first.notes) == ("纯棉T恤 白色", "广州", "胸前印花")
    assert second.max_unit_price == Decimal("12.50")


def test_a_tab_separated_utf16_text_file_as_excel_saves_it_is_read(seller: User) -> None:
    data = b"\xff\xfe" + csv_bytes([good_row()], delimiter="\t").decode().encode("utf-16-le")

    rows = bulk_upload_parse(data=data, filename="orders.txt")

    assert bulk_upload_check(seller=seller, rows=rows).ok


def test_a_file_with_several_bad_rows_reports_every_one_with_row_and_field_and_saves_nothing(
    seller: User, settings: Settings
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    rows = [good_row(n) for n in range(1, 11)]
    rows[1] = good_row(2, quantity="lots")  # row 3
    rows[2] = good_row(3, category="t-shirt")  # row 4: unknown slug
    rows[3] = good_row(4, category="apparel")  # row 5: a group
    rows[5] = good_row(6, due_date=days(-3).isoformat())  # row 7: in the past
    rows[6] = good_row(7, due_date="31/12/2026", allow_split="maybe")  # row 8: two bad cells
    rows[7] = good_row(8, title="", max_unit_price="0", ship_to_latitude="95")  # row 9
    rows[8] = good_row(9, quantity="10", min_lot_quantity="20", priority="asap")  # row 10
    before = Order.objects.count()

    result = bulk_upload_create(seller=seller, data=csv_bytes(rows), filename="bad.csv")

    assert not result.ok and result.created == [] and not result.match_requested
    found = {(e.row, e.field): e.message for e in result.report.errors}
    assert found == {
        (3, "quantity"): "“lots” is not a whole number.",
        (4, "category"): "Unknown category “t-shirt”; did you mean “t-shirts”?",
        (5, "category"): "“Apparel” is a group; choose one of its leaf categories.",
        (7, "due_date"): f"The due date must be {tomorrow} or later.",
        (8, "due_date"): found[(8, "due_date")],
        (8, "allow_split"): "“maybe” is not yes or no.",
        (9, "title"): "This field is required.",
        (9, "max_unit_price"): "The maximum unit price must be greater than 0.",
        (9, "ship_to_latitude"): "Ensure this value is less than or equal to 90.",
        (10, "min_lot_quantity"): "The minimum lot must be between 1 and the order quantity.",
        (10, "priority"): "Priority must be normal or rush.",
    }
    assert found[(8, "due_date")].startswith("“31/12/2026” is not a date; write it as YYYY-MM-DD")
    assert result.report.bad_rows == [3, 4, 5, 7, 8, 9, 10]
    assert [e.field for e in result.report.errors_by_row()[9]] == [
        "title",
        "max_unit_price",
        "ship_to_latitude",
    ]
    assert next(e for e in result.report.errors if e.row == 3).value == "lots"
    assert result.report.orders == []
    assert Order.objects.count() == before
    assert queued_runs() == 0


@pytest.mark.parametrize("filename", ["orders.csv", "orders.xlsx"])
def test_blank_rows_are_skipped_but_still_counted_in_the_row_numbers(
    seller: User, filename: str
) -> None:
    rows_in = [good_row(1), [], good_row(2, quantity="x")]
    data = xlsx_bytes(rows_in) if filename.endswith("xlsx") else csv_bytes(rows_in)

    rows = bulk_upload_parse(data=data, filename=filename)
    report = bulk_upload_check(seller=seller, rows=rows)

    assert [r.row_number for r in rows] == [2, 4]
    assert [(e.row, e.field) for e in report.errors] == [(4, "quantity")]


def test_the_check_reads_the_category_tree_once_for_the_whole_file(
    seller: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    slugs = ["t-shirts", "ceramic-mugs", "apparel", "backpacks", "nope"]
    rows = bulk_upload_parse(
        data=csv_bytes([good_row(n, category=slugs[n % 5]) for n in range(200)]),
        filename="orders.csv",
    )

    with django_assert_max_num_queries(1):
        report = bulk_upload_check(seller=seller, rows=rows)

    assert len(report.bad_rows) == 80  # the group and the unknown slug


def test_too_many_rows_are_refused_before_anything_is_checked(
    seller: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_upload, "BULK_UPLOAD_MAX_ROWS", 5)

    with pytest.raises(BulkUploadError) as error:
        bulk_upload_create(
            seller=seller, data=csv_bytes([good_row(n) for n in range(6)]), filename="a.csv"
        )

    assert error.value.code == "too_many_rows"
    assert "more than 5 orders" in error.value.message
    assert bulk_upload_parse(data=csv_bytes([good_row(n) for n in range(5)]), filename="a.csv")


def test_a_file_that_is_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_upload, "BULK_UPLOAD_MAX_BYTES", 1024)

    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(data=csv_bytes([good_row(n) for n in range(20)]), filename="a.csv")

    assert error.value.code == "too_large"
    assert "larger than 1 KB" in error.value.message


@pytest.mark.parametrize(
    ("data", "filename", "code", "words"),
    [
        (b"%PDF-1.4 ...", "orders.pdf", "file_type", "CSV or Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "orders.xls", "file_type", ".xls"),
        (b"this is not a spreadsheet", "orders.xlsx", "unreadable", "not a valid Excel"),
        (b"PK\x03\x04broken zip", "orders.xlsx", "unreadable", "not a valid Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "orders.csv", "unreadable", "not readable"),
        (b"", "orders.csv", "empty", "empty"),
        (b"\r\n\r\n", "orders.csv", "empty", "empty"),
        (",".join(HEADER).encode() + b"\r\n", "orders.csv", "no_rows", "no orders"),
    ],
)
def test_an_unusable_file_gets_a_clear_error(
    data: bytes, filename: str, code: str, words: str
) -> None:
    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(data=data, filename=filename)

    assert error.value.code == code
    assert words in error.value.message


def test_a_zip_that_is_not_a_workbook_is_unreadable() -> None:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")

    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(data=out.getvalue(), filename="orders.docx")

    assert error.value.code == "unreadable"


def test_a_missing_required_column_is_named() -> None:
    header = [h for h in HEADER if h != "due_date"]
    row = good_row()
    del row[HEADER.index("due_date")]

    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(data=xlsx_bytes([row], header=header), filename="a.xlsx")

    assert error.value.code == "missing_columns"
    assert "due_date (交货日期" in error.value.message


def test_an_unknown_or_repeated_column_is_refused_but_optional_columns_may_be_left_out(
    seller: User,
) -> None:
    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(
            data=csv_bytes([good_row() + ["5"]], header=HEADER + ["min_lot_qty"]),
            filename="a.csv",
        )
    assert error.value.code == "unknown_columns"
    assert "“min_lot_qty” (N)" in error.value.message

    with pytest.raises(BulkUploadError) as error:
        bulk_upload_parse(
            data=csv_bytes([good_row() + ["5"]], header=HEADER + ["数量"]), filename="a.csv"
        )
    assert error.value.code == "duplicate_columns"

    required = HEADER[:8]
    rows = bulk_upload_parse(data=csv_bytes([good_row()[:8]], header=required), filename="a.csv")
    (order,) = bulk_upload_check(seller=seller, rows=rows).orders
    assert (order.priority, order.allow_split, order.min_lot_quantity, order.kind) == (
        OrderPriority.NORMAL,
        False,
        1,
        OrderKind.BULK,
    )


def test_a_factory_owner_cannot_upload_orders(owner: User) -> None:
    with pytest.raises(PermissionDenied):
        bulk_upload_create(seller=owner, data=csv_bytes([good_row()]), filename="a.csv")

    assert Order.objects.count() == 0


def test_marketplace_staff_may_upload_orders(staff: User) -> None:
    result = bulk_upload_create(seller=staff, data=csv_bytes([good_row()]), filename="a.csv")

    assert result.created_count == 1
    assert result.created[0].seller == staff
