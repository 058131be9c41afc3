"""Learned models behind the optional ``models`` extra (``pip install mentalize[models]``).

Nothing here is imported by ``import mentalize``, and this module itself imports nothing heavy:
onnxruntime, tokenizers and numpy load only when :func:`load_encoder` is first called, so a
process that never analyses with the learned layer never pays for them (about 0.5 s and 250 MB).
Without the extra the analyser still runs on lexical markers alone; :func:`models_available`
tells which case applies without importing anything.
"""

from __future__ import annotations

from mentalize.models.encoder import (
    EMBEDDING_DIM,
    MAX_TOKENS,
    MODEL_ID,
    SentenceEncoder,
    load_encoder,
    models_available,
)

__all__ = [
    "EMBEDDING_DIM",
    "MAX_TOKENS",
    "MODEL_ID",
    "SentenceEncoder",
    "load_encoder",
    "models_available",
]
