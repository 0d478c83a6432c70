"""Two sellers move late parts to the same standby window at once, with room for one of them
(PostgreSQL, real transactions): exactly one switch wins, the other is a 409 that changes
nothing, and the window is never over-booked."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from factories.models import CapacityWindow
from marketplace.errors import Conflict
from matching.models import LIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from production.models import StandbySwitch, StandbySwitchStatus
from production.standby import standby_switch_accept
from tests.builders import make_assignment, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db(transaction=True)


def late_part_with_standby(window: CapacityWindow) -> StandbySwitch:
    part = make_assignment(
        make_order(quantity=500), make_window(make_factory(), start=1, end=20), status="accepted"
    )
    return StandbySwitch.objects.create(
        part=part,
        trigger="milestone_overdue",
        trigger_date=part.planned_start,
        window=window,
        factory=window.factory,
        quantity=500,
        unit_price=Decimal("10.00"),
        planned_finish=window.end_date,
    )


def test_two_switches_into_one_window_with_room_for_one_never_over_book_it(
    category_tree: None,
) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("This test needs DATABASE_URL pointing at PostgreSQL")
    window = make_window(make_factory(), start=1, end=8, units_per_day=100)  # 800 units
    switches = [late_part_with_standby(window) for _ in range(2)]
    barrier = threading.Barrier(len(switches))
    outcomes: list[str] = []

    def move(switch: StandbySwitch) -> None:
        try:
            barrier.wait()
            standby_switch_accept(switch=switch, actor=switch.part.order.seller)
            outcomes.append("moved")
        except Conflict:
            outcomes.append("409")
        except Exception as error:  # every other failure is reported
            outcomes.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=(switch,)) for switch in switches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["409", "moved"]
    window.refresh_from_db()
    live = Assignment.objects.filter(window=window, status__in=LIVE_ASSIGNMENT_STATUSES)
    assert [a.quantity for a in live] == [500]
    assert (window.booked_units, window.offered_units) == (0, 500)
    assert window.booked_units + window.offered_units <= window.total_units
    statuses = sorted(StandbySwitch.objects.values_list("status", flat=True))
    assert statuses == [StandbySwitchStatus.PENDING, StandbySwitchStatus.SWITCHED]
    # the loser's part is still made by its first factory, its units still booked there
    kept = StandbySwitch.objects.get(status=StandbySwitchStatus.PENDING).part
    kept.refresh_from_db()
    assert kept.status == AssignmentStatus.ACCEPTED
    assert CapacityWindow.objects.get(pk=kept.window_id).booked_units == 500
