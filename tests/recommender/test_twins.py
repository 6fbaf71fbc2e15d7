"""The near-duplicate index's overlay: an import checks rows against it, the writer's index
changes only for what is committed."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from index.analysis import raw_tokens
from recommender import twins
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.errors import InvalidRecord
from recommender.record import Innovation
from recommender.twins import NEAR_DUPLICATE_JACCARD, SHINGLE, TextIndex
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


def _reference_twin(items: dict[str, Innovation], item: Innovation) -> str | None:
    """Brute force over every stored text, with word tuples: what the index must answer."""

    def grams(x: Innovation) -> frozenset[tuple[str, ...]]:
        words = raw_tokens(f"{x.problem or ''} {x.solution or ''}")
        if len(words) < SHINGLE:
            return frozenset({tuple(words)}) if words else frozenset()
        return frozenset(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))

    mine = grams(item)
    if not mine:
        return None
    found = []
    for other in items.values():
        theirs = grams(other)
        common = len(mine & theirs)
        if other.id != item.id and common / (len(mine) + len(theirs) - common) >= NEAR_DUPLICATE_JACCARD:
            found.append((-common, other.id))
    return min(found)[1] if found else None


def _edited(item: Innovation, rng: random.Random, changes: int, new_id: str) -> Innovation:
    words = (item.solution or "").split()
    for _ in range(changes):
        if words:
            words[rng.randrange(len(words))] = rng.choice(["kabupaten", "zzkata", "desa", "warga"])
    return dataclasses.replace(item, id=new_id, solution=" ".join(words))


def test_the_index_answers_as_brute_force_through_adds_removes_and_compactions(
    recommender: Recommender, monkeypatch
) -> None:
    """Stored texts, edited copies (0-3 words changed: some still twins, some not), short
    texts, and the index changed in between, with compaction forced often."""
    monkeypatch.setattr(twins, "COMPACT_AT", 7)
    rng = random.Random(5)
    stored = {i.id: i for i in recommender.catalogue.all()}
    index = TextIndex(stored.values())
    short = dataclasses.replace(next(iter(stored.values())), problem="Antre", solution="lama")
    for step in range(60):
        base = rng.choice(list(stored.values()))
        probe = _edited(base, rng, rng.randrange(4), f"probe-{step}")
        assert index.twin_of(probe) == _reference_twin(stored, probe), step
        if step % 3 == 0:  # keep the edited copy: later probes may find it
            stored[probe.id] = probe
            index.add(probe)
        elif step % 3 == 1:  # forget one
            gone = rng.choice(list(stored))
            del stored[gone]
            index.remove(gone)
        else:  # rewrite one in place
            key = rng.choice(list(stored))
            stored[key] = _edited(stored[key], rng, 5, key)
            index.add(stored[key])
    for probe in (short, dataclasses.replace(short, id="pendek-lain")):
        assert index.twin_of(probe) == _reference_twin(stored, probe)
    index.add(short)
    assert index.twin_of(dataclasses.replace(short, id="pendek-lain")) == short.id


def test_a_short_text_or_an_unseen_word_never_takes_another_word_s_key(recommender: Recommender) -> None:
    """Word ids are small integers: padding and words the index never saw must not reuse one."""
    first = dataclasses.replace(recommender.catalogue.all()[0], problem="alpha beta alpha", solution=None)
    index = TextIndex([first])
    for text in ("alpha beta", "alpha beta zzkata"):
        probe = dataclasses.replace(first, id="lain", problem=text)
        assert _reference_twin({first.id: first}, probe) is None
        assert index.twin_of(probe) is None, text
    assert index.twin_of(dataclasses.replace(first, id="lain")) == first.id


def test_a_record_another_process_commits_right_after_ours_is_still_a_near_duplicate(
    recommender: Recommender, monkeypatch
) -> None:
    """Another worker's (or the CLI's) create lands between this writer's commit and its
    bookkeeping: the writer's index must still learn it from the changes table."""
    other = Catalogue(recommender.catalogue.path)
    writer = CatalogueWriter(recommender)
    writer.warm()
    base = recommender.catalogue.get("psc-119-alpha")
    theirs = dataclasses.replace(base, id="dari-proses-lain", **TEXT)
    create = recommender.catalogue.create

    def create_then_theirs(item: Innovation) -> None:
        create(item)
        other.create(theirs)

    monkeypatch.setattr(recommender.catalogue, "create", create_then_theirs)
    writer.create(
        dataclasses.replace(
            base, id="punya-kami", problem="Antrean puskesmas panjang.", solution="Daftar daring."
        )
    )
    monkeypatch.undo()
    row = json.dumps(dataclasses.replace(theirs, id="kembaran").to_dict()).encode()
    report = writer.import_rows(row, "jsonl")
    assert report.accepted == [] and "dari-proses-lain" in report.rejected[0].reason


def test_a_create_or_replace_repeating_a_stored_text_is_refused_naming_its_twin(
    recommender: Recommender,
) -> None:
    writer = CatalogueWriter(recommender)
    stored = recommender.catalogue.get("bank-sampah-delta")
    other = recommender.catalogue.get("psc-119-alpha")
    for write, item in (
        (writer.create, dataclasses.replace(stored, id="bank-sampah-kembar")),
        (writer.replace, dataclasses.replace(other, problem=stored.problem, solution=stored.solution)),
    ):
        with pytest.raises(InvalidRecord) as refused:
            write(item)
        assert refused.value.field == "problem" and repr(stored.id) in refused.value.reason
    assert recommender.catalogue.get(other.id) == other
