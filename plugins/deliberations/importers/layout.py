"""The layout of an act's text: lines → blocks (headings, numbered decisions, paragraphs) → Markdown.

Text extracted from a PDF has a line per printed line; text typed into a file has a line per
paragraph. Both become the same blocks. The text is untrusted: everything Markdown would
read as markup is escaped, so that the act reads exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"(?P<n>[IVX]{1,5})\s*[.)–-]\s+(?P<text>\S.{0,150})")
ITEM = re.compile(r"(?:[-–•▪*]\s*)?(?P<n>\d{1,2})(?:\s*°\s*\)?|\s*\)|\.(?=\s))\s*(?P<text>\S.*)")
ARTICLE = re.compile(r"article\s+(?P<n>1er|premier|\d{1,3})\b\s*(?:[:.–-]\s*)?(?P<text>.*)", re.IGNORECASE)
BULLET = re.compile(r"[-–•▪*·]\s+(?P<text>\S.*)")
VOTE = re.compile(r"(?:r[ée]sultats?\s+(?:du\s+)?vote|vote)\s*:|\W*(?:ADOPT|REJET|RETIR|AJOURN)[ÉE]E?S?\b",
                  re.IGNORECASE)
RULE = re.compile(r"[-=_*~#.\s]+")
DECIDES = re.compile(r"\b(?:d[ée]cide|arr[êe]te|d[ée]lib[èe]re)\s*:?\s*$|\bd[ée]cide\s+(?:de\b|d['’])",
                     re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;»]$")
# Lines that open a paragraph even without a blank line before them (text extracted from a PDF).
OPENS = re.compile(r"(?:vu|considérant|après\s+en\s+avoir|fait\s+à|rapporteur|nombre\s+de|votants"
                   r"|(?:pour|contre|abstentions?)\s*:|le\s+maire|la\s+maire|le\s+président|la\s+présidente)\b"
                   r"|[A-ZÀ-Ý][\w'’ ]{0,40}\s:\s", re.IGNORECASE)

# « 12. » or « 12) » opens a numbered list in CommonMark, even alone on its line.
LIST_NUMBER = re.compile(r"\d{1,9}(?=[.)](?:\s|$))")
_ESCAPE = re.compile(r"([\\`*_{}\[\]>#|~])")


@dataclass
class Block:
    kind: str  # heading, item, bullet, article, vote, paragraph
    text: str
    number: str | None = None  # of an item or article
    decision: bool = False  # in what the act decides (after « décide : »)
    closed: bool = False  # a blank line followed it: the next line starts a new block


def blocks(text: str) -> list[Block]:
    """Split ``text`` into blocks; a line that continues the previous one joins it."""
    out: list[Block] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line or RULE.fullmatch(line):
            if out:
                out[-1].closed = True
            continue
        block = _classify(line)
        prev = out[-1] if out else None
        if block.kind == "paragraph" and prev and _continues(prev, line):
            prev.text = f"{prev.text} {line}"
            continue
        out.append(block)
    deciding = False
    for block in out:
        if block.kind == "vote":
            deciding = False
        elif deciding:
            block.decision = True
        if block.kind != "vote" and DECIDES.search(block.text):
            deciding = True
            block.decision = not block.text.rstrip().endswith(":")
    return out


def _classify(line: str) -> Block:
    if HEADING.fullmatch(line) and not line.endswith((";", ",")):
        return Block("heading", line)
    if m := ITEM.fullmatch(line):
        return Block("item", m["text"], number=m["n"])
    if m := ARTICLE.fullmatch(line):
        return Block("article", m["text"], number=m["n"])
    if m := BULLET.fullmatch(line):
        return Block("bullet", m["text"])
    if VOTE.match(line) and len(line) <= 160:
        return Block("vote", line)
    return Block("paragraph", line)


def _continues(prev: Block, line: str) -> bool:
    if prev.closed or prev.kind in ("heading", "vote") or OPENS.match(line) or _capitals(line) \
            or _capitals(prev.text):
        return False
    # A new sentence after a finished one starts a new paragraph; a lowercase start never does.
    return not (_SENTENCE_END.search(prev.text) and line[0].isupper())


def _capitals(text: str) -> bool:
    """A line in capitals is a heading of its own (« COMMUNE DE TESTVILLE »)."""
    letters = [c for c in text if c.isalpha()]
    return text[:1].isalpha() and len(letters) >= 8 and not any(c.islower() for c in letters)


def to_markdown(items: list[Block]) -> str:
    parts: list[str] = []
    prev: Block | None = None
    for block in items:
        if prev is not None:
            same_list = block.kind == prev.kind and block.kind in ("item", "bullet")
            parts.append("\n" if same_list else "\n\n")
        parts.append(_render(block))
        prev = block
    return "".join(parts).strip() + "\n" if parts else ""


def _render(block: Block) -> str:
    text = escape(block.text)
    if block.kind == "heading":
        return f"## {text}"
    if block.kind == "item":
        return f"{block.number}. {text}"
    if block.kind == "bullet":
        return f"- {text}"
    if block.kind == "article":
        return f"**Article {block.number}** : {text}" if text else f"**Article {block.number}**"
    if block.kind == "vote":
        return f"**{text}**"
    return text


def escape(text: str) -> str:
    """Text → Markdown that shows it as is (HTML and Markdown syntax neutralised)."""
    text = _ESCAPE.sub(r"\\\1", text).replace("<", "&lt;")
    if text.startswith(("-", "+")):
        return "\\" + text
    if text.startswith("="):
        return f"&#{ord(text[0])};{text[1:]}"
    if m := LIST_NUMBER.match(text):
        return f"{m.group()}\\{text[m.end():]}"
    return text
