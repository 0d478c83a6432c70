"""Lower bounds for the Generalized Assignment Problem: LP relaxation and its Lagrangian form.

Pure numpy plus OR-Tools' GLOP (no Django). For any multipliers ``u >= 0`` on the capacity
constraints, the Lagrangian function

    L(u) = sum_j min_i (c[i, j] + u[i] * a[i, j])  -  sum_i u[i] * b[i]

is a lower bound on the optimal cost, and its maximum equals the LP relaxation optimum (the
relaxed subproblem has the integrality property). We solve the LP with GLOP, take its capacity
duals as ``u`` and recompute ``L(u)`` ourselves: that value is a valid bound whatever the
floating-point quality of the LP solution, because it only needs ``u >= 0``. When GLOP fails
(time limit, numerical trouble) a subgradient method on ``L`` gives the multipliers instead.

The same multipliers give the reduced cost of every pair,

    rc[i, j] = c[i, j] + u[i] * a[i, j] - min_k (c[k, j] + u[k] * a[k, j])  >= 0,

and for every assignment x the identity

    cost(x) = L(u) + sum_{j} rc[x_j, j] + sum_i u[i] * (b[i] - load_i(x))

holds, where both sums are non-negative for a feasible x. So a solution cheaper than an
upper bound UB uses only pairs with ``rc < UB - L(u)`` (reduced-cost fixing).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

# Integer objective: a bound L is rounded up after removing this relative float tolerance.
BOUND_TOLERANCE = 1e-7


@dataclass(frozen=True)
class LagrangianBound:
    """A valid lower bound with the multipliers and reduced costs that produced it."""

    value: float  # L(u), a valid bound up to float rounding
    multipliers: np.ndarray  # u, shape (m,), all >= 0
    reduced_costs: np.ndarray  # rc, shape (m, n), all >= 0
    method: str  # "glop" or "subgradient"
    seconds: float

    @property
    def integer_bound(self) -> int:
        """The bound rounded up (costs are integers), minus a float safety margin."""
        return math.ceil(self.value - BOUND_TOLERANCE * max(1.0, abs(self.value)))


def lagrangian(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, u: np.ndarray
) -> tuple[float, np.ndarray]:
    """L(u) and the reduced costs for multipliers ``u`` (clipped to be non-negative)."""
    u = np.maximum(u, 0.0)
    adjusted = cost + u[:, None] * weight
    best = adjusted.min(axis=0)
    value = float(best.sum() - u @ capacity)
    return value, adjusted - best[None, :]


def glop_multipliers(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, time_limit_seconds: float
) -> np.ndarray | None:
    """Capacity duals of the LP relaxation (as u >= 0), or None when GLOP gives no optimum."""
    m, n = cost.shape
    request = linear_solver_pb2.MPModelRequest()
    model = request.model
    for value in cost.ravel().tolist():
        variable = model.variable.add()
        variable.lower_bound = 0.0
        variable.upper_bound = 1.0
        variable.objective_coefficient = value
    index = np.arange(m * n).reshape(m, n)
    ones = [1.0] * m
    for j in range(n):
        row = model.constraint.add()
        row.lower_bound = 1.0
        row.upper_bound = 1.0
        row.var_index.extend(index[:, j].tolist())
        row.coefficient.extend(ones)
    for i in range(m):
        row = model.constraint.add()
        # A finite "minus infinity" such as -1e30 makes GLOP report IMPRECISE: use -inf.
        row.lower_bound = -math.inf
        row.upper_bound = float(capacity[i])
        row.var_index.extend(index[i].tolist())
        row.coefficient.extend(weight[i].astype(float).tolist())
    request.solver_type = linear_solver_pb2.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    request.solver_time_limit_seconds = max(time_limit_seconds, 0.1)
    response = linear_solver_pb2.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL or len(response.dual_value) != n + m:
        return None
    # Duals of "<=" rows of a minimisation are <= 0; the Lagrangian multiplier is their negation.
    multipliers: np.ndarray = np.maximum(-np.asarray(response.dual_value[n:], dtype=float), 0.0)
    return multipliers


def subgradient_multipliers(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    upper_bound: float,
    time_limit_seconds: float,
    iterations: int = 2000,
) -> np.ndarray:
    """Multipliers from a plain subgradient ascent on L(u) (Polyak step towards upper_bound)."""
    start = time.perf_counter()
    m, n = cost.shape
    jobs = np.arange(n)
    u = np.zeros(m)
    best_u, best_value = u, -math.inf
    step_scale = 2.0
    stalled = 0
    for _ in range(iterations):
        if time.perf_counter() - start > time_limit_seconds:
            break
        adjusted = cost + u[:, None] * weight
        chosen = adjusted.argmin(axis=0)
        value = float(adjusted[chosen, jobs].sum() - u @ capacity)
        if value > best_value + 1e-9:
            best_u, best_value, stalled = u.copy(), value, 0
        else:
            stalled += 1
            if stalled >= 30:
                step_scale, stalled = step_scale / 2, 0
        load = np.bincount(chosen, weights=weight[chosen, jobs], minlength=m)
        gradient = load - capacity
        norm = float(gradient @ gradient)
        if norm == 0 or step_scale < 1e-6:
            break
        target = max(upper_bound, value + 1.0)
        u = np.maximum(u + step_scale * (target - value) / norm * gradient, 0.0)
    return best_u


def lp_bound(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    *,
    upper_bound: float,
    time_limit_seconds: float,
) -> LagrangianBound:
    """The LP-relaxation bound with multipliers from GLOP (subgradient if GLOP fails)."""
    start = time.perf_counter()
    u = glop_multipliers(cost, weight, capacity, time_limit_seconds)
    method = "glop"
    if u is None:
        left = time_limit_seconds - (time.perf_counter() - start)
        u = subgradient_multipliers(cost, weight, capacity, upper_bound, max(left, 0.5))
        method = "subgradient"
    value, reduced = lagrangian(cost, weight, capacity, u)
    return LagrangianBound(value, np.maximum(u, 0.0), reduced, method, time.perf_counter() - start)
