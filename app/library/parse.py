"""Rendered clause Markdown -> document-tree blocks, through markdown-it's parser.

The dialect (documented for lawyers in docs/clause-templates.md):

* in a clause, a plain paragraph is unnumbered text; a list item is a numbered
  paragraph whose level is its nesting depth (1.1, then (a), then (i)) - the
  markers typed ("1.", "-") do not matter, Word numbers them;
* ``**bold**`` and ``*italic*``; GitHub-style tables; ``## Heading`` outside clauses;
* links with our schemes carry the helpers: ``term:``, ``ref:``, ``anchor:``,
  ``placeholder:``. Anything else (raw HTML, images, code) is refused, so a template
  error shows up when the library is checked, not in a contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

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


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        "table"
    )


@dataclass(slots=True)
class ParseResult:
    """Blocks of one rendered template, with what the parse found along the way."""

    blocks: list[Block] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def parse_markdown(text: str, *, numbered: bool, anchor_prefix: str) -> ParseResult:
    """Parse one rendered template into blocks.

    Args:
        text: the Markdown a clause template rendered to.
        numbered: True in the clauses (lists become numbered paragraphs); False on the
            cover page, signature page and schedules (lists are refused there).
        anchor_prefix: the clause id; ``anchor("x")`` becomes ``<prefix>.x``.

    Raises:
        ClauseLibraryError: markup the dialect does not allow.
    """
    return _Walker(numbered=numbered, anchor_prefix=anchor_prefix).walk(_parser().parse(text))


class _Walker:
    def __init__(self, *, numbered: bool, anchor_prefix: str) -> None:
        self.numbered = numbered
        self.anchor_prefix = anchor_prefix
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
                runs = self._inlines(tokens[index + 1])
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
        runs, anchor = self._split_anchor(self._inlines(inline))
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
                (header if in_head else rows[-1]).append(cell)
            index += 1
        self.result.blocks.append(
            Table(header=tuple(header), rows=tuple(tuple(row) for row in rows))
        )
        return index

    def _inlines(self, inline: Token) -> tuple[Inline, ...]:
        runs: list[Inline] = []
        bold = italic = False
        children = inline.children or []
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
                label, position = self._link_label(children, position)
                runs.append(self._helper(str(child.attrs.get("href", "")), label))
            else:
                raise ClauseLibraryError(f"{kind} is not part of the clause dialect")
            position += 1
        return _merge_text(runs)

    @staticmethod
    def _link_label(children: Sequence[Token], position: int) -> tuple[str, int]:
        label = []
        position += 1
        while children[position].type != "link_close":
            if children[position].type != "text":
                raise ClauseLibraryError("a helper's label must be plain text")
            label.append(children[position].content)
            position += 1
        return "".join(label), position

    def _helper(self, href: str, label: str) -> Inline:
        scheme, _, value = href.partition(":")
        if scheme == "term":
            self.result.terms.append(label)
            return DefinedTerm(label)
        if scheme == "ref":
            return CrossRef(value)
        if scheme == "placeholder":
            placeholder = Placeholder(key=value, label=label)
            self.result.placeholders.append(placeholder)
            return placeholder
        if scheme == "anchor":
            return _AnchorMark(value)
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
