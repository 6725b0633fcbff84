"""Read-only containers for the values stages hand on.

A frozen dataclass is only as frozen as what it holds: a dict in one of its
fields can still be changed in place by any later stage. Values that cross a
stage boundary hold their mappings through ``frozen_mapping`` and their
sequences as tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def frozen_mapping(mapping: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only view of a private copy, dicts inside it read-only too: the caller
    keeping ``mapping`` cannot change it. A view already read-only is kept as it is.

    >>> rows = {"job": {"status": 4}}
    >>> frozen = frozen_mapping(rows)
    >>> rows["job"]["status"] = 5
    >>> frozen["job"]["status"]
    4
    >>> frozen["job"]["status"] = 6
    Traceback (most recent call last):
    TypeError: 'mappingproxy' object does not support item assignment
    """
    if isinstance(mapping, MappingProxyType):
        return mapping
    return MappingProxyType({key: _frozen_value(value) for key, value in mapping.items()})


def _frozen_value(value: Any) -> Any:
    return frozen_mapping(value) if isinstance(value, dict) else value


def freeze_mappings(value: object, *names: str) -> None:
    """For a frozen dataclass's ``__post_init__``: its mapping fields ``names`` made
    read-only, however it was built (``dataclasses.replace`` and callers pass dicts)."""
    for name in names:
        object.__setattr__(value, name, frozen_mapping(getattr(value, name)))
