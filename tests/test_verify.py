"""The self-check: a site that does not match its content is caught, and told precisely."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from deliberations import outputs

from .conftest import Site, identity, run


@pytest.fixture
def built(site: Site) -> Site:
    """Three acts, two bodies, a document and a relation; two acts per listing page."""
    site.configure(extra="DELIBERATIONS_PER_PAGE = 2")
    site.document("2022/signe.pdf", b"%PDF-1.4 signed")
    site.add(documents=[{"file": "2022/signe.pdf", "title": "Délibération signée"}], repeals=["22-B-0100"])
    site.add(number="22-B-0100", session="2022-03-18", published="2022-03-25")
    site.add({"body": "conseil"}, number="22-C-0001", subject="7.1", session="2022-04-08",
             published="2022-04-12")
    result = site.build()
    assert result.code == 0, result.err
    return site


def verify(site: Site):
    return run("verify", str(site.output), "--settings", str(site.settings), cwd=site.root)


def edit(site: Site, page: str, old: str, new: str) -> None:
    path = site.output / page
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {page}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ACT = "deliberations/22-b-0183/index.html"


def test_a_fresh_build_verifies(built: Site):
    result = verify(built)
    assert result.code == 0, result.err
    assert "3 acts and 3 sittings checked, the site matches its content." in result.out


def test_missing_act_page(built: Site):
    shutil.rmtree(built.output / "deliberations" / "22-b-0100")
    result = verify(built)
    assert result.code == 1
    assert ("deliberations/22-b-0100/: the page of 22-B-0100 (content/deliberations/22-B-0100.md) "
            "is missing") in result.err
    assert f"{ACT}: links to /deliberations/22-b-0100/, which is not in the site" in result.err


def test_page_of_an_act_not_in_the_content(built: Site):
    shutil.copytree(built.output / "deliberations" / "22-b-0100", built.output / "deliberations" / "99-x-1")
    result = verify(built)
    assert result.code == 1
    assert "deliberations/99-x-1/index.html: is the page of an act that is not in the content" in result.err


def test_page_that_does_not_say_what_the_content_says(built: Site):
    edit(built, ACT, "<h1>Adhésion au Club", "<h1>Adhésion au Cercle")
    result = verify(built)
    assert f"{ACT}: does not show the title of content/deliberations/22-B-0183.md" in result.err


def test_listing_that_drops_an_act(built: Site):
    page = built.output / "annees" / "2022" / "index.html"
    text = page.read_text()
    start = text.index('<li class="act-item">')
    page.write_text(text[:start] + text[text.index("</li>", start) + 5:])
    result = verify(built)
    assert result.code == 1
    assert "annees/2022/: the listing shows 2 acts over its pages; the content has 3" in result.err


def test_sitting_page_that_drops_an_act(built: Site):
    edit(built, "seances/2022-04-08-bureau/index.html", 'href="/deliberations/22-b-0183/"', 'href="/"')
    result = verify(built)
    assert ("seances/2022-04-08-bureau/index.html: lists 0 acts; the content has 1 for this sitting"
            in result.err)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('href="/seances/"', 'href="/seance/"', "links to /seance/, which is not in the site"),
    ('href="#contenu"', 'href="#ailleurs"', "links to #ailleurs, but deliberations/22-b-0183/index.html "
     "has no id 'ailleurs'"),
    ("</main>", '<a href="../../../../etc/passwd">x</a></main>', "links to ../../../../etc/passwd, "
     "which is not in the site"),
])
def test_broken_internal_link(built: Site, old, new, message):
    edit(built, ACT, old, new)
    result = verify(built)
    assert result.code == 1
    assert f"{ACT}: {message} (page of content/deliberations/22-B-0183.md)" in result.err


def test_missing_or_altered_document(built: Site):
    (built.output / "documents" / "2022" / "signe.pdf").write_bytes(b"%PDF")
    result = verify(built)
    assert "documents/2022/signe.pdf: document of 22-B-0183 differs from 2022/signe.pdf" in result.err
    (built.output / "documents" / "2022" / "signe.pdf").unlink()
    result = verify(built)
    assert ("documents/2022/signe.pdf: document of 22-B-0183 (content/deliberations/22-B-0183.md) "
            "is missing") in result.err
    assert f"{ACT}: links to /documents/2022/signe.pdf, which is not in the site" in result.err


@pytest.mark.parametrize(("old", "new", "message"), [
    ('<meta http-equiv="Content-Security-Policy"', '<meta name="x"', "has no Content-Security-Policy <meta>"),
    ("default-src &#39;self&#39;", "default-src *", "Content-Security-Policy is \"default-src *;"),
    ('<meta name="referrer" content="same-origin">', "", "referrer policy is None, expected 'same-origin'"),
    ("</head>", "<script>alert(1)</script></head>",
     "has an inline <script>, which the security policy blocks"),
    ("</head>", "<style>body{}</style></head>", "has an inline <style>, which the security policy blocks"),
    ("<main ", '<main onclick="alert(1)" ', "<main> has an event handler (onclick)"),
    ("<main ", '<main style="color:red" ', "<main> has a style attribute"),
    ("</main>", '<a href="java\tscript:alert(1)">x</a></main>', "<a href> runs a script URL"),
    ("</head>", '<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>',
     "<link href> loads https://cdn.example.com/x.css from another site"),
    ("</main>", '<img src="//tracker.example.com/p.gif" alt=""></main>',
     "<img src> loads //tracker.example.com/p.gif from another site"),
])
def test_page_that_breaks_the_security_policy(built: Site, old, new, message):
    edit(built, ACT, old, new)
    result = verify(built)
    assert result.code == 1
    assert f"{ACT}: {message}" in result.err


def test_links_to_other_sites_inline_images_and_data_blocks_are_fine(built: Site):
    edit(built, ACT, "</main>", '<a href="https://www.legifrance.gouv.fr/">Légifrance</a>'
         '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">'
         '<script type="application/json" id="config">{"lots": 3}</script></main>')
    result = verify(built)
    assert result.code == 0, result.err


def test_data_files_must_parse(built: Site):
    (built.output / "data" / "broken.json").write_text('{"acts": [', encoding="utf-8")
    (built.output / "feeds" / "broken.atom.xml").write_text("<feed><entry></feed>", encoding="utf-8")
    result = verify(built)
    assert result.code == 1
    assert "data/broken.json: is not valid JSON" in result.err
    assert "feeds/broken.atom.xml: is not well-formed XML" in result.err


def test_stylesheet_from_another_site(built: Site):
    css = built.output / "theme" / "css" / "site.css"
    css.write_text('@import "https://fonts.example.com/font.css";\n' + css.read_text())
    result = verify(built)
    assert "theme/css/site.css: loads https://fonts.example.com/font.css from another site" in result.err


def test_path_of_the_build_machine(built: Site):
    edit(built, ACT, "</main>", f'<a href="https://ailleurs.example{built.root}2/">x</a></main>')
    assert verify(built).code == 0  # a URL that merely looks like it
    edit(built, ACT, "</main>", f"<p>{built.root}/content</p></main>")
    result = verify(built)
    assert f"{ACT}: contains a path of the build machine ({built.root})" in result.err


def test_broken_link_in_an_act_text_fails_the_build_naming_the_file(site: Site):
    site.add(body="Voir [l'annexe](annexe.pdf) et [le site](https://www.example.org/).")
    result = site.build()
    assert result.code == 1
    assert ("deliberations/22-b-0183/index.html: links to annexe.pdf, which is not in the site "
            "(page of content/deliberations/22-B-0183.md)") in result.err
    assert not site.output.exists()


def test_missing_search_page(built: Site):
    shutil.rmtree(built.output / "recherche")
    result = verify(built)
    assert result.code == 1
    assert "recherche/index.html: is missing: the search page" in result.err
    assert f"{ACT}: links to /recherche/, which is not in the site" in result.err


def test_search_index_that_misses_an_act_or_a_file(built: Site):
    # Lots of a month: 22-B-0100 (March 2022) in one lot, the two acts of April in another.
    built.configure(extra="DELIBERATIONS_PER_PAGE = 2\nSEARCH_LOT_SIZE = 1")
    assert built.build().code == 0
    rewrite_json(built, "pagefind/lots.json", lambda data: data["lots"][0].update(pages=1))
    (built.output / "pagefind" / "lots" / "2022-03" / "wasm.fr.pagefind").unlink()
    result = verify(built)
    assert result.code == 1
    assert ("pagefind/lots/2022-04/pagefind-entry.json: indexes 2 acts, pagefind/lots.json says 1"
            in result.err)
    assert ("pagefind/lots.json: lists 2 acts in its lots, the site publishes 3: the search would "
            "miss or repeat acts") in result.err
    assert "pagefind/lots/2022-03/wasm.fr.pagefind: is missing from the search index" in result.err


def test_verify_needs_a_built_site(site: Site, tmp_path: Path):
    result = run("verify", str(tmp_path / "nothing"), "--settings", str(site.settings), cwd=site.root)
    assert result.code == 2
    assert "holds no built site" in result.err


# -- open data and feeds ------------------------------------------------------------------

def rewrite_json(site: Site, path: str, change) -> None:
    target = site.output / path
    data = json.loads(target.read_text(encoding="utf-8"))
    change(data)
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_missing_or_wrong_json_record(built: Site):
    (built.output / "data" / "deliberations" / "22-b-0100.json").unlink()

    def wrong(record):
        record["amounts"] = [{"value": 1}]
        record["title"] = 5

    rewrite_json(built, "data/deliberations/22-b-0183.json", wrong)
    result = verify(built)
    assert result.code == 1
    assert "data/deliberations/22-b-0100.json: is missing" in result.err
    assert ('data/deliberations/22-b-0183.json: title: 5 is not of type "string" '
            "(against data/schema/deliberation.schema.json)") in result.err
    assert "data/deliberations/22-b-0183.json: amounts [1] differ from the content's []" in result.err


def test_act_missing_from_a_table_or_a_list(built: Site):
    scdl = built.output / "data" / "scdl" / "deliberations.csv"
    scdl.write_text("".join(line for line in scdl.read_text(encoding="utf-8").splitlines(keepends=True)
                            if "22-B-0100" not in line), encoding="utf-8")
    rewrite_json(built, "data/deliberations-2022.json", lambda d: d["deliberations"].pop())
    result = verify(built)
    assert result.code == 1
    assert ("data/scdl/deliberations.csv: has 2 rows; the content gives 3 (missing: 22-B-0100)"
            in result.err)
    assert "data/deliberations-2022.json: lists 2 acts (count 3); the content has 3" in result.err
    assert "data/datapackage.json: announces data/scdl/deliberations.csv with" in result.err
    assert "data/catalog.jsonld: announces data/scdl/deliberations.csv with" in result.err


def test_broken_link_in_the_open_data(built: Site):
    shutil.rmtree(built.output / "seances" / "2022-03-18-bureau")
    result = verify(built)
    assert ("data/deliberations/22-b-0100.json: links to /seances/2022-03-18-bureau/, which is not in "
            "the site") in result.err


def test_act_missing_from_a_feed(built: Site):
    feed = built.output / "feeds" / "instances" / "bureau.atom.xml"
    text = feed.read_text(encoding="utf-8")
    start = text.index("<entry>")
    feed.write_text(text[:start] + text[text.index("</entry>", start) + len("</entry>"):], encoding="utf-8")
    result = verify(built)
    assert result.code == 1
    assert ("feeds/instances/bureau.atom.xml: holds 1 acts over its documents (1 in this one, 0 repeated); "
            "the content has 2 for it (missing: 22-B-0183)") in result.err


def test_feed_the_content_does_not_call_for(built: Site):
    shutil.copy(built.output / "feeds" / "instances" / "bureau.atom.xml",
                built.output / "feeds" / "instances" / "commission.atom.xml")
    (built.output / "feeds" / "instances" / "conseil.atom.xml").unlink()
    result = verify(built)
    assert "feeds/instances/commission.atom.xml: is a feed the content does not call for" in result.err
    assert "feeds/instances/conseil.atom.xml: is missing" in result.err


# -- rebuilds: facts kept from the last check --------------------------------------------------

def test_a_rebuild_fails_when_a_page_it_keeps_links_to_a_file_that_went_away(site: Site, tmp_path):
    site.document("2022/annexe.pdf", b"%PDF-1.4 annexe")
    site.add(body="Voir [l'annexe de 22-B-0100](/documents/2022/annexe.pdf).")
    site.add(number="22-B-0100", session="2022-03-18", published="2022-03-25",
             documents=[{"file": "2022/annexe.pdf", "title": "Annexe"}])
    assert site.build().code == 0
    site.add(number="22-B-0100", session="2022-03-18", published="2022-03-25")  # the annex goes
    (site.content / "documents" / "2022" / "annexe.pdf").unlink()
    result = site.build()
    assert result.code == 1
    message = (f"{ACT}: links to /documents/2022/annexe.pdf, which is not in the site "
               "(page of content/deliberations/22-B-0183.md)")
    assert message in result.err
    # The page was kept, not written again: its facts came from the last check.
    staging = outputs.staging_folder(site.output, site.root / ".cache")
    assert identity(staging / ACT) == identity(site.output / ACT)
    shutil.rmtree(site.root / ".cache")
    shutil.rmtree(site.output)
    assert message in site.build().err  # as a build from scratch finds
