"""The opt-in fast encoder (``MENTALIZE_ENCODER=fast``): derived once, cached with a checksum,
close to the shipped vectors, and named in every result."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import mentalize
from mentalize.errors import MissingExtra, ModelError
from mentalize.models import encoder as encoder_module
from mentalize.models import fast

needs_fast = pytest.mark.skipif(
    not (encoder_module.models_available() and importlib.util.find_spec("onnx")),
    reason="the fast encoder needs the models and fast extras",
)

SENTENCES = [
    "I wonder what was going through your mind when she left.",
    "You always do this, you never listen to me!",
    "Mm.",
    "We could think about it together next week, if you like.",
]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A private cache folder and no encoder loaded yet in this process."""
    monkeypatch.setenv("MENTALIZE_CACHE", str(tmp_path))
    monkeypatch.setattr(encoder_module, "_encoders", {})
    return tmp_path


def test_unknown_variant_is_a_one_line_error(monkeypatch, fresh):
    monkeypatch.setenv(fast.ENCODER_ENV, "turbo")
    with pytest.raises(ModelError, match="MENTALIZE_ENCODER must be one of exact, fast") as caught:
        encoder_module.load_encoder()
    assert "\n" not in str(caught.value)


@needs_fast
def test_missing_onnx_names_the_extra(monkeypatch, fresh):
    monkeypatch.setenv(fast.ENCODER_ENV, "fast")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(MissingExtra, match=r"mentalize\[fast\]"):
        encoder_module.load_encoder()


@needs_fast
def test_fast_vectors_stay_close_to_the_shipped_ones_and_are_cached(monkeypatch, fresh):
    import numpy as np

    exact = encoder_module.load_encoder().encode(SENTENCES)
    monkeypatch.setenv(fast.ENCODER_ENV, "fast")
    encoder = encoder_module.load_encoder()
    assert encoder.model_id == encoder_module.MODEL_ID + fast.FAST_SUFFIX
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * exact).sum(axis=1)
    assert cosines.min() > 0.95 and cosines.mean() > 0.98, cosines
    assert not np.array_equal(vectors, exact)  # it really is another model
    cached = list((fresh / "models").glob("*.onnx"))
    assert len(cached) == 1

    # A second process-level load reads the cache and derives nothing.
    monkeypatch.setattr(encoder_module, "_encoders", {})
    monkeypatch.setattr(fast, "_derive", lambda *a: pytest.fail("derived again"))
    again = encoder_module.load_encoder().encode(SENTENCES)
    assert np.array_equal(again, vectors)


@needs_fast
def test_a_damaged_cache_file_is_derived_again(monkeypatch, fresh):
    monkeypatch.setenv(fast.ENCODER_ENV, "fast")
    first = encoder_module.load_encoder().encode(SENTENCES[:1])
    (cached,) = (fresh / "models").glob("*.onnx")
    cached.write_bytes(cached.read_bytes()[:1000])  # truncated
    monkeypatch.setattr(encoder_module, "_encoders", {})
    second = encoder_module.load_encoder().encode(SENTENCES[:1])
    assert (second == first).all()
    assert cached.stat().st_size > 1_000_000


@needs_fast
def test_results_record_the_fast_encoder(monkeypatch, fresh):
    from mentalize.learned import layer

    monkeypatch.setenv(fast.ENCODER_ENV, "fast")
    layer.learned_layer.cache_clear()
    try:
        analysis = mentalize.analyze_text(
            "Therapist: What was that like for you?\nPatient: Awful. I froze.\n", model="learned"
        )
    finally:
        layer.learned_layer.cache_clear()
    assert analysis.model is not None and fast.FAST_SUFFIX in analysis.model


@needs_fast
def test_a_texts_fast_vector_does_not_depend_on_the_other_texts(monkeypatch, fresh):
    """Dynamic quantisation picks one activation range per run: in a batch, a text's vector
    moved with its neighbours. Each text now runs alone, so it is the same bit for bit whatever
    else is encoded with it, in whatever order, on one thread or several."""
    import numpy as np

    monkeypatch.setenv(fast.ENCODER_ENV, "fast")
    encoder = encoder_module.load_encoder()
    crowd = SENTENCES + [
        f"Another turn, number {i}, with {'many ' * (i % 9)}words." for i in range(40)
    ]
    together = encoder.encode(crowd)
    alone = np.stack([encoder.encode([text])[0] for text in SENTENCES])
    assert np.array_equal(together[: len(SENTENCES)], alone)
    reordered = encoder.encode(crowd[::-1])[::-1]
    assert np.array_equal(reordered, together)
    single = encoder_module.SentenceEncoder.from_installed(threads=1, variant="fast")
    assert np.array_equal(single.encode(crowd), together)
