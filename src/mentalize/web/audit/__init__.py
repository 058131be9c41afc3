"""Audit: an append-only, hash-chained log of every read and write of clinical data."""
