"""Questionnaires for measurement-based care: RFQ-8, PHQ-9, GAD-7 and any instrument added as
a data file.

Instruments are data (``data/<id>.toml``, documented in ``docs/instruments.md``); one generic
scorer serves all of them. Importing this package reads no file: an instrument is loaded, and
validated, the first time it is asked for.

>>> from mentalize import instruments
>>> result = instruments.score("phq9", [1, 1, 2, 1, 0, 1, 1, 0, 0])
>>> result.scores["total"], result.band.label
(7, 'mild')
>>> instruments.compare("phq9", pre=18, post=8).classification
'recovered'

Every score is a screening aid that supports clinical judgement; it is not a diagnosis.
"""

from mentalize.instruments.change import (
    classify,
    compare,
    reliable_change_index,
    s_diff,
    s_diff_from_sem,
    standard_error_of_measurement,
)
from mentalize.instruments.export import series_csv, series_rows, to_json
from mentalize.instruments.fhir import questionnaire, questionnaire_response
from mentalize.instruments.loader import available, clinical_cutoff, load, load_file
from mentalize.instruments.model import (
    Band,
    ChangeParameters,
    ChangeResult,
    Flag,
    Instrument,
    Item,
    ResponseOption,
    Scale,
    ScoreResult,
)
from mentalize.instruments.scoring import parse_answer, parse_answers, score

__all__ = [
    "Band",
    "ChangeParameters",
    "ChangeResult",
    "Flag",
    "Instrument",
    "Item",
    "ResponseOption",
    "Scale",
    "ScoreResult",
    "available",
    "classify",
    "clinical_cutoff",
    "compare",
    "load",
    "load_file",
    "parse_answer",
    "parse_answers",
    "questionnaire",
    "questionnaire_response",
    "reliable_change_index",
    "s_diff",
    "s_diff_from_sem",
    "score",
    "series_csv",
    "series_rows",
    "standard_error_of_measurement",
    "to_json",
]
