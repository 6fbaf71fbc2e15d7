"""A fitted model's numbers as a JSON file beside the code (tuples as lists; no pickle)."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin, get_type_hints

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
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in raw:
            values[f.name] = _as_declared(hints[f.name], raw[f.name])
        elif f.name not in optional or f.default is MISSING:
            raise KeyError(f.name)
    return cls(**values)


def _as_declared(hint: Any, value: Any) -> Any:
    """``value`` as the field's declared type: JSON writes 1.0 as 1, and an int must not stand
    in for a float (nor a number for a name) once loaded."""
    if hint is float or hint is str:
        return hint(value)
    if get_origin(hint) is tuple and isinstance(value, list):
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_as_declared(args[0], v) for v in value)
        return tuple(value)
    return value
