"""Facts defined in two places are tied together: the solver's reason codes (pure, no Django)
are the order's unmatched reasons, and money converts between CNY and fen in one place."""

from __future__ import annotations

from decimal import Decimal

from marketplace.money import from_fen, to_fen
from matching.solver.candidates import REASONS
from matching.solver.problem import UnmatchedReason as SolverReason
from orders.models import UnmatchedReason


def test_the_solvers_reason_codes_are_the_orders_unmatched_reasons() -> None:
    assert [reason.value for reason in SolverReason] == list(UnmatchedReason.values)
    # every reason is a filter's, but a pool too small (拼单), which is the solver's answer
    assert set(REASONS) | {SolverReason.POOL_TOO_SMALL} == set(SolverReason)


def test_money_goes_to_fen_and_back() -> None:
    assert to_fen(Decimal("12.34")) == 1234
    assert to_fen("0.005") == 1  # half a fen rounds up
    assert from_fen(1234) == Decimal("12.34")
    assert from_fen(1234.6) == Decimal("12.35")  # a solver's fractional objective
    assert from_fen(to_fen(Decimal("9.99"))) == Decimal("9.99")
