"""Scenario 7: a run's task meets the same database error on every attempt (a table stays
locked by another transaction): a bounded number of retries, then the run is failed with
the error, and the queue drains."""

from __future__ import annotations

import time
from urllib.parse import quote

import psycopg
import pytest

from matching.models import Assignment, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from orders.models import Order, OrderStatus
from tests.reliability.conftest import contested_market, limits
from tests.worker import (
    database_url,
    queue_length,
    unacked_messages,
    wait_for,
    wait_for_finished_run,
    worker_process,
)

RETRIES = 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_task_failing_every_time_is_retried_a_bounded_number_of_times_then_fails_the_run() -> (
    None
):
    orders = contested_market(orders=3)
    # the worker waits at most 300 ms for a lock; a transaction holds the orders table
    database = database_url() + "?options=" + quote("-c lock_timeout=300")
    env = limits(
        MATCHING_TASK_RETRIES=str(RETRIES),
        MATCHING_RETRY_BACKOFF_SECONDS="1",
        DATABASE_URL=database,
    )
    with psycopg.connect(database_url()) as locker, worker_process(env=env) as worker:
        locker.execute(f"LOCK TABLE {Order._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        finished = wait_for_finished_run(run.pk, timeout=30)
        # nothing is left in the queue, nor held by the worker for a later retry
        wait_for(lambda: queue_length() == 0 and unacked_messages() == [], timeout=10)
        time.sleep(1.0)
        assert queue_length() == 0 and unacked_messages() == []
        log = worker.log()
        locker.rollback()

    assert finished.status == MatchRunStatus.FAILED
    assert finished.error.startswith("OperationalError:")
    assert "lock timeout" in finished.error
    assert finished.attempts == 1 + RETRIES  # every retry resumed the same run, then it stopped
    assert log.count("Retry in") == RETRIES
    assert not Assignment.objects.filter(run=finished).exists()
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)
    ) == {OrderStatus.OPEN}
