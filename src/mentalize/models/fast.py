"""The opt-in fast encoder: the shipped model re-quantised to int8 arithmetic, derived once.

Why it exists
    The shipped model keeps int8 *weights* but computes in fp32, which bounds it near 250
    sentences/s on two cores: about 21 MFLOP per token, at some 60% of what the cores can do in
    fp32. On CPUs with int8 dot-product instructions (AVX-512 VNNI, AVX-VNNI), onnxruntime's
    dynamic quantisation runs the same network about twice as fast. That matters for corpora of
    thousands of sessions; it is not worth its cost for one session in a clinic.

What it costs (measured, docs/encoder.md)
    Vectors move: cosine to the shipped model's vectors about 0.990 on average and 0.96 at
    worst. The shipped heads read them almost unchanged (AnnoMI behaviour agreed on 98% of
    turns, macro-F1 0.729 against 0.732; EmoBank arousal r 0.504 against 0.506). Hence opt-in
    (``MENTALIZE_ENCODER=fast``), recorded in every result's ``model`` field.

Deterministic
    onnxruntime quantises each run's activations with one range, so in a batch a turn's vector
    moved slightly with its neighbours. The encoder therefore runs each text alone in this
    variant, with runs side by side on single-thread sessions (encoder.py): a text's vector is
    the same in any transcript, and the variant is still 1.6-1.7x the shipped model.

How it is derived
    From the verified bytes of the pinned ``model.onnx``: onnxruntime folds the int8 weights to
    fp32 (basic graph optimisation), then ``quantize_dynamic`` re-quantises every MatMul per
    output channel. The result is written atomically to the user cache, keyed by the source
    file's sha256 and the onnx and onnxruntime versions, with its own sha256 beside it, so a
    truncated or altered cache file is derived again instead of loaded. Deriving takes some
    seconds and needs the ``fast`` extra (the ``onnx`` package); later loads read the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from mentalize import environment
from mentalize.errors import MissingExtra, ModelError

ENCODER_ENV = "MENTALIZE_ENCODER"
"""``exact`` (default: the shipped model as it is) or ``fast`` (derived int8 arithmetic)."""
VARIANTS = ("exact", "fast")
FAST_SUFFIX = "+int8-dynamic"
"""Appended to the encoder's id when the fast variant is loaded, so results say which ran."""


def encoder_variant() -> str:
    """The variant ``$MENTALIZE_ENCODER`` asks for; a clear error for anything else."""
    given = environment.get(ENCODER_ENV) or ""
    raw = given.strip().lower() or "exact"
    if raw not in VARIANTS:
        raise ModelError(f"{ENCODER_ENV} must be one of {', '.join(VARIANTS)}, got {given!r}")
    return raw


def cache_folder() -> Path:
    from mentalize.environment import cache_root

    return cache_root() / "models"


def _versions() -> tuple[str, str]:
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        raise MissingExtra(
            "fast", "the fast encoder", missing=exc.name, alternative=f"unset {ENCODER_ENV}"
        ) from None
    return onnx.__version__, onnxruntime.__version__


def _derive(source: bytes, folder: Path) -> bytes:
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded, quantised = folder / "folded.onnx", folder / "int8.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    options.log_severity_level = 3
    ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    # quantize_dynamic logs a generic pre-processing hint on the root logger; it is not for our
    # users, so warnings are muted while it runs (and the previous setting restored).
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(folded, quantised, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(previous)
    return quantised.read_bytes()


def fast_model_bytes(source: bytes, source_sha256: str) -> bytes:
    """The derived int8 model for ``source`` (the verified shipped bytes), from the cache when a
    checked copy is there, else derived now and cached."""
    onnx_version, ort_version = _versions()
    folder = cache_folder()
    stem = f"minilm-l6-int8-{source_sha256[:12]}-onnx{onnx_version}-ort{ort_version}"
    model_path, record_path = folder / f"{stem}.onnx", folder / f"{stem}.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        data = model_path.read_bytes()
        if hashlib.sha256(data).hexdigest() == record.get("sha256"):
            return data
    except (OSError, ValueError):
        pass  # absent or damaged: derive again
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        try:
            data = _derive(source, Path(scratch))
        except Exception as exc:  # onnx and onnxruntime raise their own exception types
            raise ModelError(
                f"could not derive the fast encoder ({type(exc).__name__}); unset {ENCODER_ENV} "
                "to use the shipped model"
            ) from exc
        staged = Path(scratch) / "staged.onnx"
        staged.write_bytes(data)
        os.replace(staged, model_path)
        record = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "source_sha256": source_sha256,
            "onnx": onnx_version,
            "onnxruntime": ort_version,
        }
        staged_record = Path(scratch) / "record.json"
        staged_record.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        os.replace(staged_record, record_path)
    return data
