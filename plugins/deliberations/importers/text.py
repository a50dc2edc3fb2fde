"""The text of a stamped act → a draft: the facts it states and its text as clean Markdown.

The header (before the first section heading) gives the number, body, session date and
title; the stamp gives the ACTES id and dates; the text gives the outcome and vote, the
acts repealed or amended and the amounts. What is not found is left out and noted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .. import actes
from ..formatting import money
from . import bodies, layout, stamp
from .draft import Draft, ImportFailed
from .french import ACT_NUMBER, DATE, day_month, find_amounts, make_date

MAX_CHARS = 2_000_000  # an act is a few pages; a longer "text" is not an act
HEADER_LINES = 30  # the header is searched in the first lines only
LABEL_CHARS = 180  # an amount's label: its clause, cut to this length around the amount

_I = re.IGNORECASE
_BODY = rf"(?P<body>{bodies.BODY})"
_OF = r"(?:du|de\s+la|de\s+l['’]|de)\s*"
NUMBER_LINE = re.compile(
    rf"(?:^\s*|(?i:d[ée]lib[ée]ration|acte|d[ée]cision|arr[êe]t[ée])\s+)(?i:n)\s*[°º]\s*:?\s*(?P<n>{ACT_NUMBER})")
_SITTING = r"(?:r[ée]uni\w*\s+)?(?:en\s+s[ée]ance\s+)?(?:du|le)\s+"  # « Conseil municipal (réuni) du … »
SESSION = [
    re.compile(rf"s[ée]ance(?:\s+(?:publique|ordinaire|extraordinaire|pl[ée]ni[èe]re))?\s+du\s+(?P<d>{DATE})",
               _I),
    re.compile(rf"date\s+de\s+(?:la\s+)?s[ée]ance\s*:?\s*(?P<d>{DATE})", _I),
    re.compile(rf"^\s*{bodies.BODY}\s+{_SITTING}(?P<d>{DATE})", _I),
]
BODY_WORDING = [
    re.compile(rf"(?:extrait\s+du\s+)?registre\s+des\s+d[ée]lib[ée]rations\s+{_OF}{_BODY}", _I),
    re.compile(rf"d[ée]lib[ée]ration\s+{_OF}{_BODY}", _I),
    re.compile(rf"s[ée]ance\s+(?:publique\s+)?{_OF}{_BODY}", _I),
    re.compile(rf"^\s*{_BODY}(?=\s+{_SITTING}{DATE})", _I),
    re.compile(rf"^\s*{_BODY}\s*$", _I),
]
OBJET = re.compile(r"^\s*objet\s*:\s*(?P<t>\S.*)", _I)
HEADER_END = re.compile(r"\s*(?:vu\b|considérant|rapporteur|après\s+en\s+avoir|exposé|le\s+conseil\b"
                        r"|le\s+bureau\b|la\s+commission\b|mesdames|messieurs)", _I)
SUBJECT = re.compile(r"^\s*(?:code\s+)?(?:mati[èe]re|nomenclature)[^:\n]{0,30}:\s*(?P<code>\d\.\d{1,2})\b",
                     _I | re.M)

OUTCOMES = {"adopt": "adopted", "rejet": "rejected", "retir": "withdrawn", "ajourn": "postponed",
            "report": "postponed"}
_OUTCOME_WORD = re.compile(r"\b(?P<w>adopt|rejet|retir|ajourn|report)[ée]e?s?\b", _I)
_NOT_ADOPTED = re.compile(r"\bn['’]\s*(?:est|a)\s+pas\s+(?:été\s+)?adopt", _I)
_OUTCOME_SENTENCE = re.compile(
    r"\b(?P<w>adopt|rejet)[ée]e?s?\s+(?:à\s+l['’]\s*unanimit|à\s+la\s+majorit|par\s+\d+\s+voix)", _I)
_UNANIMOUS = re.compile(r"\bunanimit[ée]", _I)
# Vote counts: « Pour : 142 ; Contre : 12 ; Abstention : 9 », and « 142 voix pour, 12 contre et
# 9 abstentions » in a sentence that speaks of votes.
COUNTS = {
    "members": r"(?:membres\s+)?en\s+exercice\s*:\s*(\d+)",
    "voters": r"\bvotants\s*:\s*(\d+)",
    "for": r"\bpour\s*:\s*(\d+)",
    "against": r"\bcontre\s*:\s*(\d+)",
    "abstention": r"\babstentions?\s*:\s*(\d+)",
}
VOICE_COUNTS = {
    "for": r"(\d+)\s+voix\s+pour\b",
    "against": r"(\d+)\s+(?:voix\s+)?contre\b",
    "abstention": r"(\d+)\s+abstentions?\b",
}
RELATIONS = {
    "repeals": re.compile(r"\b(?:rapport(?:er|e|ons|ant)|abrog(?:er|e|eons|eant))\b", _I),
    "amends": re.compile(r"\bmodifi(?:er|e|ons|ant)\b", _I),
}
_ACTS_AFTER = re.compile(r"\s+(?:(?:la|les|sa|ses)\s+)?d[ée]lib[ée]rations?\b"
                         r"(?P<rest>[^;\n]*?)(?=;|\.(?:\s|$)|$)", _I)
_REF = re.compile(rf"(?:(?i:n)\s*[°º]\s*|^\s+)(?P<n>{ACT_NUMBER})")
RECURRENCES = [
    ("multiyear", re.compile(r"\bpluriannuel(?:le)?s?\b", _I)),
    ("yearly", re.compile(r"\bannuel(?:le)?s?\b|\bpar\s+an(?:née)?\b|\bchaque\s+année\b|/\s?an\b", _I)),
    ("quarterly", re.compile(r"\btrimestriel(?:le)?s?\b|\bpar\s+trimestre\b", _I)),
    ("monthly", re.compile(r"\bmensuel(?:le)?s?\b|\bpar\s+mois\b", _I)),
]
SECTION = re.compile(r"\bsection\s+(?:de\s+|d['’]\s*)?(?P<s>fonctionnement|investissement)\b", _I)


def parse(text: str, source: str, site_bodies: dict[str, str], body: str | None = None) -> Draft:
    """Read an act's text; ``body`` (a key of ``site_bodies``) overrides the one the text names."""
    text = normalise(text)
    if not re.search(r"\w", text):
        raise ImportFailed("the text is empty")
    if len(text) > MAX_CHARS:
        raise ImportFailed(f"the text has {len(text):,} characters; an act is expected under {MAX_CHARS:,}")
    draft = Draft(source)
    found = stamp.read(text)
    draft.notes.extend(found.notes)
    lines = found.text.split("\n")
    head = _read_header(lines, found, draft.notes)
    if head.number is None:
        raise ImportFailed("no act number found at the top of the text (e.g. « 22-B-0183 » or "
                           "« Délibération n° 2022-123 »)")
    if head.session is None:
        why = [note for note in draft.notes if note.startswith("session:")]
        raise ImportFailed("; ".join(why) if why else "no session date found at the top of the text "
                           "(e.g. « Séance du vendredi 8 avril 2022 »)")
    fields = draft.fields
    fields["number"] = head.number
    if head.title:
        fields["title"] = head.title
    _set_body(draft, head.body, site_bodies, body)
    fields["session"] = head.session
    if "published" in found.dates:
        fields["published"] = found.dates["published"]
    subject = _subject(text)
    if subject:
        fields["subject"] = subject
    if found.actes_id:
        fields["nature"] = found.actes_id.rsplit("-", 1)[1]
    body_lines = [line for i, line in enumerate(lines) if i not in head.consumed]
    blocks = layout.blocks("\n".join(body_lines))
    _read_outcome(blocks, draft)
    relations = _read_relations(blocks, head.number)
    fields["amounts"] = _read_amounts(blocks, relations, draft.notes)
    transmission = {"actes_id": found.actes_id, "sent": found.dates.get("sent"),
                    "received": found.dates.get("received")}
    fields["transmission"] = {k: v for k, v in transmission.items() if v is not None}
    for name in ("repeals", "amends"):
        fields[name] = [n for n, _ in relations[name]]
    draft.fields = {k: v for k, v in fields.items() if v not in (None, [], {})}
    draft.text = layout.to_markdown(blocks)
    _note_missing(draft)
    return draft


def normalise(text: str) -> str:
    """One form of the text: NFC, LF line ends, no control characters, ligatures spelt out."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\t", " ")
    text = text.replace("\u00ad", "").translate(_LIGATURES)
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]", "", text)


_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"})


# --- header: number, session, body, title ------------------------------------------------------


@dataclass
class Header:
    number: str | None = None
    session: date | None = None
    body: str | None = None  # as worded, e.g. "BUREAU", "Conseil municipal"
    title: str | None = None
    consumed: set[int] = field(default_factory=set)  # lines that only held these facts


def _header_lines(lines: list[str]) -> list[int]:
    chosen = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if (len(chosen) >= HEADER_LINES or len(stripped) > 200 or layout.HEADING.fullmatch(stripped)
                or HEADER_END.match(stripped)):
            break
        chosen.append(i)
    return chosen


def _read_header(lines: list[str], found: stamp.Stamp, notes: list[str]) -> Header:
    head = Header()
    spans: dict[int, list[tuple[int, int]]] = {}
    indices = _header_lines(lines)

    def take(i: int, m: re.Match, group: str | int = 0) -> None:
        spans.setdefault(i, []).append(m.span(group))

    numbers, sessions, said = [], [], []
    for i in indices:
        line = lines[i]
        if m := NUMBER_LINE.search(line):
            if re.search(r"\d", m["n"]):
                numbers.append(m["n"])
                take(i, m)
        elif _bare_number(line):
            numbers.append(line.strip())
            take(i, re.search(r"\S.*\S|\S", line))
        for pattern in SESSION:
            for m in pattern.finditer(line):
                sessions.append(m["d"])
                take(i, m)
        for pattern in BODY_WORDING:
            if m := pattern.search(line):
                said.append(" ".join(m["body"].split()))
                take(i, m)
                break
    if numbers:
        head.number = numbers[0]
        if len(set(numbers)) > 1:
            notes.append(f"number: several at the top ({', '.join(dict.fromkeys(numbers))}); "
                         f"the first, {numbers[0]}, was used")
    head.session = _session(sessions, found, notes)
    if said:
        head.body = said[0]
    for i, ranges in spans.items():
        if not re.search(r"\w", _without(lines[i], ranges)):
            head.consumed.add(i)
    head.title = _title(lines, indices, spans, head)
    return head


def _bare_number(line: str) -> bool:
    """A line that is only an act number: "22-B-0183", "20 C 0008" (not a date, not a year)."""
    text = line.strip()
    return bool(re.fullmatch(ACT_NUMBER, text) and re.search(r"\d", text) and len(text) <= 40
                and re.search(r"[A-Za-z]|\d[-_./ ]\d|\d[-_./ ][A-Z]", text)
                and not re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d+", text))


def _session(written: list[str], found: stamp.Stamp, notes: list[str]) -> date | None:
    days: dict[date, None] = {}
    for text in written:
        parts = day_month(" ".join(text.split()))
        if parts is None:
            continue
        day, month, year = parts
        if year is None:
            year = _year_from_id(found.actes_id, day, month)
            if year is None:
                notes.append(f"session: {text!r} has no year, and the ACTES id does not give it")
                continue
        when = make_date(year, month, day)
        if when is None:
            notes.append(f"session: {text!r} is not a valid date")
        else:
            days[when] = None
    if len(days) > 1:
        notes.append(f"session: several dates at the top ({', '.join(d.isoformat() for d in days)})")
        return None
    return next(iter(days), None)


def _year_from_id(actes_id: str | None, day: int, month: int) -> int | None:
    """The year of « 1er décembre », when the ACTES id's decision date is that same day."""
    if not actes_id:
        return None
    decided = actes_id.split("-")[2]
    year, m, d = int(decided[:4]), int(decided[4:6]), int(decided[6:8])
    return year if (m, d) == (month, day) else None


def _without(line: str, ranges: list[tuple[int, int]]) -> str:
    keep = list(line)
    for start, end in ranges:
        for k in range(start, end):
            keep[k] = " "
    return "".join(keep)


def _title(lines: list[str], indices: list[int], spans: dict, head: Header) -> str | None:
    for n, i in enumerate(indices):
        if m := OBJET.match(lines[i]):
            parts = [m["t"].strip()]
            head.consumed.add(i)
            for j in indices[n + 1:]:
                if j != i + len(parts) or not lines[j].strip()[:1].islower():
                    break
                parts.append(lines[j].strip())
                head.consumed.add(j)
            return " ".join(" ".join(parts).split())
    after = max(spans, default=-1)
    parts, last = [], None
    for i in indices:
        if i <= after or i in head.consumed or i in spans:
            continue
        if last is not None and (i != last + 1 or len(parts) == 3):
            break
        line = lines[i].strip()
        if layout.ITEM.fullmatch(line) or layout.VOTE.match(line):
            break
        parts.append(line)
        last = i
    if not parts:
        return None
    for i in range(indices.index(last) - len(parts) + 1, indices.index(last) + 1):
        head.consumed.add(indices[i])
    return " ".join(" ".join(parts).split())


def _set_body(draft: Draft, said: str | None, site_bodies: dict[str, str], forced: str | None) -> None:
    key, note = bodies.choose(said, site_bodies, forced)
    if key:
        draft.fields["body"] = key
    if note:
        draft.notes.append(f"body: {note}")


def _subject(text: str) -> str | None:
    codes = {m["code"] for m in SUBJECT.finditer(text)}
    return codes.pop() if len(codes) == 1 and next(iter(codes)) in actes.subjects() else None


# --- outcome and vote -------------------------------------------------------------------------


def _read_outcome(blocks: list[layout.Block], draft: Draft) -> None:
    outcomes: dict[str, None] = {}
    unanimous = False
    counts: dict[str, set[int]] = {}
    for block in blocks:
        text = block.text
        voting = block.kind == "vote"
        if voting:
            if _NOT_ADOPTED.search(text):
                outcomes["rejected"] = None
            elif m := _OUTCOME_WORD.search(text):
                outcomes[OUTCOMES[m["w"].lower()]] = None
        elif m := _OUTCOME_SENTENCE.search(text):
            outcomes[OUTCOMES[m["w"].lower()]] = None
            voting = True
        if voting and _UNANIMOUS.search(text):
            unanimous = True
        patterns = [COUNTS] + ([VOICE_COUNTS] if re.search(r"\bvoix\b", text, _I) else [])
        for table in patterns:
            for name, pattern in table.items():
                for m in re.finditer(pattern, text, _I):
                    counts.setdefault(name, set()).add(int(m[1]))
    if len(outcomes) == 1:
        draft.fields["outcome"] = next(iter(outcomes))
    elif outcomes:
        draft.notes.append(f"outcome: the text gives several ({', '.join(outcomes)}); left out")
    vote: dict = {"unanimous": True} if unanimous else {}
    for name, values in counts.items():
        if len(values) == 1:
            vote[name] = values.pop()
        else:
            draft.notes.append(f"vote.{name}: the text gives several counts "
                               f"({', '.join(map(str, sorted(values)))}); left out")
    if vote:
        draft.fields["vote"] = vote


# --- repeals and amends -------------------------------------------------------------------------


def _read_relations(blocks: list[layout.Block], own: str) -> dict[str, list[tuple[str, tuple]]]:
    """Act numbers the act repeals or amends, each with where it is said (block, span)."""
    found: dict[str, list[tuple[str, tuple]]] = {"repeals": [], "amends": []}
    for b, block in enumerate(blocks):
        for name, verb in RELATIONS.items():
            for v in verb.finditer(block.text):
                m = _ACTS_AFTER.match(block.text, v.end())
                if not m:
                    continue
                for ref in _REF.finditer(m["rest"]):
                    number = ref["n"]
                    if re.search(r"\d", number) and number != own and \
                            number not in [n for n, _ in found[name]]:
                        found[name].append((number, (b, v.start(), m.end())))
    return found


# --- amounts --------------------------------------------------------------------------------------


@dataclass
class _Mention:
    value: Decimal
    tax: str | None
    block: int
    start: int
    end: int
    decision: bool
    repealing: str | None  # the repealed act, when said in a clause that repeals it
    label: str
    window: str  # the words that qualify this amount (recurrence, section)


def _read_amounts(blocks: list[layout.Block], relations: dict, notes: list[str]) -> list[dict]:
    mentions = [m for b, block in enumerate(blocks) for m in _mentions(b, block, relations)]
    taxes: dict[Decimal, set] = {}
    for m in mentions:
        taxes.setdefault(m.value, set()).add(m.tax)
    groups: dict[tuple, list[_Mention]] = {}
    for m in mentions:
        # "675 €" and "675 € HT" in the same act are the same sum.
        named = taxes[m.value] - {None}
        tax = m.tax if m.tax or len(named) != 1 else next(iter(named))
        groups.setdefault((m.value, tax), []).append(m)
    amounts = []
    for (value, tax), group in groups.items():
        decided = [m for m in group if m.decision]
        if decided and all(m.repealing for m in decided):
            notes.append(f"amounts: {_money(value, tax)} left out: it is the amount of the act it "
                         f"repeals ({decided[0].repealing})")
            continue
        first = decided[0] if decided else group[0]
        amount: dict = {"value": value}
        if tax:
            amount["tax"] = tax
        amount["label"] = first.label
        for key, read in (("recurrence", _recurrence), ("section", _section)):
            values = {read(m.window) for m in group} - {None}
            if len(values) == 1:
                amount[key] = values.pop()
            elif values:
                notes.append(f"amounts: {_money(value, tax)}: the text gives several {key} values "
                             f"({', '.join(sorted(values))}); left out")
        amounts.append((not decided, first.block, first.start, amount))
    return [a for *_, a in sorted(amounts, key=lambda t: t[:3])]


def _mentions(b: int, block: layout.Block, relations: dict) -> list[_Mention]:
    text = block.text
    found = find_amounts(text)
    repeal_spans = [(span[1], span[2], number) for number, span in relations["repeals"] if span[0] == b]
    out = []
    for k, amount in enumerate(found):
        start, end = _clause(text, amount.start, amount.end)
        prev_end = max([start] + [f.end for f in found[:k] if f.end <= amount.start])
        next_start = min([end] + [f.start for f in found[k + 1:] if f.start >= amount.end])
        repealing = next((n for s, e, n in repeal_spans if s <= amount.start < e), None)
        out.append(_Mention(amount.value, amount.tax, b, amount.start, amount.end, block.decision,
                            repealing, _label(text, start, end, amount.start),
                            text[prev_end:next_start]))
    return out


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: between ';', ':' or a sentence end."""
    before = [m.end() for m in re.finditer(r"[;:]|\.(?=\s)", text[:start])]
    after = re.search(r"[;:]|\.(?=\s|$)", text[end:])
    return (before[-1] if before else 0), (end + after.start() if after else len(text))


def _label(text: str, start: int, end: int, at: int) -> str:
    """The words around an amount: its clause, or the part of it between commas, or a window."""
    if end - start > LABEL_CHARS:
        commas = [m.end() for m in re.finditer(r",\s|\set\s(?=d['’]|de\s)", text[start:at])]
        start = start + commas[-1] if commas else start
        after = re.search(r",\s", text[at:end])
        end = at + after.start() if after else end
    label = " ".join(text[start:end].split()).strip(" ,-–")
    if len(label) > LABEL_CHARS:
        offset = max(0, (at - start) - LABEL_CHARS // 2)
        label = label[offset:offset + LABEL_CHARS]
        label = ("…" + label.split(" ", 1)[-1] if offset else label).rsplit(" ", 1)[0] + "…"
    return label


def _recurrence(window: str) -> str | None:
    return next((name for name, pattern in RECURRENCES if pattern.search(window)), None)


def _section(window: str) -> str | None:
    m = SECTION.search(window)
    return m["s"].lower() if m else None


def _money(value: Decimal, tax: str | None) -> str:
    return money(value, "EUR", tax)


# --- what the user must know (missing required keys are named by the writer's check) --------------


def _note_missing(draft: Draft) -> None:
    fields = draft.fields
    if "outcome" not in fields:
        draft.notes.append("outcome: not found; the format's default (adopted) applies: check it")
    if not fields.get("transmission"):
        draft.notes.append("transmission: no ACTES stamp found")
    else:
        absent = [k for k in ("actes_id", "sent", "received") if k not in fields["transmission"]]
        if absent:
            draft.notes.append(f"transmission: not on the stamp: {', '.join(absent)}")

