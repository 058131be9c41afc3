"""Corpus runs: many transcripts in, ``turns``/``sessions`` tables out (``mentalize batch``).

``records`` defines the rows and columns, ``inputs`` finds the work, ``writer`` writes CSV or
Parquet, ``state`` remembers what is done, ``engine`` runs it on local worker processes. Nothing
here imports pandas or pyarrow at import time.
"""
