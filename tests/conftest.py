"""Fixture sites: small, real Pelican projects in temporary folders, built with the real CLI."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from deliberations.cli import main
from hypothesis import HealthCheck, settings

# Property-based tests: a fixed budget in CI (`make test`), a long run with `make fuzz`.
settings.register_profile("ci", max_examples=150, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=20_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PROJECT = Path(__file__).resolve().parents[1]
REFERENCE = PROJECT.parent / "shared" / "reference"

SETTINGS = f'''
SITENAME = "Délibérations de Testville"
SITEURL = "{{siteurl}}"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
PATH = "content"
THEME = {str(PROJECT / "theme")!r}
PLUGIN_PATHS = [{str(PROJECT / "plugins")!r}]
PLUGINS = ["deliberations"]
DELETE_OUTPUT_DIRECTORY = True
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
COLLECTIVITY = {{{{"name": "Métropole Européenne de Lille", "short_name": "MEL",
                 "siren": "200093201", "siret": "20009320100016"}}}}
BODIES = {{{{"conseil": "Conseil", "bureau": "Bureau"}}}}
{{extra}}
'''

# A valid act; tests override what they need.
BASE_ACT = {
    "number": "22-B-0183",
    "title": "Adhésion au Club Innovations et Culture – CLIC France",
    "body": "bureau",
    "session": "2022-04-08",
    "published": "2022-04-15",
    "subject": "8.9",
    "author": {"name": "Damien Castelain", "role": "Président"},
}


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*argv: str, cwd: Path | None = None) -> Result:
    """Run the ``deliberations`` command in-process, as the webmaster would from ``cwd``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse usage errors
            code = e.code
    return Result(code, out.getvalue(), err.getvalue())


class Site:
    """A fixture site: ``content/deliberations/`` plus a ``pelicanconf.py``."""

    def __init__(self, root: Path, siteurl: str = "", extra_settings: str = ""):
        self.root = root
        self.content = root / "content"
        (self.content / "deliberations").mkdir(parents=True, exist_ok=True)
        self.settings = root / "pelicanconf.py"
        self.configure(siteurl, extra_settings)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def configure(self, siteurl: str = "", extra: str = "") -> None:
        self.settings.write_text(SETTINGS.format(siteurl=siteurl, extra=textwrap.dedent(extra)),
                                 encoding="utf-8")

    def add(self, front: dict | str | None = None, body: str = "Le Conseil décide.", *,
            path: str | None = None, **overrides) -> Path:
        """Write an act; ``front`` is a dict (merged over BASE_ACT) or raw YAML text."""
        if front is None or isinstance(front, dict):
            data = {**BASE_ACT, **(front or {}), **overrides}
            data = {k: v for k, v in data.items() if v is not None}
            front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
            number = data.get("number", "act")
        else:
            number = path or "act"
        target = self.content / "deliberations" / (path or f"{number}.md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{front.rstrip()}\n---\n{body}\n", encoding="utf-8")
        return target

    def document(self, name: str, data: bytes = b"%PDF-1.4 test") -> Path:
        target = self.content / "documents" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def build(self) -> Result:
        return run("build", "--settings", str(self.settings), "--output", str(self.output),
                   cwd=self.root)

    def check(self) -> Result:
        return run("check", "--settings", str(self.settings), cwd=self.root)

    def page(self, url: str) -> str:
        return (self.output / url / "index.html").read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (hidden ones too) → SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path / "site")


# -- A site whose acts exercise every export: built once per test session ----------------

DATA_SITEURL = "https://deliberations.example.org"
DATA_ACTS = [
    {**BASE_ACT, "vote": {"unanimous": True},
     "transmission": {"actes_id": "059-200093201-20220408-lmc100000090231-DE",
                      "sent": "2022-04-15", "received": "2022-04-15"},
     "amounts": [{"value": "675.00", "tax": "HT", "recurrence": "yearly", "section": "fonctionnement",
                  "label": "Cotisation annuelle", "budget": {"name": "Budget général"}}],
     "repeals": ["22-B-0146"], "documents": [{"file": "2022/Délibération signée 22-B-0183.pdf",
                                      "title": "Délibération signée"}]},
    {**BASE_ACT, "number": "22-B-0146", "session": "2022-03-18", "published": None,
     "amounts": [{"value": "655.00", "tax": "HT"}]},
    {**BASE_ACT, "number": "21-C-0042", "body": "conseil", "session": "2021-12-13",
     "published": "2021-12-20 10:30", "modified": "2022-01-05", "subject": "7.5",
     "title": '=HYPERLINK("http://evil.example","Cliquez")',
     "vote": {"members": 50, "voters": 45, "for": 40, "against": 3, "abstention": 2},
     "transmission": {"actes_id": "059-200093201-20211213-C42-DE", "sent": "2021-12-14",
                      "received": "2021-12-15"},
     "amounts": [{"value": "0.10", "tax": "TTC", "label": "-2 % de remise",
                  "budget": {"name": "Budget principal", "year": 2021}},
                 {"value": "1234567.89", "tax": "HT", "budget": {"name": "Budget principal", "year": 2021},
                  "beneficiary": {"name": "@SUM(1+1)", "siret": "77501234000003"}}]},
    {**BASE_ACT, "number": "21-C-0050", "body": "conseil", "session": "2021-12-13",
     "published": "2021-12-20", "title": "+ Plan vélo", "subject": "8.7",
     "vote": {"voters": 45, "for": 45}, "amends": ["21-C-0042"],
     "amounts": [{"value": "1.5e+6"}, {"value": "99.99", "currency": "USD"}]},
    {**BASE_ACT, "number": "20 C 0008", "body": "conseil", "session": "2020-06-01",
     "published": "2020-06-05T09:00:00+02:00", "nature": "AR", "subject": "9.4", "outcome": "rejected",
     "title": 'Vœu « pour » la gare, dit "Nord"',
     "vote": {"members": 60, "voters": 58, "for": 20, "against": 30, "abstention": 8}},
    {**BASE_ACT, "number": "20-B-0100", "session": "2020-10-02", "published": "2020-10-09",
     "transmission": {"actes_id": "02A-200093201-20201002-B100-DE", "received": "2020-10-05"},
     "amounts": [{"value": 2500, "budget": {"name": "Budget annexe de l'eau", "year": "2020/2021"}}]},
]


def write_data_site(root: Path) -> Site:
    site = Site(root, siteurl=DATA_SITEURL)
    site.document("2022/Délibération signée 22-B-0183.pdf", b"%PDF-1.4 signed act")
    for act in DATA_ACTS:  # as YAML text, so that `published: null` is written
        site.add(yaml.safe_dump(act, allow_unicode=True, sort_keys=False),
                 path=f"{act['session'][:4]}/{act['number']}.md",
                 body=f"# {act['number']}\n\nLe Conseil **décide**.")
    return site


@pytest.fixture(scope="session")
def data_site(tmp_path_factory) -> Site:
    """The fixture site above, built once: tests read its output, never change it."""
    site = write_data_site(tmp_path_factory.mktemp("data") / "site")
    result = site.build()
    assert result.code == 0, result.err
    return site


# -- Rebuilds: a site whose acts link to each other, compared with a build from scratch ----------

SMALL_PAGES = """
DELIBERATIONS_PER_PAGE = 2
FEED_MAX_ITEMS = 2
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def cold_build(site: Site, root: Path) -> dict[str, bytes]:
    """The same content and settings built from scratch: no cache, no previous site."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(site.content, root / "content")
    for name in ("pelicanconf.py", "overrides"):
        if (site.root / name).is_dir():
            shutil.copytree(site.root / name, root / name)
        elif (site.root / name).exists():
            shutil.copy(site.root / name, root / name)
    fresh = Site.__new__(Site)
    fresh.root, fresh.content, fresh.settings = root, root / "content", root / "pelicanconf.py"
    result = fresh.build()
    assert result.code == 0, result.err
    return tree(fresh.output)


def identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


@pytest.fixture
def linked_site(tmp_path) -> Site:
    """Acts in two bodies, with a repeal, an amendment and a document; pages of two acts."""
    site = Site(tmp_path / "site", extra_settings=SMALL_PAGES)
    site.document("2022/22-B-0146.pdf")
    site.add(number="22-B-0146", title="Adhésion au CLIC", session="2022-03-18", published="2022-03-25",
             documents=[{"file": "2022/22-B-0146.pdf", "title": "Délibération signée"}])
    site.add(number="22-B-0183", repeals=["22-B-0146"])
    site.add(number="22-C-0010", body="conseil", session="2022-05-02", published="2022-05-09",
             subject="7.1", amends=["22-B-0183"], amounts=[{"value": "1500000.00", "tax": "HT"}])
    site.add(number="22-C-0011", body="conseil", session="2022-05-02", published="2022-05-09",
             subject="7.1")
    return site


HALTING_SETTINGS = """
import os

def halt_if_asked(value):
    if os.path.exists({marker!r}):
        raise RuntimeError("halted on purpose")
    return value

JINJA_FILTERS = {{"halt_if_asked": halt_if_asked}}
THEME_TEMPLATES_OVERRIDES = [{overrides!r}]
"""


def halting_about_page(site: Site, folder: Path, extra: str = "") -> Path:
    """Make ``site``'s about page, written after the exports and feeds, fail while the returned
    file exists: a build that fails late, with the same inputs (as a full disk would)."""
    overrides, marker = folder / "overrides", folder / "halt"
    overrides.mkdir(exist_ok=True)
    (overrides / "about.html").write_text(
        '{% extends "!theme/about.html" %}{% block open_data %}{% if OPEN_DATA|halt_if_asked %}{% endif %}'
        '{{ super() }}{% endblock %}', encoding="utf-8")
    site.configure(extra=extra + HALTING_SETTINGS.format(marker=str(marker), overrides=str(overrides)))
    return marker
