"""CSV files people open in a spreadsheet: no cell runs as a formula, whatever the content says."""

from __future__ import annotations

import csv
import json

from deliberations.writers import FORMULA_START, CsvTable, JsonList
from hypothesis import given
from hypothesis import strategies as st

CELLS = st.text(max_size=30) | st.sampled_from(["=1+1", "+33 1 23", "-2 %", "@SUM(A1)", "\t=x", "\r=x",
                                                '=HYPERLINK("http://evil.example")', "'=x", " =x"])


@given(st.lists(CELLS, min_size=1, max_size=5))
def test_no_cell_of_a_safe_table_starts_a_formula(tmp_path_factory, texts):
    path = tmp_path_factory.getbasetemp() / "safe.csv"
    columns = [f"c{i}" for i in range(len(texts))]
    with CsvTable(path, columns, safe=True) as table:
        table.add(dict(zip(columns, texts, strict=True)))
    with path.open(encoding="utf-8", newline="") as f:
        row = next(csv.DictReader(f))
    for column, text in zip(columns, texts, strict=True):
        read = row[column]
        assert not read.startswith(FORMULA_START), read
        # Only the quote that neutralises a formula is added: the text is otherwise intact.
        assert read == ("'" + text if text.startswith(FORMULA_START) else text)


def test_a_file_written_over_a_longer_one_holds_only_what_was_written(tmp_path):
    # A rebuild writes the export files over those of an earlier build, with fewer rows here.
    table, listing = tmp_path / "table.csv", tmp_path / "list.json"
    for rows in (["a" * 50] * 20, ["b"]):
        with CsvTable(table, ["c"]) as t, JsonList(listing, {"count": len(rows)}, "items") as j:
            for row in rows:
                t.add({"c": row})
                j.add(f'"{row}"')
    assert table.read_bytes() == b"c\r\nb\r\n"
    assert json.loads(listing.read_text(encoding="utf-8")) == {"count": 1, "items": ["b"]}
