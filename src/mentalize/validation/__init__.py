"""Check the analyser against public labelled datasets: ``mentalize evaluate``.

- :mod:`mentalize.validation.datasets`: where the datasets live and one loader per dataset;
- :mod:`mentalize.validation.rows`: :class:`ValidationRow`, one figure of the report;
- :mod:`mentalize.validation.evaluations`: the evaluations and their ordered registry;
- :mod:`mentalize.validation.report`: the markdown block and ``write_report``.

Importing this package reads no file and imports neither scikit-learn nor scipy; the metrics need
the ``research`` extra (``pip install 'mentalize[research]'``) and are imported when an
evaluation runs. Datasets marked ``eval-only`` are test sets: code may read them to measure, never
to set a shipped threshold, weight or lexicon.
"""

from __future__ import annotations

from mentalize.validation.rows import ValidationRow

__all__ = ["ValidationRow"]
