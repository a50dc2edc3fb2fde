"""Markdown → safe HTML for an act's text.

One Markdown instance is reused (``reset()`` between documents): building a new one per
file is the costliest part of a plain Pelican read. The text of an act may come from an
import and is untrusted, so the HTML goes through nh3's allow-list before any page shows it.
Python-Markdown takes quadratic time on some inputs (long runs of unbalanced ``[`` or ``*``)
and recurses on deep nesting: a text gets a time budget, and either fault becomes a
:class:`RenderError` naming the act, never a hang or a traceback.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading

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
# A real act of 1.6 MB converts in about 6 s; the budget leaves a slow machine room for that.
SECONDS_BASE = 5.0
SECONDS_PER_MB = 20.0

_md = None


class RenderError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _OutOfTime(BaseException):  # not an Exception: no "except Exception" in a library stops it
    pass


def markdown_to_html(text: str) -> str:
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                output_format="html")
    budget = SECONDS_BASE + SECONDS_PER_MB * len(text) / 1_000_000
    try:
        with _time_limit(budget):
            html = _md.reset().convert(text)
    except _OutOfTime:
        _md = None  # stopped half-way, its parser state is inconsistent: the next text starts afresh
        raise RenderError(f"the text could not be converted in {budget:.0f} s; look for long runs of "
                          "unbalanced [ ] * _ ` or < characters") from None
    except RecursionError:
        _md = None
        raise RenderError("the text is nested too deeply (lists or quotes inside each other)") from None
    return sanitize(html)


@contextlib.contextmanager
def _time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; elsewhere the text has no budget
        return

    def out_of_time(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
