"""The build cache: reused when it may be, ignored when it is damaged, foreign or out of date."""

from __future__ import annotations

import os
import pickle
import shutil
import time

import pytest
from deliberations import cache

from .conftest import SMALL_PAGES, Site, cold_build, identity, tree


def test_a_damaged_cache_is_ignored(linked_site: Site, tmp_path):
    assert linked_site.build().code == 0
    assert linked_site.build().code == 0  # a staging folder and two manifests exist
    # The caches of this build (the search index keeps its own, see search.py).
    cache = linked_site.root / ".cache"
    files = [p for name in ("reads", "exports", "manifests") for p in (cache / name).iterdir()]
    assert {p.parent.name for p in files} == {"reads", "exports", "manifests"}
    for n, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes([b"", b"\x80\x05garbage", data[: len(data) // 2], b'{"format": 1}'][n % 4])
    result = linked_site.build()
    assert result.code == 0, result.err
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_damaged_compiled_templates_are_compiled_again(linked_site: Site, tmp_path):
    assert linked_site.build().code == 0
    compiled = list((linked_site.root / ".cache" / "templates").rglob("*.cache"))
    assert compiled  # the templates of the first build, kept for the next ones
    for n, path in enumerate(compiled):
        data = path.read_bytes()
        path.write_bytes([b"", b"garbage", data[: len(data) // 2]][n % 3])
    linked_site.add(number="22-C-0011", body="conseil", session="2022-05-02", published="2022-05-09",
                    subject="7.1", title="Nouveau titre")
    result = linked_site.build()
    assert result.code == 0, result.err
    assert "Nouveau titre" in linked_site.page("deliberations/22-c-0011")
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_compiled_templates_that_cannot_be_kept_do_not_stop_the_build(site: Site):
    site.add()
    (site.root / ".cache").mkdir()
    (site.root / ".cache" / "templates").write_text("a file where the folder goes", encoding="utf-8")
    result = site.build()
    assert result.code == 0, result.err
    assert "Adhésion au Club" in site.page("deliberations/22-b-0183")


def test_a_cache_of_another_site_is_ignored(linked_site: Site, tmp_path):
    other = Site(tmp_path / "other", extra_settings=SMALL_PAGES)
    other.add(number="22-B-0183", title="Un autre titre")
    assert other.build().code == 0
    assert linked_site.build().code == 0
    shutil.rmtree(linked_site.root / ".cache")
    shutil.copytree(other.root / ".cache", linked_site.root / ".cache")
    assert linked_site.build().code == 0
    assert tree(linked_site.output) == cold_build(linked_site, tmp_path / "cold")


def test_warnings_and_errors_are_told_again_when_a_file_comes_from_the_cache(site: Site):
    site.add(body="")  # a warning found when the file is read: the act has no text
    first, second = site.build(), site.build()
    assert second.code == 0
    assert "the act has no text" in first.err
    assert second.err == first.err
    site.add(number="22-B-0184", session="2022-02-30")
    first, second = site.build(), site.build()
    assert first.code == second.code == 1
    assert "22-B-0184.md:" in first.err and "session: '2022-02-30' is not a valid date" in first.err
    assert second.err == first.err


def test_the_same_bytes_under_another_name_are_told_under_that_name(site: Site):
    site.add(body="", path="2022/22-B-0183.md")
    assert "content/deliberations/2022/22-B-0183.md:12: warning: the act has no text" in site.build().err
    (site.content / "deliberations" / "2022" / "22-B-0183.md").rename(
        site.content / "deliberations" / "22-B-0183.md")
    err = site.build().err
    assert "content/deliberations/22-B-0183.md:12: warning: the act has no text" in err
    assert "2022/" not in err


def test_a_function_in_the_settings_does_not_defeat_reuse(linked_site: Site):
    linked_site.configure(extra=SMALL_PAGES + "JINJA_FILTERS = {'shout': lambda s: s.upper()}\n")
    assert linked_site.build().code == 0
    page = linked_site.output / "deliberations" / "22-b-0183" / "index.html"
    before = identity(page)
    assert linked_site.build().code == 0
    assert identity(page) == before


@pytest.fixture
def new_code(tmp_path):
    """A copy of the package with one more comment: what installing a new version does."""
    copy = tmp_path / "package"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "pages.py").open("a", encoding="utf-8") as f:
        f.write("# a new version\n")
    yield copy
    cache.code_version.cache_clear()


def test_an_act_edited_behind_the_same_size_and_modification_time_is_read_again(site: Site):
    act = site.add(title="Adhésion au Club A")
    time.sleep(cache.RACY_NS / 1e9 + 0.1)  # old enough for the build to trust its identity
    assert site.build().code == 0
    assert "Adhésion au Club A" in site.page("deliberations/22-b-0183")
    before = act.stat()
    act.write_text(act.read_text(encoding="utf-8").replace("Club A", "Club B"), encoding="utf-8")
    os.utime(act, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a tool keeping times would
    assert act.stat().st_size == before.st_size
    result = site.build()
    assert result.code == 0, result.err
    assert "Adhésion au Club B" in site.page("deliberations/22-b-0183")


def test_a_new_version_of_the_code_rebuilds_everything(linked_site: Site, new_code, monkeypatch):
    assert linked_site.build().code == 0
    assert linked_site.build().code == 0
    page = linked_site.output / "deliberations" / "22-b-0183" / "index.html"
    feed = linked_site.output / "feeds" / "all.atom.xml"
    before = identity(page), identity(feed)
    shards = {p: p.read_bytes() for p in (linked_site.root / ".cache" / "reads").glob("*.pickle")}
    monkeypatch.setattr(cache, "PACKAGE", new_code)
    cache.code_version.cache_clear()
    assert linked_site.build().code == 0
    assert identity(page) != before[0] and identity(feed) != before[1]
    assert all(p.read_bytes() != data for p, data in shards.items())  # read again, stored anew


def test_the_store_keeps_the_keys_used_and_ignores_other_versions(tmp_path, monkeypatch):
    store = cache.Store(tmp_path).load()
    store.put("aa01", b"one")
    store.put("bb02", b"two")
    store.save()
    again = cache.Store(tmp_path).load()
    assert again.get("aa01") == b"one"
    again.save()  # bb02 was not used: it goes, and its file with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aa.pickle"]
    (tmp_path / "cc.pickle").write_bytes(pickle.dumps(("other-format", cache.code_version(), {"cc03": b"x"})))
    monkeypatch.setattr(cache, "code_version", lambda: "another version")
    assert cache.Store(tmp_path).load().get("aa01") is None
    assert cache.Store(tmp_path).load().get("cc03") is None


def test_settings_text_is_the_same_from_one_run_to_the_next():
    def shout(s):
        return s.upper()

    one, other = {"B": [1, shout], "A": {"x"}}, {"A": {"x"}, "B": [1, shout]}
    assert cache.stable_repr(one) == cache.stable_repr(other)
    assert "0x" not in cache.stable_repr({"F": shout, "O": object()})
