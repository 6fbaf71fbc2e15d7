"""Import adapters: other portals' exports turned into rows of our innovation record.

``get_adapter("lan")`` reads the LAN innovation database export; ``get_adapter("mapping:NAME")``
reads a CSV/JSONL export through a declarative mapping, built in (``mappings/NAME.json``) or, when
the caller allows it, a mapping file path.
"""

from __future__ import annotations

from pathlib import Path

from recommender.adapters.base import AdaptedRow, Adapter
from recommender.adapters.lan import LanAdapter
from recommender.adapters.mapping import MappingAdapter
from recommender.adapters.sector import SectorInference
from recommender.errors import InvalidRecord

MAPPINGS = Path(__file__).parent / "mappings"
__all__ = [
    "Adapter",
    "AdaptedRow",
    "LanAdapter",
    "MappingAdapter",
    "SectorInference",
    "adapter_names",
    "get_adapter",
]


def adapter_names() -> list[str]:
    """Every name get_adapter accepts without a path: 'lan' and 'mapping:<built-in>'."""
    return ["lan", *(f"mapping:{p.stem}" for p in sorted(MAPPINGS.glob("*.json")))]


def get_adapter(name: str, *, sectors: SectorInference | None = None, allow_paths: bool = False) -> Adapter:
    """The adapter called ``name``; raises InvalidRecord('adapter', ...) for an unknown one.

    ``sectors`` is the classifier to infer sectors with (by default trained on the bundled
    catalogue on first use). ``allow_paths`` lets 'mapping:<file.json>' name any mapping file:
    for the command line only, never for a name that came in over HTTP.
    """
    if name == "lan":
        return LanAdapter(sectors)
    if name.startswith("mapping:"):
        target = name.removeprefix("mapping:")
        builtin = MAPPINGS / f"{target.removesuffix('.json')}.json"
        if target and "/" not in target and "\\" not in target and builtin.is_file():
            return MappingAdapter.from_file(builtin, sectors)
        if allow_paths and Path(target).is_file():
            return MappingAdapter.from_file(Path(target), sectors)
    raise InvalidRecord(
        "adapter",
        f"{name[:100]!r} is not one of: {', '.join(adapter_names())}"
        + (" or mapping:<path to a mapping .json>" if allow_paths else ""),
    )
