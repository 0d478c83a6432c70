"""Scenario 4: a run's task is sent when the transaction that queued the run commits, and
only then."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from tests.reliability.conftest import contested_market, limits
from tests.worker import queue_length, wait_for_finished_run, worker_process

NOTHING_TO_DO = "already claimed or finished; nothing to do"


class Abort(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_run_requested_in_a_transaction_that_rolls_back_sends_no_task() -> None:
    with pytest.raises(Abort), transaction.atomic():
        run, created = match_run_request(trigger=MatchRunTrigger.MANUAL)
        assert created and MatchRun.objects.filter(pk=run.pk).exists()
        raise Abort

    assert not MatchRun.objects.exists()
    time.sleep(0.5)  # nothing is on its way either
    assert queue_length() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_run_requested_in_a_transaction_is_sent_after_commit_and_its_worker_finds_the_row() -> (
    None
):
    contested_market(orders=3)
    with worker_process(env=limits()) as worker:
        with transaction.atomic():
            run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
            # an idle worker would take a message at once: none is sent before the commit
            time.sleep(1.0)
            assert queue_length() == 0
            assert "received" not in worker.log()
        finished = wait_for_finished_run(run.pk, timeout=30)
        log = worker.log()

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    assert finished.attempts == 1
    assert finished.matched_orders is not None and finished.matched_orders > 0
    assert log.count("received") == 1
    assert NOTHING_TO_DO not in log and "DoesNotExist" not in log
