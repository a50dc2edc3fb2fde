"""One byte order for Pagefind's output, so that the same pages always give the same index.

Pagefind 1.5 lists the filters of an index, the values of each filter and the sorts in the
order of Rust hash maps, which changes from one run to the next; it names the filter and
metadata files by a hash of their bytes. Two builds of the same site would then differ, and
the project promises byte-identical builds. After each run, the filter files and the
metadata are rewritten with those lists sorted, and renamed by a hash of their new bytes
(the names are only references between these files, which the browser follows).

The files are ``pagefind_dcd`` followed by CBOR (RFC 8949) arrays, gzip-compressed:

- ``filter/<hash>.pf_filter``: ``[name, [[value, [page, …]], …]]``
- ``pagefind.<hash>.pf_meta``: ``[version, pages, index chunks, [[filter, hash], …],
  [[sort, [page, …]], …], [meta field, …]]``

The JS of the same Pagefind reads them in any order. :func:`put_in_order` checks the shapes it
relies on and raises ``ValueError`` if a new Pagefind writes something else.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

SIGNATURE = b"pagefind_dcd"
META_FILTERS, META_SORTS, META_FIELDS = 3, 4, 5  # positions in the metadata array
ARRAY = 4  # CBOR major type


def put_in_order(bundle: Path, language: str) -> None:
    """Rewrite the filter and metadata files of a Pagefind bundle in sorted order."""
    renamed = {}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        data = _read(path)
        _name, values = _split(data, len(SIGNATURE), 2)
        ordered = data[: values[1]] + b"".join(_sorted(data, values))
        new = f"{language}_{hashlib.sha256(ordered).hexdigest()[:7]}"
        if len(new) != len(path.stem):
            raise ValueError(f"{path.name}: unexpected name length")
        renamed[path.stem] = new
        path.unlink()
        _write(bundle / "filter" / f"{new}.pf_filter", ordered)

    [meta_path] = bundle.glob(f"pagefind.{language}_*.pf_meta")
    data = _read(meta_path)
    parts = _split(data, len(SIGNATURE), 6)
    filters = sorted(_rename(data[a:b], renamed) for a, b in _items(data, parts[META_FILTERS]))
    out = bytearray(data[: parts[META_FILTERS][1]]) + b"".join(filters)
    for i in (META_SORTS, META_FIELDS):
        out += data[parts[i][0] : parts[i][1]] + b"".join(_sorted(data, parts[i]))
    meta_hash = f"{language}_{hashlib.sha256(out).hexdigest()[:10]}"
    meta_path.unlink()
    _write(bundle / f"pagefind.{meta_hash}.pf_meta", bytes(out))

    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    entry["languages"][language]["hash"] = meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path.name}: not a Pagefind file")
    return data


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, mtime=0))


def _head(data: bytes, i: int) -> tuple[int, int, int]:
    """Major type, argument and end of the head of the CBOR item at ``i``."""
    major, info = data[i] >> 5, data[i] & 31
    if info < 24:
        return major, info, i + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError("indefinite-length CBOR item")
    return major, int.from_bytes(data[i + 1 : i + 1 + size], "big"), i + 1 + size


def _end(data: bytes, i: int) -> int:
    """Where the CBOR item starting at ``i`` ends."""
    major, arg, i = _head(data, i)
    if major in (2, 3):  # byte and text strings
        return i + arg
    if major == ARRAY:
        for _ in range(arg):
            i = _end(data, i)
        return i
    if major in (0, 1, 7):
        return i
    raise ValueError(f"unexpected CBOR major type {major}")


def _split(data: bytes, i: int, count: int) -> list[tuple[int, int, int]]:
    """The items of the array at ``i`` (which must have ``count`` items): head start, items start, end."""
    major, arg, start = _head(data, i)
    if major != ARRAY or arg != count or _end(data, i) != len(data):
        raise ValueError("not the array of a Pagefind file")
    parts = []
    for _ in range(count):
        end = _end(data, start)
        parts.append((start, _head(data, start)[2], end))
        start = end
    return parts


def _items(data: bytes, part: tuple[int, int, int]) -> list[tuple[int, int]]:
    """Start and end of each item of the array ``part``."""
    start, at, end = part
    if data[start] >> 5 != ARRAY:
        raise ValueError("expected an array")
    items = []
    while at < end:
        items.append((at, _end(data, at)))
        at = items[-1][1]
    return items


def _sorted(data: bytes, part: tuple[int, int, int]) -> list[bytes]:
    """The items of the array ``part``, in the order of their bytes."""
    return sorted(data[a:b] for a, b in _items(data, part))


def _rename(entry: bytes, renamed: dict[str, str]) -> bytes:
    """A ``[filter, hash]`` entry pointing at the renamed file (names keep their length)."""
    for old, new in renamed.items():
        if old.encode() in entry:
            return entry.replace(old.encode(), new.encode())
    raise ValueError("the metadata names a filter file that is not there")
