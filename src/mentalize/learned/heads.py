"""Linear heads as small numpy files: load, verify, predict.

A head is a standardiser plus one linear layer (logistic for classes, ridge for a score), so
inference needs numpy only and the file is a few hundred kilobytes. Each ``<name>.npz`` is listed
with its SHA-256 in ``heads/manifest.json`` together with the encoder it was trained on; a head
whose checksum or encoder does not match is refused, since a silently different head would give
silently different readings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mentalize.errors import ModelError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class LinearHead:
    """``kind`` is ``classifier`` (softmax over ``classes``) or ``regressor`` (one score)."""

    name: str
    kind: str
    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    meta: dict[str, Any]

    def decision(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.mean) / self.scale
        return z @ self.coef.T + self.intercept

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, rows summing to 1 (binary heads give two columns)."""
        scores = self.decision(features)
        if scores.shape[1] == 1:  # binary logistic: one column of log-odds
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        scores = scores - scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Scores for a regressor; class names for a classifier."""
        if self.kind == "regressor":
            return self.decision(features)[:, 0]
        return np.asarray(self.classes)[self.predict_proba(features).argmax(axis=1)]

    def save(self, path: Path) -> None:
        np.savez(
            path,
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(
                json.dumps(
                    {
                        "name": self.name,
                        "kind": self.kind,
                        "classes": list(self.classes),
                        **self.meta,
                    }
                )
            ),
        )


def load_head(path: Path) -> LinearHead:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        return LinearHead(
            name=meta.pop("name"),
            kind=meta.pop("kind"),
            classes=tuple(meta.pop("classes")),
            mean=data["mean"],
            scale=data["scale"],
            coef=data["coef"],
            intercept=data["intercept"],
            meta=meta,
        )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def heads_folder() -> Path:
    return Path(str(resources.files("mentalize.learned") / "heads"))


@cache
def load_heads(encoder_id: str) -> dict[str, LinearHead]:
    """Every shipped head, checked against the manifest and the running encoder."""
    folder = heads_folder()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"learned heads: cannot read {folder / MANIFEST} ({exc})") from None
    if manifest.get("encoder") != encoder_id:
        raise ModelError(
            f"learned heads were trained on encoder {manifest.get('encoder')!r} but "
            f"{encoder_id!r} is loaded; reinstall mentalize[models] at the pinned version"
        )
    heads = {}
    for name, expected in manifest["heads"].items():
        path = folder / f"{name}.npz"
        if not path.is_file() or sha256(path) != expected:
            raise ModelError(f"learned head {path}: missing or checksum mismatch; reinstall")
        heads[name] = load_head(path)
    return heads


def manifest_checksums() -> dict[str, str]:
    """The shipped manifest's SHA-256 per head: what a head trained on other heads' outputs
    (the rupture head reads the reader's) records, to be refused once those are retrained."""
    manifest = json.loads((heads_folder() / MANIFEST).read_text(encoding="utf-8"))
    return dict(manifest["heads"])


def heads_fingerprint() -> str:
    """A short id of the shipped heads and model files (from their checksums), recorded with
    every analysis."""
    manifest = json.loads((heads_folder() / MANIFEST).read_text(encoding="utf-8"))
    checksums = {**manifest["heads"], **manifest.get("models", {})}
    joined = "".join(checksums[name] for name in sorted(checksums))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()[:12]
