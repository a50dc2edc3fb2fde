"""Markdown → safe HTML for an act's text.

The dialect is CommonMark with GitHub's extensions (tables, strikethrough, autolinks,
footnotes), converted by cmark-gfm: C, in time linear in the length of the text whatever the
text. The text of an act may come from an import and is untrusted: raw HTML is kept by cmark
and judged by nh3's allow-list before any page shows it. nh3 takes time quadratic in the depth
of the HTML and in the length of some runs of text: a text beyond the limits below is a
:class:`RenderError`, never a hang.
"""

from __future__ import annotations

import ctypes
import re

import nh3
from cmarkgfm import _cmark

_lib, _ffi = _cmark.lib, _cmark.ffi

# Raw HTML is kept (UNSAFE) for nh3 to judge: cmark's own filter would drop <abbr> and <sup> too.
# Only ~~two~~ tildes strike through: in French a single one means « about » (~200 €).
OPTIONS = (_lib.CMARK_OPT_SMART | _lib.CMARK_OPT_FOOTNOTES | _lib.CMARK_OPT_UNSAFE
           | _lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)
EXTENSIONS = ("table", "strikethrough", "autolink")
# French typography: the straight double quotes that smart punctuation turns into “ ” become « ».
GUILLEMETS = {"“": "«\u00a0", "”": "\u00a0»"}
# Curly quotes typed as such stay as typed: they stand in for these while cmark works.
TYPED_QUOTES = {"“": "\u2e02", "”": "\u2e03"}
_HIDE_TYPED = str.maketrans(TYPED_QUOTES)
_SHOW_TYPED = str.maketrans({v: k for k, v in TYPED_QUOTES.items()})
FOOTNOTES = '<section class="footnotes" data-footnotes>'  # nh3 drops the section; a rule stays

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
# Limits that keep nh3 fast (no act comes near them; it would be a page no one can read):
MAX_DEPTH = 200  # more than lxml (255) or a browser (512) shows; nh3's time grows with its square
MAX_HTML = 20_000_000  # a 2 MB act makes 2 to 5 MB of HTML
# nh3's time grows with the length of a run of text (between two tags) times how many of these
# characters it holds: a run longer than MAX_RUN may hold MAX_SLOW of them.
SLOW_CHARACTERS = re.compile("&amp;|[\u00a0-\u00bf]")
MAX_RUN, MAX_SLOW = 100_000, 10_000
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
# Elements that never hold others, or that the HTML parser closes by itself when left open.
NOT_NESTING = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
               "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"}

# Built once: nh3.clean would convert the allow-list for every text (half of its time).
_cleaner = nh3.Cleaner(tags=ALLOWED_TAGS | {"h1"}, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                       link_rel="noopener noreferrer nofollow")
_lib.cmark_gfm_core_extensions_ensure_registered()
_extensions = [_lib.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS]
# cmarkgfm's own helpers never free the tree nor the HTML (tens of KB per act): freed here.
_node_free = ctypes.CDLL(_cmark.__file__).cmark_node_free
_node_free.argtypes = [ctypes.c_void_p]
_free = ctypes.CDLL(None).free
_free.argtypes = [ctypes.c_void_p]


class RenderError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def markdown_to_html(text: str) -> str:
    typed = "“" in text or "”" in text
    if typed:
        text = text.translate(_HIDE_TYPED)
    html = _cmark_html(text).replace("“", GUILLEMETS["“"]).replace("”", GUILLEMETS["”"])
    if typed:
        html = html.translate(_SHOW_TYPED)
    why = _refusal(html)
    if why:
        raise RenderError(why)
    return sanitize(html.replace(FOOTNOTES, "<hr />" + FOOTNOTES, 1).removesuffix("\n"))


def _cmark_html(text: str) -> str:
    data = text.encode()
    parser = _lib.cmark_parser_new(OPTIONS)
    try:
        for extension in _extensions:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)
        try:
            html = _lib.cmark_render_html(root, OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return _ffi.string(html).decode()
            finally:
                _free(_address(html))
        finally:
            _node_free(_address(root))
    finally:
        _lib.cmark_parser_free(parser)


def _address(pointer) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


def _refusal(html: str) -> str | None:
    """Why nh3 could not clean ``html`` in reasonable time, if so; nothing for a usual text."""
    if _depth(html) > MAX_DEPTH:
        return "the text is nested too deeply (lists or quotes inside each other)"
    if len(html) > MAX_HTML:
        return (f"the text makes {len(html):,} characters of HTML (at most {MAX_HTML:,}); look for "
                "footnote calls or links repeated many times")
    if len(html) > MAX_RUN:
        for run in html.split("<"):
            if len(run) > MAX_RUN and len(SLOW_CHARACTERS.findall(run)) > MAX_SLOW:
                return (f"the text holds {len(run):,} characters without a paragraph break or markup, "
                        f"too many of them « » & or non-breaking spaces; split it into paragraphs")
    return None


def _depth(html: str) -> int:
    """How deep elements nest in ``html`` (at least: elements left open count too)."""
    if html.count("<") - html.count("</") <= MAX_DEPTH:
        return 0  # cannot be deeper than it has opening tags: no need to look
    depth = deepest = 0
    for closing, name, empty in TAG.findall(html):
        if empty or name.lower() in NOT_NESTING:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def sanitize(html: str) -> str:
    clean = _cleaner.clean(html)
    # The text sits under the page's « Texte intégral » (h2): its own "## I. Contexte" becomes h3.
    return HEADING_TAG.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", clean)
