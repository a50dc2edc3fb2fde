"""PDF acts, made here with fpdf2: their text is read and the PDF is published with the act."""

import hashlib

from deliberations.importers import pdf, text
from deliberations.importers.draft import ImportFailed
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from ..conftest import Site, run
from . import ACTS, MEL_BODIES


def make_pdf(*blocks: tuple[float, float, str], password: str | None = None) -> bytes:
    """A one-page PDF: each block is (x, y, text) in mm; long lines wrap as in a real act.

    fpdf2's core fonts are Windows-1252: enough for French, the euro sign included.
    """
    doc = FPDF(format="A4")
    doc.core_fonts_encoding = "windows-1252"
    if password:
        doc.set_encryption(owner_password="owner", user_password=password)
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    doc.set_font("Helvetica", size=10)
    for x, y, content in blocks:
        doc.set_xy(x, y)
        width = 190 - (x - 10)
        for line in content.split("\n"):
            doc.set_x(x)
            doc.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def seed_pdf() -> bytes:
    seed = (ACTS / "seed-22-B-0183.txt").read_text(encoding="utf-8")
    return make_pdf((10, 10, seed))


def import_pdf(site: Site, *files, options=()):
    return run("import", "pdf", *map(str, files), "--settings", str(site.settings), *options, cwd=site.root)


def test_a_pdf_of_the_seed_gives_the_facts_of_its_text(tmp_path):
    path = tmp_path / "22-B-0183.pdf"
    path.write_bytes(seed_pdf())
    from_pdf = pdf.parse(path, "22-B-0183.pdf", MEL_BODIES)
    from_text = text.parse((ACTS / "seed-22-B-0183.txt").read_text(encoding="utf-8"), "seed", MEL_BODIES)
    assert from_pdf.fields == from_text.fields
    assert from_pdf.document == path
    # Lines wrapped by the PDF are joined again: three decisions, each in one piece.
    decisions = [line for line in from_pdf.text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert decisions == [line for line in from_text.text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]


def test_import_then_build_shows_the_facts_and_publishes_the_pdf(site):
    source = site.root / "scans" / "acte signé.pdf"
    source.parent.mkdir()
    source.write_bytes(seed_pdf())
    result = import_pdf(site, source)
    assert result.code == 0, result.err
    assert "to fill in: subject" in result.err
    act = site.content / "deliberations" / "2022" / "22-B-0183.md"
    copied = site.content / "documents" / "2022" / "22-B-0183.pdf"
    assert copied.read_bytes() == source.read_bytes()
    assert "documents:\n- file: 2022/22-B-0183.pdf\n  title: Acte n° 22-B-0183 (PDF)\n" in act.read_text()
    assert site.build().code == 1  # the subject is still to fill in: nothing is published
    act.write_text(act.read_text().replace("nature: DE", 'subject: "8.9"\nnature: DE'))
    build = site.build()
    assert build.code == 0, build.err
    page = html.fromstring(site.page("deliberations/22-b-0183"))
    shown = {dt.text_content().strip(): " ".join(dt.getnext().text_content().split())
             for dt in page.cssselect(".facts dt")}
    assert shown["Instance"] == "Bureau" and shown["Séance"] == "8 avril 2022"
    assert shown["Mis en ligne le"] == "15 avril 2022"
    assert shown["Décision"] == "Adoptée à l'unanimité"
    assert "Identifiant ACTES : 059-200093201-20220408-lmc100000090231-DE" in shown["Contrôle de légalité"]
    [row] = page.cssselect(".amounts tbody tr")
    assert [" ".join(cell.text_content().split()) for cell in row][1:3] == ["675,00 € HT", "annuel"]
    assert "Rapporte 22-B-0146" in " ".join(page.cssselect(".relations")[0].text_content().split())
    [link] = page.cssselect(".documents a")
    assert link.get("href") == "/documents/2022/22-B-0183.pdf"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert page.cssselect(".documents code.hash")[0].text_content() == digest
    assert (site.output / "documents" / "2022" / "22-B-0183.pdf").read_bytes() == source.read_bytes()


def test_a_stamp_printed_beside_the_letterhead(tmp_path):
    act = (ACTS / "commune-envoye-recu.txt").read_text(encoding="utf-8").split("\n")
    stamp, rest = "\n".join(act[:4]), "\n".join(act[4:])
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf((120, 10, stamp), (10, 10, rest)))
    draft = pdf.parse(path, "a.pdf", MEL_BODIES)
    f = draft.fields
    assert (f["number"], f["session"].isoformat(), f["published"].isoformat()) == (
        "DEL2023_087", "2023-05-10", "2023-05-17")
    assert f["transmission"]["actes_id"] == "062-216200001-20230510-DEL2023_087-DE"
    assert f["vote"] == {"members": 29, "voters": 28, "for": 25, "against": 2, "abstention": 1}
    assert "Envoyé" not in draft.text and "062-216200001" not in draft.text


def broken_pdfs(tmp_path):
    good = seed_pdf()
    blank = FPDF()
    blank.add_page()
    blank.rect(20, 20, 50, 50)
    files = {
        "not-a-pdf.pdf": (b"Hello, I am a text file", "not a PDF file"),
        "truncated.pdf": (good[: len(good) // 3], "cannot be read|no text"),
        "scan.pdf": (bytes(blank.output()), "no text to read"),
        "locked.pdf": (make_pdf((10, 10, "22-B-0183\nSéance du 8 avril 2022"), password="secret"),
                       "encrypted"),
    }
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    return {tmp_path / name: reason for name, (_, reason) in files.items()}


def test_pdfs_that_cannot_be_read_fail_with_a_reason_and_write_nothing(site, tmp_path):
    broken = broken_pdfs(tmp_path)
    result = import_pdf(site, *broken)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "4 files read: 0 written, 0 skipped, 4 failed." in result.out
    for path, reason in broken.items():
        [line] = [line for line in result.err.splitlines() if line.startswith(f"failed: {path}: ")]
        assert any(r in line for r in reason.split("|")), line
    assert not list(site.content.rglob("*.md")) and not (site.content / "documents").exists()


def test_an_existing_document_with_other_content_is_not_overwritten(site):
    source = site.root / "a.pdf"
    source.write_bytes(seed_pdf())
    existing = site.document("2022/22-B-0183.pdf", b"%PDF-1.4 another act")
    result = import_pdf(site, source)
    assert "skipped:" in result.err and "already exists with other content" in result.err
    assert existing.read_bytes() == b"%PDF-1.4 another act"
    assert import_pdf(site, source, options=("--force",)).code == 0
    assert existing.read_bytes() == source.read_bytes()


GOOD = make_pdf((10, 10, "22-B-0183\nSéance du 8 avril 2022\nObjet : test\nLe Bureau décide : 675 € HT."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=8)), max_size=6))
def test_damaged_pdfs_give_text_or_the_projects_error(damage):
    raw = bytearray(GOOD)
    for at, junk in damage:
        raw[at:at + len(junk)] = junk
    try:
        result = pdf.extract(bytes(raw))
    except ImportFailed as e:
        assert e.reason
    else:
        assert isinstance(result, str)


def test_fixture_fonts_keep_french_accents_and_the_euro_sign():
    extracted = pdf.extract(seed_pdf())
    assert "Séance du vendredi 8 avril 2022" in extracted and "675 € HT" in extracted
