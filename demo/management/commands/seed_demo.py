"""`python manage.py seed_demo`: demo factories, capacity, sellers, orders and logins.

Safe to run again: once the demo data is there it changes nothing and says so.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from kombu.exceptions import OperationalError as BrokerError

from demo.data import (
    DEMO_PASSWORD,
    STAFF_USERNAME,
    DemoDataError,
    DemoLogin,
    DemoSummary,
    demo_data_create,
    demo_data_present,
    demo_logins,
)
from demo.history import demo_history_create
from demo.lifecycle import demo_lifecycle_advance
from matching.models import MatchRunTrigger
from matching.runs import match_run_request


class Command(BaseCommand):
    help = (
        "Create demo data: factories in Chinese manufacturing cities with capabilities and "
        "capacity windows, sellers with orders, a staff user. Does nothing when already present."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--factories", type=int, default=60, help="Number of factories (default 60)."
        )
        parser.add_argument(
            "--orders", type=int, default=400, help="Number of orders (default 400)."
        )
        parser.add_argument(
            "--match",
            action="store_true",
            help="Queue a match run once the data is created (needs Redis; a worker runs it).",
        )
        parser.add_argument(
            "--lifecycle",
            action="store_true",
            help="Run one match here (no worker needed), then answer its offers and carry "
            "some orders through production, delivery and ratings.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.quiet = options["verbosity"] < 1
        self._check_migrated()
        if demo_data_present():
            self._say("Demo data already present; nothing changed.")
            self._write_logins(demo_logins())
            return
        started = time.perf_counter()
        try:
            summary = demo_data_create(
                seed=options["seed"], factories=options["factories"], orders=options["orders"]
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        past_jobs = demo_history_create(seed=options["seed"])
        self._write_summary(summary, seconds=time.perf_counter() - started, seed=options["seed"])
        self._say(f"  {past_jobs} past orders delivered before today (lead times, scores)")
        if options["lifecycle"]:
            self._advance_lifecycle(options["seed"])
        elif options["match"]:
            self._queue_match_run()
        self._write_logins(summary.logins)
        if not summary.staff_created:
            self._say(
                f"The user '{STAFF_USERNAME}' existed already and was kept; "
                "its password was not changed.",
                self.style.WARNING,
            )

    def _check_migrated(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            raise CommandError(
                f"The database has {len(unapplied)} unapplied migration(s); "
                "run `python manage.py migrate` first (it also creates the product categories)."
            )

    def _write_summary(self, summary: DemoSummary, *, seconds: float, seed: int) -> None:
        lines = [
            f"{summary.categories} leaf product categories",
            f"{summary.factories} factories in {summary.cities} cities "
            f"({summary.verified} verified, {summary.active} active), "
            f"owned by {summary.owners} factory owners",
            f"{summary.capabilities} capabilities, {summary.windows} capacity windows "
            f"with {summary.window_units:,} units",
            f"{summary.orders} orders from {summary.sellers} sellers "
            f"({summary.open_orders} open, {summary.drafts} drafts, {summary.rush} rush)",
        ]
        self._say(f"Created demo data in {seconds:.1f} s (seed {seed}):", self.style.SUCCESS)
        for line in lines:
            self._say(f"  {line}")

    def _advance_lifecycle(self, seed: int) -> None:
        started = time.perf_counter()
        summary = demo_lifecycle_advance(seed=seed)
        statuses = ", ".join(f"{count} {status}" for status, count in summary.statuses.items())
        self._say(
            f"Match run #{summary.run_id} matched {summary.matched_orders} orders; after the "
            f"factories' answers and production they are: {statuses} "
            f"({time.perf_counter() - started:.1f} s)."
        )

    def _queue_match_run(self) -> None:
        try:
            run, created = match_run_request(trigger=MatchRunTrigger.MANUAL)
        except BrokerError as exc:
            self.stderr.write(f"Could not send a match run to the Celery worker: {exc}")
            return
        state = "queued" if created else "was already queued"
        self._say(f"Match run #{run.pk} {state}; the Celery worker runs it.")

    def _write_logins(self, logins: list[DemoLogin]) -> None:
        self._say("Demo logins:")
        width = max(len(login.what) for login in logins)
        credentials = [f"{login.username} / {DEMO_PASSWORD}" for login in logins]
        credentials_width = max(len(text) for text in credentials)
        for login, text in zip(logins, credentials, strict=True):
            self._say(f"  {login.what:<{width}}  {text:<{credentials_width}}  {login.note}")
        self._say("In the admin, Match runs > Run matching now assigns the open orders.")

    def _say(self, text: str, style: Callable[[str], str] | None = None) -> None:
        if not self.quiet:
            self.stdout.write(text, style_func=style)
