"""A draft → the text of a version-1 content file, checked by the site's own reader.

Amounts are written as exact decimals, subject codes in quotes, keys in the order of the
model. Required keys the source did not give are left out (the check then names them) and
listed in a comment at the top of the file, so that whoever opens it sees what to fill in.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import yaml

from ..model import Deliberation
from ..reader import parse_act
from ..settings import SiteSettings

ORDER = [info.alias or name for name, info in Deliberation.model_fields.items()]
REQUIRED = [info.alias or name for name, info in Deliberation.model_fields.items() if info.is_required()]
HINTS = {
    "title": "the act's objet",
    "body": "a key of BODIES in the settings",
    "subject": 'the ACTES subject code, in quotes, e.g. "8.9"',
    "published": "the date the act was put online, e.g. 2022-04-15",
}
MISSING = "required key is missing"


class _Quoted(str):
    """A string always written in double quotes (subject codes look like numbers)."""


class _Dumper(yaml.CSafeDumper):  # libyaml, as the reader uses
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal):
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int",
                                   text)


def _datetime(dumper: yaml.SafeDumper, value: datetime):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.isoformat(" ", "minutes"))


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(datetime, _datetime)
_Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))


def file_name(number: str) -> str:
    """File name of an act: its number, with characters unsafe in a path replaced by '-'."""
    name = re.sub(r"[^\w.-]+", "-", number, flags=re.ASCII).strip("-.")
    return name or "act"


def target(fields: dict, into: Path) -> Path:
    """``<into>/<session year>/<number>.md``."""
    return into / str(fields["session"].year) / f"{file_name(fields['number'])}.md"


def render(fields: dict, text: str, origin: str) -> str:
    """The content file: YAML front matter, then the Markdown text."""
    front = {key: fields[key] for key in ORDER if key in fields}
    if "subject" in front:
        front["subject"] = _Quoted(front["subject"])
    comments = [f"# Imported from {_one_line(origin)}."]
    missing = [key for key in REQUIRED if key not in fields]
    if missing:
        comments.append("# To fill in before publishing: "
                        + "; ".join(f"{key} ({HINTS.get(key, 'required')})" for key in missing) + ".")
    dumped = yaml.dump(front, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    body = text.strip()
    return "---\n" + "\n".join(comments) + "\n" + dumped + "---\n" + (f"\n{body}\n" if body else "")


def check(content: str, shown_as: str, site: SiteSettings) -> tuple[list[str], list[str]]:
    """Validate a rendered file as the build would: (keys to fill in, other problems)."""
    act, problems = parse_act(content.encode("utf-8"), shown_as)
    to_fill, to_fix = [], []
    for problem in problems:
        if problem.severity != "error":
            continue
        if problem.message == MISSING and problem.field in REQUIRED:
            to_fill.append(problem.field)
        else:
            to_fix.append(str(problem))
    if act is not None and act.meta.body not in site.BODIES:
        to_fix.append(f"{shown_as}: body: {act.meta.body!r} is not a body of this site; expected one "
                      f"of: {', '.join(site.BODIES)}")
    return to_fill, to_fix


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)[:200]


def plain(value):
    """Values for comparisons and JSON-like output: dates as ISO text, decimals as text."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
