"""What the self-check keeps from one run to the next: each file read again only when it changed,
and what it draws from a file the same whether the file is read whole or line by line."""

from __future__ import annotations

import csv
import json
import os
import pickle
import time
from decimal import Decimal
from pathlib import Path

import pytest
from deliberations import facts, settings
from deliberations.build import read_site_settings
from deliberations.checks.exports import ExportsCheck
from deliberations.link import Corpus
from deliberations.pipeline import load_corpus
from deliberations.settings import SiteSettings
from deliberations.verify import Site as Tree
from deliberations.verify import VerifyError, verify
from deliberations.writers import CsvTable, JsonList, dumps
from hypothesis import given
from hypothesis import strategies as st

from .conftest import Site

ACT = "deliberations/22-b-0183/index.html"


@pytest.fixture
def built(site: Site) -> Site:
    site.add(repeals=["22-B-0100"])
    site.add(number="22-B-0100", session="2022-03-18", published="2022-03-25")
    result = site.build()
    assert result.code == 0, result.err
    return site


def age(site: Site) -> None:
    """Date every file of the site a minute back: files just written are read again by every
    run (their time stamp may not yet tell a change), which these tests do not look at."""
    past = time.time_ns() - 60 * 10**9
    for path in site.output.rglob("*"):
        os.utime(path, ns=(past, past))


def check(site: Site, cache: Path | None):
    """The self-check of ``site.output`` with its facts kept in ``cache``."""
    pelican = read_site_settings(site.settings)
    site_settings = settings.load(pelican)
    corpus, _ = load_corpus(Path(pelican["PATH"]), site_settings)
    return verify(site.output, corpus, site_settings, [str(site.root)], cache=cache)


def errors(site: Site, cache: Path | None) -> list[str]:
    with pytest.raises(VerifyError) as failed:
        check(site, cache)
    return [str(p) for p in failed.value.problems]


def test_a_file_that_changed_since_the_last_check_is_read_again(built: Site, tmp_path):
    cache = tmp_path / "cache"
    check(built, cache)
    page = built.output / ACT
    page.write_text(page.read_text().replace("</head>", "<script>alert(1)</script></head>"))
    assert f"{ACT}: has an inline <script>, which the security policy blocks" in errors(built, cache)


def test_an_unchanged_page_whose_target_went_away_fails(built: Site, tmp_path):
    cache = tmp_path / "cache"
    check(built, cache)
    (built.output / "deliberations" / "22-b-0100" / "index.html").unlink()
    found = errors(built, cache)
    assert (f"{ACT}: links to /deliberations/22-b-0100/, which is not in the site "
            "(page of content/deliberations/22-B-0183.md)") in found
    assert found == errors(built, None)  # what a check reading every file finds


def test_a_file_whose_identity_did_not_change_is_not_read_again(built: Site, tmp_path):
    # Inode, size and modification time tell that a file changed, as they tell the build which
    # files it can keep: bytes changed behind them are not seen, by the build or by the check.
    cache = tmp_path / "cache"
    age(built)
    check(built, cache)
    page = built.output / ACT
    st = page.stat()
    page.write_bytes(page.read_bytes().replace(b"<h1>", b"<h2>", 1))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    check(built, cache)
    assert f"{ACT}: does not show the title of content/deliberations/22-B-0183.md" in errors(built, None)


def _changed(cache: Path) -> set[str]:
    with (cache / facts.CHANGES_FILE).open("rb") as f:
        return set(pickle.load(f)[2])


def test_a_damaged_or_foreign_cache_is_ignored(built: Site, tmp_path):
    cache = tmp_path / "cache"
    check(built, cache)
    (built.output / "deliberations" / "22-b-0100" / "index.html").unlink()
    (cache / facts.CACHE_FILE).write_bytes(b"not a pickle")
    assert errors(built, cache) == errors(built, None)
    with (cache / facts.CACHE_FILE).open("wb") as f:
        pickle.dump(("another key", b"", {}), f)
    assert errors(built, cache) == errors(built, None)


def test_changes_are_written_apart_then_folded_in(built: Site, tmp_path):
    cache = tmp_path / "cache"
    age(built)
    check(built, cache)
    assert not (cache / facts.CHANGES_FILE).exists()  # the first run writes every file's facts
    page = built.output / ACT
    page.write_text(page.read_text().replace("</main>", "<p>Ajout</p></main>"))
    check(built, cache)
    assert _changed(cache) == {ACT}
    for path in list(built.output.rglob("*.html")):  # most of the site changes: one file again
        path.write_text(path.read_text().replace("</main>", "<p>Ajout</p></main>"))
    check(built, cache)
    assert not (cache / facts.CHANGES_FILE).exists()
    page.write_text(page.read_text().replace("</head>", "<style>p{}</style></head>"))
    assert f"{ACT}: has an inline <style>, which the security policy blocks" in errors(built, cache)


# -- lists written one item per line ----------------------------------------------------------

ITEMS = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8)
                     | st.decimals(allow_nan=False, allow_infinity=False, places=2),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                   max_size=3),
                     max_leaves=8)


@given(st.dictionaries(st.sampled_from(["title", "count", "schema"]), ITEMS, max_size=3),
       st.lists(ITEMS, max_size=6))
def test_a_list_read_line_by_line_is_the_list_read_whole(tmp_path_factory, header, items):
    path = tmp_path_factory.getbasetemp() / "list.json"
    with JsonList(path, header, "items") as written:
        for item in items:
            written.add(dumps(item))
    raw = path.read_bytes()
    head, lines = facts.File("list.json", raw).json_lines("items")
    whole = json.loads(raw, parse_float=Decimal)
    assert {**head, "items": [json.loads(line, parse_float=Decimal) for line in lines]} == whole
    assert list(head) == list(whole)


@pytest.mark.parametrize("raw", [
    b'{"items":[\n1,\n2\n]}',  # no line end at the end
    b'{"items":[\n1\n2\n]}\n',  # a comma missing
    b'{"items":[\n1,\n2,\n]}\n',  # one too many
    b'{"items":[\n{"a":\n1}\n]}\n',  # an item over two lines
    b'{"items":[5],"n":1,"items":[\n1\n]}\n',  # the list named twice, another member between
    b'{"items":[\n1\n],"more":2}\n',  # the list is not the last member
    b'{\n"items":[\n1\n]}\n',  # another layout
])
def test_a_list_in_another_form_is_read_whole(raw):
    assert facts.File("list.json", raw).json_lines("items") is None


TREE = Tree(Path(__file__).parent / "fixtures", Corpus([], {}, []), SiteSettings(
    COLLECTIVITY={"name": "Testville", "siren": "200093201", "siret": "20009320100016"},
    BODIES={"conseil": "Conseil"}, SITEURL="https://example.org/sub"), [])


@given(st.lists(st.sampled_from(["/", "sub", "a", ".", "..", "%20", "%2F", "?", "#", "é", "~", "-", "_",
                                 " ", "\\", "\t", ":", "index.html"]), max_size=8).map("".join))
def test_resolving_the_plainest_urls_takes_a_shortcut_to_the_same_place(path):
    for url in (path, "/" + path, "/sub/" + path):
        assert TREE._resolve(ACT, url) == TREE._resolve_any(ACT, url), url


def test_a_record_changed_in_a_list_is_told_though_the_other_lines_are_not_read_again(built: Site, tmp_path):
    cache = tmp_path / "cache"
    check(built, cache)
    listing = built.output / "data" / "deliberations.json"
    text = listing.read_text(encoding="utf-8")
    listing.write_text(text.replace('"title":"Adhésion au Club', '"title":"Adhésion au Cercle', 1),
                       encoding="utf-8")
    found = errors(built, cache)
    assert "data/deliberations.json: the record of 22-B-0183 differs from data/deliberations/…json" in found
    assert found == errors(built, None)
    listing.write_text(text.replace("}\n]}", "}\n,\n]}"), encoding="utf-8")  # not JSON anymore
    assert any(e.startswith("data/deliberations.json: is not valid JSON") for e in errors(built, cache))


CELLS = st.text(alphabet='ab,"\r\n =é', max_size=6)


@given(st.lists(st.tuples(CELLS, CELLS), max_size=5))
def test_a_table_read_line_by_line_is_the_table_read_whole(tmp_path_factory, rows):
    path = tmp_path_factory.getbasetemp() / "table.csv"
    with CsvTable(path, ["title", "DELIB_ID"]) as table:
        for title, number in rows:
            table.add({"title": title, "DELIB_ID": number})
    raw = path.read_bytes()
    with path.open(encoding="utf-8", newline="") as f:
        whole = [row["DELIB_ID"] for row in csv.DictReader(f)]
    _, found = ExportsCheck(None)._table_of(facts.File("table.csv", raw), "DELIB_ID")
    assert [value for _, value in found] == whole
