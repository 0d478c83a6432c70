"""Writes of the shops app: connections, shop orders received by webhook or CSV, SKUs, and the
production orders drafted when a SKU is about to run out. docs/shops.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from marketplace.models import ProductCategory, Role, User
from orders.bulk_upload import header_key
from orders.models import Order
from orders.services import order_create, order_open
from shops.models import Platform, Replenishment, Sale, ShopConnection, Sku, WebhookDelivery
from shops.selectors import Demand, sku_demand, sku_lead_p90_days, sku_waiting_replenishment
from shops.signatures import signature_verify

MAX_ID_LENGTH = 100
MAX_LINE_QUANTITY = 1_000_000
MAX_LINES = 500


def _require_seller(seller: User) -> None:
    if seller.role != Role.SELLER:
        raise ValidationError({"seller": _("Only sellers connect shops.")})


def shop_connection_create(*, seller: User, name: str, platform: str) -> ShopConnection:
    _require_seller(seller)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the shop.")
    if platform not in Platform.values:
        errors["platform"] = _("Choose a platform from the list.")
    if errors:
        raise ValidationError(errors)
    return ShopConnection.objects.create(seller=seller, name=name[:100], platform=platform)


# --- shop orders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopOrder:
    """A shop order as received: its id, when it was placed, units per SKU."""

    platform_order_id: str
    sold_at: dt.datetime
    lines: dict[str, int]


@dataclass(frozen=True)
class Receipt:
    stored_lines: int
    duplicate: bool


def _shop_order(payload: Any, now: dt.datetime) -> ShopOrder:
    """The common shape of a shop order (Shopify's ``orders/create`` has it too): ``id``,
    ``created_at`` (optional), ``line_items`` of ``sku`` and ``quantity``. Lines without a SKU
    (Shopify allows them) are skipped; the same SKU twice is added up."""
    if not isinstance(payload, dict):
        raise ValidationError({"body": _("Send a JSON object.")})
    errors: dict[str, str] = {}
    order_id = payload.get("id")
    if isinstance(order_id, bool) or not isinstance(order_id, (str, int)) or not str(order_id):
        errors["id"] = _("Give the shop order's id.")
    elif len(str(order_id)) > MAX_ID_LENGTH:
        errors["id"] = _("The id is too long.")
    sold_at = now
    if payload.get("created_at") is not None:
        parsed = parse_datetime(str(payload["created_at"]))
        if parsed is None:
            errors["created_at"] = _("Give a date and time (ISO 8601).")
        else:
            sold_at = parsed if parsed.tzinfo else timezone.make_aware(parsed)
    items = payload.get("line_items")
    lines: dict[str, int] = {}
    if not isinstance(items, list) or not items or len(items) > MAX_LINES:
        errors["line_items"] = _("Give between 1 and %(n)s line items.") % {"n": MAX_LINES}
    else:
        for item in items:
            code, quantity = _line(item)
            if code is None:
                continue
            if quantity is None:
                errors["line_items"] = _(
                    "Each line item needs a SKU of at most 100 characters and a whole "
                    "quantity from 1 to 1,000,000."
                )
                break
            lines[code] = min(lines.get(code, 0) + quantity, MAX_LINE_QUANTITY)
    if errors:
        raise ValidationError(errors)
    return ShopOrder(str(order_id), sold_at, lines)


def _line(item: Any) -> tuple[str | None, int | None]:
    """(SKU, quantity) of a line item; (None, _) for a line without a SKU; (code, None) when
    the line is malformed."""
    if not isinstance(item, dict):
        return "", None
    sku = item.get("sku")
    if sku is None or (isinstance(sku, str) and not sku.strip()):
        return None, None
    quantity = item.get("quantity")
    if not isinstance(sku, str) or len(sku.strip()) > MAX_ID_LENGTH:
        return "", None
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return sku.strip(), None
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        return sku.strip(), None
    return sku.strip(), quantity


def _sales_store(connection: ShopConnection, orders: list[ShopOrder]) -> int:
    """Store the orders' lines once: lines stored before are left alone. Returns how many
    were new (counted, as PostgreSQL does not say which rows a conflict skipped)."""
    ids = [order.platform_order_id for order in orders]
    stored = Sale.objects.filter(connection=connection, platform_order_id__in=ids)
    before = stored.count()
    Sale.objects.bulk_create(
        [
            Sale(
                connection=connection,
                platform_order_id=order.platform_order_id,
                sku_code=code,
                quantity=quantity,
                sold_at=order.sold_at,
            )
            for order in orders
            for code, quantity in sorted(order.lines.items())
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return stored.count() - before


def webhook_receive(
    *,
    connection: ShopConnection,
    body: bytes,
    headers: Mapping[str, str],
    now: dt.datetime | None = None,
) -> Receipt:
    """A delivery of the connection's webhook: signature and clock checked first
    (``SignatureRefused``: 401, nothing read or stored), then the order; a delivery seen
    before (same signature) or an order stored before (same shop order id) stores nothing."""
    now = now or timezone.now()
    signature = signature_verify(
        platform=connection.platform,
        secret=connection.secret,
        body=body,
        headers=headers,
        now=now,
        tolerance_seconds=settings.SHOP_WEBHOOK_TOLERANCE_SECONDS,
    )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"body": _("The body is not JSON.")}) from None
    order = _shop_order(payload, now)
    try:
        with transaction.atomic():
            known = Sale.objects.filter(
                connection=connection, platform_order_id=order.platform_order_id
            ).exists()
            WebhookDelivery.objects.create(
                connection=connection,
                signature=signature,
                platform_order_id=order.platform_order_id,
                duplicate=known,
            )
            stored = 0 if known else _sales_store(connection, [order])
    except IntegrityError:  # the same signed delivery, twice (at once or again)
        return Receipt(stored_lines=0, duplicate=True)
    return Receipt(stored_lines=stored, duplicate=known)


# --- CSV exports ---------------------------------------------------------------------------

# column -> headers of the common Chinese shop back ends (Taobao/Tmall, JD, Pinduoduo,
# Douyin) and English; case, spaces, hyphens and a hint in brackets are ignored, as in the
# orders' bulk upload (``orders.bulk_upload.header_key``)
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "订单编号", "订单号", "主订单编号", "子订单编号", "订单id"),
    "sku": ("sku", "商家编码", "商品编码", "sku编码", "商家sku编码", "货号", "外部系统编号"),
    "quantity": ("quantity", "购买数量", "数量", "商品数量", "宝贝数量"),
    "sold_at": ("sold_at", "下单时间", "订单创建时间", "创建时间", "付款时间", "支付时间"),
}
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 20_000


_CSV_HEADERS = {header_key(h): column for column, hs in CSV_COLUMNS.items() for h in hs}


@dataclass(frozen=True)
class CsvRowError:
    row: int  # spreadsheet row (header = 1)
    field: str
    message: str


@dataclass(frozen=True)
class CsvImport:
    orders: int
    stored_lines: int
    duplicate_lines: int


class CsvRefused(Exception):
    """The file cannot be imported: a file problem (``message``) or bad rows (``rows``);
    nothing was stored."""

    def __init__(self, message: str = "", rows: list[CsvRowError] | None = None) -> None:
        super().__init__(message or f"{len(rows or [])} bad rows")
        self.message = message
        self.rows = rows or []


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvRefused(_("The file is neither UTF-8 nor GBK text."))


def _csv_rows(data: bytes) -> tuple[dict[str, int], list[list[str]]]:
    if len(data) > CSV_MAX_BYTES:
        raise CsvRefused(_("The file is larger than 5 MB; split it into smaller files."))
    table = list(csv.reader(io.StringIO(_csv_text(data))))
    if not table or not any(cell.strip() for cell in table[0]):
        raise CsvRefused(_("The file is empty."))
    columns: dict[str, int] = {}
    for index, header in enumerate(table[0]):
        column = _CSV_HEADERS.get(header_key(header))
        if column is not None and column not in columns:
            columns[column] = index
    missing = [c for c in ("order_id", "sku", "quantity") if c not in columns]
    if missing:
        raise CsvRefused(
            _("Missing columns: %(columns)s. See the column names in the help.")
            % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > CSV_MAX_ROWS:
        raise CsvRefused(_("At most %(n)s rows per file.") % {"n": f"{CSV_MAX_ROWS:,}"})
    return columns, table[1:]


def _csv_time(text: str, default: dt.datetime) -> dt.datetime | None:
    if not text.strip():
        return default
    parsed = parse_datetime(text.strip().replace("/", "-"))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _csv_orders(
    columns: dict[str, int], rows: list[list[str]], now: dt.datetime
) -> tuple[list[ShopOrder], list[CsvRowError]]:
    orders: dict[str, ShopOrder] = {}
    errors: list[CsvRowError] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        order_id, code = cells["order_id"], cells["sku"]
        quantity = cells["quantity"]
        sold_at = _csv_time(cells.get("sold_at", ""), now)
        for field, bad, message in (
            ("order_id", not order_id or len(order_id) > MAX_ID_LENGTH, _("Give the order id.")),
            ("sku", not code or len(code) > MAX_ID_LENGTH, _("Give the SKU.")),
            (
                "quantity",
                not quantity.isdigit() or not 1 <= int(quantity) <= MAX_LINE_QUANTITY,
                _("A whole number from 1 to 1,000,000."),
            ),
            ("sold_at", sold_at is None, _("A date and time, e.g. 2026-12-01 14:30:00.")),
        ):
            if bad:
                errors.append(CsvRowError(number, field, message))
        if errors and errors[-1].row == number or sold_at is None:
            continue
        found = orders.setdefault(order_id, ShopOrder(order_id, sold_at, {}))
        found.lines[code] = min(found.lines.get(code, 0) + int(quantity), MAX_LINE_QUANTITY)
    return list(orders.values()), errors


def sales_import_csv(
    *, connection: ShopConnection, data: bytes, now: dt.datetime | None = None
) -> CsvImport:
    """A shop's order export: every row checked (``CsvRefused`` with the bad rows, nothing
    stored), then every line stored once; lines stored before (by webhook or an earlier
    import) are counted as duplicates."""
    now = now or timezone.now()
    columns, rows = _csv_rows(data)
    orders, errors = _csv_orders(columns, rows, now)
    if errors:
        raise CsvRefused(rows=errors)
    if not orders:
        raise CsvRefused(_("The file has no order rows."))
    lines = sum(len(o.lines) for o in orders)
    with transaction.atomic():
        stored = _sales_store(connection, orders)
    return CsvImport(orders=len(orders), stored_lines=stored, duplicate_lines=lines - stored)


# --- SKUs and replenishment ----------------------------------------------------------------


def sku_create(
    *,
    seller: User,
    code: str,
    title: str,
    category: ProductCategory,
    max_unit_price: Decimal,
    ship_to_city: str,
    ship_to_latitude: float,
    ship_to_longitude: float,
    lot_size: int = 1,
    stock_on_hand: int = 0,
    made_like: Order | None = None,
) -> Sku:
    _require_seller(seller)
    errors: dict[str, str] = {}
    if Sku.objects.filter(seller=seller, code=code.strip()).exists():
        errors["code"] = _("You have a SKU with this code already.")
    if category.children.exists():
        errors["category"] = _("Choose a specific category (not a group).")
    if made_like is not None and made_like.seller_id != seller.pk:
        errors["made_like"] = _("Choose one of your own orders.")
    if errors:
        raise ValidationError(errors)
    return Sku.objects.create(
        seller=seller,
        code=code.strip(),
        title=title.strip(),
        category=category,
        max_unit_price=max_unit_price,
        ship_to_city=ship_to_city,
        ship_to_latitude=ship_to_latitude,
        ship_to_longitude=ship_to_longitude,
        lot_size=lot_size,
        stock_on_hand=stock_on_hand,
        stock_counted_at=timezone.now(),
        made_like=made_like,
    )


def sku_stock_count(*, sku: Sku, stock_on_hand: int) -> Sku:
    """The seller counted the stock: sales from now on count against this figure."""
    sku.stock_on_hand = stock_on_hand
    sku.stock_counted_at = timezone.now()
    sku.save(update_fields=["stock_on_hand", "stock_counted_at"])
    return sku


def _draft_quantity(sku: Sku, demand: Demand) -> int:
    wanted = float(demand.units_per_day) * settings.SHOP_COVER_DAYS
    return max(1, math.ceil(wanted / sku.lot_size)) * sku.lot_size


@transaction.atomic
def sku_replenish(*, sku: Sku, today: dt.date) -> Replenishment | None:
    """Draft a production order for the SKU when its stock-out day, less the P90 lead time
    and a buffer, has come; None when it has not, or a draft or an order for it is already
    under way."""
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    if sku_waiting_replenishment(sku=sku) is not None:
        return None
    demand = sku_demand(sku=sku, today=today)
    if demand.stock_out_on is None:
        return None
    lead = sku_lead_p90_days(sku=sku)
    order_by = demand.stock_out_on - dt.timedelta(days=lead + settings.SHOP_REORDER_BUFFER_DAYS)
    if order_by > today:
        return None
    due = max(demand.stock_out_on, today + dt.timedelta(days=lead))
    order = order_create(
        seller=sku.seller,
        title=f"{sku.code} {sku.title}"[:200],
        category=sku.category,
        quantity=_draft_quantity(sku, demand),
        max_unit_price=sku.max_unit_price,
        due_date=due,
        ship_to_city=sku.ship_to_city,
        ship_to_latitude=sku.ship_to_latitude,
        ship_to_longitude=sku.ship_to_longitude,
        min_lot_quantity=1,
        sample=sku.made_like,
        draft=True,
        request_match=False,
        created_params={"replenish_sku": sku.code, "stock_out_on": demand.stock_out_on.isoformat()},
    )
    return Replenishment.objects.create(
        sku=sku,
        order=order,
        units_per_day=demand.units_per_day,
        stock_left=demand.stock_left,
        stock_out_on=demand.stock_out_on,
        lead_p90_days=lead,
    )


def replenishments_propose(*, today: dt.date | None = None, seller: User | None = None) -> int:
    """Draft production orders for every SKU (of ``seller``, when given) about to run out;
    returns how many."""
    today = today or timezone.localdate()
    drafted = 0
    skus = Sku.objects.order_by("pk")
    if seller is not None:
        skus = skus.filter(seller_id=seller.pk)
    for sku in skus.iterator():
        drafted += sku_replenish(sku=sku, today=today) is not None
    return drafted


def replenishment_approve(*, replenishment: Replenishment, actor: User) -> Order:
    """The seller's one click: the drafted order is opened for matching."""
    return order_open(order=replenishment.order, actor=actor)
