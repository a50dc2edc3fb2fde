"""The README documents every setting and every subcommand (a new one fails here until it is)."""

import argparse
import re

import pytest
from deliberations.cli import build_parser
from deliberations.settings import SiteSettings

from .conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def subcommands() -> list[str]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def documented_settings() -> set[str]:
    """Names in the first column of the README's settings tables: | `NAME` | default | meaning |"""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.MULTILINE))


@pytest.mark.parametrize("name", list(SiteSettings.model_fields))
def test_setting_is_documented(name):
    assert name in documented_settings(), f"add `{name}` to the settings table of README.md"


@pytest.mark.parametrize("name", subcommands())
def test_subcommand_is_documented(name):
    assert re.search(rf"^- `deliberations {name}\b", README, re.MULTILINE), (
        f"describe `deliberations {name}` under « The `deliberations` command » in README.md")


def test_the_lists_are_not_empty():
    assert {"build", "check", "demo", "schema"} <= set(subcommands())
    assert {"COLLECTIVITY", "BODIES", "DELIBERATIONS_PER_PAGE"} <= set(SiteSettings.model_fields)
