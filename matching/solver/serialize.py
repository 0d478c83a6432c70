"""Problems and solutions to and from JSON-friendly dicts (for Celery messages and dumps).

Generic over the frozen dataclasses of ``problem.py``: dates become ISO strings, enums
their values, tuples and sets lists; reading follows the dataclasses' type hints back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from typing import Any, TypeVar

from matching.solver.problem import MatchingProblem, MatchingSolution

T = TypeVar("T")


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(to_data(item) for item in value)
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return [[to_data(k), to_data(v)] for k, v in value.items()]
    return value


def from_data(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if data is None else from_data(options[0], data)
    if origin is tuple:
        (item_kind, *_rest) = typing.get_args(kind)
        return tuple(from_data(item_kind, item) for item in data)
    if origin is frozenset:
        (item_kind,) = typing.get_args(kind)
        return frozenset(from_data(item_kind, item) for item in data)
    if origin is dict:
        key_kind, value_kind = typing.get_args(kind)
        return {from_data(key_kind, k): from_data(value_kind, v) for k, v in data}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = dataclasses.fields(kind)
        # a field missing from the data (written before the field existed) takes its default
        return kind(
            **{f.name: from_data(hints[f.name], data[f.name]) for f in fields if f.name in data}
        )
    if kind is dt.date:
        return dt.date.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if kind is float:
        return float(data)
    return data


def problem_from_data(data: Any) -> MatchingProblem:
    problem = from_data(MatchingProblem, data)
    assert isinstance(problem, MatchingProblem)
    return problem


def solution_from_data(data: Any) -> MatchingSolution:
    solution = from_data(MatchingSolution, data)
    assert isinstance(solution, MatchingSolution)
    return solution
