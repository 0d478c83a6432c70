"""`python manage.py simulate_season`: a season through the database and the real code path.

Orders and capacity windows arrive each simulated day through the services; match runs are
queued every ``--run-every-days`` and executed by a running Celery worker (``make run``
starts one); factories answer, produce, report delays; sellers cancel, confirm delivery and
rate. After every day the invariants are checked (``bench/season_db.py``). Prints one JSON
object per day; exits 1 when any invariant failed. Needs a database without the demo data.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bench.season_db import DayReport, SeasonConfig, SeasonError, season_simulate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = SeasonConfig()
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--factories", type=int, default=defaults.factories)
        parser.add_argument("--orders-per-week", type=int, default=defaults.orders_per_week)
        parser.add_argument("--windows-per-week", type=int, default=defaults.windows_per_week)
        parser.add_argument("--run-every-days", type=int, default=defaults.run_every_days)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--run-timeout",
            type=float,
            default=defaults.run_timeout_seconds,
            help="seconds to wait for a match run to end (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("days", "factories", "run_every_days"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        for name in ("orders_per_week", "windows_per_week"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must not be negative.")
        config = SeasonConfig(
            days=options["days"],
            factories=options["factories"],
            orders_per_week=options["orders_per_week"],
            windows_per_week=options["windows_per_week"],
            run_every_days=options["run_every_days"],
            seed=options["seed"],
            run_timeout_seconds=options["run_timeout"],
        )
        failed: list[DayReport] = []

        def show(report: DayReport) -> None:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            if report.violations:
                failed.append(report)

        try:
            season_simulate(config, on_day=show)
        except SeasonError as error:
            raise CommandError(str(error)) from error
        if failed:
            raise CommandError(
                f"Invariants failed on {len(failed)} day(s): first on day {failed[0].day}."
            )
