"""Transparent language markers: pure functions over text that return evidence spans.

Nothing here knows about sessions, speakers or files. Each marker is registered by name in
:mod:`mentalize.language.markers`; lexicons are data files in ``lexicons/`` with a note on
where their categories come from.
"""

from mentalize.language.markers import MARKERS, MarkerSet, read_markers
from mentalize.language.spans import Span

__all__ = ["MARKERS", "MarkerSet", "Span", "read_markers"]
