"""`deliberations demo`: synthetic acts for demos and benchmarks, never mixed with real ones."""

from pathlib import Path

from lxml import html

from .conftest import PROJECT, Site, run


def acts_in(folder: Path) -> list[Path]:
    return sorted((folder / "content" / "deliberations").rglob("*.md"))


def test_demo_writes_n_synthetic_acts_that_build_without_errors(tmp_path):
    demo = tmp_path / "demo"
    result = run("demo", "--count", "60", "--into", str(demo))
    assert result.code == 0, result.err
    files = acts_in(demo)
    assert len(files) == 60
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "tags: [synthétique]" in text, path
        assert "Acte fictif généré pour démonstration" in text, path
    built = run("build", "--settings", str(demo / "pelicanconf.py"), "--output", str(demo / "output"))
    assert built.code == 0, built.err
    assert built.err == ""  # no error, not even a warning
    home = html.fromstring((demo / "output" / "index.html").read_text(encoding="utf-8"))
    assert "données synthétiques" in home.findtext(".//title")
    assert len(list((demo / "output" / "deliberations").iterdir())) == 60
    sittings = html.fromstring((demo / "output" / "seances" / "index.html").read_text(encoding="utf-8"))
    counts = [int(li.text_content().rsplit("(", 1)[1].split()[0]) for li in sittings.cssselect("main li")]
    assert sum(counts) == 60


def test_demo_is_deterministic_and_rewritten_from_scratch(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("demo", "--count", "40", "--into", str(first), "--seed", "7").code == 0
    assert run("demo", "--count", "40", "--into", str(second), "--seed", "7").code == 0
    assert [p.read_bytes() for p in acts_in(first)] == [p.read_bytes() for p in acts_in(second)]
    assert run("demo", "--count", "5", "--into", str(first)).code == 0
    assert len(acts_in(first)) == 5


def test_demo_refuses_the_projects_content(tmp_path):
    before = sorted((PROJECT / "content").rglob("*"))
    for target in (PROJECT / "content", PROJECT / "content" / "deliberations" / "demo", PROJECT):
        result = run("demo", "--count", "3", "--into", str(target))
        assert result.code == 2, target
        assert result.err.startswith("deliberations: refusing to write synthetic acts there: ")
    assert sorted((PROJECT / "content").rglob("*")) == before


def test_demo_refuses_a_real_site(site: Site):
    site.add()
    settings = site.settings.read_bytes()
    result = run("demo", "--count", "3", "--into", str(site.root))
    assert result.code == 2
    assert result.err == (f"deliberations: refusing to write synthetic acts there: {site.root.resolve()} "
                          "holds a site (its pelicanconf.py was not written by `deliberations demo`)\n")
    assert site.settings.read_bytes() == settings
    assert [p.name for p in acts_in(site.root)] == ["22-B-0183.md"]
    result = run("demo", "--count", "3", "--into", str(site.content / "2022"))
    assert result.code == 2


def test_a_hundred_thousand_demo_acts_have_unique_numbers():
    from deliberations.demo import generate

    numbers = [number for number, _year, _text in generate(100_000)]
    assert len(set(numbers)) == 100_000
