"""A build reads only under content/ and writes only output/: no path from content or the
command line leads elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import Site, run, snapshot


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("file", ["../secret.txt", "2022/../../secret.txt", "/etc/passwd",
                                  "C:\\Windows\\win.ini", "..\\secret.txt", ""])
def test_document_paths_outside_the_documents_folder_are_refused(site: Site, file):
    (site.content / "secret.txt").write_text("secret")
    site.add(documents=[{"file": file, "title": "Annexe"}])
    result = site.build()
    assert result.code == 1
    assert "content/deliberations/22-B-0183.md:" in result.err and "documents.0.file:" in result.err
    assert not site.output.exists()


def test_document_symlink_out_of_the_documents_folder_is_refused(site: Site, tmp_path: Path):
    (tmp_path / "private.pdf").write_bytes(b"%PDF private")
    (site.content / "documents").mkdir()
    (site.content / "documents" / "annexe.pdf").symlink_to(tmp_path / "private.pdf")
    site.add(documents=[{"file": "annexe.pdf", "title": "Annexe"}])
    result = site.build()
    assert result.code == 1
    assert "documents.0.file: 'annexe.pdf' points outside documents/" in result.err


def test_act_files_linked_from_outside_the_content_are_refused(site: Site, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    stray = Site(outside / "other")
    stray.add(number="99-X-0001")
    (site.content / "deliberations" / "linked.md").symlink_to(next(stray.content.rglob("*.md")))
    (site.content / "deliberations" / "2021").symlink_to(stray.content / "deliberations")
    site.add()
    result = site.build()
    assert result.code == 1
    assert ("content/deliberations/linked.md: is a symbolic link to a file outside content/; "
            "copy the file here instead") in result.err
    assert ("content/deliberations/2021: is a symbolic link to a folder, which is not read; "
            "move the acts into the folder itself") in result.err


def test_numbers_cannot_lead_pages_out_of_the_output(site: Site):
    site.add(number="../../../../pwned", path="a.md")
    site.add(number="/tmp/x", path="b.md")
    before = tree(site.root)
    result = site.build()
    assert result.code == 0, result.err
    assert (site.output / "deliberations" / "pwned" / "index.html").is_file()
    assert (site.output / "deliberations" / "tmp-x" / "index.html").is_file()
    assert {p for p in tree(site.root) - before if not p.startswith(("output", ".cache"))} == set()


@pytest.mark.parametrize(("output", "why"), [
    (".", "it holds"),
    ("..", "it holds"),
    ("content", "it holds"),
    ("content/deliberations/site", "it is inside the content folder"),
    ("/", "the whole folder would be replaced"),
    ("~", "the whole folder would be replaced"),
    ("notes", "it is not empty and holds no built site"),
    ("notes/todo.txt", "it is a file, not a folder"),
])
def test_output_folders_that_would_destroy_something_are_refused(site: Site, output, why):
    site.add()
    notes = site.root / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("à faire")
    before = snapshot(site.root)
    target = os.path.expanduser(output)
    result = run("build", "--settings", str(site.settings), "--output", target, cwd=site.root)
    assert result.code == 1
    assert f"refusing to build into {target}: {why}" in result.err
    assert snapshot(site.root) == before


def test_output_may_be_any_other_folder(site: Site):
    site.add()
    result = run("build", "--settings", str(site.settings), "--output", "public/site", cwd=site.root)
    assert result.code == 0, result.err
    assert (site.root / "public" / "site" / "deliberations" / "22-b-0183" / "index.html").is_file()
