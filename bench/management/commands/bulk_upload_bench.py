"""`python manage.py bulk_upload_bench --rows 10000 [--xlsx] [--keep]`: time a bulk upload.

Generates a valid file of ``--rows`` orders over the leaf categories, then runs the steps of
``bulk_upload_create`` (``bulk_upload_parse``, ``bulk_upload_check``, ``bulk_upload_save``)
against the configured database for a throw-away seller (``bench-upload-...``), and prints
the timings in seconds as JSON. The match run request on change is switched off unless
``--request-match`` (a run would be queued for the bench's orders).

It refuses to run on a database without a category tree. Afterwards it deletes the seller,
its orders and their events (and the run ``--request-match`` queued, if still queued),
unless ``--keep``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from marketplace.models import Role, User
from marketplace.selectors import category_list
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from orders import bulk_upload
from orders.models import Order, OrderEvent

CITIES = (
    ("上海", 31.2304, 121.4737),
    ("广州", 23.1291, 113.2644),
    ("Shenzhen", 22.5431, 114.0579),
    ("杭州", 30.2741, 120.1551),
    ("Chengdu", 30.5728, 104.0668),
)


def bench_rows(*, count: int, slugs: list[str], seed: int = 7) -> list[list[Any]]:
    rng = random.Random(seed)
    today = timezone.localdate()
    rows = []
    for i in range(count):
        city, lat, lon = rng.choice(CITIES)
        quantity = rng.randrange(100, 20_000, 50)
        rows.append(
            [
                f"Bench order {i + 1} 批次",
                rng.choice(slugs),
                quantity,
                f"{rng.randrange(200, 5_000) / 100:.2f}",
                today + dt.timedelta(days=rng.randrange(14, 300)),
                city,
                lat,
                lon,
                "rush" if rng.random() < 0.1 else "normal",
                "yes" if rng.random() < 0.3 else "no",
                max(1, quantity // rng.choice((1, 2, 4, 10))),
                "sample" if rng.random() < 0.05 else "bulk",
                "" if rng.random() < 0.5 else "Logo print, 2 colours",
            ]
        )
    return rows


def bench_file(*, rows: list[list[Any]], xlsx: bool) -> bytes:
    headers = [c.header_en for c in bulk_upload.BULK_UPLOAD_COLUMNS]
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Orders")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")


class Command(BaseCommand):
    help = "Time parsing, checking and creating a generated bulk upload of orders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--xlsx", action="store_true", help="Upload an XLSX, not a CSV.")
        parser.add_argument("--keep", action="store_true", help="Keep the seller and orders.")
        parser.add_argument(
            "--request-match",
            action="store_true",
            help="Queue a match run for the orders, as an upload does (off by default).",
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [c.slug for c in category_list(leaf_only=True)]
        if not slugs:
            raise CommandError(
                "The database has no category tree (run `manage.py migrate`); refusing to run."
            )
        rows = options["rows"]
        if not 1 <= rows <= bulk_upload.BULK_UPLOAD_MAX_ROWS:
            raise CommandError(f"--rows must be between 1 and {bulk_upload.BULK_UPLOAD_MAX_ROWS}")
        xlsx = options["xlsx"]
        filename = "bench.xlsx" if xlsx else "bench.csv"
        data = bench_file(rows=bench_rows(count=rows, slugs=slugs, seed=options["seed"]), xlsx=xlsx)
        seller = User.objects.create_user(
            username=f"bench-upload-{uuid.uuid4().hex[:10]}", role=Role.SELLER
        )
        runs_before = set(MatchRun.objects.values_list("pk", flat=True))
        try:
            with override_settings(MATCHING_AUTO_RUN_ON_CHANGE=options["request_match"]):
                timings = self._run(seller=seller, data=data, filename=filename)
            timings |= {
                "rows": rows,
                "format": "xlsx" if xlsx else "csv",
                "file_bytes": len(data),
                "database": connection.vendor,
                "orders_created": Order.objects.filter(seller=seller).count(),
                "events_created": OrderEvent.objects.filter(order__seller=seller).count(),
            }
        finally:
            if not options["keep"]:
                with transaction.atomic():
                    Order.objects.filter(seller=seller).delete()  # events cascade
                    seller.delete()
                    # the run --request-match queued, unless a worker has started it
                    MatchRun.objects.exclude(pk__in=runs_before).filter(
                        status=MatchRunStatus.QUEUED, trigger=MatchRunTrigger.EVENT
                    ).delete()
        self.stdout.write(json.dumps(timings, indent=2))

    def _run(self, *, seller: User, data: bytes, filename: str) -> dict[str, Any]:
        started = time.perf_counter()
        rows = bulk_upload.bulk_upload_parse(data=data, filename=filename)
        parsed = time.perf_counter()
        report = bulk_upload.bulk_upload_check(seller=seller, rows=rows)
        checked = time.perf_counter()
        if not report.ok:
            raise CommandError(f"The generated file has bad rows: {report.errors[:5]}")
        bulk_upload.bulk_upload_save(seller=seller, report=report, filename=filename)
        created = time.perf_counter()
        return {
            "parse_s": round(parsed - started, 3),
            "check_s": round(checked - parsed, 3),
            "create_s": round(created - checked, 3),
            "total_s": round(created - started, 3),
        }
