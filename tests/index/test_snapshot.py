import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from index.analysis import Analyzer
from index.encoders import HashingEncoder
from index.lexical import CharNgramIndex, LexicalIndex
from index.snapshot import SnapshotError, SnapshotStore

DOCS = [[("text", "ambulans lambat datang")], [("text", "akta kelahiran bayi")]]


def _build(store: SnapshotStore, encoder, docs=DOCS, catalogue_hash: str = "abc", reuse=None):
    lexical = LexicalIndex(Analyzer(), {"text": 1.0}).fit(docs)
    chars = CharNgramIndex().fit([text for doc in docs for _, text in doc])
    return store.build(doc_ids=[f"d{i}" for i in range(len(docs))], passages=docs,
                       lexical=lexical, chars=chars, encoders=[encoder],
                       catalogue_hash=catalogue_hash, reuse=reuse)


def test_build_then_load_gives_the_same_index(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    built = _build(store, HashingEncoder(32))
    loaded = store.load([HashingEncoder(32)], Analyzer())
    assert loaded.version == built.version
    assert loaded.doc_ids == ["d0", "d1"]
    assert loaded.manifest["encoders"] == [{"name": "hashing-32", "dim": 32}]
    assert loaded.manifest["count"] == 2
    assert loaded.manifest["catalogue_hash"] == "abc"
    np.testing.assert_allclose(loaded.dense[0].vectors, built.dense[0].vectors)
    assert loaded.chars.scores("ambulans")[0] > 0


def test_a_snapshot_of_another_encoder_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    _build(store, HashingEncoder(32))
    with pytest.raises(SnapshotError, match="built with encoders 'hashing-32'.*rebuild"):
        store.load([HashingEncoder(64)], Analyzer())


def test_missing_snapshot_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="build-index"):
        SnapshotStore(tmp_path).load([HashingEncoder(32)], Analyzer())


class _CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(32)
        self.encoded: list[str] = []

    def encode_passages(self, texts, *, progress=False):
        self.encoded.extend(texts)
        return super().encode_passages(texts)


def test_rebuild_reuses_vectors_of_unchanged_texts(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    first = _build(store, HashingEncoder(32))
    counting = _CountingEncoder()
    docs = DOCS + [[("text", "bank sampah warga")]]
    _build(store, counting, docs, "def", reuse=first)
    assert counting.encoded == ["bank sampah warga"]


class _FailingEncoder(HashingEncoder):
    def encode_passages(self, texts, *, progress=False):
        raise RuntimeError("model crashed mid-build")


def test_a_failed_build_leaves_the_previous_snapshot_current(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    first = _build(store, HashingEncoder(32))
    with pytest.raises(RuntimeError):
        _build(store, _FailingEncoder(32), [[("text", "baru")]], "zzz")
    assert store.load([HashingEncoder(32)], Analyzer()).version == first.version


SLOW_BUILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from index.encoders import HashingEncoder
    from tests.index.test_snapshot import _build
    from index.snapshot import SnapshotStore

    class Slow(HashingEncoder):
        def encode_passages(self, texts, *, progress=False):
            print("encoding", flush=True)
            time.sleep(60)
            return super().encode_passages(texts)

    _build(SnapshotStore(Path(sys.argv[1])), Slow(32), [[("text", "x")]], "slow")
""")


def test_killing_a_rebuild_half_way_leaves_the_previous_snapshot_loadable(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    first = _build(store, HashingEncoder(32))
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(tmp_path)], cwd=root,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "encoding"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    loaded = store.load([HashingEncoder(32)], Analyzer())
    assert loaded.version == first.version
    assert loaded.doc_ids == ["d0", "d1"]
