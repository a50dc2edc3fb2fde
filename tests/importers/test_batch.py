"""`deliberations import`: what the webmaster types, sees and gets on disk."""

import io
import re

from deliberations.importers.batch import Importer
from deliberations.settings import load
from lxml import html
from rich.console import Console

from ..conftest import Site, run
from . import ACTS

SEED = ACTS / "seed-22-B-0183.txt"


def import_text(site: Site, *files, options=()):
    return run("import", "text", *map(str, files), "--settings", str(site.settings), *options, cwd=site.root)


def test_import_then_build_shows_the_acts_facts(site):
    result = import_text(site, SEED, ACTS / "commune-envoye-recu.txt")
    assert result.code == 0, result.err
    assert "2 files read: 2 written, 0 skipped, 0 failed." in result.out
    assert "must be completed before `make html` (subject in 2)" in result.out
    check = site.check()
    assert check.code == 1
    assert "content/deliberations/2022/22-B-0183.md: subject: required key is missing" in check.err
    for path in (site.content / "deliberations").rglob("*.md"):
        path.write_text(path.read_text().replace("\nnature:", '\nsubject: "8.9"\nnature:'))
    build = site.build()
    assert build.code == 0, build.err
    page = html.fromstring(site.page("deliberations/del2023-087"))
    assert page.cssselect("h1")[0].text_content().startswith("Rénovation énergétique de l'école Jules-Ferry")
    shown = {dt.text_content().strip(): " ".join(dt.getnext().text_content().split())
             for dt in page.cssselect(".facts dt")}
    assert shown["Instance"] == "Conseil" and shown["Séance"] == "10 mai 2023"
    assert shown["Mis en ligne le"] == "17 mai 2023"
    assert shown["Décision"] == "Adoptée — pour : 25, contre : 2, abstentions : 1 (28 votants sur 29 membres)"
    cells = page.cssselect(".amounts td[data-label=Montant]")
    amounts = [" ".join(td.text_content().split()) for td in cells]
    assert amounts == ["1 250 000,00 € TTC", "1 100 000,00 € TTC", "12 500,50 €"]
    assert [li.text_content() for li in page.cssselect(".act-text ol li")][2] == \
        "D’autoriser le Maire à signer toutes les pièces du marché."
    seed = html.fromstring(site.page("deliberations/22-b-0183"))
    assert "Rapporte 22-B-0146" in " ".join(seed.cssselect(".relations")[0].text_content().split())


def test_an_existing_act_is_never_overwritten_without_force(site):
    hand_made = site.add(path="2022/seed.md", body="Texte saisi à la main.")  # number 22-B-0183
    before = hand_made.read_text()
    result = import_text(site, SEED)
    assert result.code == 0
    assert "1 file read: 0 written, 1 skipped, 0 failed." in result.out
    assert (f"skipped: {SEED}: content/deliberations/2022/seed.md already exists (--force overwrites it)"
            in result.err)
    assert hand_made.read_text() == before
    assert not (site.content / "deliberations" / "2022" / "22-B-0183.md").exists()
    result = import_text(site, SEED, options=("--force",))
    assert "written: content/deliberations/2022/seed.md" in result.err
    assert "ADOPTÉ À L'UNANIMITÉ" in hand_made.read_text()


def test_dry_run_prints_the_files_and_writes_nothing(site):
    result = import_text(site, SEED, options=("--dry-run",))
    assert result.code == 0
    assert result.out.startswith("# content/deliberations/2022/22-B-0183.md\n---\n# Imported from ")
    assert "number: 22-B-0183\n" in result.out and "1 to write" in result.out
    assert "would write: content/deliberations/2022/22-B-0183.md" in result.err
    assert not list(site.content.rglob("*.md"))


def test_into_and_body_options(site):
    result = import_text(site, SEED, options=("--into", "incoming", "--body", "conseil"))
    act = site.root / "incoming" / "2022" / "22-B-0183.md"
    assert result.code == 0 and "body: conseil\n" in act.read_text()
    assert "note: body: the source names « BUREAU »; --body conseil was used" in result.err


def test_an_unknown_body_is_a_usage_error(site):
    result = import_text(site, SEED, options=("--body", "senat"))
    assert result.code == 2
    assert "--body senat: not a body of this site; expected one of: conseil, bureau" in result.err


def test_failures_are_reported_and_make_the_exit_status_non_zero(site, tmp_path):
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"\xff\xfe\x00\x01 nothing here")
    no_number = tmp_path / "no-number.txt"
    no_number.write_text("Séance du 8 avril 2022\nObjet : un acte sans numéro\n")
    twice = tmp_path / "copy.txt"
    twice.write_text(SEED.read_text())
    result = import_text(site, SEED, garbage, no_number, twice, tmp_path / "missing.txt")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "5 files read: 1 written, 0 skipped, 4 failed." in result.out
    lines = result.err.splitlines()
    assert f"failed: {garbage}: the file is binary (it contains NUL bytes), not text; for a PDF use " \
        "`deliberations import pdf`" in lines
    assert any(line.startswith(f"failed: {no_number}: no act number found") for line in lines)
    assert f"failed: {twice}: number '22-B-0183' is also the number of {SEED} in this import; give each " \
        "act its own number" in lines
    assert f"failed: {tmp_path / 'missing.txt'}: cannot read the file: No such file or directory" in lines


def test_a_site_without_content_folder_gets_a_sentence(tmp_path):
    site = Site(tmp_path / "new")
    (site.content / "deliberations").rmdir()
    site.content.rmdir()
    result = import_text(site, SEED)
    assert result.code == 1
    assert result.err.splitlines()[0] == "pelicanconf.py: PATH: the content folder 'content' does not exist"


def test_long_runs_show_a_progress_bar_on_a_terminal(site, tmp_path):
    header = "DELIB_ID;DELIB_DATE;DELIB_OBJET\n"
    csv = tmp_path / "many.csv"
    csv.write_text(header + "".join(f"22-C-{n:04d};2022-04-08;Acte {n}\n" for n in range(25)))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    site_settings = load({"COLLECTIVITY": {"name": "MEL", "siren": "200093201", "siret": "20009320100016"},
                          "BODIES": {"conseil": "Conseil"}})
    importer = Importer(site_settings, site.content / "deliberations", site.content / "documents",
                        body="conseil", dry_run=True)
    report = importer.run("scdl", [csv], progress=console)
    assert report.count("written") == 25
    assert re.search(r"Importing rows.*25/25", screen.getvalue())


def test_a_windows_1252_text_is_read_and_said_so(site, tmp_path):
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(SEED.read_text(encoding="utf-8").encode("cp1252"))
    result = import_text(site, legacy)
    assert result.code == 0
    assert "note: the file is not UTF-8; it was read as Windows-1252 (check the accents)" in result.err
    act = (site.content / "deliberations" / "2022" / "22-B-0183.md").read_text(encoding="utf-8")
    assert "## I. Rappel du contexte\n\nCompétente depuis 2000" in act


def test_numbers_giving_the_same_file_name_never_overwrite_each_other(site, tmp_path):
    spaced = tmp_path / "spaced.txt"
    spaced.write_text(SEED.read_text().replace("22-B-0183", "22 B 0183"))
    result = import_text(site, SEED, spaced, options=("--force",))
    assert result.code == 1
    assert (f"failed: {spaced}: content/deliberations/2022/22-B-0183.md holds act '22-B-0183', whose "
            "number gives the same file name as '22 B 0183'") in result.err
    assert "number: 22-B-0183\n" in (site.content / "deliberations" / "2022" / "22-B-0183.md").read_text()
