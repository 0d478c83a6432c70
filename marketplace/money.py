"""Money: prices are stored in CNY (``Decimal`` with two places, ``DecimalField``); the solver
counts integer fen (1 CNY = 100 fen) so that its model is exact. These two functions are the
only conversions between them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_fen(amount: Decimal | str | int) -> int:
    """CNY to whole fen, half a fen rounded up."""
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_fen(fen: float) -> Decimal:
    """Fen (a solver's whole or fractional amount) to CNY with two places."""
    return (Decimal(round(fen)) / 100).quantize(Decimal("0.01"))
