"""Importers: turn the acts a collectivity already has into content files (format version 1).

The pipeline of an import mirrors the site's: a source is read into a :class:`~.draft.Draft`
(``text`` for the text of a stamped act, ``pdf`` for the PDF itself, ``scdl`` for an SCDL
CSV), the draft is rendered and validated by the site's own reader (``writer``), and
``batch`` writes the files and reports, per file or row, what was written, skipped or failed.
"""

# What can be imported, as ``deliberations import KIND`` lists it. Here, not in ``batch``, so
# that the command line can list them without importing the readers (pypdf is slow to import).
KINDS = {
    "text": "the text of a stamped act (.txt, UTF-8)",
    "pdf": "a PDF act: its text is read and the PDF is published with the act",
    "scdl": "an SCDL « Délibérations » CSV file (or an OpenDataSoft JSON export): one act per row",
}
