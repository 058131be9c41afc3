"""Per-patient arousal and mentalizing series, smoothed for display and episode finding."""

from __future__ import annotations

from collections.abc import Sequence

from mentalize.analysis.results import Series, TurnAnalysis


def smooth(values: Sequence[float]) -> tuple[float, ...]:
    """A centred 1-2-1 moving average: damps single-turn spikes, keeps a rise that lasts."""
    n = len(values)
    out: list[float] = []
    for i, v in enumerate(values):
        left = values[i - 1] if i > 0 else v
        right = values[i + 1] if i + 1 < n else v
        out.append(round((left + 2 * v + right) / 4, 4))
    return tuple(out)


def patient_series(turns: Sequence[TurnAnalysis]) -> tuple[Series, ...]:
    """One series per patient over their readable (non-minimal) turns, in order of appearance."""
    by_speaker: dict[str, list[TurnAnalysis]] = {}
    for turn in turns:
        if turn.role == "patient" and not turn.minimal:
            by_speaker.setdefault(turn.speaker, []).append(turn)
    result = []
    for speaker, own in by_speaker.items():
        arousal = [t.arousal for t in own]
        mentalizing = [t.mentalizing for t in own]
        result.append(
            Series(
                speaker=speaker,
                turns=tuple(t.index for t in own),
                arousal=tuple(arousal),
                mentalizing=tuple(mentalizing),
                arousal_smoothed=smooth(arousal),
                mentalizing_smoothed=smooth(mentalizing),
            )
        )
    return tuple(result)
