"""Broken and hostile files: each gets a clear error (or is read as meant), none crashes or hangs."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
import yaml
from deliberations import frontmatter
from deliberations.model import Amount
from deliberations.reader import read_act
from hypothesis import given
from hypothesis import strategies as st

from .conftest import BASE_ACT, Site

HEAD = "---\nnumber: {number}\ntitle: Titre\nbody: bureau\nsession: 2022-04-08\npublished: 2022-04-15\n"
VALID = HEAD + 'subject: "8.9"\nauthor: {{name: A B, role: Président}}\n---\nLe Bureau décide.\n'
BOMB = "\n".join(["---", "a: &a [x, x, x, x, x, x, x, x, x]"]
                 + [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True)] + ["---", ""])

# file name → (bytes, the message the webmaster reads; None when the file is read as meant)
FILES = {
    "empty.md": (b"", "empty.md: file is empty"),
    "blank.md": (b" \n\n\t\n", "blank.md: file is empty"),
    "huge.md": (VALID.format(number="H-1").encode() + b"x" * 50 * 1024 * 1024,
                "huge.md: file is 52,428,9"),
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
                  "binary.md: file is binary (contains NUL bytes), not a Markdown text file"),
    "latin1.md": (VALID.format(number="L-1").replace("Titre", "Délibération").encode("latin-1"),
                  "latin1.md:3: file is not valid UTF-8 (byte 0xe9 at offset 24, it looks like "
                  "Windows-1252 or Latin-1); save it as UTF-8"),
    "cp1252.md": (VALID.format(number="W-1").replace("Titre", "L’école").encode("cp1252"),
                  "cp1252.md:3: file is not valid UTF-8 (byte 0x92 at offset 24, it looks like"),
    "utf16.md": (VALID.format(number="U-1").encode("utf-16"),
                 "utf16.md: file is in UTF-16; save it as UTF-8"),
    "bom.md": (b"\xef\xbb\xbf" + VALID.format(number="B-1").encode(), None),
    "crlf.md": (VALID.format(number="C-1").replace("\n", "\r\n").encode(), None),
    "crlf-error.md": (VALID.format(number="C-2").replace("2022-04-15", "2022-02-30").replace("\n", "\r\n")
                      .encode(), "crlf-error.md:6: published: '2022-02-30' is not a valid date"),
    "no-front-matter.md": (b"Le Bureau decide.\n", "no-front-matter.md:1: file must start with a '---' line"),
    "unclosed.md": (b"---\nnumber: X\n", "unclosed.md:1: front matter is not closed by a '---' line"),
    "bomb.md": (BOMB.encode(), "bomb.md:2: YAML anchors and aliases (&name, *name) are not allowed"),
    "python-object.md": ((HEAD.format(number="P-1") + 'subject: !!python/object/apply:os.system '
                          '["touch PWNED"]\n---\n').encode(),
                         "python-object.md:7: front matter is not valid YAML: could not determine a "
                         "constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    "python-name.md": ((HEAD.format(number="P-2") + "subject: !!python/name:os.system\n---\n").encode(),
                       "python-name.md:7: front matter is not valid YAML: could not determine a constructor"),
    "local-tag.md": ((HEAD.format(number="P-3") + "subject: !include /etc/passwd\n---\n").encode(),
                     "local-tag.md:7: front matter is not valid YAML: could not determine a constructor "
                     "for the tag '!include'"),
    "nested.md": (("---\nnumber: " + "[" * 100_000 + "\n---\n").encode(),
                  "nested.md:2: front matter is not valid YAML: exceeded maximum nesting depth"),
    "long-number.md": ((HEAD.format(number="N-1") + "vote: {members: " + "9" * 5000 + "}\n---\n").encode(),
                       "long-number.md:7: number is too long (5,000 characters)"),
    "repeated.md": ((HEAD.format(number="R-1") + "title: Autre titre\n---\n").encode(),
                    "repeated.md:7: key 'title' is given twice (first on line 3); keep only one"),
    "not-a-number.md": ((VALID.format(number="A-1").replace("---\nLe", "amounts: [{value: .nan}]\n---\nLe"))
                        .encode(), "not-a-number.md:9: amounts.0.value: '.nan' is not a number"),
    "control.md": ((HEAD.format(number="K-1") + "summary: a\x07b\n---\n").encode(),
                   "control.md:7: front matter holds the character U+0007, which YAML does not allow"),
    "slow-text.md": ((VALID.format(number="S-1") + "*_`[<&" * 5000 + "[" * 100_000).encode(), None),
    "deep-text.md": ((VALID.format(number="D-1") + "\n" + "".join("  " * i + "- x\n" for i in range(1000)))
                     .encode(),
                     "deep-text.md:10: the text is nested too deeply (lists or quotes inside each other)"),
    "deep-quotes.md": ((VALID.format(number="Q-1") + ">" * 100_000 + " x\n").encode(),
                       "deep-quotes.md:10: the text is nested too deeply"),
    "deep-html.md": ((VALID.format(number="E-1") + "<div>" * 50_000).encode(),
                     "deep-html.md:10: the text is nested too deeply"),
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Site, subprocess.CompletedProcess]:
    """One `deliberations check` of a site holding every file above, in its own process."""
    site = Site(tmp_path_factory.mktemp("hostile") / "site")
    for name, (data, _) in FILES.items():
        (site.content / "deliberations" / name).write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "deliberations.cli", "check", "--settings",
                           str(site.settings)], cwd=site.root, capture_output=True, text=True,
                          timeout=300)  # a hang fails the test instead of blocking the run
    return site, done


def test_no_file_crashes_the_check(checked):
    site, done = checked
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    errors = sum(1 for _, message in FILES.values() if message)
    assert f"{errors} errors in {errors} files" in done.stderr
    assert not (site.root / "PWNED").exists()


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_gets_its_message(checked, name):
    site, done = checked
    message = FILES[name][1]
    lines = [line for line in done.stderr.splitlines() if f"deliberations/{name}" in line
             and "warning:" not in line]
    if message is None:
        assert lines == []
    else:
        assert len(lines) == 1 and f"content/deliberations/{message}" in lines[0], done.stderr


def test_bom_and_crlf_files_are_published_as_written(site: Site):
    for name in ("bom.md", "crlf.md"):
        (site.content / "deliberations" / name).write_bytes(FILES[name][0])
    result = site.build()
    assert result.code == 0, result.err
    for slug in ("b-1", "c-1"):
        page = site.page(f"deliberations/{slug}")
        assert "<h1>Titre</h1>" in page and "Le Bureau décide." in page and "\r" not in page


# -- properties ---------------------------------------------------------------------------

YAML_CHARS = st.sampled_from(list("-:[]{}&*!|>'\"%@`#,?~ \t\n.0123456789abcxyzé") + [
    "---", "...", "!!", "<<", "&a", "*a", "!!python/object:x", "!!binary", "!!float", "!!int",
    "!!timestamp", ".inf", ".nan", "0x1F", "0o17", "1_000", "190:20:30", "2022-02-30", "yes",
    "null", "\ufeff", "\r\n", "\x85", "\u2028"])


@given(st.lists(YAML_CHARS, max_size=60).map("".join))
def test_front_matter_parser_fails_only_with_its_own_error(text):
    try:
        data, _ = frontmatter.load(text)
    except frontmatter.FrontMatterError as e:
        assert e.message
    else:
        assert isinstance(data, dict)


@given(st.binary(max_size=400) | st.lists(YAML_CHARS, max_size=80).map(lambda s: f"---\n{''.join(s)}\n---\n"
                                                                         .encode()))
def test_reading_any_file_gives_an_act_or_problems(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "fuzz.md"
    path.write_bytes(data)
    act, problems = read_act(path, "fuzz.md")
    assert act is not None or any(p.severity == "error" for p in problems)


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False).map(str) | st.dates().map(str),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
KEYS = st.sampled_from([*BASE_ACT, "nature", "outcome", "vote", "transmission", "amounts", "repeals",
                        "amends", "documents", "modified", "tags", "summary", "unknown"])


def _exactly(value):
    """``value`` with the type of every part: 1, 1.0 and True are not the same front matter."""
    if isinstance(value, dict):
        return {k: _exactly(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exactly(v) for v in value]
    return type(value), repr(value)


@given(st.lists(YAML_CHARS, max_size=60).map("".join) | st.dictionaries(KEYS, VALUES, max_size=8).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True)))
def test_the_short_way_reads_what_pyyaml_reads(text):
    """The one-pass reading of plain front matter gives what PyYAML's constructor gives, or leaves it."""
    loader = frontmatter._Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return
        short = frontmatter._plain(loader, node, text)
        if short is not None:
            assert _exactly(short) == _exactly(loader.construct_document(node))
    except (yaml.YAMLError, frontmatter.FrontMatterError):
        return
    finally:
        loader.dispose()


@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_any_front_matter_values_give_an_act_or_located_problems(tmp_path_factory, overrides):
    path = tmp_path_factory.getbasetemp() / "values.md"
    front = yaml.safe_dump({**BASE_ACT, **overrides}, allow_unicode=True)
    path.write_text(f"---\n{front}---\nTexte.\n", encoding="utf-8")
    act, problems = read_act(path, "values.md")
    if act is None:
        assert all(p.path == "values.md" and p.message for p in problems)


@given(st.decimals(min_value=0, max_value=Decimal("999999999999"), places=2))
def test_an_amount_reads_back_equal_through_the_front_matter(value):
    """Written in a file (bare or quoted), read, exported as JSON text, read again: the same amount."""
    for written in (str(value), f'"{value}"'):
        data, _ = frontmatter.load(f"value: {written}")
        amount = Amount.model_validate(data)
        assert amount.value == value and str(amount.value) == str(value)
        exported = amount.model_dump(mode="json", by_alias=True)["value"]
        assert Amount.model_validate({"value": exported}).value == value
