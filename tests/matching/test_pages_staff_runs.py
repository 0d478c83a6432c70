"""The staff match-runs page: start a run, its progress fragment, the report with charts."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import Role
from matching.models import MatchRun, MatchRunStatus
from tests.builders import make_factory, make_order, make_user, make_window, run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_page(client: Client) -> Client:
    client.force_login(make_user(Role.STAFF))
    return client


def test_staff_start_a_run_and_are_sent_to_its_page(staff_page: Client) -> None:
    response = staff_page.post("/staff/runs/start/")

    run = MatchRun.objects.get()
    assert response["Location"] == f"/staff/runs/{run.pk}/"
    body = staff_page.get(response["Location"]).content.decode()
    assert '<progress id="run-progress"' in body
    assert f'hx-get="/staff/runs/{run.pk}/progress/"' in body  # polls while it works


def test_the_progress_fragment_asks_for_a_reload_once_the_run_is_done(staff_page: Client) -> None:
    make_window(make_factory())
    make_order()
    run = run_matching()

    response = staff_page.get(f"/staff/runs/{run.pk}/progress/")

    assert response["HX-Refresh"] == "true"
    assert 'value="100"' in response.content.decode()


def test_a_queued_runs_fragment_keeps_polling(staff_page: Client) -> None:
    run = MatchRun.objects.create(trigger="manual")

    response = staff_page.get(f"/staff/runs/{run.pk}/progress/")

    assert "HX-Refresh" not in response
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_a_finished_run_shows_its_report_and_charts(staff_page: Client) -> None:
    make_window(make_factory())
    make_order(quantity=300)
    make_order(quantity=10_000_000 // 10)  # too big for the window
    run = run_matching()
    assert run.status == MatchRunStatus.SUCCEEDED

    body = staff_page.get(f"/staff/runs/{run.pk}/").content.decode()

    assert body.count("<svg") == 2 and 'role="img"' in body
    assert "Why orders were not matched" in body and "What to relax" in body
    assert staff_page.get("/staff/runs/").status_code == 200


def test_the_report_names_solver_statuses_and_columns_in_the_readers_language(
    staff_page: Client,
) -> None:
    make_window(make_factory())
    make_order(quantity=300)
    run = run_matching()
    assert run.solver_status == "OPTIMAL"
    waiting = MatchRun.objects.create(trigger="manual")

    chinese = staff_page.get(f"/staff/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = staff_page.get(f"/staff/runs/{run.pk}/").content.decode()
    queued = staff_page.get(f"/staff/runs/{waiting.pk}/progress/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    # the run's and the shard's status, the shard table's worker column
    assert chinese.content.decode().count(">最优</") == 2 and "工作进程" in chinese.content.decode()
    assert english.count(">Optimal</") == 2 and "Worker" in english
    assert "OPTIMAL" not in chinese.content.decode() + english
    assert "等待工作进程" in queued.content.decode()
    assert "worker" not in queued.content.decode().lower()


@pytest.mark.parametrize("role", [Role.SELLER, Role.FACTORY_OWNER])
def test_other_roles_get_403(client: Client, role: str) -> None:
    run = MatchRun.objects.create(trigger="manual")
    client.force_login(make_user(role))

    for url in ("/staff/runs/", f"/staff/runs/{run.pk}/", f"/staff/runs/{run.pk}/progress/"):
        assert client.get(url).status_code == 403
    assert client.post("/staff/runs/start/").status_code == 403
    assert MatchRun.objects.count() == 1
