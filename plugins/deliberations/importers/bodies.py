"""Which of the site's bodies (``BODIES`` in the settings) an act's wording names."""

from __future__ import annotations

import re

from .french import fold

BODY = (r"(?:conseil|bureau|commission\s+permanente|comit[ée]\s+syndical|comit[ée]|assembl[ée]e)"
        r"(?:\s+(?:municipal|m[ée]tropolitain|communautaire|d[ée]partemental|r[ée]gional|syndical"
        r"|territorial|d['’]administration|pl[ée]ni[èe]re|de\s+(?:la\s+)?m[ée]tropole))?")
_STOP = {"de", "du", "la", "le", "l", "d", "des"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold(text))) - _STOP


def match(phrase: str, bodies: dict[str, str]) -> str | None:
    """The key of ``bodies`` that ``phrase`` names, when exactly one fits; else None.

    « Bureau » → ``bureau``; « Conseil métropolitain » → ``conseil`` when the site has one
    council; « Conseil municipal » with ``{"conseil": "Conseil communautaire"}`` → None.
    """
    said = _words(phrase)
    if not said:
        return None
    exact = [k for k, name in bodies.items() if said in (_words(name), _words(k.replace("-", " ")))]
    if len(exact) == 1:
        return exact[0]
    close = [k for k, name in bodies.items() if (named := _words(name)) and (named <= said or said <= named)]
    return close[0] if len(close) == 1 else None


def choose(said: str | None, bodies: dict[str, str], forced: str | None) -> tuple[str | None, str | None]:
    """(body key, note for the report) for an act whose source names ``said``; ``forced`` wins."""
    key = match(said, bodies) if said else None
    if forced:
        return forced, (f"the source names « {said} »; --body {forced} was used"
                        if said and key != forced else None)
    if said and key is None:
        return None, (f"« {said} » is not one of the site's bodies ({describe(bodies)}); "
                      "pass --body KEY or add it to BODIES")
    return key, None


def describe(bodies: dict[str, str]) -> str:
    return ", ".join(f"{k} ({name})" for k, name in bodies.items())
