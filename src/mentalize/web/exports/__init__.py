"""Export of one patient's record as a FHIR R4 ``Bundle`` or a zip of CSV tables.

    record.py       gather the rows a user may export (through ``records.scoping``) and audit it
    fhir_bundle.py  the record as a FHIR R4 collection Bundle (plain dicts, no FHIR library)
    tables.py       the record as a zip of tidy CSV tables
    csv_safe.py     text cells a spreadsheet would run as formulas get a leading quote
    views.py        the page (a form on the patient page) and ``GET /api/v1/patients/{id}/export/``

Exports are built in memory and handed to the browser as a download; nothing is written to the
server's disk.
"""
