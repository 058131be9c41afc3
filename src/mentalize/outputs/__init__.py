"""The output layer: one typed :class:`~mentalize.analysis.results.SessionAnalysis` becomes the
versioned JSON document (:mod:`.schema`), the tidy batch tables (:mod:`.tables`), pandas frames
(:mod:`.frames`) and the terminal summary (:mod:`.summary`).

Nothing in the core (transcript, language, models, learned, analysis) imports this package;
``make lint`` checks it with an import-linter contract.
"""

from mentalize.outputs.frames import sessions_frame, turns_frame

__all__ = ["sessions_frame", "turns_frame"]
