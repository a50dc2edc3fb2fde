"""What an importer hands to the writer: the facts it found, the text, and what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ImportFailed(Exception):
    """A source cannot become an act (unreadable, or its number or session date is missing)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Draft:
    """An act as read from a source, before it is written.

    ``fields`` uses the front-matter keys of the content format (``model.Deliberation``);
    anything the source did not state is absent, never filled with a default.
    """

    source: str  # the file (and line or record) it comes from, for messages
    fields: dict = field(default_factory=dict)
    text: str = ""  # Markdown
    notes: list[str] = field(default_factory=list)  # not found, left out, derived
    document: Path | None = None  # a file to publish with the act (the PDF it was read from)

    @property
    def number(self) -> str | None:
        return self.fields.get("number")


def decode(raw: bytes) -> tuple[str, str | None]:
    """Text of a file (UTF-8, else Windows-1252 as older office software writes), and a note if so."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff"), None
    except UnicodeDecodeError:
        return (raw.decode("cp1252", errors="replace"),
                "the file is not UTF-8; it was read as Windows-1252 (check the accents)")


def read_source(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a source file, or :class:`ImportFailed` saying why they cannot be read."""
    try:
        if path.stat().st_size > max_bytes:
            raise ImportFailed(f"the file is larger than {max_bytes:,} bytes: not {what}")
        return path.read_bytes()
    except OSError as e:
        raise ImportFailed(f"cannot read the file: {e.strerror}") from None
