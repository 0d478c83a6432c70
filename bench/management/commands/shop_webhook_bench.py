"""`python manage.py shop_webhook_bench --deliveries 1000`: a shop's webhook under a stream of
signed deliveries with duplicates and forgeries, through the real API (Django's test client,
the whole middleware stack) against the configured database.

A throw-away seller (``bench-shop-...``) connects a generic shop. ``--deliveries`` deliveries are
sent in a shuffled order: orders signed with the shop's secret, ``--duplicates`` of them (a
share) sent a second time (half the same delivery again, half re-signed later as a platform
retry would), and ``--forged`` of all deliveries with a bad signature. It prints JSON: the
answers by status, every good order stored exactly once (``stored_once``), no forged-only order
stored, no 5xx, and the latency per delivery (median, P95, max in ms). The seller and its rows
are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand
from django.test import Client

from marketplace.models import Role, User
from shops.models import Platform, Sale
from shops.services import shop_connection_create
from shops.signatures import generic_signature


def _body(order_id: str, rng: random.Random) -> bytes:
    lines = [
        {"sku": f"SKU-{rng.randint(1, 40)}", "quantity": rng.randint(1, 5)}
        for _ in range(rng.randint(1, 4))
    ]
    return json.dumps({"id": order_id, "line_items": lines}).encode()


def _headers(secret: str, body: bytes, at: int) -> dict[str, str]:
    signature = generic_signature(secret, str(at), body)
    return {"HTTP_X_SHOP_TIMESTAMP": str(at), "HTTP_X_SHOP_SIGNATURE": f"sha256={signature}"}


class Command(BaseCommand):
    help = "Send signed shop deliveries with duplicates and forgeries to a webhook; print JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--deliveries", type=int, default=1000)
        parser.add_argument("--duplicates", type=float, default=0.10)
        parser.add_argument("--forged", type=float, default=0.05)
        parser.add_argument("--seed", type=int, default=15)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        total = options["deliveries"]
        seller = User.objects.create_user(
            username=f"bench-shop-{uuid.uuid4().hex[:8]}", role=Role.SELLER
        )
        try:
            print(json.dumps(self._run(seller, rng, total, options)))
        finally:
            if not options["keep"]:
                seller.delete()

    def _run(
        self, seller: User, rng: random.Random, total: int, options: dict[str, Any]
    ) -> dict[str, Any]:
        shop = shop_connection_create(seller=seller, name="bench", platform=Platform.GENERIC)
        now = int(time.time())
        repeats = round(total * options["duplicates"])
        originals = total - repeats
        deliveries: list[tuple[str, bytes, dict[str, str], bool]] = []
        for n in range(originals):
            order_id = f"B{n}"
            body = _body(order_id, rng)
            deliveries.append((order_id, body, _headers(shop.secret, body, now), True))
        for index, (order_id, body, headers, _ok) in enumerate(rng.sample(deliveries, repeats)):
            again = headers if index % 2 else _headers(shop.secret, body, now + 1)
            deliveries.append((order_id, body, again, True))
        for index in rng.sample(range(total), round(total * options["forged"])):
            order_id, body, headers, _ok = deliveries[index]
            forged = headers | {"HTTP_X_SHOP_SIGNATURE": "sha256=" + "0" * 64}
            deliveries[index] = (order_id, body, forged, False)
        rng.shuffle(deliveries)

        client = Client()
        url = f"/api/shops/hooks/{shop.token}/"
        codes: Counter[int] = Counter()
        seconds: list[float] = []
        for _order_id, body, headers, _ok in deliveries:
            started = time.perf_counter()
            extra: dict[str, Any] = dict(headers)
            response = client.post(url, body, content_type="application/json", **extra)
            seconds.append(time.perf_counter() - started)
            codes[response.status_code] += 1
        good = {order_id for order_id, _b, _h, ok in deliveries if ok}
        forged_only = {order_id for order_id, _b, _h, ok in deliveries if not ok} - good
        stored = Counter(
            Sale.objects.filter(connection=shop).values_list("platform_order_id", flat=True)
        )
        lines = {
            order_id: len(json.loads(body)["line_items"]) for order_id, body, _h, _ok in deliveries
        }
        expected = {
            order_id: len({i["sku"] for i in json.loads(body)["line_items"]})
            for order_id, body, _h, _ok in deliveries
        }
        ms = sorted(1000 * s for s in seconds)
        return {
            "deliveries": total,
            "orders": len(lines),
            "answers": {str(code): count for code, count in sorted(codes.items())},
            "server_errors": sum(count for code, count in codes.items() if code >= 500),
            "good_orders": len(good),
            "stored_once": all(stored.get(o) == expected[o] for o in good),
            "forged_only_orders": len(forged_only),
            "forged_stored": sum(1 for o in forged_only if o in stored),
            "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "max_ms": round(ms[-1], 2),
        }
