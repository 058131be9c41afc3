"""Utterance and session analysis: markers in, typed MBT readings out."""
