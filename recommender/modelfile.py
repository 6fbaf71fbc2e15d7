"""A fitted model's numbers as a JSON file beside the code (tuples as lists; no pickle)."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

M = TypeVar("M", bound="DataclassInstance")


def save_model(model: DataclassInstance, path: Path) -> None:
    """Write the dataclass's fields as indented JSON."""
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(model).items()}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def load_model(cls: type[M], path: Path, optional: tuple[str, ...] = ()) -> M:
    """Read what `save_model` wrote. Every field must be in the file but the ``optional``
    ones (added after files were shipped), which take their defaults (KeyError otherwise)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in raw:
            value = raw[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
        elif f.name not in optional or f.default is MISSING:
            raise KeyError(f.name)
    return cls(**values)
