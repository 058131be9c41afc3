"""The train-ok corpora as feature matrices: texts embedded once, marker features beside them.

Embedding twenty thousand sentences takes about half a minute, so matrices are cached under the
user cache folder, keyed by the texts, the encoder id and the lexicons and feature list the marker
columns come from; a changed dataset, encoder or lexicon simply misses the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mentalize.environment import cache_root
from mentalize.files import PUBLIC, atomic_path
from mentalize.language import read_markers
from mentalize.learned.features import FEATURE_NAMES, marker_features

Embed = Callable[[Sequence[str]], np.ndarray]

ANNOMI_CLASSES = ("question", "reflection", "therapist_input", "other")


@dataclass(frozen=True)
class Corpus:
    name: str
    texts: tuple[str, ...]
    X: np.ndarray
    """Embedding columns followed by the marker features."""
    y: np.ndarray
    groups: np.ndarray | None = None
    split: np.ndarray | None = None


def cache_dir() -> Path:
    path = cache_root() / "corpora"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def marker_fingerprint() -> str:
    """A digest of every lexicon file and the feature list: marker columns computed under other
    lexicons must not be reused."""
    from importlib import resources

    digest = hashlib.sha256("\x1f".join(FEATURE_NAMES).encode("utf-8"))
    folder = resources.files("mentalize.language").joinpath("lexicons")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            digest.update(entry.name.encode("utf-8") + b"\x00" + entry.read_bytes())
    return digest.hexdigest()[:16]


def featurize(texts: Sequence[str], embed: Embed, encoder_id: str, key: str) -> np.ndarray:
    """Embedding plus marker features for ``texts``, cached under ``key``."""
    source = "\x1f".join(texts) + encoder_id + marker_fingerprint()
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    path = cache_dir() / f"{key}-{digest}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    extra = np.asarray([marker_features(read_markers(t)) for t in texts], dtype=np.float32)
    X = np.hstack([vectors, extra])
    with atomic_path(path, mode=PUBLIC) as temporary, open(temporary, "wb") as handle:
        np.save(handle, X)
    return X


def _corpus(
    name: str, rows: Sequence[Any], embed: Embed, encoder_id: str, **columns: Any
) -> Corpus:
    """A corpus over ``rows`` (each with ``.text``): features cached under ``name``, and the
    label and grouping ``columns`` as arrays."""
    texts = tuple(r.text for r in rows)
    return Corpus(
        name=name,
        texts=texts,
        X=featurize(texts, embed, encoder_id, name),
        **{key: np.asarray(values) for key, values in columns.items()},
    )


def annomi_therapist(root: Path, embed: Embed, encoder_id: str) -> Corpus:
    from mentalize.research.datasets import load_annomi

    rows = [r for r in load_annomi(root) if r.interlocutor == "therapist"]
    return _corpus(
        "annomi",
        rows,
        embed,
        encoder_id,
        y=[r.main_therapist_behaviour for r in rows],
        groups=[r.transcript_id for r in rows],
    )


def emobank(root: Path, embed: Embed, encoder_id: str) -> Corpus:
    from mentalize.research.datasets import load_emobank

    rows = list(load_emobank(root))
    return _corpus(
        "emobank",
        rows,
        embed,
        encoder_id,
        y=np.asarray([r.A for r in rows], dtype=np.float64),
        split=[r.split for r in rows],
    )


def certainty(root: Path, embed: Embed, encoder_id: str) -> Corpus:
    from mentalize.research.datasets import load_certainty

    rows = list(load_certainty(root))
    return _corpus(
        "certainty",
        rows,
        embed,
        encoder_id,
        y=np.asarray([r.certainty for r in rows], dtype=np.float64),
    )
