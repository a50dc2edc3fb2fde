"""SCDL files as collectivities really publish them: every row imported or reported."""

import re

import pytest
from deliberations.importers import scdl
from deliberations.importers.draft import Draft, ImportFailed
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

from ..conftest import Site, run
from . import MEL_BODIES, REAL_WORLD

SUMMARY = re.compile(r"(\d+) rows? read: (\d+) written, (\d+) skipped, (\d+) failed\.")


def import_scdl(site: Site, *files, options=("--body", "conseil")):
    return run("import", "scdl", *map(str, files), "--settings", str(site.settings), *options, cwd=site.root)


def facts(page) -> dict[str, str]:
    """The act's facts as a citizen reads them: each <dt> label with its <dd> value."""
    return {dt.text_content().strip(): " ".join(dt.getnext().text_content().split())
            for dt in page.cssselect(".facts dt")}


def reported(err: str) -> int:
    """Rows the report accounts for: one per failed or skipped line, N for « N empty rows »."""
    total = 0
    for line in err.splitlines():
        if line.startswith(("failed: ", "skipped: ")):
            m = re.search(r": (\d+) empty rows?$", line)
            total += int(m[1]) if m else 1
    return total


@pytest.mark.parametrize(("name", "rows"), [
    ("montpellier-ville-deliberations-2013-nonscdl.csv", 160),
    ("saint-etienne-metropole-deliberations-2022-altervilles.csv", 80),
    ("saint-etienne-metropole-deliberations-2022-excel-mangled.csv", 999),
    ("tours-metropole-ods-record-example.json", 1),
])
def test_every_row_of_a_real_file_is_written_or_reported(site, name, rows):
    result = import_scdl(site, REAL_WORLD / name)
    assert "Traceback" not in result.err
    read, written, skipped, failed = map(int, SUMMARY.search(result.out).groups())
    assert read == rows
    assert written + skipped + failed == rows
    assert written == len(list((site.content / "deliberations").rglob("*.md")))
    assert reported(result.err) == skipped + failed
    assert result.code == (1 if failed else 0)


def test_duplicate_ids_are_refused_with_their_lines(site):
    result = import_scdl(site, REAL_WORLD / "saint-etienne-metropole-deliberations-2022-altervilles.csv")
    assert ("failed: saint-etienne-metropole-deliberations-2022-altervilles.csv:13: DELIB_ID '2022.00047' is "
            "used by 2 different acts (lines 13, 87)") in result.err
    assert "skipped: saint-etienne-metropole-deliberations-2022-altervilles.csv:98: same act as" in result.err
    assert not list(site.content.rglob("2022.00047.md"))
    # Counts that do not add up are kept as given, and the report says what to fix.
    assert "to fix: content/deliberations/2022/2022.00028.md:8: vote: voters (89) must equal" in result.err


def test_spreadsheet_mangled_numbers_are_not_guessed(site):
    result = import_scdl(site, REAL_WORLD / "saint-etienne-metropole-deliberations-2022-excel-mangled.csv")
    assert ("failed: saint-etienne-metropole-deliberations-2022-excel-mangled.csv:2: DELIB_ID '2022,00028' "
            "was turned into a number by a spreadsheet") in result.err
    assert "COLL_SIRET '2,44201E+13' was turned into a number by a spreadsheet" in result.err
    assert "skipped: saint-etienne-metropole-deliberations-2022-excel-mangled.csv:106-1024: 919 empty rows" \
        in result.err


def test_pre_scdl_columns_and_line_break_artefacts(site):
    result = import_scdl(site, REAL_WORLD / "montpellier-ville-deliberations-2013-nonscdl.csv")
    act = (site.content / "deliberations" / "2013" / "468.md").read_text(encoding="utf-8")
    assert ("title: Gestion Multimodale des Déplacements dans l'Agglomération de Montpellier – Participation "
            "financière de la Ville") in act
    assert "session: 2013-11-25" in act
    assert "160 of the files must be completed before `make html` (published in 160, subject in 160)" \
        in result.out


def test_opendatasoft_record_with_a_level_3_subject():
    read = scdl.parse((REAL_WORLD / "tours-metropole-ods-record-example.json").read_bytes(), "tours.json",
                      {"conseil": "Conseil métropolitain"}, as_json=True)
    [draft] = read.rows
    assert draft.fields["subject"] == "5.1"
    assert draft.fields["body"] == "conseil"  # type_seance « Conseil Métropolitain »
    assert "DELIB_MATIERE_CODE 5.1.2 (level 3) was recorded as its level-2 code 5.1" in draft.notes
    assert draft.fields["vote"] == {"members": 87, "voters": 87, "for": 73, "against": 5, "abstention": 7}


MESSY = (
    "\ufeff;coll_nom;coll_siret;delib_id;delib_date;delib_matiere_code;delib_matiere_nom;delib_objet;"
    "budget_annee;budget_nom;pref_id;pref_date;vote_effectif;vote_reel;vote_pour;vote_contre;vote_abstention;"
    "delib_url;PUBLICATION_DATE;TYPE_SEANCE\r\n"
    '1;MEL;20009320100016;22-C-0045;2022/04/08 00:00:00+00;8.9.1;;"Subvention au festival\r\n'
    '« Lille Piano(s) »";2022;Budget principal;PREF059;2022/04/12 00:00:00+00;184;150;140;6;4;'
    "https://example.org/actes/22-C-0045 (signé).pdf;2022-04-15 10:30;Conseil métropolitain\r\n"
    "2;MEL;20009320100016;22-C-0046;08/04/2022;;domaines de compétences par thèmes/culture;Tarifs des musées;"
    ";;;;;;;;;;15/04/2022;Conseil\r\n"
    '3;MEL;20009320100016;22-C-0045;2022/04/08 00:00:00+00;8.9.1;;"Subvention au festival\r\n'
    '« Lille Piano(s) »";2022;Budget principal;PREF059;2022/04/12 00:00:00+00;184;150;140;6;4;'
    "https://example.org/actes/22-C-0045 (signé).pdf;2022-04-15 10:30;Conseil métropolitain\r\n"
    "4;MEL;20009320100016;22-C-0047;;;;Sans date;;;;;;;;;;;;\r\n"
    ";;;;;;;;;;;;;;;;;;;\r\n"
)


def test_a_messy_but_complete_file_builds_into_pages(site):
    path = site.root / "export.csv"
    path.write_bytes(MESSY.encode("utf-8"))
    result = run("import", "scdl", str(path), "--settings", str(site.settings), cwd=site.root)
    assert SUMMARY.search(result.out).groups() == ("5", "2", "2", "1")
    assert "failed: export.csv:7: DELIB_DATE (the session date) is empty" in result.err
    assert "skipped: export.csv:5: same act as export.csv:2" in result.err
    assert "skipped: export.csv:8: 1 empty row" in result.err
    assert "must be completed" not in result.out
    build = site.build()
    assert build.code == 0, build.err
    page = html.fromstring(site.page("deliberations/22-c-0045"))
    assert page.cssselect("h1")[0].text_content() == "Subvention au festival « Lille Piano(s) »"
    shown = facts(page)
    assert shown["Instance"] == "Conseil" and shown["Séance"] == "8 avril 2022"
    assert shown["Mis en ligne le"] == "15 avril 2022 à 10:30"
    assert shown["Décision"] == ("Adoptée — pour : 140, contre : 6, abstentions : 4 "
                                 "(150 votants sur 184 membres)")
    assert shown["Matière"] == "8.9 Domaines de compétences par thèmes — Culture"
    assert shown["Contrôle de légalité"] == ("Exécutoire depuis le 15 avril 2022. "
                                             "Reçu en préfecture le 12 avril 2022.")
    [link] = page.cssselect(".act-text a")
    assert link.get("href") == "https://example.org/actes/22-C-0045%20%28sign%C3%A9%29.pdf"
    other = facts(html.fromstring(site.page("deliberations/22-c-0046")))
    assert other["Matière"].startswith("8.9 ")  # from the SCDL subject name


def test_dates_in_utc_are_read_in_french_time():
    header = "DELIB_ID,DELIB_DATE,DELIB_OBJET\n"
    read = scdl.parse((header + "A-1,2022/04/07 22:00:00+00,x\n").encode(), "f.csv", MEL_BODIES)
    [draft] = read.rows
    assert draft.fields["session"].isoformat() == "2022-04-08"
    assert any("2022-04-08 in French time" in note for note in draft.notes)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty|no columns"),
    (b"\x00\x01binary", "binary"),
    (b"title;date\nx;y\n", "no DELIB_ID column"),
    (b'DELIB_ID,DELIB_DATE\n"unterminated,2022-01-01\n' + b"x" * 200_000, "not a valid CSV row"),
])
def test_files_that_are_not_scdl_fail_with_a_reason(content, reason):
    with pytest.raises(ImportFailed, match=reason):
        scdl.parse(content, "f.csv", MEL_BODIES)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=8), max_size=8), st.sampled_from([",", ";"]))
def test_any_table_gives_rows_or_the_projects_error(table, sep):
    columns = ["DELIB_ID", "DELIB_DATE", "DELIB_OBJET", "DELIB_MATIERE_CODE", "VOTE_POUR", "DELIB_URL"]
    lines = [sep.join(columns)]
    lines += [sep.join(cells) for cells in table]
    try:
        read = scdl.parse("\n".join(lines).encode("utf-8", "surrogatepass"), "f.csv", MEL_BODIES)
    except ImportFailed:
        return
    assert sum(1 if isinstance(r, Draft) else r.count for r in read.rows) == read.read


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_rows_or_the_projects_error(raw):
    try:
        read = scdl.parse(raw, "f.csv", MEL_BODIES)
    except ImportFailed:
        return
    assert sum(1 if isinstance(r, Draft) else r.count for r in read.rows) == read.read
