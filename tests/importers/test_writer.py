"""Drafts → content files that the site's own reader accepts, or that say what to fill in."""

from datetime import date, datetime
from decimal import Decimal

from deliberations import frontmatter
from deliberations.importers import writer
from deliberations.model import Deliberation
from deliberations.settings import load
from hypothesis import given
from hypothesis import strategies as st

SITE = load({"COLLECTIVITY": {"name": "MEL", "siren": "200093201", "siret": "20009320100016"},
             "BODIES": {"conseil": "Conseil", "bureau": "Bureau"}})
FIELDS = {"number": "464", "title": "Tarifs: 2023 # révisés", "body": "conseil",
          "session": date(2013, 11, 25), "published": datetime(2013, 12, 2, 9, 30), "subject": "7.10",
          "amounts": [{"value": Decimal("1250000.00"), "tax": "TTC"}, {"value": Decimal("675")}]}


def front(content: str) -> dict:
    source, _, _ = frontmatter.split(content)
    return frontmatter.load(source)[0]


def test_a_complete_draft_is_a_valid_file_with_exact_values():
    content = writer.render(FIELDS, "Le Conseil décide.", "a.csv:2 by `deliberations import scdl`")
    assert writer.check(content, "x.md", SITE) == ([], [])
    lines = content.splitlines()
    assert 'subject: "7.10"' in lines  # never the number 7.1
    assert "number: '464'" in lines  # text, not an integer
    assert "  value: 1250000.00" in content.replace("- value", "  value")
    assert "published: 2013-12-02 09:30" in lines
    meta = Deliberation.model_validate(front(content))
    assert meta.amounts[0].value.as_tuple() == Decimal("1250000.00").as_tuple()
    assert meta.title == "Tarifs: 2023 # révisés" and meta.number == "464"
    assert content.endswith("---\n\nLe Conseil décide.\n")


def test_missing_required_keys_are_named_in_the_file_and_by_the_check():
    fields = {k: v for k, v in FIELDS.items() if k not in ("subject", "published")}
    content = writer.render(fields, "", "seed.txt")
    assert writer.check(content, "x.md", SITE) == (["published", "subject"], [])
    assert "# To fill in before publishing: published (the date the act was put online" in content


def test_other_problems_are_reported_as_the_build_would():
    fields = {**FIELDS, "vote": {"voters": 88, "for": 104, "against": 0, "abstention": 0}}
    _, to_fix = writer.check(writer.render(fields, "", "s"), "x.md", SITE)
    assert len(to_fix) == 1 and to_fix[0].startswith("x.md:") and "voters (88) must equal" in to_fix[0]


def test_a_hostile_source_name_cannot_break_out_of_its_comment():
    content = writer.render(FIELDS, "", "evil\nsubject: 9.9\n---\n.txt")
    assert front(content)["subject"] == "7.10"


def test_file_names_from_numbers():
    assert writer.file_name("22-B-0183") == "22-B-0183"
    assert writer.file_name("20 C 0008") == "20-C-0008"
    assert writer.file_name("2022/12:é") == "2022-12"
    assert writer.file_name("../..") == "act"


@given(st.decimals(min_value=0, max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False))
def test_any_amount_round_trips_exactly(value):
    content = writer.render({**FIELDS, "amounts": [{"value": value}]}, "", "s")
    read = Deliberation.model_validate(front(content)).amounts[0].value
    assert read == value
