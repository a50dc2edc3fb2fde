"""Markdown → safe HTML for an act's text.

One Markdown instance is reused (``reset()`` between documents): building a new one per
file is the costliest part of a plain Pelican read. The text of an act may come from an
import and is untrusted, so the HTML goes through nh3's allow-list before any page shows it.
"""

from __future__ import annotations

import re

import markdown
import nh3

EXTENSIONS = ["extra", "sane_lists", "smarty"]
EXTENSION_CONFIGS = {
    "smarty": {
        # French typography: « » and ’ rather than English quotes.
        "substitutions": {
            "left-double-quote": "«&nbsp;", "right-double-quote": "&nbsp;»",
            "left-single-quote": "‘", "right-single-quote": "’",
        }
    }
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"id", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
HEADING_TAG = re.compile(r"<(/?)h([1-5])\b")

_md = None


def markdown_to_html(text: str) -> str:
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                output_format="html")
    html = _md.reset().convert(text)
    return sanitize(html)


def sanitize(html: str) -> str:
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"h1"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    # The text sits under the page's « Texte intégral » (h2): its own "## I. Contexte" becomes h3.
    return HEADING_TAG.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", clean)
