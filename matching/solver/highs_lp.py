"""Solve an LP (or MIP) block by block with HiGHS, in a separate interpreter.

``python highs_lp.py MODEL.npz ANSWER.npz``: the bound (``bound.py``) and the bench's HiGHS
method run this file by its path, as a script that imports only numpy and highspy.
highspy and OR-Tools each ship their own, incompatible ``libhighs.so.1``: whichever is
loaded first breaks the other in the same process, so HiGHS never runs in a process that
has loaded OR-Tools. The arrays travel as ``.npz`` files.

The model (maximised) is in coordinate form: ``cost``, ``upper`` (lower bounds are 0),
``row_lower``/``row_upper`` (+-inf for none), ``rows``/``cols``/``values``, the block of
each column and row, ``integrality`` (all zero: the LP), ``pairs`` (the first columns,
whose count per block shares out the time), ``time_limit``, ``seed`` and ``start`` (MIP
start values, or empty). Blocks are solved one by one (the LP smallest first, the MIP
largest first), each with its share of the time left by size. The answer holds each
block's status, the column values (zero in blocks without a solution), the row duals
(zero where a block has none) and, for a MIP, each block's dual bound.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np


def solve_blocks(given: Path, answer: Path) -> None:
    import highspy

    with np.load(given) as data:
        model = {key: data[key] for key in data.files}
    cost, cols, rows = model["cost"], model["cols"], model["rows"]
    col_block, row_block = model["col_block"], model["row_block"]
    integrality, pairs = model["integrality"], int(model["pairs"])
    integer = bool(integrality.any())
    time_limit, seed = float(model["time_limit"]), int(model["seed"])
    start = model["start"]
    blocks = int(col_block.max()) + 1 if len(col_block) else 0
    # local index of every column and row within its block
    col_order = np.argsort(col_block, kind="stable")
    col_starts = np.searchsorted(col_block[col_order], np.arange(blocks + 1))
    col_local = np.empty(len(cost), dtype=np.int64)
    col_local[col_order] = np.arange(len(cost)) - col_starts[col_block[col_order]]
    row_order = np.argsort(row_block, kind="stable")
    row_starts = np.searchsorted(row_block[row_order], np.arange(blocks + 1))
    row_local = np.empty(len(row_block), dtype=np.int64)
    row_local[row_order] = np.arange(len(row_block)) - row_starts[row_block[row_order]]
    entry_block = row_block[rows]
    entry_order = np.lexsort((col_local[cols], row_local[rows], entry_block))
    entry_starts = np.searchsorted(entry_block[entry_order], np.arange(blocks + 1))
    sizes = np.bincount(col_block[:pairs], minlength=blocks)

    values = np.zeros(len(cost))
    duals = np.zeros(len(row_block))
    statuses: list[str] = []
    block_bounds = np.zeros(blocks)
    started = time.perf_counter()
    left = int(sizes.sum())
    # The LP goes smallest block first: small blocks take a fraction of their share and
    # what they leave rolls over to the largest, which needs it (a block stopped by its
    # limit still certifies a bound, but a weaker one). The MIP goes largest first.
    for block in range(blocks) if integer else reversed(range(blocks)):
        cs = col_order[col_starts[block] : col_starts[block + 1]]
        rs = row_order[row_starts[block] : row_starts[block + 1]]
        es = entry_order[entry_starts[block] : entry_starts[block + 1]]
        block_rows = row_local[rows[es]]
        row_lower, row_upper = model["row_lower"][rs], model["row_upper"][rs]
        arguments = (
            len(cs),
            len(rs),
            len(es),
            2,  # row-wise
            int(highspy.ObjSense.kMaximize),
            0.0,
            cost[cs],
            np.zeros(len(cs)),
            model["upper"][cs],
            np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower),
            np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper),
            np.searchsorted(block_rows, np.arange(len(rs))).astype(np.int32),
            col_local[cols[es]].astype(np.int32),
            model["values"][es],
            integrality[cs].astype(np.int32),
        )
        remaining = time_limit - (time.perf_counter() - started)
        block_limit = max(0.01, remaining * sizes[block] / max(left, 1))
        left -= int(sizes[block])
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", seed)
        h.setOptionValue("time_limit", block_limit)
        if integer:
            h.setOptionValue("mip_rel_gap", 0.0)
        else:
            # Unpresolved dual simplex: 3x faster on these LPs, and when it stops at the
            # time limit its row duals are still (nearly) dual feasible: a good bound.
            h.setOptionValue("presolve", "off")
            h.setOptionValue("solver", "simplex")
            h.setOptionValue("threads", 1)  # it runs beside the search, which needs a core
        h.passModel(*arguments)
        if integer and len(start):
            h.setSolution(len(cs), np.arange(len(cs), dtype=np.int32), start[cs])
        h.run()
        info = h.getInfo()
        statuses.append(h.modelStatusToString(h.getModelStatus()))
        solution = h.getSolution()
        if info.primal_solution_status == 2:
            values[cs] = np.asarray(solution.col_value)
        if integer:
            block_bounds[block] = info.mip_dual_bound
        elif len(solution.row_dual) == len(rs):  # any row prices give a bound (dual_bound)
            duals[rs] = np.asarray(solution.row_dual)
    np.savez(
        answer,
        statuses=np.array(statuses, dtype=np.str_),
        values=values,
        row_duals=duals,
        block_bounds=block_bounds,
    )


if __name__ == "__main__":
    solve_blocks(Path(sys.argv[1]), Path(sys.argv[2]))
