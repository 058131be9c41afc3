"""Research code, never imported at run time: public datasets, every evaluation and the
trainers of the shipped heads (``mentalize evaluate``, ``python -m mentalize.research...``).

- :mod:`.datasets`: where the datasets live and one loader per dataset;
- :mod:`.rows`: :class:`ValidationRow`, one figure of the validation report;
- :mod:`.marker_evaluations`: the marker reading against public labels, and the ordered registry;
- :mod:`.learned_evaluations`: the learned heads against the same labels;
- :mod:`.heldout`: the analyser against the project's own labelled sessions;
- :mod:`.risk_probes`: the risk reader against the blind-authored probes;
- :mod:`.report`: the markdown block and ``write_report``;
- :mod:`.training`: the trainers that rebuild every shipped head.

Importing this package reads no file and imports neither scikit-learn nor scipy; the metrics need
the ``research`` extra (``pip install 'mentalize[research]'``) and are imported when an
evaluation runs. Datasets marked ``eval-only`` are test sets: code may read them to measure, never
to set a shipped threshold, weight or lexicon.
"""

from __future__ import annotations

from mentalize.research.rows import ValidationRow

__all__ = ["ValidationRow"]
