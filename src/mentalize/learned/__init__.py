"""The learned layer: small linear heads over a sentence embedding plus marker features.

Heads ship as ``.npz`` files with a model card each (``heads/*.md``) and run on numpy alone;
training and cross-validation (:mod:`mentalize.research.training.fit`) need the ``research`` extra.
Nothing here is imported by ``import mentalize``.
"""
