"""What the webmaster is told when content is wrong: one line per problem, exit status 1, no site.

Each error kind has its own fixture site, built for real; the expected line is the exact text
printed, ``path:line: field: message``.
"""

import pytest
from lxml import html

from .conftest import Site

ACT = "content/deliberations/2022/22-B-0183.md"

# A valid act, one key a line: file line 1 is '---', so `number` is on line 2, `subject` on 7.
VALID = {
    "number": "22-B-0183",
    "title": "Adhésion au Club Innovations et Culture – CLIC France",
    "body": "bureau",
    "session": "2022-04-08",
    "published": "2022-04-15",
    "subject": '"8.9"',
    "author": "{name: Damien Castelain, role: Président}",
}


def front(*, drop: tuple = (), **lines: str) -> str:
    """Raw front matter of the valid act; ``lines`` replace a key's value or add keys at the end."""
    fields = {k: v for k, v in VALID.items() if k not in drop}
    fields.update(lines)
    return "\n".join(f"{k}: {v}" for k, v in fields.items())


def write(site: Site, text: str, name: str = "22-B-0183", body: str = "Le Bureau décide.") -> None:
    site.add(text, body=body, path=f"2022/{name}.md")


def assert_refused(site: Site, *expected: str) -> list[str]:
    """Build: exit 1, each expected line printed as is, no output folder, never a traceback."""
    result = site.build()
    lines = result.err.splitlines()
    assert result.code == 1, result.err
    for line in expected:
        assert line in lines, f"{line!r} not in:\n{result.err}"
    assert "Traceback" not in result.err
    assert not site.output.exists()
    assert lines[-1] == "Nothing was published: the previous site is unchanged."
    return lines


ERROR_KINDS = {
    "unreadable YAML": (
        front(title="[Adhésion au Club"),
        f"{ACT}:4: front matter is not valid YAML: did not find expected ',' or ']'",
    ),
    "front matter not closed": (
        None,  # written by the test: no closing '---'
        f"{ACT}:1: front matter is not closed by a '---' line",
    ),
    "key given twice": (
        front() + "\ntitle: Autre objet",
        f"{ACT}:9: key 'title' is given twice (first on line 3); keep only one",
    ),
    "missing key": (
        front(drop=("subject",)),
        f"{ACT}: subject: required key is missing",
    ),
    "missing nested key": (
        front(author="{name: Damien Castelain}"),
        f"{ACT}:8: author.role: required key is missing",
    ),
    "unknown key, did you mean": (
        front(sumary="Adhésion annuelle."),
        f"{ACT}:9: sumary: unknown key; did you mean 'summary'?",
    ),
    "unknown nested key, did you mean": (
        front(vote="\n  unanimus: true"),
        f"{ACT}:10: vote.unanimus: unknown key; did you mean 'unanimous'?",
    ),
    "text expected": (
        front(title="2022"),
        f"{ACT}:3: title: expected text, got 2022; put the value in quotes",
    ),
    "subject not quoted": (
        front(subject="8.9"),
        f'{ACT}:7: subject: write the ACTES code in quotes, e.g. subject: "8.9"',
    ),
    "count expected": (
        front(vote="\n  members: quarante"),
        f"{ACT}:10: vote.members: expected a whole number, got 'quarante'",
    ),
    "list expected": (
        front(tags="culture"),
        f"{ACT}:9: tags: expected a list ('- item' lines), got 'culture'",
    ),
    "mapping expected": (
        front(author="Damien Castelain"),
        f"{ACT}:8: author: expected a mapping of 'key: value' lines, got 'Damien Castelain'",
    ),
    "not a choice": (
        front(outcome="adoptée"),
        f"{ACT}:9: outcome: 'adoptée' is not allowed; expected one of: "
        "'adopted', 'rejected', 'withdrawn' or 'postponed'",
    ),
    "impossible date": (
        front(session="2022-02-30"),
        f"{ACT}:5: session: '2022-02-30' is not a valid date",
    ),
    "not a date": (
        front(session="8 avril 2022"),
        f"{ACT}:5: session: '8 avril 2022' is not a date (expected YYYY-MM-DD)",
    ),
    "impossible time": (
        front(published="2022-04-15 25:00"),
        f"{ACT}:6: published: '2022-04-15 25:00' is not a valid date and time "
        "(expected YYYY-MM-DD or YYYY-MM-DD HH:MM)",
    ),
    "published before the session": (
        front(published="2022-04-01"),
        f"{ACT}:6: published: 2022-04-01 is before the session (2022-04-08)",
    ),
    "modified before publication": (
        front(modified="2022-04-10"),
        f"{ACT}:9: modified: 2022-04-10 is before the publication (2022-04-15)",
    ),
    "malformed ACTES id": (
        front(transmission="\n  actes_id: 59-200093201-2022-04-08-DE"),
        f"{ACT}:10: transmission.actes_id: '59-200093201-2022-04-08-DE' is not an ACTES id "
        "(expected DDD-SIREN-YYYYMMDD-NUMBER-NATURE, e.g. 059-200093201-20220408-lmc100000090231-DE)",
    ),
    "ACTES id of another nature": (
        front(transmission="\n  actes_id: 059-200093201-20220408-lmc100000090231-AR"),
        f"{ACT}:10: transmission.actes_id: ends in AR but the act's nature is DE",
    ),
    "unknown body": (
        front(body="burreau"),
        f"{ACT}:4: body: 'burreau' is not a body of this site; did you mean 'bureau'? "
        "(BODIES in pelicanconf.py)",
    ),
    "unknown subject": (
        front(subject='"8.99"'),
        f"{ACT}:7: subject: '8.99' is not an ACTES subject code (level 2, from '1.1' to '9.4')",
    ),
    "negative amount": (
        front(amounts="\n  - value: -675.00"),
        f"{ACT}:10: amounts.0.value: must not be negative, got -675.00",
    ),
    "non-numeric amount": (
        front(amounts="\n  - value: 675,00 €"),
        f"{ACT}:10: amounts.0.value: '675,00 €' is not a number; "
        "write it as 1234567.89 (no spaces, no currency sign)",
    ),
    "infinite amount": (
        front(amounts="\n  - value: .inf"),
        f"{ACT}:10: amounts.0.value: '.inf' is not a number; "
        "write it as 1234567.89 (no spaces, no currency sign)",
    ),
    "SIRET check digit": (
        front(amounts="\n  - value: 675.00\n    beneficiary: {name: SARL Sinapses, siret: '12345678901234'}"),
        f"{ACT}:11: amounts.0.beneficiary.siret: 12345678901234 fails the SIRET check digit (Luhn)",
    ),
    "votes that don't add up": (
        front(vote="\n  voters: 40\n  for: 30\n  against: 5\n  abstention: 4"),
        f"{ACT}:9: vote: voters (40) must equal for + against + abstention (30 + 5 + 4 = 39)",
    ),
    "more voters than members": (
        front(vote="{members: 30, voters: 40, for: 40, against: 0, abstention: 0}"),
        f"{ACT}:9: vote: members (30) must not be fewer than voters (40)",
    ),
    "missing document": (
        front(documents="\n  - file: 2022/22-B-0183.pdf\n    title: Délibération signée"),
        f"{ACT}:10: documents.0.file: documents/2022/22-B-0183.pdf does not exist",
    ),
    "document outside the documents folder": (
        front(documents="\n  - file: ../deliberations/2022/22-B-0183.md\n    title: Texte"),
        f"{ACT}:10: documents.0.file: '../deliberations/2022/22-B-0183.md' must be a relative path "
        "inside content/documents/, without '..'",
    ),
    "act referring to itself": (
        front(repeals="[22-B-0183]"),
        f"{ACT}:9: repeals.0: an act cannot refer to itself",
    ),
}


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_each_error_kind_is_reported_exactly_and_nothing_is_built(site: Site, kind):
    text, expected = ERROR_KINDS[kind]
    if text is None:
        (site.content / "deliberations" / "2022").mkdir(parents=True)
        (site.content / "deliberations" / "2022" / "22-B-0183.md").write_text(
            f"---\n{front()}\n\nLe Bureau décide.\n", encoding="utf-8")
    else:
        write(site, text)
    lines = assert_refused(site, expected)
    assert lines[-2] == "1 error in 1 file"


def test_non_utf8_file_names_the_line_of_the_bad_byte(site: Site):
    target = site.content / "deliberations" / "2022" / "22-B-0183.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(f"---\n{front()}\n---\nLe Bureau décide.\n".encode("cp1252"))
    assert_refused(site, f"{ACT}:3: file is not valid UTF-8 (byte 0xe9 at offset 32, it looks like "
                   "Windows-1252 or Latin-1); save it as UTF-8")


def test_duplicate_numbers_name_both_files(site: Site):
    write(site, front(), name="22-B-0183")
    write(site, front(title="Autre objet"), name="22-B-0183-copie")
    assert_refused(site, f"{ACT}:2: number: number '22-B-0183' is already used by "
                   "content/deliberations/2022/22-B-0183-copie.md")


def test_numbers_giving_the_same_url_are_refused(site: Site):
    write(site, front(), name="22-B-0183")
    write(site, front(number="22 B 0183"), name="22 B 0183")
    assert_refused(site, f"{ACT}:2: number: number '22-B-0183' gives the same URL "
                   "(deliberations/22-b-0183/) as '22 B 0183' in content/deliberations/2022/22 B 0183.md")


def test_every_inconsistent_date_of_an_act_is_reported_at_once(site: Site):
    write(site, front(published="2022-04-01",
                      transmission="\n  sent: 2022-04-07\n  received: 2022-04-06"))
    lines = assert_refused(
        site,
        f"{ACT}:6: published: 2022-04-01 is before the session (2022-04-08)",
        f"{ACT}:10: transmission.sent: 2022-04-07 is before the session (2022-04-08)",
        f"{ACT}:11: transmission.received: 2022-04-06 is before the sending date (2022-04-07)",
        f"{ACT}:11: transmission.received: 2022-04-06 is before the session (2022-04-08)",
    )
    assert lines[-2] == "4 errors in 1 file"


def test_several_broken_files_are_all_reported_in_one_run(site: Site):
    write(site, front(number="22-B-0001", session="2022-02-30"), name="22-B-0001")
    write(site, front(number="22-B-0002", drop=("title",)), name="22-B-0002")
    write(site, front(number="22-B-0003", body="commission"), name="22-B-0003")
    write(site, front(number="22-B-0004"), name="22-B-0004")  # valid: not reported, not built
    bad = site.content / "deliberations" / "2022" / "22-B-0005.md"
    bad.write_bytes(b"---\nnumber: 22-B-0005\ntitle: D\xe9lib\xe9ration\n---\n")
    lines = assert_refused(
        site,
        "content/deliberations/2022/22-B-0001.md:5: session: '2022-02-30' is not a valid date",
        "content/deliberations/2022/22-B-0002.md: title: required key is missing",
        "content/deliberations/2022/22-B-0003.md:4: body: 'commission' is not a body of this site; "
        "expected one of: conseil, bureau (BODIES in pelicanconf.py)",
        "content/deliberations/2022/22-B-0005.md:3: file is not valid UTF-8 (byte 0xe9 at offset 30, "
        "it looks like Windows-1252 or Latin-1); save it as UTF-8",
    )
    assert lines[-2] == "4 errors in 4 files"
    assert not any("22-B-0004" in line for line in lines)


def test_check_reports_the_same_lines_without_building(site: Site):
    write(site, front(number="22-B-0001", session="2022-02-30"), name="22-B-0001")
    write(site, front(number="22-B-0002", sumary="x"), name="22-B-0002")
    built, checked = site.build(), site.check()
    assert checked.code == built.code == 1
    assert checked.err.splitlines() == built.err.splitlines()[:-1]  # less "Nothing was published"
    assert not site.output.exists()


def test_act_not_in_the_corpus_is_a_warning_and_plain_text(site: Site):
    write(site, front(repeals="[21-B-0999]", amends="[22-B-0146]"))
    result = site.build()
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        f"{ACT}:9: warning: repeals.0: '21-B-0999' is not in the corpus; shown as plain text",
        f"{ACT}:10: warning: amends.0: '22-B-0146' is not in the corpus; shown as plain text",
    ]
    page = html.fromstring(site.page("deliberations/22-b-0183"))
    items = [" ".join(li.text_content().split()) for li in page.cssselect(".relations li")]
    assert items == ["Rapporte 21-B-0999", "Modifie 22-B-0146"]
    assert page.cssselect(".relations a") == []


def test_missing_author_and_text_are_warnings(site: Site):
    write(site, front(drop=("author",)), body="")
    result = site.build()
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        f"{ACT}: warning: author: is missing; the law asks the published act to show the first name, "
        "name and role of its signatory",
        f"{ACT}:9: warning: the act has no text; the law asks for it to be published in full",
    ]
    page = html.fromstring(site.page("deliberations/22-b-0183"))
    assert " ".join(page.cssselect(".act-text")[0].text_content().split()) == (
        "Texte intégral Le texte intégral de cet acte n'est pas disponible sur ce site.")


def test_files_that_are_not_acts_are_reported(site: Site):
    write(site, front())
    (site.content / "deliberations" / "2022" / "22-B-0184.MD").write_text("---\n", encoding="utf-8")
    (site.content / "deliberations" / "2022" / ".22-B-0183.md.swp").write_bytes(b"\x00")
    result = site.build()
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "content/deliberations/2022/22-B-0184.MD: warning: not read: "
        "an act is a file whose name ends in '.md'"]


def test_a_missing_folder_of_acts_is_an_error_not_an_empty_site(site: Site):
    write(site, front())
    site.configure(extra='DELIBERATIONS_PATH = "deliberation"')
    assert_refused(site, "content/deliberation: folder of the acts not found "
                   "(PATH and DELIBERATIONS_PATH in the settings: 'deliberation')")
