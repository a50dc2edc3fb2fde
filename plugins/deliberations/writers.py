"""Streaming writers of the export files: exact JSON, JSON lists, CSV tables.

Files are written row by row, never built whole in memory, so that a corpus of 100 000
acts costs no more memory than one act.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
from decimal import Decimal
from pathlib import Path

import orjson

from .outputs import cut

BUFFER = 1 << 20
# Cells starting with one of these are run as formulas by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def exact(value: Decimal) -> Decimal:
    """The decimal as written, in plain notation (``1.5E+6`` → ``1500000``, ``675.00`` kept)."""
    return Decimal(format(value.copy_abs() if value.is_zero() else value, "f"))


def dumps(value, indent: bool = False) -> str:
    """JSON text, compact or ``indent``-ed by two spaces; a ``Decimal`` is written as a JSON
    number with its digits as given (``675.00``). The exports hold no ``float`` (the model
    refuses them): orjson would write a NaN as null."""
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(value, default=_json_number, option=option).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits: written as decimals, they keep their digits.
        return orjson.dumps(_wide_integers_as_decimals(value), default=_json_number, option=option).decode()


def _wide_integers_as_decimals(value):
    if isinstance(value, dict):
        return {k: _wide_integers_as_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wide_integers_as_decimals(v) for v in value]
    if type(value) is int and not -(2**63) <= value < 2**64:
        return Decimal(value)
    return value


def _json_number(value):
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(format(exact(value), "f"))  # its digits, as they are
    raise TypeError(f"{value!r} ({type(value).__name__}) has no JSON form")


def write_json(path: Path, value, indent: bool = True) -> None:
    with rewrite(path, newline="\n") as f:
        f.write(dumps(value, indent))
        f.write("\n")
        cut(f)


def rewrite(path: Path, newline: str, buffering: int = -1):
    """``path`` opened to write UTF-8 text over what it holds; :func:`~.outputs.cut` it once written.

    A file emptied first has its blocks freed and allocated again, which costs more than the
    writing itself: a rebuild writes these files over the previous ones.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if os.lstat(path).st_nlink > 1:  # shared with the site online: replaced, never written through
            os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
    return open(fd, "w", encoding="utf-8", newline=newline, buffering=buffering)


def spreadsheet_safe(cell: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote, so it stays text."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def cell(value) -> str:
    if type(value) is str:  # most cells: first
        return value
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(exact(value), "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Streamed:
    """A file opened by :func:`rewrite`, written piece by piece, cut to size when closed."""

    def close(self) -> None:
        cut(self._file)
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class JsonList(_Streamed):
    """A JSON object whose last key holds a list, written one item per line.

    ``header`` gives the keys before the list; items are JSON texts from :func:`dumps`.
    """

    def __init__(self, path: Path, header: dict, key: str):
        self.path = path
        self.rows = 0
        self._file = rewrite(path, newline="\n", buffering=BUFFER)
        self._file.write(dumps(header)[:-1] + ("," if header else "") + dumps(key) + ":[")

    def add(self, item: str) -> None:
        self._file.write(",\n" if self.rows else "\n")
        self._file.write(item)
        self.rows += 1

    def close(self) -> None:
        self._file.write("\n]}\n")
        super().close()


class CsvTable(_Streamed):
    """A CSV file: UTF-8 without BOM, comma, CRLF line ends (RFC 4180), a header row.

    With ``safe``, text cells that a spreadsheet would run as formulas are neutralised
    (:func:`spreadsheet_safe`): for the files people open in a spreadsheet.
    """

    def __init__(self, path: Path, columns: list[str], safe: bool = False):
        self.path = path
        self.columns = columns
        self.safe = safe
        self.rows = 0
        self._file = rewrite(path, newline="", buffering=BUFFER)
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow(columns)

    def add(self, row: dict) -> None:
        self.add_line(csv_line(row, self.columns, self.safe))

    def add_line(self, line: str) -> None:
        """Add a record already formatted by :func:`csv_line` (with this table's columns)."""
        self._file.write(line)
        self.rows += 1


def csv_line(row: dict, columns: list[str], safe: bool = False) -> str:
    """The CSV record of ``row``'s ``columns``, CRLF-terminated, as :class:`CsvTable` writes it."""
    cells = [cell(row[c]) for c in columns]
    # One writer for every line, emptied after each (a new one per line costs a third of the
    # time); the tables are written by one thread of each process.
    _LINE_WRITER.writerow([spreadsheet_safe(c) for c in cells] if safe else cells)
    line = _LINE.getvalue()
    _LINE.seek(0)
    _LINE.truncate()
    return line


_LINE = io.StringIO()
_LINE_WRITER = csv.writer(_LINE, lineterminator="\r\n")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(BUFFER), b""):
            digest.update(chunk)
    return digest.hexdigest()
