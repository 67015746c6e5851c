"""Rendered clause Markdown -> document-tree blocks, through markdown-it's parser.

The dialect (documented for lawyers in docs/clause-templates.md):

* in a clause, a plain paragraph is unnumbered text; a list item is a numbered
  paragraph whose level is its nesting depth (1.1, then (a), then (i)) - the
  markers typed ("1.", "-") do not matter, Word numbers them;
* ``**bold**`` and ``*italic*``; GitHub-style tables; ``## Heading`` outside clauses;
* links with our schemes carry the helpers: ``term:``, ``ref:``, ``anchor:``,
  ``placeholder:``, and ``rows:`` - a table row whose only cell is
  ``[](rows:delivery.plan_cells)`` stays in the table as a :class:`RowsMarker`, for
  :mod:`app.library.rows` to replace with the draft's rows. Anything else (raw
  HTML, images, code) is refused, so a template error shows up when the library is
  checked, not in a contract.

Parsing is the costliest step of drafting, and most clause text is the same from one
agreement to the next: the paragraphs that differ (names, quantities, dates) sit
among many that do not. So results are cached per process, in three bounded caches
that hold immutable values only: whole texts by their rendered Markdown; the
stretches of a text between the blank lines where the block parse starts afresh (see
:func:`chunks`); and the inline content of paragraphs and table cells by its text. A
text seen before costs a dictionary look-up; a new text costs a cut at its blank
lines, markdown-it's block rules for the stretches not seen before, and its inline
rules for the paragraphs not seen before. A clause written as one numbered list (most
are) re-parses the item in which a name or a figure changed, and the cover page and
the schedules the stretch in which it did.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.domain.document import (
    Block,
    CrossRef,
    DefinedTerm,
    Inline,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    Text,
)
from app.errors import ClauseLibraryError

_LIST_KINDS = (ParagraphKind.SUBCLAUSE, ParagraphKind.ITEM, ParagraphKind.SUBITEM)
TEXT_CACHE_SIZE = 512
"""Whole rendered templates kept (a draft parses about 50; most repeat across drafts)."""
CHUNK_CACHE_SIZE = 4096
"""Stretches of templates kept (the SPEC example's 45 texts have 178)."""
INLINE_CACHE_SIZE = 8192
"""Paragraph and cell contents kept (a 600-row delivery plan alone has 2,400 cells)."""


def _new_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        "table"
    )


@cache
def _parser() -> MarkdownIt:
    return _new_parser()


@cache
def _block_parser(idle: frozenset[str] = frozenset()) -> MarkdownIt:
    """:func:`_parser` without its core ``inline`` stage (the inline tokens keep their
    content and no children; :func:`_inline_runs` parses each content as that stage
    would: ``parseInline`` runs the same inline rules and the same ``text_join``), and
    without the block rules in ``idle``."""
    parser = _new_parser().disable("inline")
    return parser.disable(sorted(idle)) if idle else parser


# The block rules that can only match in a text containing a tell-tale: a table needs a
# "|", a fence three backticks or tildes, a block quote a ">", a thematic break a line
# ending in three "*", "-" or "_" (spaces between), a reference definition "]:", an ATX
# heading "#", a setext heading an underline of "=" or "-". markdown-it tries every
# block rule at every line (the table rule first, with real work); a text without a
# rule's tell-tale is parsed by a parser without that rule - the same tokens, fewer
# tries. Most clauses have none of them.
_TELL_TALES = (
    ("table", re.compile(r"\|")),
    ("fence", re.compile(r"```|~~~")),
    ("blockquote", re.compile(r">")),
    ("hr", re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)),
    ("reference", re.compile(r"\]:")),
    ("heading", re.compile(r"#")),
    ("lheading", re.compile(r"[=-][ \t]*$", re.MULTILINE)),
)


def _block_parser_for(text: str) -> MarkdownIt:
    """The block parser for ``text``: without the rules whose tell-tale it lacks."""
    return _block_parser(
        frozenset(rule for rule, tell_tale in _TELL_TALES if not tell_tale.search(text))
    )


@dataclass(slots=True)
class ParseResult:
    """Blocks of one rendered template, with what the parse found along the way."""

    blocks: list[Block] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A cached parse. Its paragraphs are never handed out: numbering writes to them."""

    blocks: tuple[Block, ...]
    placeholders: tuple[Placeholder, ...]
    terms: tuple[str, ...]


def parse_markdown(text: str, *, numbered: bool, anchor_prefix: str) -> ParseResult:
    """Parse one rendered template into blocks.

    Args:
        text: the Markdown a clause template rendered to.
        numbered: True in the clauses (lists become numbered paragraphs); False on the
            cover page, signature page and schedules (lists are refused there).
        anchor_prefix: the clause id; ``anchor("x")`` becomes ``<prefix>.x``.

    Returns:
        New blocks (the caller may number them), the placeholders and defined terms
        in order of appearance.

    Raises:
        ClauseLibraryError: markup the dialect does not allow.
    """
    parsed = _parse(text, numbered, anchor_prefix)
    return ParseResult(
        blocks=[_fresh(block) for block in parsed.blocks],
        placeholders=list(parsed.placeholders),
        terms=list(parsed.terms),
    )


def _fresh(block: Block) -> Block:
    if isinstance(block, Paragraph):
        return Paragraph(
            block.kind, block.runs, anchor=block.anchor, keep_with_next=block.keep_with_next
        )
    return block  # tables are immutable


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _parse(text: str, numbered: bool, anchor_prefix: str) -> _Parsed:
    parts = [_parse_chunk(chunk, numbered, anchor_prefix) for chunk in chunks(text)]
    if len(parts) == 1:
        return parts[0]
    return _Parsed(
        tuple(block for part in parts for block in part.blocks),
        tuple(placeholder for part in parts for placeholder in part.placeholders),
        tuple(term for part in parts for term in part.terms),
    )


@lru_cache(maxsize=CHUNK_CACHE_SIZE)
def _parse_chunk(text: str, numbered: bool, anchor_prefix: str) -> _Parsed:
    return parse_with(_block_parser_for(text), text, numbered, anchor_prefix)


def parse_with(parser: MarkdownIt, text: str, numbered: bool, anchor_prefix: str) -> _Parsed:
    """``text`` parsed in one piece by the block parser ``parser``, outside every cache
    but that of inline contents (for the tests: :func:`_block_parser` is the full one)."""
    env: dict[str, Any] = {}
    tokens = parser.parse(text, env)
    result = _Walker(numbered=numbered, anchor_prefix=anchor_prefix, env=env).walk(tokens)
    return _Parsed(tuple(result.blocks), tuple(result.placeholders), tuple(result.terms))


# One or more blank lines, then a line that starts at the margin.
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+(?=[^ \t\n])")
# A list item's marker: after a blank line it would continue the list above.
_LIST_MARKER = re.compile(r"(?:[-+*]|[0-9]{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)


def chunks(text: str) -> list[str]:
    """``text`` cut where the block parse starts afresh: at blank lines followed by a
    line at the margin that is not a list item, and between the items of a stretch
    that is one list (:func:`_items`).

    There every open block has ended - a paragraph or a table ends at a blank line, a
    list at a blank line followed by text at the margin, and lazy continuation never
    crosses a blank line - so parsing the stretches one by one gives the blocks that
    parsing the whole gives, in the same order (``tests/library/test_parse_chunks.py``
    holds every template of the test matrix to that). A list item after a blank line
    may continue the list above it, so no cut is made there; nor in a text with a
    reference definition (``[label]: ...``), which links in every stretch may use.
    """
    if "]:" in text:
        return [text]
    pieces = []
    start = 0
    for blank in _BLANK_LINES.finditer(text):
        if _LIST_MARKER.match(text, blank.end()):
            continue
        pieces.extend(_items(text[start : blank.start()]))
        start = blank.end()
    pieces.extend(_items(text[start:]))
    return pieces


# The first line of a list item at the margin: its marker, one space, then text.
_ITEM_START = re.compile(r"(?:[-+*]|[0-9]{1,9}[.)]) (?=[^ \n])")


def _items(piece: str) -> list[str]:
    """A stretch that is one list at the margin, cut before each of its items.

    Only when the stretch is plainly that: every line at the margin is an item's first
    line (a marker, one space, text), every other line that is not blank is indented
    at least as far as the text of the item above it, and there are no tabs. Then
    every line belongs to the item above it, each margin line ends that item and
    starts the next (an item ends at a line indented less than its text), and parsing
    the items one by one gives the same paragraphs at the same depths - the walker
    takes a paragraph's level from its nesting alone, not from the list it is in or
    the number typed. Anything else (text continuing a paragraph lazily, a line
    indented less than its item's text, a table, a heading) leaves the stretch whole.
    """
    if "\t" in piece:
        return [piece]
    starts: list[int] = []
    indent = 0
    offset = 0
    for line in piece.split("\n"):
        if line.strip():
            margin = len(line) - len(line.lstrip(" "))
            item = _ITEM_START.match(line) if margin == 0 else None
            if item is not None:
                starts.append(offset)
                indent = item.end()
            elif not starts or margin < indent:
                return [piece]
        offset += len(line) + 1
    if len(starts) < 2:
        return [piece]
    starts[0] = 0
    return [piece[start:end] for start, end in zip(starts, [*starts[1:], len(piece)], strict=True)]


class _Walker:
    def __init__(
        self, *, numbered: bool, anchor_prefix: str, env: MutableMapping[str, Any]
    ) -> None:
        self.numbered = numbered
        self.anchor_prefix = anchor_prefix
        self.env = env  # the block parse's environment (reference definitions)
        self.result = ParseResult()
        self.depth = 0
        self.item_started = False  # the next paragraph is the first of a list item

    def walk(self, tokens: Sequence[Token]) -> ParseResult:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                if not self.numbered:
                    raise ClauseLibraryError("lists are only allowed inside clauses")
                self.depth += 1
                if self.depth > len(_LIST_KINDS):
                    raise ClauseLibraryError("lists nest at most three deep (1.1, (a), (i))")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.depth -= 1
            elif kind == "list_item_open":
                self.item_started = True
            elif kind == "paragraph_open":
                self._paragraph(tokens[index + 1])
                index += 2
            elif kind == "heading_open":
                if self.numbered:
                    raise ClauseLibraryError("headings are not allowed inside a clause")
                runs = _no_rows(self._inlines(tokens[index + 1]))
                self.result.blocks.append(
                    Paragraph(ParagraphKind.HEADING, runs, keep_with_next=True)
                )
                index += 2
            elif kind == "table_open":
                index = self._table(tokens, index)
            elif kind in ("hr", "fence", "code_block", "html_block", "blockquote_open"):
                raise ClauseLibraryError(f"{kind.split('_')[0]} is not part of the clause dialect")
            index += 1
        return self.result

    def _paragraph(self, inline: Token) -> None:
        runs, anchor = self._split_anchor(_no_rows(self._inlines(inline)))
        if self.depth and self.item_started:
            kind = _LIST_KINDS[self.depth - 1]
            self.item_started = False
        elif self.numbered:
            kind = ParagraphKind.BODY
        else:
            kind = ParagraphKind.PLAIN
        if anchor is not None and kind not in _LIST_KINDS:
            raise ClauseLibraryError(f'anchor("{anchor}") must start a numbered paragraph')
        if anchor is not None:
            anchor = f"{self.anchor_prefix}.{anchor}"
        self.result.blocks.append(Paragraph(kind, runs, anchor=anchor))

    def _split_anchor(self, runs: tuple[Inline, ...]) -> tuple[tuple[Inline, ...], str | None]:
        anchors = [run for run in runs if isinstance(run, _AnchorMark)]
        if len(anchors) > 1:
            raise ClauseLibraryError("a paragraph can carry one anchor only")
        rest = tuple(run for run in runs if not isinstance(run, _AnchorMark))
        return rest, (anchors[0].name if anchors else None)

    def _table(self, tokens: Sequence[Token], index: int) -> int:
        header: list[tuple[Inline, ...]] = []
        rows: list[list[tuple[Inline, ...]]] = []
        in_head = False
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                rows.append([])
            elif token.type == "inline":
                cell, _ = self._split_anchor(self._inlines(token))
                if in_head:
                    header.append(_no_rows(cell))
                else:
                    rows[-1].append(cell)
            index += 1
        frozen_rows = tuple(_checked_row(row) for row in rows)
        self.result.blocks.append(
            Table(
                header=tuple(header),
                rows=frozen_rows,
                column_widths=column_widths((tuple(header), *frozen_rows)),
            )
        )
        return index

    def _inlines(self, inline: Token) -> tuple[Inline, ...]:
        if self.env.get("references"):  # reference-style links: content alone is no key
            children = _parser().parseInline(inline.content, self.env)[0].children or []
            runs = _runs(children)
        else:
            runs = _inline_runs(inline.content)
        for run in runs:
            if isinstance(run, DefinedTerm):
                self.result.terms.append(run.term)
            elif isinstance(run, Placeholder):
                self.result.placeholders.append(run)
        return runs


@lru_cache(maxsize=INLINE_CACHE_SIZE)
def _inline_runs(content: str) -> tuple[Inline, ...]:
    """The runs of one paragraph's or cell's inline content."""
    return _runs(_parser().parseInline(content)[0].children or [])


def _runs(children: Sequence[Token]) -> tuple[Inline, ...]:
    runs: list[Inline] = []
    bold = italic = False
    position = 0
    while position < len(children):
        child = children[position]
        kind = child.type
        if kind == "text":
            if child.content:
                runs.append(Text(child.content, bold=bold, italic=italic))
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Text(" ", bold=bold, italic=italic))
        elif kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind == "link_open":
            label, position = _link_label(children, position)
            runs.append(_helper(str(child.attrs.get("href", "")), label))
        else:
            raise ClauseLibraryError(f"{kind} is not part of the clause dialect")
        position += 1
    return _merge_text(runs)


def _link_label(children: Sequence[Token], position: int) -> tuple[str, int]:
    label = []
    position += 1
    while children[position].type != "link_close":
        if children[position].type != "text":
            raise ClauseLibraryError("a helper's label must be plain text")
        label.append(children[position].content)
        position += 1
    return "".join(label), position


def _helper(href: str, label: str) -> Inline:
    scheme, _, value = href.partition(":")
    if scheme == "term":
        return DefinedTerm(label)
    if scheme == "ref":
        return CrossRef(value)
    if scheme == "placeholder":
        return Placeholder(key=value, label=label)
    if scheme == "anchor":
        return _AnchorMark(value)
    if scheme == "rows":
        return RowsMarker(value)
    raise ClauseLibraryError(f"links are not part of the clause dialect ({href[:40]!r})")


@dataclass(frozen=True, slots=True)
class _AnchorMark(Text):
    """Internal: marks where anchor() was called; removed before blocks are built."""

    name: str = ""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "text", "")
        object.__setattr__(self, "bold", False)
        object.__setattr__(self, "italic", False)
        object.__setattr__(self, "name", name)


@dataclass(frozen=True, slots=True)
class RowsMarker(Text):
    """Where ``rows("path")`` stands: the first cell of a table row that
    :func:`app.library.rows.expand_rows` replaces with the rows of ``path`` in the
    draft's context. Prints nothing; found in a parsed table's rows only."""

    path: str = ""

    def __init__(self, path: str) -> None:
        object.__setattr__(self, "text", "")
        object.__setattr__(self, "bold", False)
        object.__setattr__(self, "italic", False)
        object.__setattr__(self, "path", path)


_ROWS_PLACE = "rows() stands on its own line inside a table, below the | --- | line"


def _no_rows(runs: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """``runs`` unchanged. Raises ClauseLibraryError when rows() is among them."""
    if any(isinstance(run, RowsMarker) for run in runs):
        raise ClauseLibraryError(_ROWS_PLACE)
    return runs


def _checked_row(row: list[tuple[Inline, ...]]) -> tuple[tuple[Inline, ...], ...]:
    """A body row; one holding rows() must hold nothing else (its other cells are the
    empty ones the table parser pads it with). Raises ClauseLibraryError otherwise."""
    if any(isinstance(run, RowsMarker) for cell in row for run in cell) and (
        len(row[0]) != 1 or not isinstance(row[0][0], RowsMarker) or any(row[1:])
    ):
        raise ClauseLibraryError(_ROWS_PLACE)
    return tuple(row)


_NARROWEST_COLUMN = 6  # characters: room for "No." or a short number
_WIDEST_COLUMN = 60  # characters: longer text wraps anyway


def column_widths(rows: Sequence[Sequence[tuple[Inline, ...]]]) -> tuple[float, ...] | None:
    """Relative column widths from the longest text in each column (clamped), so a
    column of numbers stays narrow and a column of periods or terms gets the room."""
    columns = max((len(row) for row in rows), default=0)
    if columns == 0 or any(len(row) != columns for row in rows):
        return None
    return tuple(
        float(
            min(
                _WIDEST_COLUMN,
                max(_NARROWEST_COLUMN, *(_cell_length(row[column]) for row in rows)),
            )
        )
        for column in range(columns)
    )


def _cell_length(cell: tuple[Inline, ...]) -> int:
    length = 0
    for run in cell:
        if isinstance(run, Text):
            length += len(run.text)
        elif isinstance(run, Placeholder):
            length += len(run.label) + 2
        elif isinstance(run, DefinedTerm):
            length += len(run.term) + 2
        else:  # a cross-reference: its number
            length += 6
    return length


def _merge_text(runs: list[Inline]) -> tuple[Inline, ...]:
    """Join neighbouring text runs of the same emphasis (fewer Word runs)."""
    merged: list[Inline] = []
    for run in runs:
        previous = merged[-1] if merged else None
        if (
            type(run) is Text
            and type(previous) is Text
            and (previous.bold, previous.italic) == (run.bold, run.italic)
        ):
            merged[-1] = Text(previous.text + run.text, bold=run.bold, italic=run.italic)
        else:
            merged.append(run)
    return tuple(merged)
