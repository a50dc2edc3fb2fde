"""A build publishes a complete, checked site or nothing: kills, Ctrl-C, a full disk, bad content."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROJECT, Site, run, snapshot

DEMO_ACTS = 2000
PAGES_BEFORE_KILL = 200  # act pages already in the new site when the build is stopped


def deliberations(*args: str, cwd: Path, env: dict | None = None, **popen) -> subprocess.Popen:
    """The real command in its own process, as the webmaster runs it."""
    return subprocess.Popen([sys.executable, "-m", "deliberations.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **popen)


def build_in_process(cwd: Path, **popen) -> subprocess.Popen:
    return deliberations("build", "--settings", "pelicanconf.py", "--output", "output", cwd=cwd, **popen)


def staging(folder: Path) -> list[Path]:
    return sorted(folder.glob(".output.*"))


def wait_for_pages(folder: Path, proc: subprocess.Popen, count: int = PAGES_BEFORE_KILL) -> Path:
    """Wait until the running build has written ``count`` act pages; return its folder."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for folder_ in staging(folder):
            acts = folder_ / "deliberations"
            if folder_.name.endswith(f"-{proc.pid}") and acts.is_dir() and len(os.listdir(acts)) >= count:
                return folder_
        time.sleep(0.02)
    raise AssertionError("the build wrote no pages in time")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A demo site of a few thousand acts, built once."""
    root = tmp_path_factory.mktemp("demo") / "site"
    assert run("demo", "--count", str(DEMO_ACTS), "--into", str(root)).code == 0
    proc = build_in_process(root)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return root


def test_killed_build_leaves_the_site_and_the_next_build_cleans_up(demo: Path):
    before = snapshot(demo / "output")
    proc = build_in_process(demo)
    wait_for_pages(demo, proc)
    proc.kill()
    proc.wait()
    assert snapshot(demo / "output") == before
    stale = staging(demo)
    assert stale, "the build was killed half-way: its unfinished site is left behind"

    # The next build removes what the killed one left; Ctrl-C then stops it cleanly.
    proc = build_in_process(demo)
    wait_for_pages(demo, proc)
    assert not any(f.exists() for f in stale)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Interrupted: the previous site is unchanged." in err
    assert "Traceback" not in err
    assert snapshot(demo / "output") == before
    assert staging(demo) == []


def test_terminated_build_leaves_the_site(demo: Path):
    before = snapshot(demo / "output")
    proc = build_in_process(demo)
    wait_for_pages(demo, proc)
    proc.terminate()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert snapshot(demo / "output") == before
    assert staging(demo) == []


def _file_size_limit(limit: int):
    def apply():
        # Writing past the limit fails with EFBIG, as a full disk fails with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_leaves_the_site_with_a_clear_message(demo: Path):
    before = snapshot(demo / "output")
    proc = build_in_process(demo, preexec_fn=_file_size_limit(8 * 1024))
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1
    assert "cannot write " in err and "File too large" in err
    assert "Nothing was published: the previous site is unchanged." in err
    assert "Traceback" not in err
    assert snapshot(demo / "output") == before
    assert staging(demo) == []


def test_full_disk_while_copying_a_document(site: Site):
    site.add()
    assert site.build().code == 0
    before = snapshot(site.output)
    site.document("2022/annexe.pdf", b"%PDF-1.4\n" + b"0" * 300_000)
    site.add(documents=[{"file": "2022/annexe.pdf", "title": "Annexe"}])
    proc = build_in_process(site.root, preexec_fn=_file_size_limit(100_000))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "cannot write documents/2022/annexe.pdf: File too large" in err
    assert "Traceback" not in err
    assert snapshot(site.output) == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folders_of_killed_builds_are_removed_but_not_those_of_a_running_one(site: Site):
    site.add()
    assert site.build().code == 0
    dead = _dead_pid()
    left = [site.root / f".output.building-{dead}", site.root / f".output.old-{dead}"]
    for folder in left:
        (folder / "deliberations").mkdir(parents=True)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as other:
        running = site.root / f".output.building-{other.pid}"
        running.mkdir()
        result = site.build()
        other.kill()
    assert result.code == 0, result.err
    assert not any(f.exists() for f in left)
    assert running.exists()


def test_site_caught_between_two_renames_is_restored(site: Site):
    """Where the system cannot swap two folders at once, a kill between the renames loses nothing."""
    site.add()
    assert site.build().code == 0
    before = snapshot(site.output)
    site.output.rename(site.root / f".output.old-{_dead_pid()}")
    site.add(title=None)  # and the next build fails: the site is back all the same
    result = site.build()
    assert result.code == 1
    assert snapshot(site.output) == before


def test_bad_content_leaves_the_site(site: Site):
    site.add()
    assert site.build().code == 0
    before = snapshot(site.output)
    site.add(session="2022-02-30")
    result = site.build()
    assert result.code == 1
    assert "session: '2022-02-30' is not a valid date" in result.err
    assert "Nothing was published: the previous site is unchanged." in result.err
    assert snapshot(site.output) == before


def test_failed_self_check_leaves_the_site(site: Site):
    """A theme that loads a script from another site fails the build, naming the pages."""
    site.add()
    assert site.build().code == 0
    before = snapshot(site.output)
    theme = site.root / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace(
        "</head>", '<script src="https://cdn.example.com/stats.js"></script>\n</head>'))
    site.configure(extra=f"THEME = {str(theme)!r}")
    result = site.build()
    assert result.code == 1
    assert "The self-check of the built site failed:" in result.err
    assert ("deliberations/22-b-0183/index.html: <script src> loads https://cdn.example.com/stats.js "
            "from another site") in result.err
    assert snapshot(site.output) == before


def test_publish_settings_build_a_checked_site(tmp_path):
    """`make publish` runs the same build with publishconf.py: absolute URLs, checked the same way."""
    dry_run = subprocess.run(["make", "-n", "publish"], cwd=PROJECT, capture_output=True, text=True)
    assert "deliberations build --settings publishconf.py --output output" in dry_run.stdout
    out = tmp_path / "out"
    # In their own processes: publishconf.py imports pelicanconf, which must be the project's.
    for command in (("build", "--output", str(out)), ("verify", str(out))):
        proc = deliberations(*command, "--settings", "publishconf.py", cwd=PROJECT)
        stdout, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    seed = (out / "deliberations" / "22-b-0183" / "index.html").read_text()
    assert 'href="https://deliberations.example.org/deliberations/22-b-0146/"' in seed


def test_two_builds_are_byte_identical(tmp_path):
    """Same content and settings, other folders, hash seeds and time zones: the same bytes."""
    first = tmp_path / "a" / "site"
    assert run("demo", "--count", "120", "--into", str(first)).code == 0
    docs = first / "content" / "documents"
    docs.mkdir()
    (docs / "annexe.pdf").write_bytes(b"%PDF-1.4 annexe")
    act = next((first / "content" / "deliberations").rglob("*.md"))
    act.write_text(act.read_text().replace(
        "tags:", "documents:\n  - {file: annexe.pdf, title: Annexe}\ntags:", 1))
    second = tmp_path / "b" / "elsewhere"
    shutil.copytree(first, second)
    for folder, seed, tz in ((first, "1", "Europe/Paris"), (second, "2", "America/Cayenne")):
        proc = build_in_process(folder, env={"PYTHONHASHSEED": seed, "TZ": tz})
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert snapshot(first / "output") == snapshot(second / "output")
    assert (first / "output" / "documents" / "annexe.pdf").is_file()
