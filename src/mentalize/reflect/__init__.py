"""Reflect: a private mentalizing self-check for a journal entry or a draft message.

``mentalize reflect`` (docs/reflect.md) and the Python API below read a person's own words with
the analyser and reflect back signs of collapse with the words that prompted them, as curious
questions in MBT's not-knowing stance; risk language is answered first with where to find help.
"""

from mentalize.reflect.reading import Quote, Reflection, RiskNotice, Sign, reflect

__all__ = ["Quote", "Reflection", "RiskNotice", "Sign", "reflect"]
