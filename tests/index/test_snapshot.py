import os
import signal
import subprocess
import sys
import textwrap
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
    return store.build(
        doc_ids=[f"d{i}" for i in range(len(docs))],
        doc_keys=[f"k{i}" for i in range(len(docs))],
        passages=docs,
        lexical=lexical,
        chars=chars,
        encoders=[encoder],
        catalogue_hash=catalogue_hash,
        catalogue_seq=len(docs),
        analyzer=Analyzer(),
        reuse=reuse,
    )


def _load(store: SnapshotStore, dim: int = 32):
    snapshot, problems = store.load([HashingEncoder(dim)], Analyzer())
    return snapshot


def test_build_then_load_gives_the_same_index(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    built = _build(store, HashingEncoder(32))
    loaded = _load(store)
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
        _load(store, 64)


def test_missing_snapshot_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="build-index"):
        _load(SnapshotStore(tmp_path))


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
    assert _load(store).version == first.version


SLOW_BUILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import index.dense
    from index.encoders import HashingEncoder
    from tests.index.test_snapshot import _build
    from index.snapshot import SnapshotStore

    original = index.dense.DenseIndex.save

    def slow_save(self, folder, position):
        files = original(self, folder, position)
        with open(files[0], "r+b") as handle:  # leave the vector file half-written
            handle.truncate(files[0].stat().st_size // 2)
        print("writing", folder, flush=True)
        time.sleep(60)
        return files

    index.dense.DenseIndex.save = slow_save
    _build(SnapshotStore(Path(sys.argv[1])), HashingEncoder(32), [[("text", "x")]], "slow")
""")


@pytest.mark.heavy
def test_killing_a_rebuild_while_it_writes_files_leaves_the_previous_snapshot_served(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    first = _build(store, HashingEncoder(32))
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(tmp_path)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    assert line[0] == "writing"
    assert any(Path(line[1]).iterdir())  # the kill lands with files on disk
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    loaded = _load(store)
    assert loaded.version == first.version
    assert loaded.doc_ids == ["d0", "d1"]


def _corrupt_truncate_vectors(path: Path) -> None:
    target = path / "dense-0.npy"
    target.write_bytes(target.read_bytes()[:100])


def _corrupt_manifest(path: Path) -> None:
    (path / "manifest.json").write_text("{not json")


def _corrupt_drop_matrix(path: Path) -> None:
    (path / "lexical_tf.npz").unlink()


def _corrupt_flip_a_byte(path: Path) -> None:
    target = path / "chars_data.npy"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


def _corrupt_foreign_vectors(path: Path) -> None:
    # Vectors of another snapshot (another count) copied in, checksum updated to match:
    # only the count check can catch it.
    import hashlib
    import json

    np.save(path / "dense-0.npy", np.ones((7, 32), dtype=np.float32))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["dense-0.npy"] = hashlib.sha256((path / "dense-0.npy").read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "corrupt",
    [
        _corrupt_truncate_vectors,
        _corrupt_manifest,
        _corrupt_drop_matrix,
        _corrupt_flip_a_byte,
        _corrupt_foreign_vectors,
    ],
)
def test_a_corrupt_current_snapshot_falls_back_to_the_previous_good_one(tmp_path: Path, corrupt) -> None:
    store = SnapshotStore(tmp_path)
    good = _build(store, HashingEncoder(32))
    good.release()
    bad = _build(store, HashingEncoder(32), DOCS + [[("text", "bank sampah")]], "new")
    bad.release()
    assert store.current_name() == bad.version
    corrupt(bad.path)
    snapshot, problems = store.load([HashingEncoder(32)], Analyzer())
    assert snapshot.version == good.version
    assert len(problems) == 1 and bad.version in problems[0]


def test_pruning_never_deletes_a_snapshot_a_process_serves(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    served = _build(store, HashingEncoder(32))
    later = []
    for i in range(5):
        snap = _build(store, HashingEncoder(32), DOCS, f"h{i}")
        snap.release()
        later.append(snap)
    assert served.path.is_dir()  # still leased by this process
    assert not later[0].path.exists()  # an old, unleased one is pruned
    served.release()
    store.prune()
    assert not served.path.exists()


def test_a_snapshot_opened_while_it_is_pruned_is_refused_not_half_read(tmp_path: Path) -> None:
    import fcntl
    import threading
    import time

    from index import snapshot as module

    store = SnapshotStore(tmp_path)
    old = _build(store, HashingEncoder(32))
    old.release()
    _build(store, HashingEncoder(32), DOCS, "newer").release()
    # The pruner holds the old snapshot's lock while deleting; a reader arrives meanwhile.
    handle = open(old.path / "manifest.json", "rb")
    fcntl.flock(handle, fcntl.LOCK_EX)
    outcome: list[object] = []

    def open_old() -> None:
        try:
            outcome.append(store.load_path(old.path, [HashingEncoder(32)], Analyzer()))
        except SnapshotError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=open_old)
    reader.start()
    time.sleep(0.2)
    module.shutil.rmtree(old.path)
    handle.close()
    reader.join(5)
    assert isinstance(outcome[0], SnapshotError) and "removed" in str(outcome[0])


def test_an_incremental_build_carries_unchanged_vocabularies_with_their_checksums(
    tmp_path: Path, monkeypatch
) -> None:
    import json

    from index import snapshot as module

    store = SnapshotStore(tmp_path)
    first = _build(store, HashingEncoder(32))
    hashed: list[str] = []
    real_sha256 = module.file_checksum
    monkeypatch.setattr(module, "file_checksum", lambda path: hashed.append(path.name) or real_sha256(path))
    docs = [DOCS[0], [("text", "akta kelahiran bayi ambulans")]]  # no new term
    lexical = LexicalIndex(Analyzer(), {"text": 1.0}).fit(docs, reuse=first.lexical, reuse_rows=[0, None])
    chars = CharNgramIndex().fit([t for d in docs for _, t in d], reuse=first.chars, reuse_rows=[0, None])
    second = store.build(
        doc_ids=["d0", "d1"],
        doc_keys=["k0", "k1x"],
        passages=docs,
        lexical=lexical,
        chars=chars,
        encoders=[HashingEncoder(32)],
        catalogue_hash="def",
        catalogue_seq=3,
        analyzer=Analyzer(),
        reuse=first,
    )
    assert "lexical_tf.npz" in hashed and not {"lexical.json", "chars.json"} & set(hashed)
    files = json.loads((second.path / "manifest.json").read_text())["files"]
    before = json.loads((first.path / "manifest.json").read_text())["files"]
    for name in ("lexical.json", "chars.json", "chars_idf.npy"):
        assert files[name] == before[name]
        assert (second.path / name).read_bytes() == (first.path / name).read_bytes()
        assert os.stat(second.path / name).st_ino != os.stat(first.path / name).st_ino
    assert files["lexical_tf.npz"] != before["lexical_tf.npz"]
    second.release()
    reloaded = store.load_path(second.path, [HashingEncoder(32)], Analyzer())  # checksums hold
    np.testing.assert_allclose(reloaded.lexical.scores("ambulans"), lexical.scores("ambulans"))
    # A vocabulary that grew is written afresh.
    grown = LexicalIndex(Analyzer(), {"text": 1.0}).fit(
        [DOCS[0], [("text", "perpustakaan keliling")]], reuse=first.lexical, reuse_rows=[0, None]
    )
    assert not grown.same_meta(first.lexical)
