"""`python manage.py quote_bench [--requests 300] [--factories 2000 --orders 10000]`: the
latency of instant quotes through the real API.

Posts ``--requests`` random quotes (``POST /api/quotes/``, DRF's test client: every
middleware, authentication, the serializers, the service and its queries, no network) as a
throw-away seller (``bench-quote-...``) and prints the median, P95 and maximum in
milliseconds as JSON, with the share of quotes that fit. Each quote is an order of a leaf
category that has capacity windows, a quantity of 50-5,000, a maximum unit price of 0.7-1.6
times a price of that category's factories, a due date 5-90 days ahead and a ship-to city
from a fixed list. The first ``--warm-up`` requests (default 10) are not counted. The quote
throttle is off for the run.

By default it quotes on the data already in the database (the demo data after
``seed_demo``). With ``--factories`` it first bulk-loads a generated marketplace of that
size (``matching_bench``'s loader: ``bench-mkt-*`` users, their factories, capacity windows
with booked work, and ``--orders`` orders; ``--categories`` fewer categories make each
quote read more windows), quotes only in its categories, and deletes it
again unless ``--keep``. Run it under ``flock /work/wt/timing.lock`` on a shared machine.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time
import uuid
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from bench.management.commands.bulk_upload_bench import CITIES
from bench.management.commands.matching_bench import (
    ROOT_SLUG,
    bench_data_delete,
    bench_data_load,
)
from bench.market_generate import MarketConfig, generate_market
from factories.models import FactoryCapability
from marketplace.models import Role, User

URL = "/api/quotes/"


def quote_bodies(*, count: int, seed: int, under: str | None) -> list[dict[str, Any]]:
    """Random quote requests over the leaf categories that have windows ending from today."""
    today = timezone.localdate()
    capabilities = FactoryCapability.objects.filter(
        category__windows__end_date__gte=today, factory__verified=True
    )
    if under is not None:
        capabilities = capabilities.filter(category__parent__slug=under)
    prices: dict[int, list[float]] = {}
    for category_id, price in capabilities.values_list("category_id", "unit_price").distinct():
        prices.setdefault(category_id, []).append(float(price))
    if not prices:
        raise CommandError("No category has capacity windows: load the demo data first.")
    rng = random.Random(seed)
    categories = sorted(prices)
    bodies = []
    for _ in range(count):
        category_id = rng.choice(categories)
        _city, latitude, longitude = rng.choice(CITIES)
        ceiling = rng.choice(prices[category_id]) * rng.uniform(0.7, 1.6)
        bodies.append(
            {
                "category": category_id,
                "quantity": rng.randrange(50, 5_000, 50),
                "max_unit_price": f"{max(ceiling, 0.01):.2f}",
                "due_date": str(today + dt.timedelta(days=rng.randint(5, 90))),
                "ship_to_latitude": latitude,
                "ship_to_longitude": longitude,
                "allow_split": rng.random() < 0.3,
            }
        )
    return bodies


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of the values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


class Command(BaseCommand):
    help = (
        "Time POST /api/quotes/ through the real API on the database's data (or on a "
        "generated marketplace with --factories); print median and P95 in ms as JSON."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--requests", type=int, default=300, help="quotes timed (300)")
        parser.add_argument("--warm-up", type=int, default=10, help="quotes not counted (10)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
        parser.add_argument(
            "--factories", type=int, default=None, help="first load a generated market"
        )
        parser.add_argument("--orders", type=int, default=10_000, help="its orders (10000)")
        parser.add_argument("--weeks", type=int, default=8, help="its weeks of capacity (8)")
        parser.add_argument(
            "--categories", type=int, default=None, help="its categories (max(20, factories/10))"
        )
        parser.add_argument("--keep", action="store_true", help="keep the generated market")

    def handle(self, *args: object, **options: Any) -> None:
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        loaded: dict[str, int] = {}
        if options["factories"]:
            bench_data_delete()
            market = generate_market(
                MarketConfig(
                    orders=options["orders"],
                    factories=options["factories"],
                    weeks=options["weeks"],
                    seed=options["seed"],
                    categories=options["categories"],
                    today=timezone.localdate(),
                    lead_days=settings.MATCHING_LEAD_DAYS,
                )
            )
            loaded = bench_data_load(market)
        seller = User.objects.create_user(
            username=f"bench-quote-{uuid.uuid4().hex[:8]}", password=None, role=Role.SELLER
        )
        try:
            report = self._measure(seller, options) | {"loaded": loaded}
        finally:
            seller.delete()
            if options["factories"] and not options["keep"]:
                bench_data_delete()
        self.stdout.write(json.dumps(report))

    def _measure(self, seller: User, options: dict[str, Any]) -> dict[str, Any]:
        under = ROOT_SLUG if options["factories"] else None
        warm_up = max(options["warm_up"], 0)
        bodies = quote_bodies(
            count=options["requests"] + warm_up, seed=options["seed"], under=under
        )
        client = APIClient()
        client.force_authenticate(seller)
        framework: dict[str, Any] = settings.REST_FRAMEWORK
        rates = dict(framework["DEFAULT_THROTTLE_RATES"]) | {"quotes": None}
        unthrottled = framework | {"DEFAULT_THROTTLE_RATES": rates}
        times: list[float] = []
        fits = 0
        with override_settings(REST_FRAMEWORK=unthrottled):
            for index, body in enumerate(bodies):
                started = time.perf_counter()
                response = client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{body} answered {response.status_code}: {response.data}")
                if index >= warm_up:
                    times.append(elapsed)
                    fits += bool(response.data["fits"])
        return {
            "requests": len(times),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "fits_share": round(fits / len(times), 3),
            "factories_verified": FactoryCapability.objects.filter(factory__verified=True)
            .values("factory")
            .distinct()
            .count(),
        }
