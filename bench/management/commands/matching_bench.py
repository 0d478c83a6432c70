"""`python manage.py matching_bench`: the market benchmark through the database.

Bulk-loads a generated marketplace (``bench.market_generate``: users, categories,
factories, capabilities, windows with their booked work, orders), runs one match run
through the real task (``match_run_execute_task``, applied eagerly in this process with
every shard solved here), and prints the run's phase times and totals as JSON, beside the
in-memory ``solve`` of the same instance (the problem the run loads, read before it, solved
with the same time limit after it): the run's end to end against the solve alone.

Everything it creates belongs to users named ``bench-mkt-...`` and categories under
``bench-mkt``. It refuses to run when the database holds any order (a run would match
them too) or a queued or running match run; ``--reset`` first deletes the bench data (and
nothing else), and the check then applies to what is left.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from argparse import ArgumentParser
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from bench.market_generate import GeneratedMarket, MarketConfig, generate_market
from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import ProductCategory, Role, User
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus, MatchRunTrigger
from orders.models import Order, OrderPriority, OrderStatus

PREFIX = "bench-mkt"
ROOT_SLUG = PREFIX
FACTORIES_PER_OWNER = 3
ORDERS_PER_SELLER = 200
BATCH = 2000
VARIANTS = ("custom logo", "private label", "restock", "promo batch", "new colourway")


def cny(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def bench_users() -> Any:
    return User.objects.filter(username__startswith=f"{PREFIX}-")


def bench_data_delete() -> dict[str, int]:
    """Delete every row the bench made, and nothing else; return how many of each."""
    users = bench_users()
    counts: dict[str, int] = {}
    with transaction.atomic():
        mine = (
            Q(order__seller__in=users)
            | Q(factory__owner__in=users)
            | Q(run__requested_by__in=users)
        )
        counts["assignments"] = Assignment.objects.filter(mine).delete()[0]
        counts["match_runs"] = MatchRun.objects.filter(requested_by__in=users).delete()[0]
        # the orders themselves, not their history rows deleted with them
        counts["orders"] = (
            Order.objects.filter(seller__in=users).delete()[1].get(Order._meta.label, 0)
        )
        windows = CapacityWindow.objects.filter(factory__owner__in=users)
        counts["windows"] = windows.delete()[0]
        capabilities = FactoryCapability.objects.filter(factory__owner__in=users)
        counts["capabilities"] = capabilities.delete()[0]
        counts["factories"] = Factory.objects.filter(owner__in=users).delete()[0]
        counts["categories"] = ProductCategory.objects.filter(parent__slug=ROOT_SLUG).delete()[0]
        ProductCategory.objects.filter(slug=ROOT_SLUG).delete()
        counts["users"] = users.delete()[0]
    return counts


def bench_data_load(market: GeneratedMarket) -> dict[str, int]:
    """Insert the generated marketplace with bulk_create, in one transaction."""
    problem = market.problem
    now = timezone.now()
    password = make_password(None)  # unusable: bench users cannot log in
    owners = -(-len(problem.factories) // FACTORIES_PER_OWNER)
    sellers = max(1, -(-len(problem.orders) // ORDERS_PER_SELLER))
    with transaction.atomic():
        root = ProductCategory.objects.create(
            slug=ROOT_SLUG, name="Benchmark product lines (matching_bench)"
        )
        categories = ProductCategory.objects.bulk_create(
            [
                ProductCategory(slug=f"{PREFIX}-{c.slug}", name=c.name[:100], parent=root)
                for c in market.categories
            ]
        )
        category_pk = {c.id: row.pk for c, row in zip(market.categories, categories, strict=True)}
        category_name = {c.id: c.name for c in market.categories}

        users = User.objects.bulk_create(
            [
                User(
                    username=f"{PREFIX}-owner-{n:05d}",
                    role=Role.FACTORY_OWNER,
                    password=password,
                    company_name=f"Bench owner {n}",
                )
                for n in range(1, owners + 1)
            ]
            + [
                User(
                    username=f"{PREFIX}-seller-{n:05d}",
                    role=Role.SELLER,
                    password=password,
                    company_name=f"Bench seller {n}",
                )
                for n in range(1, sellers + 1)
            ],
            batch_size=BATCH,
        )
        owner_pks = [u.pk for u in users[:owners]]
        seller_pks = [u.pk for u in users[owners:]]

        factory_rows = Factory.objects.bulk_create(
            [
                Factory(
                    owner_id=owner_pks[index // FACTORIES_PER_OWNER],
                    name=f"{market.factory_cities[f.id].name} bench factory {f.id}",
                    city=market.factory_cities[f.id].name,
                    province=market.factory_cities[f.id].province,
                    latitude=f.latitude,
                    longitude=f.longitude,
                    min_order_quantity=f.min_order_quantity,
                    max_order_quantity=f.max_order_quantity,
                    verified=f.verified,
                    active=f.active,
                    quality_score=market.factory_quality[f.id],
                )
                for index, f in enumerate(problem.factories)
            ],
            batch_size=BATCH,
        )
        factory_pk = {f.id: row.pk for f, row in zip(problem.factories, factory_rows, strict=True)}
        FactoryCapability.objects.bulk_create(
            [
                FactoryCapability(
                    factory_id=factory_pk[f.id],
                    category_id=category_pk[c.category_id],
                    unit_price=cny(c.unit_price_fen),
                    daily_output=c.daily_output,
                )
                for f in problem.factories
                for c in f.capabilities
            ],
            batch_size=BATCH,
        )
        window_rows = CapacityWindow.objects.bulk_create(
            [
                CapacityWindow(
                    factory_id=factory_pk[w.factory_id],
                    category_id=category_pk[w.category_id],
                    start_date=w.start_date,
                    end_date=w.end_date,
                    units_per_day=w.units_per_day,
                    total_units=w.units_per_day * ((w.end_date - w.start_date).days + 1),
                    booked_units=sum(c.units for c in w.commitments),
                )
                for w in problem.windows
            ],
            batch_size=BATCH,
        )

        orders = Order.objects.bulk_create(
            [
                Order(
                    seller_id=seller_pks[index % sellers],
                    title=f"{category_name[o.category_id]}, {VARIANTS[o.id % len(VARIANTS)]}"[:200],
                    category_id=category_pk[o.category_id],
                    quantity=o.quantity,
                    max_unit_price=cny(o.max_unit_price_fen),
                    due_date=o.due_date,
                    ship_to_city=market.order_destinations[o.id].name,
                    ship_to_latitude=o.latitude,
                    ship_to_longitude=o.longitude,
                    priority=OrderPriority(o.priority.value),
                    allow_split=o.allow_split,
                    min_lot_quantity=o.min_lot_quantity,
                    status=OrderStatus.OPEN,
                )
                for index, o in enumerate(problem.orders)
            ],
            batch_size=BATCH,
        )
        # waiting time: created_at is set on insert, so move it back, one age at a time
        by_age: dict[int, list[int]] = defaultdict(list)
        for order, row in zip(problem.orders, orders, strict=True):
            if order.age_days:
                by_age[order.age_days].append(row.pk)
        for age, pks in by_age.items():
            Order.objects.filter(pk__in=pks).update(created_at=now - dt.timedelta(days=age))

        # booked work: an accepted offer of an earlier run per commitment
        booked = [
            (w, row, c)
            for w, row in zip(problem.windows, window_rows, strict=True)
            for c in w.commitments
        ]
        history = MatchRun.objects.create(
            trigger=MatchRunTrigger.MANUAL,
            status=MatchRunStatus.SUCCEEDED,
            requested_by_id=seller_pks[0],
        )
        factories = {f.id: f for f in problem.factories}
        prices = {
            (f.id, c.category_id): c.unit_price_fen
            for f in problem.factories
            for c in f.capabilities
        }
        accepted = Order.objects.bulk_create(
            [
                Order(
                    seller_id=seller_pks[index % sellers],
                    title=f"{category_name[w.category_id]}, earlier order"[:200],
                    category_id=category_pk[w.category_id],
                    quantity=c.units,
                    max_unit_price=cny(prices[(w.factory_id, w.category_id)]),
                    due_date=c.finish + dt.timedelta(days=10),
                    ship_to_city=market.factory_cities[w.factory_id].name,
                    ship_to_latitude=factories[w.factory_id].latitude,
                    ship_to_longitude=factories[w.factory_id].longitude,
                    status=OrderStatus.ACCEPTED,
                )
                for index, (w, _row, c) in enumerate(booked)
            ],
            batch_size=BATCH,
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    run=history,
                    order_id=order.pk,
                    factory_id=factory_pk[w.factory_id],
                    window_id=row.pk,
                    quantity=c.units,
                    unit_price=cny(prices[(w.factory_id, w.category_id)]),
                    distance_km=0.0,
                    transport_days=settings.TRANSPORT_HANDLING_DAYS,
                    transport_cost=Decimal("0.00"),
                    planned_start=c.start,
                    planned_finish=c.finish,
                    status=AssignmentStatus.ACCEPTED,
                )
                for order, (w, row, c) in zip(accepted, booked, strict=True)
            ],
            batch_size=BATCH,
        )
    return {
        "users": len(users),
        "categories": len(categories),
        "factories": len(factory_rows),
        "windows": len(window_rows),
        "orders": len(orders),
        "booked_offers": len(booked),
    }


class Command(BaseCommand):
    help = (
        "Benchmark one match run through the database: bulk-load a generated marketplace "
        "(bench-mkt-* users), run the real match task in this process, print phase times "
        "as JSON. Refuses to run when the database has orders, unless --reset removes them "
        "(only bench data is ever deleted)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--orders", type=int, default=10_000, help="orders (default 10000)")
        parser.add_argument("--factories", type=int, default=2_000, help="factories (default 2000)")
        parser.add_argument("--weeks", type=int, default=8, help="weeks of capacity (default 8)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--categories",
            type=int,
            default=None,
            help="product categories (default max(20, factories / 10))",
        )
        parser.add_argument(
            "--time-limit",
            type=float,
            default=20.0,
            help="the run's solver time limit in seconds (default 20)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete the data of earlier bench runs (bench-mkt-* users and theirs)",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if min(options["orders"], options["factories"], options["weeks"]) < 1:
            raise CommandError("--orders, --factories and --weeks must be at least 1.")
        deleted: dict[str, int] = {}
        if options["reset"]:
            deleted = bench_data_delete()
        existing = Order.objects.count()
        if existing:
            bench = Order.objects.filter(seller__in=bench_users()).count()
            raise CommandError(
                f"The database already has {existing} orders ({bench} of them from an earlier "
                "bench run). A match run would include them, so this command refuses. "
                + (
                    "Use --reset to delete the bench data."
                    if bench == existing
                    else "Only bench data can be deleted (--reset); use an empty database."
                )
            )
        if MatchRun.objects.filter(
            status__in=(MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
        ).exists():
            raise CommandError("A match run is queued or running; try again when it is done.")

        started = time.perf_counter()
        config = MarketConfig(
            orders=options["orders"],
            factories=options["factories"],
            weeks=options["weeks"],
            seed=options["seed"],
            categories=options["categories"],
            today=timezone.localdate(),
            lead_days=settings.MATCHING_LEAD_DAYS,
            time_limit_seconds=options["time_limit"],
            workers=settings.MATCHING_WORKERS,
        )
        market = generate_market(config)
        generate_seconds = time.perf_counter() - started
        inserted = bench_data_load(market)
        insert_seconds = time.perf_counter() - started - generate_seconds

        from matching.selectors import matching_problem_load
        from matching.solver import solve
        from matching.solver.ruin_recreate import warm_up
        from matching.tasks import match_run_execute_task

        # as a worker does when it starts (matching/tasks.py): no timed run compiles numba
        warm_up()

        # the instance the run will load, read before the run changes it: solved in memory
        # after the run (so that the run, not this solve, pays the first imports)
        instance = matching_problem_load(time_limit_seconds=options["time_limit"]).problem
        run = MatchRun.objects.create(
            trigger=MatchRunTrigger.MANUAL,
            requested_by=bench_users().order_by("pk").first(),
            time_limit_seconds=options["time_limit"],
        )
        run_started = time.perf_counter()
        # the real task, eagerly, every shard solved right here (no chord to other workers)
        with override_settings(MATCHING_SHARDS_ON_WORKERS=False):
            match_run_execute_task.apply(args=(run.pk,), throw=True)
        run_seconds = time.perf_counter() - run_started
        run.refresh_from_db()
        if run.status != MatchRunStatus.SUCCEEDED:
            raise CommandError(f"Match run {run.pk} ended {run.status}: {run.error}")

        # the in-memory solve of the same instance, with the same time limit: ``solve`` on
        # the problem as the run loaded it, timed from the call to its answer
        solver_started = time.perf_counter()
        in_memory = solve(instance)
        solver_seconds = time.perf_counter() - solver_started
        run_solver_seconds = (run.build_seconds or 0.0) + (run.solve_seconds or 0.0)
        report = {
            "run_id": run.pk,
            "status": run.status,
            "solver_status": run.solver_status,
            "orders": inserted["orders"],
            "factories": inserted["factories"],
            "windows": inserted["windows"],
            "booked_offers": inserted["booked_offers"],
            "open_orders": run.open_orders,
            "candidate_pairs": run.candidate_pairs,
            "shards": len(run.shard_stats),
            "matched_orders": run.matched_orders,
            "matched_units": run.matched_units,
            "total_units": sum(o.quantity for o in market.problem.orders),
            "production_cost": float(run.production_cost or 0),
            "transport_cost": float(run.transport_cost or 0),
            "objective": run.objective,
            "best_bound": run.best_bound,
            # the value (10,000 x weighted units - cost) and the whole-problem bound on it
            "value": run.value,
            "value_bound": run.value_bound,
            "gap": run.gap,
            "time_limit_seconds": options["time_limit"],
            # phases of the run, from the MatchRun row
            "load_seconds": _round(run.load_seconds),
            "build_seconds": _round(run.build_seconds),
            "solve_seconds": _round(run.solve_seconds),
            "write_seconds": _round(run.write_seconds),
            # totals, measured here
            "generate_seconds": _round(generate_seconds),
            "insert_seconds": _round(insert_seconds),
            "run_seconds": _round(run_seconds),
            # the in-memory solve of the same instance (``solve``, same limit), and the
            # run's own build + solve (its split and shards, from the MatchRun row)
            "solver_seconds": _round(solver_seconds),
            "run_over_solver": _round(run_seconds / solver_seconds if solver_seconds else None),
            "run_solver_seconds": _round(run_solver_seconds),
            "run_over_run_solver": _round(
                run_seconds / run_solver_seconds if run_solver_seconds else None
            ),
            # what the in-memory solve found, beside the run's figures above
            "solver_matched_orders": len({a.order_id for a in in_memory.assignments}),
            "solver_value": in_memory.value,
            "solver_value_bound": in_memory.value_bound,
            "solver_gap": in_memory.value_gap,
            "total_seconds": _round(time.perf_counter() - started),
            "deleted_before": deleted,
        }
        self.stdout.write(json.dumps(report))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
