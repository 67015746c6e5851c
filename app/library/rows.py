"""Table rows put in per draft: where ``rows("path")`` stands, the rows of ``path``.

A template that prints a long table whose cells change with every request (the
delivery plan) would render and parse that table anew for every draft. With
``rows()`` it prints one fixed marker row instead, so the rendered text, its parse
and the clause's cached outcome stay the same from draft to draft; this module then
replaces the marker, in the parsed blocks of one draft, with the rows read from that
draft's context. Each cell is a plain string (already formatted) and becomes one
text run: it is never read as Markdown, so no value can become markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.document import Block, Inline, Table, Text
from app.errors import ClauseLibraryError
from app.library.parse import RowsMarker, column_widths

Cells = tuple[tuple[Inline, ...], ...]


def expand_rows(blocks: Sequence[Block], context: Mapping[str, Any]) -> list[Block]:
    """The blocks with every ``rows()`` marker row replaced by its rows.

    Args:
        blocks: one template's parsed blocks (not changed).
        context: the draft's context, where each marker's dotted path is looked up.

    Returns:
        A new list; tables without a marker are the same objects. An expanded table
        gets its column widths computed again over its header and all its rows.

    Raises:
        ClauseLibraryError: a path names no value, the value is not a sequence of rows,
            or a row is not as many strings as the table has columns.
    """
    return [
        _expanded(block, context) if isinstance(block, Table) and _has_marker(block) else block
        for block in blocks
    ]


def _has_marker(table: Table) -> bool:
    return any(row and row[0] and isinstance(row[0][0], RowsMarker) for row in table.rows)


def _expanded(table: Table, context: Mapping[str, Any]) -> Table:
    columns = len(table.header)
    rows: list[Cells] = []
    for row in table.rows:
        marker = row[0][0] if row and row[0] else None
        if isinstance(marker, RowsMarker):
            rows.extend(_cells(marker.path, _lookup(marker.path, context), columns))
        else:
            rows.append(row)
    frozen = tuple(rows)
    return Table(
        header=table.header,
        rows=frozen,
        column_widths=column_widths((table.header, *frozen)),
        style=table.style,
    )


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    value: Any = context
    for name in path.split("."):
        if not isinstance(value, Mapping) or name not in value:
            raise ClauseLibraryError(f"rows({path!r}): the context has no such value")
        value = value[name]
    return value


def _cells(path: str, value: Any, columns: int) -> list[Cells]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ClauseLibraryError(f"rows({path!r}): not a sequence of rows")
    rows: list[Cells] = []
    for number, row in enumerate(value, start=1):
        if (
            isinstance(row, str)
            or not isinstance(row, Sequence)
            or len(row) != columns
            or not all(isinstance(cell, str) for cell in row)
        ):
            raise ClauseLibraryError(
                f"rows({path!r}): row {number} is not {columns} strings, one per column"
            )
        rows.append(tuple((Text(cell),) if cell else () for cell in row))
    return rows
