"""The clinic: a local Django web app for MBT treatment records (``mentalize serve``).

Needs the ``clinic`` extra (``pip install 'mentalize[clinic]'``). Nothing here is imported by
``import mentalize`` or by the analysis CLI, so those keep working without Django installed.

Apps, one per concern (``docs/clinic.md``):

    accounts   users with a role (clinician / supervisor / admin), supervision, API tokens
    records    patients, treatment episodes, sessions, notes, crisis plans, questionnaires,
               outcome events; the one scoping module that decides who sees what
    audit      the append-only, hash-chained log of every read and write of clinical data
    api        the JSON API under /api/v1/ (Bearer tokens, same scoping)

Clinical free text is encrypted at rest (:mod:`mentalize.web.crypto`), with the key in a file in
the data directory (:mod:`mentalize.web.datadir`), never in the database.
"""
