"""An SCDL « Délibérations » file → one draft per row, or the reason the row cannot be one.

Real files are messy: a BOM, ';' separators, multi-line cells, columns in lowercase or
renamed, an extra leading column, dates as JJ/MM/AAAA or AAAA/MM/JJ 00:00:00+00, numbers
turned into ``2,44201E+13`` by a spreadsheet, duplicate ids, level-3 subject codes. Every
row read comes back either as a draft or as a :class:`Rejected` with its line and reason.
Also read: an OpenDataSoft JSON export of the same columns (``records[].fields``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from .. import actes
from . import bodies
from .draft import Draft, ImportFailed, decode, read_source
from .french import fold, make_date

MAX_BYTES = 200 * 1024 * 1024
PARIS = ZoneInfo("Europe/Paris")
COLUMNS = ["COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM",
           "DELIB_OBJET", "BUDGET_ANNEE", "BUDGET_NOM", "PREF_ID", "PREF_DATE", "VOTE_EFFECTIF",
           "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION", "DELIB_URL"]
# Trailing columns producers add for what SCDL lacks, and names seen in pre-SCDL files.
EXTRA_COLUMNS = ["PUBLICATION_DATE", "NATURE_ACTE", "TYPE_SEANCE"]
ALIASES = {
    "numero de deliberation": "DELIB_ID", "date cm": "DELIB_DATE", "date de seance": "DELIB_DATE",
    "date seance": "DELIB_DATE", "titre": "DELIB_OBJET", "objet": "DELIB_OBJET",
    "date de publication": "PUBLICATION_DATE", "date publication": "PUBLICATION_DATE",
    "instance": "TYPE_SEANCE", "type seance": "TYPE_SEANCE", "nature": "NATURE_ACTE",
}
NOT_IMPORTED = {
    "COLL_NOM": "the collectivity is the site's (COLLECTIVITY in the settings)",
    "PREF_ID": "the format has no field for the prefecture's code",
    "BUDGET_ANNEE": "the format records a budget only with an amount, which SCDL does not give",
    "BUDGET_NOM": "the format records a budget only with an amount, which SCDL does not give",
}
VOTES = {"VOTE_EFFECTIF": "members", "VOTE_REEL": "voters", "VOTE_POUR": "for",
         "VOTE_CONTRE": "against", "VOTE_ABSTENTION": "abstention"}
_SPREADSHEET_NUMBER = re.compile(r"\d+,\d+|\d(?:[.,]\d+)?E\+?\d+", re.IGNORECASE)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass
class Rejected:
    """Rows not imported: ``count`` of them from ``source`` (a run of empty rows is one)."""

    source: str
    reason: str
    status: str = "failed"  # or "skipped"
    count: int = 1


@dataclass
class ScdlFile:
    rows: list[Draft | Rejected] = field(default_factory=list)
    read: int = 0  # data rows read
    notes: list[str] = field(default_factory=list)  # about the file as a whole


def read(path: Path, site_bodies: dict[str, str], body: str | None = None,
         siret: str | None = None) -> ScdlFile:
    """Read an SCDL CSV (or OpenDataSoft JSON) file; raise :class:`ImportFailed` if it is neither."""
    raw = read_source(path, MAX_BYTES, "an SCDL file")
    return parse(raw, path.name, site_bodies, body, siret, as_json=path.suffix.lower() == ".json")


def parse(raw: bytes, name: str, site_bodies: dict[str, str], body: str | None = None,
          siret: str | None = None, as_json: bool = False) -> ScdlFile:
    """Read the bytes of an SCDL file named ``name`` (for messages)."""
    if len(raw) > MAX_BYTES:
        raise ImportFailed(f"the file has {len(raw):,} bytes; more than {MAX_BYTES:,} is not an SCDL file")
    if b"\x00" in raw:
        raise ImportFailed("the file is binary (it contains NUL bytes), not a CSV file")
    result = ScdlFile()
    text, note = decode(raw)
    if note:
        result.notes.append(note)
    records = _json_records(text) if as_json else _csv_records(text, result.notes)
    columns_seen: set[str] = set()
    drafts: list[tuple[int, Draft]] = []
    empty: list[int] = []
    for where, line, values in records:
        result.read += 1
        columns_seen.update(values)
        if not any(v.strip() for v in values.values()):
            empty.append(line)
            continue
        _flush_empty(empty, name, result.rows)
        try:
            draft = _draft(values, f"{name}:{where}", site_bodies, body, siret, result.notes)
        except ImportFailed as e:
            result.rows.append(Rejected(f"{name}:{where}", e.reason))
            continue
        drafts.append((len(result.rows), draft))
        result.rows.append(draft)
    _flush_empty(empty, name, result.rows)
    _duplicates(drafts, result.rows)
    for column, why in NOT_IMPORTED.items():
        if column in columns_seen:
            result.notes.append(f"{column} not imported: {why}")
    return result


def _csv_records(text: str, notes: list[str]):
    """(line of the row, line, {column: value}) for each data row of a CSV text."""
    header_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header_line.count)
    if not header_line.count(delimiter):
        raise ImportFailed("no columns found: the first line has no ';', ',' or tab separator")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        names = _columns(header, notes)
        end = reader.line_num
        for row in reader:
            start, end = end + 1, reader.line_num
            if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
                notes.append(f"line {start}: {len(row)} cells for {len(header)} columns; the extra "
                             "cells were ignored")
            values = {name: row[i] if i < len(row) else "" for i, name in enumerate(names) if name}
            yield start, start, values
    except csv.Error as e:
        raise ImportFailed(f"line {reader.line_num}: not a valid CSV row: {e}") from None
    except StopIteration:
        raise ImportFailed("the file is empty") from None


def _columns(header: list[str], notes: list[str]) -> list[str | None]:
    names: list[str | None] = []
    unused = []
    for cell in header:
        name = _column(cell)
        if name is None or name in names:
            unused.append(cell.strip() or "(no name)")
            name = None
        names.append(name)
    if "DELIB_ID" not in names:
        raise ImportFailed(f"no DELIB_ID column (the act's number); columns found: "
                           f"{', '.join(c.strip() or '(no name)' for c in header)}")
    if unused:
        notes.append(f"columns not used: {', '.join(unused)}")
    return names


def _column(cell: str) -> str | None:
    name = cell.strip().lstrip("\ufeff")
    if name.upper() in COLUMNS + EXTRA_COLUMNS:
        return name.upper()
    return ALIASES.get(" ".join(re.findall(r"[a-z0-9]+", fold(name))))


def _json_records(text: str):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ImportFailed(f"not a valid JSON file: {e}") from None
    if isinstance(data, dict):
        data = data.get("records", [data])
    if not isinstance(data, list):
        raise ImportFailed("expected a JSON list of records, or an object with 'records'")
    for n, record in enumerate(data, 1):
        fields = record.get("fields", record) if isinstance(record, dict) else {}
        values = {}
        for key, value in (fields.items() if isinstance(fields, dict) else []):
            name = _column(str(key))
            if name:
                values[name] = _json_value(value)
        yield f"record {n}", n, values


def _json_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _flush_empty(lines: list[int], name: str, rows: list) -> None:
    if lines:
        where = f"{lines[0]}" if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"
        rows.append(Rejected(f"{name}:{where}", f"{len(lines)} empty row{'s' if len(lines) > 1 else ''}",
                             status="skipped", count=len(lines)))
        lines.clear()


# --- one row ---------------------------------------------------------------------------------------


def _cell(values: dict, column: str) -> str:
    value = _OOXML_ESCAPE.sub(_unescape, values.get(column, ""))
    return " ".join(value.split())


def _unescape(m: re.Match) -> str:
    # Spreadsheets write a line break inside a cell as _x000D_ or _x0001_: it separated parts.
    char = chr(int(m[1], 16))
    return " – " if ord(char) < 32 else char


def _draft(values: dict, source: str, site_bodies: dict[str, str], body: str | None,
           siret: str | None, file_notes: list[str]) -> Draft:
    draft = Draft(source)
    fields, notes = draft.fields, draft.notes
    _check_siret(_cell(values, "COLL_SIRET"), siret, file_notes)
    number = _cell(values, "DELIB_ID")
    if not number:
        raise ImportFailed("DELIB_ID (the act's number) is empty")
    if _SPREADSHEET_NUMBER.fullmatch(number):
        raise ImportFailed(f"DELIB_ID {number!r} was turned into a number by a spreadsheet (its digits "
                           "or zeros may be lost): export the file again with this column as text")
    fields["number"] = number
    session = _cell(values, "DELIB_DATE")
    if not session:
        raise ImportFailed("DELIB_DATE (the session date) is empty")
    day = _date(session, notes, "DELIB_DATE")
    if day is None:
        raise ImportFailed(f"DELIB_DATE {session!r} is not a date (expected AAAA-MM-JJ or JJ/MM/AAAA)")
    title = _cell(values, "DELIB_OBJET")
    if title:
        fields["title"] = title
    else:
        notes.append("DELIB_OBJET (the title) is empty")
    _body(values, draft, site_bodies, body)
    fields["session"] = day
    published = _cell(values, "PUBLICATION_DATE")
    if published:
        when = _moment(published, notes)
        if when is None:
            notes.append(f"PUBLICATION_DATE {published!r} is not a date; left out")
        else:
            fields["published"] = when
    _subject(values, draft)
    _nature(values, draft)
    _vote(values, draft)
    received = _cell(values, "PREF_DATE")
    if received:
        when = _date(received, notes, "PREF_DATE")
        if when is None:
            notes.append(f"PREF_DATE {received!r} is not a date; left out")
        else:
            fields["transmission"] = {"received": when}
    draft.text = _link(_cell(values, "DELIB_URL"), notes)
    return draft


def _date(text: str, notes: list[str], column: str) -> date | None:
    """AAAA-MM-JJ, JJ/MM/AAAA, AAAA/MM/JJ, with an optional time and offset (read in Paris time)."""
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
                     r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?", text)
    if m:
        day = make_date(int(m[1]), int(m[2]), int(m[3]))
        if day is None or m[4] is None or m[7] is None:
            return day
        when = _aware(day, m)
        if when is None:
            return None
        local = when.astimezone(PARIS).date()
        if local != day:
            notes.append(f"{column} {text!r} is {local.isoformat()} in French time; that date was used")
        return local
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    return make_date(int(m[3]), int(m[2]), int(m[1])) if m else None


def _aware(day: date, m: re.Match) -> datetime | None:
    offset = m[7].replace("Z", "+00:00")
    offset = offset if ":" in offset or len(offset) != 5 else f"{offset[:3]}:{offset[3:]}"
    offset = offset if len(offset) != 3 else f"{offset}:00"
    try:
        return datetime.fromisoformat(f"{day.isoformat()}T{int(m[4]):02d}:{m[5]}:{m[6] or '00'}{offset}")
    except ValueError:
        return None


def _moment(text: str, notes: list[str]) -> date | datetime | None:
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2})?", text)
    if m:
        try:
            return datetime.fromisoformat(f"{m[1]}T{m[2]}")
        except ValueError:
            return None
    return _date(text, notes, "PUBLICATION_DATE")


def _body(values: dict, draft: Draft, site_bodies: dict[str, str], forced: str | None) -> None:
    key, note = bodies.choose(_cell(values, "TYPE_SEANCE"), site_bodies, forced)
    if key:
        draft.fields["body"] = key
    if note:
        draft.notes.append(f"TYPE_SEANCE: {note}")


def _subject(values: dict, draft: Draft) -> None:
    code = _cell(values, "DELIB_MATIERE_CODE")
    name = _cell(values, "DELIB_MATIERE_NOM")
    known = actes.subjects()
    if code:
        m = re.fullmatch(r"(\d\.\d{1,2})((?:\.\d+)+)?", code)
        if m and m[1] in known:
            draft.fields["subject"] = m[1]
            if m[2]:
                draft.notes.append(f"DELIB_MATIERE_CODE {code} (level {code.count('.') + 1}) was "
                                   f"recorded as its level-2 code {m[1]}")
            return
        draft.notes.append(f"DELIB_MATIERE_CODE {code!r} is not an ACTES subject code (level 2, "
                           "'1.1' to '9.4'); left out")
        return
    by_name = [s.code for s in known.values() if fold(s.scdl_name) == fold(name)]
    if by_name:
        draft.fields["subject"] = by_name[0]
        draft.notes.append(f"subject {by_name[0]} read from DELIB_MATIERE_NOM « {name} »")
    elif name:
        draft.notes.append(f"DELIB_MATIERE_CODE is empty and DELIB_MATIERE_NOM « {name} » is not an "
                           "ACTES subject name")


def _nature(values: dict, draft: Draft) -> None:
    written = _cell(values, "NATURE_ACTE")
    if not written:
        return
    natures = actes.natures()
    by_number = {n.number: code for code, n in natures.items()}
    code = written.upper() if written.upper() in natures else by_number.get(written)
    if code:
        draft.fields["nature"] = code
    else:
        draft.notes.append(f"NATURE_ACTE {written!r} is not an ACTES nature (DE, AR, AI, CC, BF, AU "
                           "or 1 to 6); left out")


def _vote(values: dict, draft: Draft) -> None:
    vote = {}
    for column, key in VOTES.items():
        written = _cell(values, column)
        if not written:
            continue
        if re.fullmatch(r"\d+", written):
            vote[key] = int(written)
        else:
            draft.notes.append(f"{column} {written!r} is not a whole number; left out")
    if vote:
        draft.fields["vote"] = vote


def _link(url: str, notes: list[str]) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        notes.append(f"DELIB_URL {url[:80]!r} is not a web address; left out")
        return ""
    safe = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return f"[Texte de la délibération]({safe})\n"


def _check_siret(written: str, siret: str | None, file_notes: list[str]) -> None:
    if not written or siret is None:
        return
    if _SPREADSHEET_NUMBER.fullmatch(written):
        note = (f"COLL_SIRET {written!r} was turned into a number by a spreadsheet; it could not be "
                "compared with the site's SIRET")
    elif re.sub(r"\s", "", written) != siret:
        note = f"COLL_SIRET {written} is not the site's SIRET ({siret}): are these the site's acts?"
    else:
        return
    if note not in file_notes:
        file_notes.append(note)


def _duplicates(drafts: list[tuple[int, Draft]], rows: list) -> None:
    """Rows sharing a DELIB_ID: identical ones are imported once; different ones are all refused."""
    by_number: dict[str, list[tuple[int, Draft]]] = {}
    for index, draft in drafts:
        by_number.setdefault(draft.number, []).append((index, draft))
    for number, group in by_number.items():
        if len(group) < 2:
            continue
        first = group[0][1]
        if all(d.fields == first.fields and d.text == first.text for _, d in group):
            for index, draft in group[1:]:
                rows[index] = Rejected(draft.source, f"same act as {first.source}", status="skipped")
            continue
        lines = ", ".join(d.source.rsplit(":", 1)[1] for _, d in group)
        for index, draft in group:
            rows[index] = Rejected(draft.source, f"DELIB_ID {number!r} is used by {len(group)} different "
                                   f"acts (lines {lines}): none was imported; give each act its own number")
