"""The ACTES acknowledgement stamp printed on a transmitted act: its id and dates.

Wordings seen on real acts (the stamp may be on one line or spread over several, and a
PDF's text may glue it to the start or the end of one of the act's lines):

- « Accusé de réception - Ministère de l'intérieur / ID : … / Acte certifié exécutoire /
  Envoi préfecture le JJ/MM/AAAA / Retour préfecture le JJ/MM/AAAA / Publié le JJ/MM/AAAA »
- « Envoyé en préfecture le JJ/MM/AAAA / Reçu en préfecture le JJ/MM/AAAA / Publié le
  JJ/MM/AAAA / ID : … »
- « Date de télétransmission : JJ/MM/AAAA / Date de réception préfecture : JJ/MM/AAAA »

Stamp wording counts only in a run of stamp elements at the start or the end of a line, so
that « publié le 3 mars 2021 au recueil… » in the act's own text is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .french import DATE, TIME, parse_date

_PREF = r"(?:pr[ée]fecture|sous-pr[ée]fecture|contr[ôo]le\s+de\s+l[ée]galit[ée])"
LABELS = {
    "sent": [rf"envoi\s+(?:en\s+)?{_PREF}", rf"envoy[ée]e?\s+(?:en|[àa]\s+la)\s+{_PREF}",
             rf"transmise?\s+(?:en|[àa]\s+la)\s+{_PREF}", r"date\s+de\s+t[ée]l[ée]transmission",
             rf"date\s+d['’]envoi(?:\s+(?:en|[àa]\s+la)\s+{_PREF})?"],
    "received": [rf"retour\s+{_PREF}", rf"re[çc]ue?\s+(?:en|[àa]\s+la|par\s+la)\s+{_PREF}",
                 rf"date\s+de\s+r[ée]ception\s+(?:en\s+|par\s+la\s+|de\s+la\s+)?{_PREF}"],
    "published": [r"publi[ée]e?", r"mise?\s+en\s+ligne",
                  r"date\s+de\s+(?:publication|mise\s+en\s+ligne)"],
    "posted": [r"affich[ée]e?"],  # posted on the notice board: stamp wording, not a fact of the format
}
FIELDS = {"sent": "transmission.sent", "received": "transmission.received", "published": "published"}
_SEP = r"(?:\s*:\s*|\s+le\s*:?\s*|\s+)"
ACTES_ID = r"\d{2}[0-9AB]-\d{9}-\d{8}-\S+?-(?:DE|AR|AI|CC|BF|AU)(?![\w-])"
_NOISE = (r"accus[ée]\s+de\s+r[ée]ception(?:\s+en\s+pr[ée]fecture)?"
          r"(?:\s*[-–]\s*minist[èe]re\s+de\s+l['’]int[ée]rieur)?"
          r"|(?:acte\s+)?certifi[ée]\s+ex[ée]cutoire|pour\s+rendu\s+ex[ée]cutoire|s²?low\b|s2low\b")
_ELEMENT = re.compile(
    "|".join(
        [rf"(?P<{kind}>(?<!\w)(?:{'|'.join(labels)}){_SEP}(?P<{kind}_when>{DATE}{TIME}?)?)"
         for kind, labels in LABELS.items()]
        + [rf"(?P<id>(?<![\w-])(?:ID\s*:\s*)?(?P<id_value>{ACTES_ID}))", rf"(?P<noise>(?<!\w)(?:{_NOISE}))"]
    ),
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"[\s/|,;:.–-]*")
# A label at the end of a line whose date starts the next one, or an id cut at a '-'.
_LABEL_THEN_DATE = re.compile(
    rf"((?:{'|'.join(lb for labels in LABELS.values() for lb in labels)}){_SEP})\n\s*(?={DATE})",
    re.IGNORECASE)
_CUT_ID = re.compile(r"(\d{2}[0-9AB]-\d{9}-\d{8}-\S*-)[ \t]*\n\s*(\S*?-(?:DE|AR|AI|CC|BF|AU)(?![\w-]))")


@dataclass
class Stamp:
    actes_id: str | None = None
    dates: dict[str, date | datetime] = field(default_factory=dict)  # sent, received, published
    notes: list[str] = field(default_factory=list)
    text: str = ""  # the input with the stamp removed


def read(text: str) -> Stamp:
    """Find the stamp's facts in ``text`` and return them with the text minus the stamp."""
    text = _CUT_ID.sub(r"\1\2", _LABEL_THEN_DATE.sub(r"\1 ", text))
    stamp = Stamp()
    ids: list[str] = []
    found: dict[str, dict[str, date | datetime | None]] = {kind: {} for kind in FIELDS}
    lines = []
    for line in text.split("\n"):
        elements = _stamp_elements(line)
        for m in elements:
            if m["id"]:
                ids.append(m["id_value"])
            for kind in FIELDS:
                if m[kind] and m[f"{kind}_when"]:
                    found[kind].setdefault(" ".join(m[f"{kind}_when"].split()), None)
        lines.append(_remove(line, elements))
    ids = list(dict.fromkeys(ids))
    if len(ids) == 1:
        stamp.actes_id = ids[0]
    elif ids:
        stamp.notes.append(f"transmission.actes_id: several ids on the stamp ({', '.join(ids)}); left out")
    for kind, written in found.items():
        readings = {w: _moment(w) for w in written}
        for w, value in readings.items():
            if value is None:
                stamp.notes.append(f"{FIELDS[kind]}: {w!r} on the stamp is not a valid date; left out")
        good = set(v for v in readings.values() if v is not None)
        if len(good) == 1:
            stamp.dates[kind] = good.pop()
        elif len(good) > 1:
            stamp.notes.append(f"{FIELDS[kind]}: the stamp gives several dates "
                               f"({', '.join(sorted(readings))}); left out")
    stamp.text = "\n".join(lines)
    return stamp


def _stamp_elements(line: str) -> list[re.Match]:
    """The stamp elements of a line: the run at its start and the run at its end."""
    matches = list(_ELEMENT.finditer(line))
    if not matches:
        return []
    lead, pos = [], 0
    for m in matches:
        if not _BETWEEN.fullmatch(line, pos, m.start()):
            break
        lead.append(m)
        pos = m.end()
    whole = _BETWEEN.fullmatch(line, pos)
    if whole:
        return matches if len(lead) == len(matches) else lead
    trail, end = [], len(line)
    for m in reversed(matches[len(lead):]):
        if not _BETWEEN.fullmatch(line, m.end(), end):
            break
        trail.insert(0, m)
        end = m.start()
    # Sharing a line with the act's text, a label counts only capitalised and with its date
    # ("Publié le 15/04/2022"), and not before lowercase text: « publié le 3 mars au recueil ».
    lead = _dated_prefix(lead)
    if lead and not re.match(r"[\W\d_]*[A-Z0-9À-Ý]", line[lead[-1].end():]):
        lead = []
    return lead + _dated_suffix(trail)


def _is_bare_label(m: re.Match) -> bool:
    return any(m[kind] and not (m[f"{kind}_when"] and m[kind][0].isupper()) for kind in LABELS)


def _dated_prefix(run: list[re.Match]) -> list[re.Match]:
    for i, m in enumerate(run):
        if _is_bare_label(m):
            return run[:i]
    return run


def _dated_suffix(run: list[re.Match]) -> list[re.Match]:
    for i in range(len(run) - 1, -1, -1):
        if _is_bare_label(run[i]):
            return run[i + 1:]
    return run


def _remove(line: str, elements: list[re.Match]) -> str:
    if not elements:
        return line
    kept, pos = [], 0
    for m in elements:
        kept.append(line[pos:m.start()])
        pos = m.end()
    kept.append(line[pos:])
    rest = " ".join(part.strip() for part in kept if part.strip())
    return rest if re.search(r"\w", rest) else ""


def _moment(written: str) -> date | datetime | None:
    m = re.search(TIME + "$", written, re.IGNORECASE)
    day = parse_date(written[: m.start()] if m else written)
    if day is None or not m:
        return day
    hours, minutes = (int(n) for n in re.findall(r"\d+", m.group()))
    if hours > 23 or minutes > 59:
        return day
    return datetime(day.year, day.month, day.day, hours, minutes)
