"""The MBT-annotated corpus (issue 16): units to code, the codebook's label set, annotation
batches, agreement between independent passes, adjudication, and the figures in the datasheet.

Labels the project makes are stored in the repository (``data/corpus/``) keyed by unit id only;
the text of public datasets is read from ``../shared/datasets`` and never copied. Annotations made
by language-model helpers are machine-assisted, not ratings by certified RF coders, and every
output says so.
"""
