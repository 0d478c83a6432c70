"""A seller's bulk upload of orders from a CSV or XLSX file.

Three steps, each usable on its own (the web page calls them):

1. ``bulk_upload_parse``: bytes -> rows of raw cell values (pure: no database). File-level
   problems (not CSV/XLSX, unreadable, empty, too large, too many rows, a missing or unknown
   column) raise ``BulkUploadError``.
2. ``bulk_upload_check``: every row -> an unsaved ``Order``, checked with
   ``orders.services.order_validate`` so that the messages are the API's. Every bad row is
   reported with its spreadsheet row number (header = row 1) and field; nothing is written.
3. ``bulk_upload_create``: parse + check, then, only if every row is valid, all orders and
   their "create" events in one transaction (``bulk_create``) and one match run request.

Columns (the header may be in English or Chinese; a hint in brackets after the name, as in
the template's ``due_date (YYYY-MM-DD)`` or ``交货日期（YYYY-MM-DD）``, is ignored, as are
case, spaces and hyphens):

=================  ================================  ========  ===============================
field              Chinese header (and aliases)      required  values
=================  ================================  ========  ===============================
title              标题, 订单标题                     yes       text, at most 200 characters
category           类目, 类别, 品类                   yes       a leaf category's slug (or its
                                                               exact English/Chinese name)
quantity           数量, qty                          yes       whole number
max_unit_price     最高单价, 最高价                   yes       CNY, e.g. 12.50 (¥ and 元 ok)
due_date           交货日期, 交期                     yes       YYYY-MM-DD (also 2026/12/01,
                                                               2026年12月1日, an Excel date)
ship_to_city       收货城市, 城市                     yes       text
ship_to_latitude   纬度, 收货纬度, latitude           yes       -90..90
ship_to_longitude  经度, 收货经度, longitude          yes       -180..180
priority           优先级                             no        normal/rush (普通/加急);
                                                               empty: normal
allow_split        允许拆单                           no        yes/no (是/否, true/false,
                                                               1/0); empty: no
min_lot_quantity   最小批量                           no        whole number; empty: 1
allows_pooling     允许拼单                           no        yes/no (是/否, true/false,
                                                               1/0); empty: no
kind               类型, 订单类型                     no        sample/bulk (打样/大货);
                                                               empty: bulk
notes              备注                               no        text
=================  ================================  ========  ===============================

A column with an unknown header is an error (a misspelt optional column would otherwise be
dropped silently); a column with an empty header is ignored. Blank rows are skipped but
still counted, so that row numbers match what the seller sees in the spreadsheet.

Speed: the category tree is read in one query for the whole file, and ``order_validate`` is
given its leaf categories and told that the seller and category rows were read
(``relations_checked``), so it queries nothing per row (asking per row took 8.4 s for
10,000 rows on PostgreSQL).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.events import matching_input_changed
from marketplace.models import ProductCategory, Role, User
from marketplace.selectors import category_list
from orders import services as order_services
from orders.models import Order, OrderEvent, OrderKind, OrderPriority, OrderStatus

if TYPE_CHECKING:
    from openpyxl.cell import _CellGetValue as XlsxValue

# Settings (override in marketplace/settings.py).
BULK_UPLOAD_MAX_ROWS: int = getattr(settings, "BULK_UPLOAD_MAX_ROWS", 10_000)
BULK_UPLOAD_MAX_BYTES: int = getattr(settings, "BULK_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# An XLSX is a zip; what it may unpack to (guards against zip bombs).
BULK_UPLOAD_MAX_UNPACKED_BYTES: int = getattr(
    settings, "BULK_UPLOAD_MAX_UNPACKED_BYTES", 20 * BULK_UPLOAD_MAX_BYTES
)
BULK_CREATE_BATCH_SIZE = 2000
ORDERS_SHEET_TITLES = ("Orders", "订单")
CATEGORIES_SHEET_TITLE = {"en": "Categories", "zh": "类目"}

# A cell as read: text from a CSV file; from an .xlsx file whatever openpyxl gives (numbers,
# text, dates, also times, rich text or formulas, which are read as their text)
CellValue: TypeAlias = "int | XlsxValue"


# --- Columns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkUploadColumn:
    field: str
    header_en: str  # as written in the English template
    header_zh: str  # as written in the Chinese template
    required: bool
    aliases: tuple[str, ...] = ()


BULK_UPLOAD_COLUMNS: tuple[BulkUploadColumn, ...] = (
    BulkUploadColumn("title", "title", "标题", True, ("订单标题",)),
    BulkUploadColumn("category", "category (slug)", "类目", True, ("类别", "品类")),
    BulkUploadColumn("quantity", "quantity", "数量", True, ("qty",)),
    BulkUploadColumn("max_unit_price", "max_unit_price", "最高单价（元）", True, ("最高价",)),
    BulkUploadColumn(
        "due_date", "due_date (YYYY-MM-DD)", "交货日期（YYYY-MM-DD）", True, ("交期",)
    ),
    BulkUploadColumn("ship_to_city", "ship_to_city", "收货城市", True, ("城市",)),
    BulkUploadColumn("ship_to_latitude", "ship_to_latitude", "纬度", True, ("收货纬度",)),
    BulkUploadColumn("ship_to_longitude", "ship_to_longitude", "经度", True, ("收货经度",)),
    BulkUploadColumn("priority", "priority (normal/rush)", "优先级（普通/加急）", False),
    BulkUploadColumn("allow_split", "allow_split (yes/no)", "允许拆单（是/否）", False),
    BulkUploadColumn("min_lot_quantity", "min_lot_quantity", "最小批量", False),
    BulkUploadColumn("allows_pooling", "allows_pooling (yes/no)", "允许拼单（是/否）", False),
    BulkUploadColumn("kind", "kind (sample/bulk)", "类型（打样/大货）", False, ("订单类型",)),
    BulkUploadColumn("notes", "notes", "备注", False),
)
REQUIRED_FIELDS = tuple(c.field for c in BULK_UPLOAD_COLUMNS if c.required)


def header_key(text: str) -> str:
    """ "Due date (YYYY-MM-DD)" -> "due_date"; "交货日期（YYYY-MM-DD）" -> "交货日期"."""
    text = text.replace("\ufeff", "").strip()
    text = re.split(r"[(（\[【]", text, maxsplit=1)[0]
    return re.sub(r"[\s_\-]+", "_", text.strip().casefold()).strip("_")


_HEADER_TO_FIELD: dict[str, str] = {}
for _column in BULK_UPLOAD_COLUMNS:
    for _name in (_column.field, _column.header_en, _column.header_zh, *_column.aliases):
        _HEADER_TO_FIELD[header_key(_name)] = _column.field
_HEADER_TO_FIELD.update({"latitude": "ship_to_latitude", "longitude": "ship_to_longitude"})

_YES = {"yes", "y", "true", "1", "是", "允许", "可以", "可", "√", "✓"}
_NO = {"no", "n", "false", "0", "否", "不", "不允许", "不可以", "×", "✗"}
_PRIORITY = {"普通": OrderPriority.NORMAL, "加急": OrderPriority.RUSH, "急": OrderPriority.RUSH}
_KIND = {"打样": OrderKind.SAMPLE, "样品": OrderKind.SAMPLE, "大货": OrderKind.BULK}


# --- Results ----------------------------------------------------------------------------


class BulkUploadError(Exception):
    """The file as a whole cannot be used (nothing was checked or saved).

    ``code`` names the problem for the page: file_type, too_large, unreadable, empty,
    no_rows, too_many_rows, missing_columns, unknown_columns, duplicate_columns."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RowInput:
    """One data row as read: cell values by field name (missing optional columns absent)."""

    row_number: int  # spreadsheet row: the header is row 1
    values: dict[str, CellValue]


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (header = 1, first data row = 2)
    field: str  # a field of BULK_UPLOAD_COLUMNS ("" for a problem of the whole row)
    message: str
    value: str = ""  # the cell as written (shortened), to show next to the message


@dataclass
class BulkUploadReport:
    rows: int  # data rows checked
    errors: list[RowError] = field(default_factory=list)
    # one unsaved, validated Order per row, in file order; empty unless every row is valid
    orders: list[Order] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # each order's spreadsheet row

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def errors_by_row(self) -> dict[int, list[RowError]]:
        grouped: dict[int, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped


@dataclass
class BulkUploadResult:
    report: BulkUploadReport
    created: list[Order] = field(default_factory=list)  # saved orders, in file order
    match_requested: bool = False

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def created_count(self) -> int:
        return len(self.created)


# --- Parsing (pure) ---------------------------------------------------------------------


def bulk_upload_parse(*, data: bytes, filename: str) -> list[RowInput]:
    """Read a CSV or XLSX upload into rows; raises BulkUploadError for an unusable file."""
    if len(data) > BULK_UPLOAD_MAX_BYTES:
        raise BulkUploadError(
            _("The file is larger than %(limit)s; split it into smaller files.")
            % {"limit": _size(BULK_UPLOAD_MAX_BYTES)},
            code="too_large",
        )
    if not data.strip():
        raise BulkUploadError(_("The file is empty."), code="empty")
    suffix = PurePath(filename or "").suffix.casefold()
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise BulkUploadError(
            _("Old Excel files (.xls) cannot be read; save the file as .xlsx or CSV."),
            code="file_type",
        )
    elif suffix in (".xlsx", ".xlsm"):
        raise BulkUploadError(_("The file is not a valid Excel (.xlsx) file."), code="unreadable")
    elif suffix in ("", ".csv", ".txt", ".tsv"):
        table = _csv_rows(data)
    else:
        raise BulkUploadError(
            _("Upload a CSV or Excel (.xlsx) file, not a “%(suffix)s” file.") % {"suffix": suffix},
            code="file_type",
        )
    return _rows_from_table(table)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[CellValue]]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, list(record)
    except csv.Error as exc:
        raise BulkUploadError(
            _("The CSV file could not be read: %(error)s.") % {"error": exc}, code="unreadable"
        ) from exc


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise BulkUploadError(
        _("The file is not readable text; save it as “CSV UTF-8” or as .xlsx."),
        code="unreadable",
    )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[CellValue]]]:
    from openpyxl import load_workbook

    unreadable = BulkUploadError(
        _("The file is not a valid Excel (.xlsx) file."), code="unreadable"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if unpacked > BULK_UPLOAD_MAX_UNPACKED_BYTES:
        raise BulkUploadError(
            _("The file is larger than %(limit)s; split it into smaller files.")
            % {"limit": _size(BULK_UPLOAD_MAX_BYTES)},
            code="too_large",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise unreadable from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise unreadable
        sheet = next((s for s in sheets if s.title in ORDERS_SHEET_TITLES), sheets[0])
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store a wrong size
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except BulkUploadError:
        raise
    except Exception as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def _is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_from_table(table: Iterable[tuple[int, list[CellValue]]]) -> list[RowInput]:
    rows_iter = iter(table)
    header = next((cells for _, cells in rows_iter if not all(_is_blank(c) for c in cells)), None)
    if header is None:
        raise BulkUploadError(_("The file is empty."), code="empty")
    columns = _columns(header)
    rows: list[RowInput] = []
    for number, cells in rows_iter:
        if all(_is_blank(c) for c in cells):
            continue
        if len(rows) >= BULK_UPLOAD_MAX_ROWS:
            raise BulkUploadError(
                _(
                    "The file has more than %(max)s orders; upload at most %(max)s at a time "
                    "(split the file)."
                )
                % {"max": f"{BULK_UPLOAD_MAX_ROWS:,}"},
                code="too_many_rows",
            )
        values = {
            name: (cells[index] if index < len(cells) else None) for index, name in columns.items()
        }
        # the row number the seller sees (header in row 1, unless blank rows precede it)
        rows.append(RowInput(row_number=number, values=values))
    if not rows:
        raise BulkUploadError(
            _("The file has a header row but no orders under it."), code="no_rows"
        )
    return rows


def _columns(header: list[CellValue]) -> dict[int, str]:
    """Column index -> field name, from the header row."""
    from openpyxl.utils import get_column_letter

    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        if _is_blank(cell):
            continue
        name = _HEADER_TO_FIELD.get(header_key(str(cell)))
        if name is None:
            unknown.append(f"“{str(cell).strip()}” ({get_column_letter(index + 1)})")
            continue
        if name in seen:
            raise BulkUploadError(
                _("The column “%(name)s” appears twice (columns %(first)s and %(second)s).")
                % {
                    "name": name,
                    "first": get_column_letter(seen[name] + 1),
                    "second": get_column_letter(index + 1),
                },
                code="duplicate_columns",
            )
        seen[name] = index
        columns[index] = name
    if unknown:
        raise BulkUploadError(
            _("Unknown column %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": _known_columns()},
            code="unknown_columns",
        )
    missing = [c for c in BULK_UPLOAD_COLUMNS if c.required and c.field not in seen]
    if missing:
        raise BulkUploadError(
            _("The file lacks the required column(s) %(missing)s. Start from the template.")
            % {"missing": ", ".join(f"{c.field} ({c.header_zh})" for c in missing)},
            code="missing_columns",
        )
    return columns


def _known_columns() -> str:
    return ", ".join(f"{c.field} ({c.header_zh})" for c in BULK_UPLOAD_COLUMNS)


# --- Cell conversion --------------------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$")


def _number_text(value: CellValue) -> str:
    text = _text(value).replace(" ", "").replace("\u00a0", "")
    text = re.sub(r"^[¥￥]|(元|cny|rmb)$", "", text, flags=re.IGNORECASE)
    if _THOUSANDS.match(text):
        return text.replace(",", "")
    if _DECIMAL_COMMA.match(text):
        return text.replace(",", ".")
    return text


def _to_int(value: CellValue) -> int:
    if isinstance(value, bool):
        raise _CellError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _CellError
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation as exc:
        raise _CellError from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise _CellError
    return int(number)


def _to_decimal(value: CellValue) -> Decimal:
    if isinstance(value, bool):
        raise _CellError
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation as exc:
        raise _CellError from exc
    if not number.is_finite():
        raise _CellError
    return number


def _to_float(value: CellValue) -> float:
    number = _to_decimal(value)
    return float(number)


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$"
)


def _to_date(value: CellValue) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # an Excel date serial in a cell without a date format
        if 30_000 <= value <= 80_000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise _CellError
    match = _DATE.match(_text(value))
    if not match:
        raise _CellError
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise _CellError from exc


def _to_bool(value: CellValue) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _CellError


def _to_choice(mapping: Mapping[str, str]) -> Callable[[CellValue], str]:
    def convert(value: CellValue) -> str:
        text = _text(value)
        # an unknown value goes on to order_validate, whose message names the choices
        return mapping.get(text, text.casefold())

    return convert


def _cell_message(field_name: str, value: str) -> str:
    messages = {
        "quantity": _("“%(value)s” is not a whole number."),
        "min_lot_quantity": _("“%(value)s” is not a whole number."),
        "max_unit_price": _("“%(value)s” is not a number."),
        "ship_to_latitude": _("“%(value)s” is not a number."),
        "ship_to_longitude": _("“%(value)s” is not a number."),
        "due_date": _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. %(example)s."),
        "allow_split": _("“%(value)s” is not yes or no."),
        "allows_pooling": _("“%(value)s” is not yes or no."),
    }
    example = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    return messages[field_name] % {"value": value, "example": example}


# field -> (converter, value when the cell is empty; None: required)
_CONVERTERS: dict[str, tuple[Callable[[CellValue], Any], Any]] = {
    "title": (_text, None),
    "quantity": (_to_int, None),
    "max_unit_price": (_to_decimal, None),
    "due_date": (_to_date, None),
    "ship_to_city": (_text, None),
    "ship_to_latitude": (_to_float, None),
    "ship_to_longitude": (_to_float, None),
    "priority": (_to_choice(_PRIORITY), OrderPriority.NORMAL),
    "allow_split": (_to_bool, False),
    "min_lot_quantity": (_to_int, 1),
    "allows_pooling": (_to_bool, False),
    "kind": (_to_choice(_KIND), OrderKind.BULK),
    "notes": (_text, ""),
}


# --- Checking ---------------------------------------------------------------------------


# read from the database by the check itself, so full_clean need not query them again
_VERIFIED_RELATIONS = ("seller", "category", "sample")


class _Categories:
    """The whole category tree, read in one query."""

    def __init__(self) -> None:
        categories = list(category_list())
        self.leaf_by_id = {c.pk: not c.has_children for c in categories}
        self.leaf_ids = {pk for pk, leaf in self.leaf_by_id.items() if leaf}
        self.by_slug = {c.slug.casefold(): c for c in categories}
        by_name: dict[str, list[ProductCategory]] = {}
        for c in categories:
            for name in {c.name.casefold(), c.name_zh.casefold()} - {""}:
                by_name.setdefault(name, []).append(c)
        self.by_name = {name: cs[0] for name, cs in by_name.items() if len(cs) == 1}
        self.leaf_slugs = sorted(c.slug for c in categories if not c.has_children)
        self.any_leaf = next((c for c in categories if not c.has_children), None)

    def find(self, text: str) -> ProductCategory | None:
        key = text.strip().casefold()
        return self.by_slug.get(key) or self.by_name.get(key)

    def unknown_message(self, text: str) -> str:
        close = difflib.get_close_matches(text.casefold(), self.leaf_slugs, n=1)
        if close:
            return _("Unknown category “%(value)s”; did you mean “%(slug)s”?") % {
                "value": text,
                "slug": close[0],
            }
        return _(
            "Unknown category “%(value)s”; use a slug from the Categories sheet of the "
            "template, e.g. “%(slug)s”."
        ) % {"value": text, "slug": self.leaf_slugs[0] if self.leaf_slugs else "t-shirts"}


def _require_seller(seller: User) -> None:
    if seller.role != Role.SELLER and not seller.is_marketplace_staff:
        raise PermissionDenied(_("Only sellers can upload orders."))


def bulk_upload_check(*, seller: User, rows: list[RowInput]) -> BulkUploadReport:
    """Check every row; the report lists every bad cell, or holds one unsaved Order per row."""
    _require_seller(seller)
    categories = _Categories()
    report = BulkUploadReport(rows=len(rows))
    orders: list[Order] = []
    row_numbers: list[int] = []
    for row in rows:
        order, errors = _check_row(row, seller=seller, categories=categories)
        if errors:
            report.errors.extend(errors)
        elif not report.errors:
            orders.append(order)
            row_numbers.append(row.row_number)
    if report.ok:
        report.orders, report.row_numbers = orders, row_numbers
    return report


def _check_row(
    row: RowInput, *, seller: User, categories: _Categories
) -> tuple[Order, list[RowError]]:
    raw = row.values
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, (convert, default) in _CONVERTERS.items():
        cell = raw.get(name)
        if _is_blank(cell):
            if default is None:
                problems[name] = _("This field is required.")
            else:
                values[name] = default
            continue
        try:
            values[name] = convert(cell)
        except _CellError:
            problems[name] = _cell_message(name, _text(cell))
    category_text = _text(raw.get("category"))
    category = categories.find(category_text) if category_text else None
    if not category_text:
        problems["category"] = _("This field is required.")
    elif category is None:
        problems["category"] = categories.unknown_message(category_text)
    # stand-ins for unusable cells, so that the other cells are still checked
    if "min_lot_quantity" in problems:
        values["min_lot_quantity"] = 1
    stand_ins = {
        "title": "-",
        "quantity": max(values["min_lot_quantity"], 1),
        "max_unit_price": Decimal("1"),
        "due_date": timezone.localdate() + dt.timedelta(days=1),
        "ship_to_city": "-",
        "ship_to_latitude": 0.0,
        "ship_to_longitude": 0.0,
        "allow_split": False,
        "allows_pooling": False,
    }
    for name in problems:
        if name in stand_ins:
            values[name] = stand_ins[name]
    order = Order(
        seller=seller,
        category=category or categories.any_leaf,
        status=OrderStatus.OPEN,
        **values,
    )
    if order.category_id is not None:  # no category tree: nothing else can be checked
        problems |= _validate(order, skip=set(problems), leaves=categories.leaf_ids)
    errors = [
        RowError(
            row=row.row_number,
            field="" if name == NON_FIELD_ERRORS else name,
            message=message,
            value=_text(raw.get(name))[:100],
        )
        for name, message in sorted(problems.items(), key=lambda item: _FIELD_ORDER[item[0]])
    ]
    return order, errors


_FIELD_ORDER = {c.field: i for i, c in enumerate(BULK_UPLOAD_COLUMNS)} | {NON_FIELD_ERRORS: -1}


def _validate(order: Order, *, skip: set[str], leaves: set[int]) -> dict[str, str]:
    """order_validate's messages by field (and the model's, for fields it did not reach)."""
    try:
        order_services.order_validate(order, leaf_category_ids=leaves, relations_checked=True)
        return {}
    except ValidationError as exc:
        found = dict(exc.message_dict)
    # order_validate stops before full_clean when its own rules fail: run the field checks
    # too, so that a row's every bad cell is reported at once
    try:
        order.clean_fields(exclude={*found, *skip, *_VERIFIED_RELATIONS})
    except ValidationError as exc:
        found |= exc.message_dict
    return {
        name: " ".join(str(m) for m in messages)
        for name, messages in found.items()
        if name not in skip and (name in _FIELD_ORDER)
    }


# --- Creating ---------------------------------------------------------------------------


def bulk_upload_create(*, seller: User, data: bytes, filename: str) -> BulkUploadResult:
    """Parse, check, and create every order of the file, or none.

    Raises BulkUploadError for an unusable file and PermissionDenied for a user who is not
    a seller. Any bad row: nothing is saved and ``result.ok`` is False (see
    ``result.report.errors``). Otherwise every order is created, open, with its "create"
    event, in one transaction, and one match run is requested."""
    _require_seller(seller)
    rows = bulk_upload_parse(data=data, filename=filename)
    report = bulk_upload_check(seller=seller, rows=rows)
    if not report.ok:
        return BulkUploadResult(report=report)
    created = bulk_upload_save(seller=seller, report=report, filename=filename)
    return BulkUploadResult(report=report, created=created, match_requested=True)


@transaction.atomic
def bulk_upload_save(*, seller: User, report: BulkUploadReport, filename: str) -> list[Order]:
    """Create the orders of a report without errors (bulk_upload_create's last step), with
    their "create" events, in one transaction, and request one match run."""
    if not report.ok or len(report.orders) != report.rows:
        raise ValueError("Only a report without errors can be saved.")
    if any(order.seller_id != seller.pk or order.pk is not None for order in report.orders):
        raise ValueError("The report's orders belong to another seller or are saved.")
    created = Order.objects.bulk_create(report.orders, batch_size=BULK_CREATE_BATCH_SIZE)
    name = PurePath(filename or "").name or "upload"
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order=order,
                actor=seller,
                action="create",
                from_status=order.status,
                to_status=order.status,
                params={"file": name, "row": row_number},
            )
            for order, row_number in zip(created, report.row_numbers, strict=True)
        ],
        batch_size=BULK_CREATE_BATCH_SIZE,
    )
    matching_input_changed.send(sender=Order)
    return created


# --- Templates --------------------------------------------------------------------------


def _example_rows(*, language: str) -> list[list[CellValue]]:
    leaves = [c.slug for c in category_list(leaf_only=True)]
    first = "t-shirts" if "t-shirts" in leaves else (leaves[0] if leaves else "t-shirts")
    second = "ceramic-mugs" if "ceramic-mugs" in leaves else (leaves[-1] if leaves else first)
    today = timezone.localdate()
    zh = language == "zh"
    return [
        [
            "白色纯棉T恤 S-XL" if zh else "White cotton T-shirt, S-XL",
            first,
            500,
            Decimal("12.50"),
            today + dt.timedelta(days=60),
            "上海" if zh else "Shanghai",
            31.2304,
            121.4737,
            "普通" if zh else "normal",
            "否" if zh else "no",
            500,
            "是" if zh else "yes",
            "大货" if zh else "bulk",
            "胸前印logo" if zh else "Logo printed on the chest",
        ],
        [
            "陶瓷马克杯 350毫升" if zh else "Ceramic mug, 350 ml",
            second,
            2000,
            Decimal("8.00"),
            today + dt.timedelta(days=90),
            "广州" if zh else "Guangzhou",
            23.1291,
            113.2644,
            "加急" if zh else "rush",
            "是" if zh else "yes",
            500,
            "否" if zh else "no",
            "大货" if zh else "bulk",
            "",
        ],
    ]


def _headers(language: str) -> list[str]:
    return [c.header_zh if language == "zh" else c.header_en for c in BULK_UPLOAD_COLUMNS]


def bulk_upload_template_csv(*, language: str = "en") -> bytes:
    """The CSV template (UTF-8 with a BOM, so that Excel shows Chinese): the header and two
    example rows. ``language``: "en" or "zh" headers and example values."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(_headers(language))
    for row in _example_rows(language=language):
        writer.writerow([_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def bulk_upload_template_xlsx(*, language: str = "en") -> bytes:
    """The XLSX template: an Orders sheet (header, two example rows, drop-down lists) and a
    Categories sheet listing the valid category slugs with their English and Chinese names."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    zh = language == "zh"
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one sheet
    sheet.title = ORDERS_SHEET_TITLES[1] if zh else ORDERS_SHEET_TITLES[0]
    sheet.append(_headers(language))
    for row in _example_rows(language=language):
        sheet.append(row)
    bold = Font(bold=True)
    for index, column in enumerate(BULK_UPLOAD_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = bold
        sheet.column_dimensions[letter].width = max(14, len(sheet[f"{letter}1"].value) + 4)
        if column.field == "due_date":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 32
    sheet.freeze_panes = "A2"

    leaves = list(category_list(leaf_only=True).order_by("parent__name", "name"))
    categories = workbook.create_sheet(CATEGORIES_SHEET_TITLE["zh" if zh else "en"])
    categories.append(
        ["类目代码 (slug)", "英文名", "中文名", "大类"]
        if zh
        else ["slug", "English name", "Chinese name", "group"]
    )
    with translation.override("zh-hans" if zh else "en"):
        for c in leaves:
            group = c.parent.display_name if c.parent is not None else ""
            categories.append([c.slug, c.name, c.name_zh, group])
    for letter, width in zip("ABCD", (22, 28, 14, 22), strict=True):
        categories[f"{letter}1"].font = bold
        categories.column_dimensions[letter].width = width
    categories.freeze_panes = "A2"

    last = BULK_UPLOAD_MAX_ROWS + 1
    lists = {
        "priority": "普通,加急" if zh else "normal,rush",
        "allow_split": "是,否" if zh else "yes,no",
        "allows_pooling": "是,否" if zh else "yes,no",
        "kind": "大货,打样" if zh else "bulk,sample",
    }
    for index, column in enumerate(BULK_UPLOAD_COLUMNS, start=1):
        letter = get_column_letter(index)
        if column.field == "category" and leaves:
            formula = f"'{categories.title}'!$A$2:$A${len(leaves) + 1}"
        elif column.field in lists:
            formula = f'"{lists[column.field]}"'
        else:
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.errorStyle = "warning"  # a typed value is still checked on upload
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{last}")

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
