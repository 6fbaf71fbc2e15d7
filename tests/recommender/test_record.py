"""The record check: slugs must match whole, with nothing (not even a newline) after them."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.errors import InvalidRecord
from recommender.record import validate_record
from recommender.replication import validate_replication


def raw(**changes: object) -> dict:
    base = {"id": "abc", "name": "Abc", "level": "kota", "sector": "lainnya", "problem": "Masalah"}
    return {**base, **changes}


@pytest.mark.parametrize("bad", ["abc\n", "abc\r\n", "\nabc", "abc ", "abc-", "-abc", "ABC", "a" * 121])
def test_an_id_must_be_a_slug_with_nothing_after_it(bad: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        validate_record(raw(id=bad))
    assert raised.value.field == "id"


@pytest.mark.parametrize("bad", ["psc-119\n", "psc 119", "psc-119\n\n"])
def test_replication_of_must_be_a_slug_with_nothing_after_it(bad: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        validate_record(raw(replication_of=bad))
    assert raised.value.field == "replication_of"


@pytest.mark.parametrize("good", ["a", "abc", "a-b-c", "psc-119", "9", "a" * 120])
def test_slugs_that_are_whole_are_accepted(good: str) -> None:
    assert validate_record(raw(id=good, replication_of="lain")).id == good


@pytest.mark.parametrize(
    ("validate", "kind"), [(validate_record, "innovation"), (validate_replication, "replication")]
)
def test_a_row_must_be_an_object_of_the_records_own_fields(validate: Any, kind: str) -> None:
    with pytest.raises(InvalidRecord) as not_object:
        validate(["id", "x"])
    assert not_object.value.field == "record" and "JSON object" in not_object.value.reason
    with pytest.raises(InvalidRecord) as unknown:
        validate({"id": "x", "warna": "merah", "zzz": 1})
    assert unknown.value.field == "warna" and unknown.value.reason == f"is not a field of the {kind} record"
