"""Fitting heads with scikit-learn (the ``research`` extra), shared by training and evaluation.

Cross-validated figures and shipped heads come from the same functions, so what the validation
report measures is what ships. Only ``train-ok`` datasets reach these functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from mentalize.learned.heads import MANIFEST, LinearHead, sha256

SEED = 20261126


def standardiser(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and scale (1 where a feature does not vary), shared by every head."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-8] = 1.0
    return mean, scale


def fit_classifier(
    X: np.ndarray,
    y: Sequence[str] | np.ndarray,
    *,
    name: str,
    C: float = 1.0,
    meta: dict | None = None,
    max_iter: int = 2000,
) -> LinearHead:
    """Multinomial logistic regression on standardised features. Strong regularisation (small
    ``C``) suits 420 features and a few thousand examples. Classes are balanced: in grouped
    cross-validation on AnnoMI, balancing raised macro-F1 (0.717 vs 0.710 at C = 0.01) because
    the rare therapist-input class gains more than questions lose (question F1 0.784 vs 0.798)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = standardiser(X)
    model = LogisticRegression(
        C=C, max_iter=max_iter, class_weight="balanced", random_state=SEED
    ).fit((X - mean) / scale, np.asarray(y))
    return LinearHead(
        name=name,
        kind="classifier",
        classes=tuple(str(c) for c in model.classes_),
        mean=mean,
        scale=scale,
        coef=model.coef_,
        intercept=model.intercept_,
        meta=dict(meta or {}),
    )


def fit_session_head(
    X: np.ndarray,
    y: Sequence[str],
    *,
    name: str,
    C: float,
    meta: dict,
    reader_heads: Sequence[str],
) -> LinearHead:
    """Logistic regression without class weights for a head over the reader's outputs of a
    session (rupture, collapse): its threshold is chosen on dev, so the classes keep their real
    proportions. Stored as float32, as saved, so the head scored in training is the head that
    ships; the metadata records the checksums of the ``reader_heads`` it reads, so that the layer
    refuses it once any of them is retrained."""
    from sklearn.linear_model import LogisticRegression

    from mentalize.learned.heads import manifest_checksums

    mean, scale = standardiser(X)
    model = LogisticRegression(C=C, max_iter=4000, random_state=SEED).fit(
        (X - mean) / scale, np.asarray(y)
    )
    shipped = manifest_checksums()
    return LinearHead(
        name=name,
        kind="classifier",
        classes=tuple(str(c) for c in model.classes_),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        meta={
            "seed": SEED,
            "C": C,
            **meta,
            "reader_heads": {head: shipped[head] for head in reader_heads},
        },
    )


def fit_regressor(
    X: np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    name: str,
    meta: dict | None = None,
    alpha: float | None = None,
) -> LinearHead:
    """Ridge regression on standardised features. Without ``alpha`` the penalty is chosen by
    efficient leave-one-out inside the training data only; with it (chosen outside, e.g. on a
    dev split) that penalty is used."""
    from sklearn.linear_model import Ridge, RidgeCV

    mean, scale = standardiser(X)
    model = (RidgeCV(alphas=np.logspace(-1, 4, 16)) if alpha is None else Ridge(alpha=alpha)).fit(
        (X - mean) / scale, np.asarray(y)
    )
    chosen = {"alpha": float(model.alpha_)} if alpha is None else {}
    return LinearHead(
        name=name,
        kind="regressor",
        classes=(),
        mean=mean,
        scale=scale,
        coef=model.coef_.reshape(1, -1),
        intercept=np.atleast_1d(model.intercept_),
        meta={**chosen, **(meta or {})},
    )


def grouped_folds(
    groups: Sequence[object] | np.ndarray, n_splits: int = 5
) -> list[tuple[np.ndarray, ...]]:
    """Folds that keep every group (a transcript) whole, so no session is in train and test."""
    from sklearn.model_selection import GroupKFold

    index = np.arange(len(groups))
    return list(GroupKFold(n_splits=n_splits).split(index, groups=np.asarray(groups)))


def plain_folds(n: int, n_splits: int = 5) -> list[tuple[np.ndarray, ...]]:
    from sklearn.model_selection import KFold

    return list(KFold(n_splits=n_splits, shuffle=True, random_state=SEED).split(np.arange(n)))


def update_manifest(
    out: Path,
    heads: Mapping[str, LinearHead],
    encoder_id: str,
    models: Mapping[str, str] | None = None,
) -> None:
    """Record the checksums of ``heads`` (already saved as ``<name>.npz`` in ``out``) and of any
    other model files (``models``: file name to sha256, such as the fine-tuned risk reader's
    ONNX) in the manifest, keeping the entries trained by the other scripts. Entries made on
    another encoder are dropped: such a head cannot be loaded beside these ones anyway."""
    path = out / MANIFEST
    kept: dict[str, str] = {}
    kept_models: dict[str, str] = {}
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        if previous.get("encoder") == encoder_id:
            kept = {k: v for k, v in previous.get("heads", {}).items() if k not in heads}
            kept_models = dict(previous.get("models", {}))
    manifest: dict[str, object] = {
        "encoder": encoder_id,
        "seed": SEED,
        "heads": {**kept, **{name: sha256(out / f"{name}.npz") for name in heads}},
    }
    if kept_models or models:
        manifest["models"] = {**kept_models, **(models or {})}
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
