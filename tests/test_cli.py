"""The `deliberations` command as the webmaster runs it: messages and exit status."""

import re

from .conftest import Site, run


def test_check_accepts_valid_content_without_building(site: Site):
    site.add()
    site.add(number="22-B-0184", repeals=["21-B-0001"])
    result = site.check()
    assert result.code == 0, result.err
    assert result.out == "2 acts checked, no errors, 1 warning.\n"
    assert result.err == ("content/deliberations/22-B-0184.md:12: warning: repeals.0: '21-B-0001' "
                          "is not in the corpus; shown as plain text\n")
    assert not site.output.exists()


def test_check_fails_with_status_1_on_errors(site: Site):
    site.add(session="2022-02-30")
    result = site.check()
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "content/deliberations/22-B-0183.md:5: session: '2022-02-30' is not a valid date",
        "1 error in 1 file",
    ]


def test_build_reports_where_the_site_was_written(site: Site):
    site.add()
    result = site.build()
    assert result.code == 0, result.err
    assert result.out == f"Site written to {site.output.resolve()}\n"
    assert (site.output / "deliberations/22-b-0183/index.html").is_file()


def test_build_timings_account_for_the_whole_run(site: Site):
    site.add()
    result = run("build", "--settings", str(site.settings), "--output", str(site.output), "--timings",
                 cwd=site.root)
    assert result.code == 0, result.err
    timings = {name: float(s) for name, s in re.findall(r"(\w+) ([0-9.]+) s", result.err.splitlines()[-1])}
    assert list(timings)[0] == "start" and list(timings)[-2:] == ["other", "total"]
    assert {"read", "link", "pages", "exports", "feeds", "index", "verify", "swap"} <= set(timings)
    # What the build took, start-up included, is the total: nothing is counted twice (each
    # figure is rounded to the hundredth).
    assert sum(s for name, s in timings.items() if name != "total") <= timings["total"] + 0.06


def test_failed_build_leaves_the_previous_site_in_place(site: Site):
    site.add()
    assert site.build().code == 0
    before = {p.relative_to(site.output): p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    site.add(title="Nouveau titre")
    site.add(number="22-B-0184", subject="8.99")
    result = site.build()
    assert result.code == 1
    assert result.err.splitlines()[-1] == "Nothing was published: the previous site is unchanged."
    after = {p.relative_to(site.output): p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".output")] == []  # no staging left


def test_missing_settings_file_is_a_usage_error(tmp_path):
    result = run("check", "--settings", "nowhere.py", cwd=tmp_path)
    assert result.code == 2
    assert result.err == ("deliberations: settings file nowhere.py not found "
                          "(run from the site's folder or pass --settings)\n")


def test_wrong_site_settings_are_named(site: Site):
    site.configure(extra="""
        COLLECTIVITY = {"name": "Testville", "siren": "200093201", "siret": "20009320100017"}
        BODIES = {"Conseil municipal": "Conseil"}
        DELIBERATIONS_PER_PAGE = 0
    """)
    site.add()
    for result in (site.check(), site.build()):
        assert result.code == 1
        assert result.err.splitlines()[:3] == [
            "pelicanconf.py: COLLECTIVITY.siret: fails the SIRET check digit (Luhn)",
            "pelicanconf.py: BODIES: body key 'Conseil municipal' must be lowercase letters, digits and '-'",
            "pelicanconf.py: DELIBERATIONS_PER_PAGE: Input should be greater than or equal to 1",
        ]
        assert not site.output.exists()


def test_unknown_subcommand_is_a_usage_error():
    result = run("publish")
    assert result.code == 2
    assert "invalid choice: 'publish'" in result.err


def test_missing_content_folder_is_named(site: Site):
    site.add()
    site.configure(extra='PATH = "contenu"')
    for result in (site.check(), site.build()):
        assert result.code == 1
        assert result.err.splitlines()[0] == (
            "pelicanconf.py: PATH: the content folder 'contenu' does not exist")
        assert not site.output.exists()
