"""Read one content file into an :class:`Act`, or into problems saying why not."""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import frontmatter
from .model import Deliberation
from .problems import Problem, Problems
from .render import RenderError, markdown_to_html

# Fields kept encoded when an act is pickled (the build cache), decoded on first use: only the
# pages, records and feed entries of the acts that changed show them. Decoding 7 KB of text
# for each of 10 000 acts was an eighth of loading them from the cache (310 → 270 ms), and as
# UTF-8 bytes French text takes half the memory of a string with a typographic apostrophe.
ENCODED_FIELDS = ("text", "html")


@dataclass
class Act:
    """An act as the site shows it: its validated front matter, text, and what linking adds."""

    meta: Deliberation
    source: str  # path relative to the project, for messages
    text: str  # Markdown source of the full text
    html: str  # sanitized HTML of the full text
    # Filled in by the link stage:
    repealed_by: list[Act] = field(default_factory=list)
    amended_by: list[Act] = field(default_factory=list)
    repeals: list = field(default_factory=list)  # Act, or str when not in the corpus
    amends: list = field(default_factory=list)
    documents: list = field(default_factory=list)  # linked document records
    sitting: object = None
    digest: str = ""  # hash of the file's bytes: what pages built from this act depend on
    front_matter: str = field(default="", repr=False)  # YAML text, for line numbers in messages
    # Derived from the front matter once, when the act is read, and kept with it in the build
    # cache: listings, exports and checks ask for them tens of thousands of times.
    slug: str = field(init=False)
    url: str = field(init=False)  # of its page
    json_url: str = field(init=False)  # of its JSON record
    year: int = field(init=False)  # of its session

    def __post_init__(self):
        self.slug = self.meta.slug
        self.url = f"deliberations/{self.slug}/"
        self.json_url = f"data/deliberations/{self.slug}.json"
        self.year = self.meta.session.year

    @cached_property
    def lines(self) -> dict:
        """Front-matter path → line; computed only when a message needs it."""
        return frontmatter.line_map(frontmatter.load(self.front_matter)[1])

    def __repr__(self) -> str:
        return f"<Act {self.meta.number}>"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        encoded = state.pop("_encoded", {})
        for name in ENCODED_FIELDS:
            state[name] = encoded[name] if name in encoded else state[name].encode()
        return state

    def __setstate__(self, state: dict) -> None:
        self._encoded = {name: state.pop(name) for name in ENCODED_FIELDS}
        self.__dict__.update(state)

    def __getattr__(self, name: str):
        # Called only for an attribute the act does not hold: an encoded field not read yet.
        encoded = self.__dict__.get("_encoded")
        if encoded is None or name not in encoded:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self.__dict__[name] = encoded.pop(name).decode()
        return value


def read_act(path: Path, shown_as: str) -> tuple[Act | None, list[Problem]]:
    """Read and validate one file. ``shown_as`` is the path used in messages."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem(shown_as, None, None, f"cannot read file: {e.strerror}")]
    return parse_act(raw, shown_as)


def parse_act(raw: bytes, shown_as: str) -> tuple[Act | None, list[Problem]]:
    """Validate the bytes of a content file, as :func:`read_act` does for a file on disk."""
    problems = Problems()
    try:
        text = frontmatter.decode(raw)
        source, body, body_line = frontmatter.split(text)
        data, root = frontmatter.load(source)
    except frontmatter.FrontMatterError as e:
        problems.error(shown_as, e.message, line=e.line)
        return None, problems.items
    try:
        meta = Deliberation.model_validate(data)
    except ValidationError as e:
        lines = frontmatter.line_map(root)
        for err in e.errors():
            loc = tuple(err["loc"])
            line = frontmatter.line_of(lines, loc)
            field_name = ".".join(str(p) for p in loc) or None
            problems.error(shown_as, _message(err, loc), line=line, field=field_name)
        return None, problems.items
    if not body.strip():
        problems.warning(shown_as, "the act has no text; the law asks for it to be published in full",
                         line=body_line)
    try:
        html = markdown_to_html(body)
    except RenderError as e:
        problems.error(shown_as, e.message, line=body_line)
        return None, problems.items
    return Act(meta, shown_as, body, html, digest=content_digest(raw), front_matter=source), problems.items


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _message(err: dict, loc: tuple) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        allowed = _keys_at(loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; expected one of: {', '.join(allowed)}"
        return f"unknown key{hint}"
    if kind == "enum":
        return f"{err['input']!r} is not allowed; expected one of: {err['ctx']['expected']}"
    if kind in ("model_type", "model_attributes_type"):
        return f"expected a mapping of 'key: value' lines, got {err['input']!r}"
    if kind == "list_type":
        return f"expected a list ('- item' lines), got {err['input']!r}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, got {err['input']!r}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} does not match the expected pattern {err['ctx']['pattern']}"
    if kind == "string_too_long":
        return f"is too long (at most {err['ctx']['max_length']} characters)"
    return err["msg"].removeprefix("Value error, ")


def _keys_at(loc: tuple) -> list[str]:
    """Keys allowed at a place in the front matter, derived from the model."""
    model: type[BaseModel] = Deliberation
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        inner = _model_in(info.annotation) if info else None
        if inner is None:
            return []
        model = inner
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
        typing.Union, list,
    ):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found:
                return found
    return None
