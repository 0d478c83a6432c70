"""`python manage.py screenshots`: the README's screenshots, taken from the demo data.

Starts this project's development server on a free local port (same settings and
database), logs in as the demo users in headless Debian chromium (Playwright; nothing is
downloaded) and saves PNGs of the capacity calendar, a bulk upload's result and a match
run's report. `make screenshots` runs it on a fresh SQLite database seeded with
`seed_demo --lifecycle`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.data import DEMO_PASSWORD, STAFF_USERNAME, demo_data_present
from matching.models import MatchRun, MatchRunStatus

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Command(BaseCommand):
    help = (
        "Take the README's screenshots (calendar, bulk upload result, run report) from the "
        "demo data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", default="docs/screenshots", help="Output folder.")
        parser.add_argument("--language", default="en", choices=["en", "zh-hans"])
        parser.add_argument("--chromium", default="/usr/bin/chromium")
        parser.add_argument("--owner", default="owner01", help="Demo factory owner to show.")
        parser.add_argument("--seller", default="seller01", help="Demo seller to show.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_data_present():
            raise CommandError("No demo data: run `manage.py seed_demo --lifecycle` first.")
        run = MatchRun.objects.filter(status=MatchRunStatus.SUCCEEDED).order_by("-pk").first()
        if run is None:
            raise CommandError("No finished match run: seed with `seed_demo --lifecycle`.")
        if not Path(options["chromium"]).exists():
            raise CommandError(f"{options['chromium']} is missing: apt-get install chromium")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env=os.environ | {"DEBUG": "true", "MATCHING_AUTO_RUN_ON_CHANGE": "false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            taken = self._take(base, out, run.pk, options)
        finally:
            server.terminate()
            server.wait(timeout=20)
        for path in taken:
            self.stdout.write(f"wrote {path}")

    def _take(self, base: str, out: Path, run_id: int, options: dict[str, Any]) -> list[Path]:
        from playwright.sync_api import sync_playwright

        language = options["language"]
        suffix = "" if language == "en" else f"-{language}"
        taken: list[Path] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=options["chromium"], headless=True, args=CHROMIUM_ARGS
            )

            def page_for(username: str) -> Any:
                context = browser.new_context(
                    base_url=base,
                    viewport={"width": 1280, "height": 860},
                    device_scale_factor=1,
                    extra_http_headers={"Accept-Language": language},
                    locale="zh-CN" if language != "en" else "en-US",
                )
                page = context.new_page()
                page.goto("/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("form.stacked button[type=submit]")
                page.wait_for_load_state("networkidle")
                return page

            owner = page_for(options["owner"])
            owner.goto("/factory/calendar/")
            path = out / f"calendar{suffix}.png"
            owner.locator("#calendar").screenshot(path=str(path))
            taken.append(path)

            seller = page_for(options["seller"])
            seller.goto("/seller/upload/")
            seller.set_input_files(
                "input[type=file]",
                files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": _upload()}],
            )
            seller.click("form.stacked button[type=submit]")
            seller.wait_for_load_state("networkidle")
            path = out / f"bulk-upload{suffix}.png"
            seller.locator("main").screenshot(path=str(path))
            taken.append(path)

            staff = page_for(STAFF_USERNAME)
            staff.goto(f"/staff/runs/{run_id}/")
            staff.wait_for_selector("figure.chart svg")
            path = out / f"run-report{suffix}.png"
            # the report down to the shard table (which is long)
            box = staff.locator("main").bounding_box()
            end = staff.locator("#shards").bounding_box()
            assert box is not None and end is not None
            clip = {"x": box["x"], "y": box["y"], "width": box["width"]}
            staff.screenshot(
                path=str(path), full_page=True, clip=clip | {"height": end["y"] - box["y"]}
            )
            taken.append(path)
            browser.close()
        return taken


def _upload() -> bytes:
    """A small upload with three mistakes, to show how every bad row is reported."""
    due = timezone.localdate() + dt.timedelta(days=30)
    rows = [
        ["title", "category", "quantity", "max_unit_price", "due_date", "ship_to_city",
         "ship_to_latitude", "ship_to_longitude", "priority"],
        ["Logo tees", "t-shirts", "1200", "11.00", due.isoformat(), "Shanghai", "31.23",
         "121.47", "rush"],
        ["Hoodies", "hoodie", "500", "38.00", due.isoformat(), "Hangzhou", "30.27", "120.15",
         "normal"],
        ["Tote bags", "tote-bags", "-20", "6.50", "2026-02-30", "Suzhou", "31.30", "120.59",
         "normal"],
        ["Phone cases", "phone-cases", "3000", "4.20", due.isoformat(), "Shenzhen", "22.54",
         "114.06", "urgent"],
    ]  # fmt: skip
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError("The development server did not start within 30 s.")
