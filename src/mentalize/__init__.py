"""mentalize: a Mentalization-Based Treatment (MBT) reading of therapy transcripts.

Importing this package loads no model and reads no file; work starts when you call
:func:`analyze`. Every estimate supports clinical judgement and is not a diagnosis.
"""

from mentalize.analysis.entrypoints import analyze, analyze_text
from mentalize.analysis.results import (
    Episode,
    Recommendation,
    Repair,
    RiskFlag,
    Rupture,
    Series,
    SessionAnalysis,
    SessionSummary,
    TurnAnalysis,
)
from mentalize.analysis.session import analyze_utterances
from mentalize.errors import InputError, MentalizeError, ModelError
from mentalize.transcript import Transcript, Turn

__version__ = "0.1.0"

__all__ = [
    "Episode",
    "InputError",
    "MentalizeError",
    "ModelError",
    "Recommendation",
    "Repair",
    "RiskFlag",
    "Rupture",
    "Series",
    "SessionAnalysis",
    "SessionSummary",
    "Transcript",
    "Turn",
    "TurnAnalysis",
    "__version__",
    "analyze",
    "analyze_text",
    "analyze_utterances",
]
