"""Rebuilds write only what changed, and give exactly the site a build from scratch gives."""

from __future__ import annotations

import shutil

import pytest

from .conftest import PROJECT, SMALL_PAGES, Site, cold_build, identity, tree


def add_newest(site: Site):
    site.add(number="22-C-0020", body="conseil", session="2022-06-20", published="2022-06-27", subject="7.1")


def retitle_repealed_act(site: Site):
    site.add(number="22-B-0146", title="Adhésion au Club Innovations et Culture", session="2022-03-18",
             published="2022-03-25",
             documents=[{"file": "2022/22-B-0146.pdf", "title": "Délibération signée"}])


def delete_act(site: Site):
    (site.content / "deliberations" / "22-C-0011.md").unlink()


def replace_document(site: Site):
    site.document("2022/22-B-0146.pdf", b"%PDF-1.4 signed again, longer")


def rename_file(site: Site):
    folder = site.content / "deliberations"
    (folder / "2022").mkdir(exist_ok=True)
    (folder / "22-C-0010.md").rename(folder / "2022" / "22-C-0010.md")


def change_setting(site: Site):
    site.configure(extra=SMALL_PAGES + 'SITENAME = "Actes de Testville"\n')


def change_template(site: Site):
    base = site.root / "overrides" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<p>Nouveau pied</p></footer>"),
                    encoding="utf-8")


CHANGES = [add_newest, retitle_repealed_act, delete_act, replace_document, rename_file, change_setting]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_a_rebuild_gives_the_site_a_build_from_scratch_gives(linked_site: Site, tmp_path, change):
    assert linked_site.build().code == 0
    change(linked_site)
    result = linked_site.build()
    assert result.code == 0, result.err
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_rebuilds_in_a_row_stay_identical_to_builds_from_scratch(linked_site: Site, tmp_path):
    # Each rebuild updates the site of two builds before: every step is compared.
    assert linked_site.build().code == 0
    for change in CHANGES:
        change(linked_site)
        result = linked_site.build()
        assert result.code == 0, result.err
        assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold"), change.__name__


def test_a_template_change_rewrites_every_page(linked_site: Site, tmp_path):
    overrides = linked_site.root / "overrides"
    overrides.mkdir()
    shutil.copy(PROJECT / "theme" / "templates" / "base.html", overrides / "base.html")
    linked_site.configure(extra=SMALL_PAGES + f"THEME_TEMPLATES_OVERRIDES = [{str(overrides)!r}]\n")
    assert linked_site.build().code == 0
    change_template(linked_site)
    assert linked_site.build().code == 0
    assert "Nouveau pied" in linked_site.page("deliberations/22-b-0183")
    assert "Nouveau pied" in linked_site.page("page/1")
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_a_rebuild_without_change_rewrites_nothing(linked_site: Site):
    assert linked_site.build().code == 0
    page = linked_site.output / "deliberations" / "22-b-0183" / "index.html"
    feed = linked_site.output / "feeds" / "all.atom.xml"
    before = identity(page), identity(feed)
    assert linked_site.build().code == 0
    assert linked_site.build().code == 0
    assert (identity(page), identity(feed)) == before


def test_only_the_pages_an_act_changes_are_written(linked_site: Site):
    assert linked_site.build().code == 0
    untouched = linked_site.output / "deliberations" / "22-b-0146" / "index.html"
    repealing = linked_site.output / "deliberations" / "22-b-0183" / "index.html"
    before = identity(untouched), identity(repealing)
    linked_site.add(number="22-C-0010", body="conseil", session="2022-05-02", published="2022-05-09",
               subject="7.1", title="Budget supplémentaire", amends=["22-B-0183"])
    assert linked_site.build().code == 0
    assert identity(untouched) == before[0]
    assert identity(repealing) != before[1]  # it shows the title of the act amending it
    assert "Budget supplémentaire" in repealing.read_text(encoding="utf-8")


def test_a_page_edited_by_hand_in_the_site_is_written_again(linked_site: Site, tmp_path):
    assert linked_site.build().code == 0
    page = linked_site.output / "deliberations" / "22-b-0183" / "index.html"
    page.write_text("<p>modifié à la main</p>", encoding="utf-8")
    assert linked_site.build().code == 0
    assert linked_site.build().code == 0  # the edited file is now in the staging folder
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_leftovers_in_the_staging_folder_never_reach_the_site(linked_site: Site, tmp_path):
    from deliberations.outputs import staging_folder

    assert linked_site.build().code == 0
    assert linked_site.build().code == 0  # the first site is now the staging folder
    staging = staging_folder(linked_site.output.resolve(), linked_site.root / ".cache")
    assert staging.is_dir()
    (staging / "stray.html").write_text("stray", encoding="utf-8")
    page = staging / "deliberations" / "22-b-0146" / "index.html"
    page.unlink()
    page.mkdir()  # a folder where a page is expected
    (staging / "deliberations" / "22-c-0011" / "index.html").write_text("half written", encoding="utf-8")
    assert linked_site.build().code == 0
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_a_failed_rebuild_leaves_the_site_and_the_next_one_recovers(linked_site: Site, tmp_path):
    assert linked_site.build().code == 0
    before = tree(linked_site.output)
    linked_site.add(number="22-B-0200", subject="8.99")  # an unknown subject: the build fails
    assert linked_site.build().code == 1
    assert tree(linked_site.output) == before
    (linked_site.content / "deliberations" / "22-B-0200.md").unlink()
    add_newest(linked_site)
    assert linked_site.build().code == 0
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_a_build_that_fails_half_way_leaves_nothing_behind(linked_site: Site, tmp_path):
    assert linked_site.build().code == 0
    assert linked_site.build().code == 0  # the staging folder now holds a whole site
    before = tree(linked_site.output)
    overrides = linked_site.root / "overrides"
    overrides.mkdir()
    (overrides / "listing.html").write_text("{{ listing.nothing.here }}", encoding="utf-8")
    linked_site.configure(extra=SMALL_PAGES + f"THEME_TEMPLATES_OVERRIDES = [{str(overrides)!r}]\n")
    retitle_repealed_act(linked_site)  # act pages and data are written, then the listings fail
    assert linked_site.build().code == 3
    assert tree(linked_site.output) == before
    (overrides / "listing.html").unlink()
    delete_act(linked_site)
    assert linked_site.build().code == 0
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")
