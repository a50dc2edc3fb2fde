"""Importers: turn the acts a collectivity already has into content files (format version 1).

The pipeline of an import mirrors the site's: a source is read into a :class:`~.draft.Draft`
(``text`` for the text of a stamped act, ``pdf`` for the PDF itself, ``scdl`` for an SCDL
CSV), the draft is rendered and validated by the site's own reader (``writer``), and
``batch`` writes the files and reports, per file or row, what was written, skipped or failed.
"""
