"""The transcript layer: the typed :class:`Transcript` every input format becomes, the readers
for those formats, and the rules that decide who is the therapist.

It knows nothing of markers or analysis, so a new input format never touches the reading code.
"""

from mentalize.transcript.model import ROLES, Role, Transcript, Turn, from_pairs

__all__ = ["ROLES", "Role", "Transcript", "Turn", "from_pairs"]
