"""The near-duplicate index's overlay: an import checks rows against it, the writer's index
changes only for what is committed."""

from __future__ import annotations

import dataclasses
import json

from recommender.engine import Recommender
from recommender.twins import TextIndex
from recommender.writer import CatalogueWriter

TEXT = {
    "problem": "Sampah rumah tangga menumpuk di sungai kota pesisir setiap musim hujan tiba.",
    "solution": "Warga menabung sampah terpilah di bank sampah kelurahan dan menukarnya dengan saldo.",
}


def test_an_overlay_sees_its_own_changes_and_leaves_the_base_untouched(recommender: Recommender) -> None:
    stored = recommender.catalogue.all()
    base = TextIndex(stored)
    fresh = dataclasses.replace(stored[0], id="baru", **TEXT)
    view = base.overlay()
    view.add(fresh)
    view.remove(stored[1].id)
    assert view.twin_of(dataclasses.replace(fresh, id="lain")) == "baru"
    assert base.twin_of(dataclasses.replace(fresh, id="lain")) is None
    assert view.twin_of(dataclasses.replace(stored[1], id="lain")) is None
    assert base.twin_of(dataclasses.replace(stored[1], id="lain")) == stored[1].id
    # Unchanged base entries are still found through the view.
    assert view.twin_of(dataclasses.replace(stored[2], id="lain")) == stored[2].id


def test_an_imported_row_that_is_not_stored_leaves_no_twin_behind(
    recommender: Recommender, monkeypatch
) -> None:
    writer = CatalogueWriter(recommender)
    writer.warm()
    row = {**recommender.catalogue.get("bank-sampah-delta").to_dict(), "id": "bank-sampah-baru", **TEXT}
    # Another writer takes the id between validation and commit: the row is refused.
    monkeypatch.setattr(recommender.catalogue, "upsert_unchanged", lambda items, seen: [i.id for i in items])
    report = writer.import_rows((json.dumps(row) + "\n").encode(), "jsonl")
    assert report.accepted == [] and [r.id for r in report.rejected] == ["bank-sampah-baru"]
    monkeypatch.undo()
    # Its text was never stored, so the same text under another id is no near-duplicate.
    twin = dataclasses.replace(recommender.catalogue.get("bank-sampah-delta"), id="bank-sampah-lain", **TEXT)
    assert writer.create(twin).created
