"""A PDF act → its text (pypdf), then the text parser; the PDF itself is published with the act."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from pypdf import PdfReader

from . import text as text_parser
from .draft import Draft, ImportFailed, read_source

MAX_BYTES = 100 * 1024 * 1024  # a signed act with its annexes; larger is not an act


def extract(raw: bytes) -> str:
    """The text of every page, in order; :class:`ImportFailed` if there is none to read."""
    if b"%PDF-" not in raw[:1024]:
        raise ImportFailed("not a PDF file (no %PDF- header)")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # damaged-but-readable files make pypdf chatty
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportFailed("the PDF is encrypted with a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ImportFailed:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds of errors on damaged files
        raise ImportFailed(f"the PDF cannot be read ({type(e).__name__}: {e})") from None
    finally:
        pypdf_log.setLevel(level)
    text = "\n".join(pages)
    if not re.search(r"\w{2}", text):
        raise ImportFailed("the PDF has no text to read (a scanned image?); run OCR on it first")
    return text


def parse(path: Path, source: str, site_bodies: dict[str, str], body: str | None = None) -> Draft:
    raw = read_source(path, MAX_BYTES, "an act")
    draft = text_parser.parse(extract(raw), source, site_bodies, body)
    draft.document = path
    return draft
