"""Split a content file into its YAML front matter and Markdown body.

The YAML loader is PyYAML's C loader with four changes that a legal record needs:
numbers with a decimal point stay exact (``Decimal``, never ``float``), dates stay
text so that the model can say *which* date is impossible, a key given twice is an
error (YAML would silently keep the last value), and anchors/aliases are refused (they
buy nothing in a one-act file and open the door to "billion laughs"). Any input ends
either in data or in a :class:`FrontMatterError`: never another exception.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024  # an act's text is a few KB; 2 MB is a generous ceiling
MAX_KNOWN_TAGS = 100_000  # answers of the resolver kept (see _Loader.resolve)
MAX_INT_DIGITS = 30  # beyond any count or amount; Python refuses to convert > 4300 digits anyway
DELIMITER = "---"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _Loader(yaml.CSafeLoader):
    # The C parser asks this Python resolver the tag of every node, by its kind and text: the
    # same keys and values recur in every act, so the answers are kept. They depend on nothing
    # else here: this loader has no path resolvers (hence the two no-ops below too).
    _known_tags: dict = {}

    def resolve(self, kind, value, implicit):
        key = (kind, value, implicit)
        tag = self._known_tags.get(key)
        if tag is None:
            if len(self._known_tags) >= MAX_KNOWN_TAGS:
                self._known_tags.clear()
            tag = self._known_tags[key] = super().resolve(kind, value, implicit)
        return tag

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def construct_object(self, node, deep=False):
        # PyYAML's own constructors fail with bare Python errors on values such as
        # "!!int abc" or "!!bool maybe": each becomes a message naming the value and its line.
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, IndexError, TypeError, ArithmeticError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            what = f"{tag} {node.value!r}" if isinstance(node, yaml.ScalarNode) else f"this {tag} value"
            raise FrontMatterError(f"front matter is not valid YAML: {what} cannot be read",
                                   node.start_mark.line) from None


def _exact_decimal(loader, node):
    # .inf, .nan and base-60 floats (1:30.5) are no amounts: left as text, the model says why.
    text = loader.construct_scalar(node)
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


def _integer(loader, node):
    text = loader.construct_scalar(node)
    if len(text) > MAX_INT_DIGITS:
        raise FrontMatterError(f"number is too long ({len(text):,} characters)", node.start_mark.line)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


def _text(loader, node):
    return loader.construct_scalar(node)


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_SCALARS = {
    "tag:yaml.org,2002:int": _integer,
    "tag:yaml.org,2002:float": _exact_decimal,
    "tag:yaml.org,2002:timestamp": _text,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
}

_Loader.add_constructor("tag:yaml.org,2002:float", _exact_decimal)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _text)
_Loader.add_constructor("tag:yaml.org,2002:int", _integer)


def decode(raw: bytes) -> str:
    """Bytes → text: UTF-8 only (a BOM is tolerated), CRLF folded to LF."""
    if len(raw) > MAX_FILE_BYTES:
        raise FrontMatterError(
            f"file is {len(raw):,} bytes; an act is expected to be under {MAX_FILE_BYTES:,} bytes"
        )
    if raw.startswith(UTF16_BOMS):
        raise FrontMatterError("file is in UTF-16; save it as UTF-8")
    if b"\x00" in raw:
        raise FrontMatterError("file is binary (contains NUL bytes), not a Markdown text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise FrontMatterError(
            f"file is not valid UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start}"
            f"{_legacy_hint(raw)}); save it as UTF-8", line
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _legacy_hint(raw: bytes) -> str:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return ", it looks like Windows-1252 or Latin-1"


def split(text: str) -> tuple[str, str, int]:
    """Return (yaml text, markdown body, line number where the body starts)."""
    if not text.strip():
        raise FrontMatterError("file is empty")
    lines = text.split("\n")
    if lines[0].rstrip() != DELIMITER:
        raise FrontMatterError(
            "file must start with a '---' line, then the YAML front matter, then '---'", 1
        )
    for i in range(1, len(lines)):
        if lines[i].rstrip() in (DELIMITER, "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise FrontMatterError("front matter is not closed by a '---' line", 1)


def load(source: str, first_line: int = 2):
    """Parse front matter YAML; return (mapping, root node for line look-ups)."""
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrontMatterError("front matter is empty", first_line)
        data = _plain(loader, node, source)
        if data is None:
            _check_nodes(node, first_line)
            data = _construct(loader, node, first_line)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + first_line if mark else first_line
        problem = e.problem or e.context or "invalid YAML"
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", line) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow
        char = e.character if isinstance(e.character, int) else ord(e.character[:1] or "\0")
        raise FrontMatterError(f"front matter holds the character U+{char:04X}, which YAML does not "
                               "allow; remove it", source[: e.position].count("\n") + first_line) from None
    except yaml.YAMLError as e:
        raise FrontMatterError(f"front matter is not valid YAML: {e}", first_line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of 'key: value' lines", first_line)
    return data, node


def _plain(loader, root, source: str):
    """The data of a document made only of mappings with text keys, lists and plain scalars,
    built in one pass (PyYAML's constructor would take half the time of a read); None for
    anything else (aliases, keys given twice, other tags, a value in error), which
    :func:`_construct` then builds or explains."""
    if "*" in source:  # maybe an alias: checked by _check_nodes
        return None
    top: list = [None]
    stack = [(root, top, 0)]
    try:
        while stack:
            node, parent, slot = stack.pop()
            kind, tag = node.id, node.tag
            if kind == "scalar" and tag == _STR:
                value = node.value
            elif kind == "scalar" and tag in _SCALARS:
                value = _SCALARS[tag](loader, node)
            elif kind == "mapping" and tag == _MAP:
                value = {}
                for key, item in node.value:
                    if key.id != "scalar" or key.tag != _STR or key.value in value:
                        return None
                    value[key.value] = None
                    stack.append((item, value, key.value))
            elif kind == "sequence" and tag == _SEQ:
                value = [None] * len(node.value)
                stack.extend((item, value, i) for i, item in enumerate(node.value))
            else:
                return None
            parent[slot] = value
    except Exception:  # noqa: BLE001 - _construct says what is wrong, with the line
        return None
    return top[0]


def _construct(loader, node, first_line: int):
    try:
        return loader.construct_document(node)
    except FrontMatterError as e:  # raised by a constructor, with a line counted from 0
        raise FrontMatterError(e.message, (e.line or 0) + first_line) from None


def _check_nodes(root, first_line: int) -> None:
    """Refuse aliases and keys given twice in the same mapping."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise FrontMatterError(
                "YAML anchors and aliases (&name, *name) are not allowed in front matter",
                node.start_mark.line + first_line,
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    line = k.start_mark.line + first_line
                    if k.value in keys:
                        raise FrontMatterError(
                            f"key '{k.value}' is given twice (first on line {keys[k.value]}); "
                            "keep only one", line,
                        )
                    keys[k.value] = line
                stack.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def line_map(root, first_line: int = 2) -> dict[tuple, int]:
    """Line of every key and list item of the front matter, by its path: ('amounts', 0, 'value')."""
    lines: dict[tuple, int] = {}
    stack = [((), root)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    lines[(*loc, k.value)] = k.start_mark.line + first_line
                    stack.append(((*loc, k.value), v))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + first_line
                stack.append(((*loc, i), item))
    return lines


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """Line of ``loc``, or of its nearest parent that is in the file."""
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None
