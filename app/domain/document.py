"""The document tree: what a drafted agreement *is*, independent of Word or HTML.

The library fills the tree with clause text, :mod:`app.domain.numbering` gives every
numbered paragraph its number and every cross-reference its target, and the
renderers in :mod:`app.render` turn the resolved tree into a .docx or HTML. Nothing
here knows about either format.

Inline content is a tuple of :data:`Inline` runs; block content a list of
:data:`Block`. Numbered paragraph kinds map one-to-one onto Word list levels:

========================  ===========  ===========================
kind                      Word level   number shown (and cross-ref)
========================  ===========  ===========================
``CLAUSE``                0            ``7``      (``7``)
``SUBCLAUSE``             1            ``7.2``    (``7.2``)
``ITEM``                  2            ``(a)``    (``7.2(a)``)
``SUBITEM``               3            ``(i)``    (``7.2(a)(i)``)
``SCHEDULE``              own list     ``Schedule 2`` (``Schedule 2``)
========================  ===========  ===========================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text. ``bold``/``italic`` are typographic emphasis only."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class DefinedTerm:
    """The defining occurrence of a term: shown in bold inside quotation marks."""

    term: str


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A fact the request did not supply: shown highlighted as ``[label]``.

    ``key`` is the request path the fact would come from (``seller.address``) and is
    what the report lists; ``label`` is what the reader sees between the brackets.
    """

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class CrossRef:
    """A reference to a numbered paragraph, by anchor id (``clause_id`` or
    ``clause_id.anchor``). Its text is the target's number, looked up in
    :attr:`Document.anchors` once the tree is resolved."""

    target: str


Inline = Text | DefinedTerm | Placeholder | CrossRef


class ParagraphKind(StrEnum):
    """The role of a paragraph; renderers map each kind to one style."""

    TITLE = "title"  # the agreement's name on the cover page
    SUBTITLE = "subtitle"  # lines under the title on the cover page
    HEADING = "heading"  # an unnumbered heading (e.g. "Key terms", "Signatures")
    CLAUSE = "clause"  # numbered clause heading, level 0
    SUBCLAUSE = "subclause"  # numbered sub-clause, level 1
    ITEM = "item"  # numbered item, level 2
    SUBITEM = "subitem"  # numbered sub-item, level 3
    BODY = "body"  # unnumbered text, indented to the clause text
    PLAIN = "plain"  # unnumbered text, not indented (cover page, schedules)
    SCHEDULE = "schedule"  # numbered schedule heading ("Schedule 2")
    NOTE = "note"  # small italic text (drafting marker, table notes)


NUMBERED_KINDS: tuple[ParagraphKind, ...] = (
    ParagraphKind.CLAUSE,
    ParagraphKind.SUBCLAUSE,
    ParagraphKind.ITEM,
    ParagraphKind.SUBITEM,
    ParagraphKind.SCHEDULE,
)


@dataclass(slots=True)
class Paragraph:
    """One paragraph. ``anchor`` makes it a cross-reference target;
    ``number`` is filled in by :func:`app.domain.numbering.resolve`."""

    kind: ParagraphKind
    runs: tuple[Inline, ...]
    anchor: str | None = None
    number: str | None = None
    keep_with_next: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row. Each cell is a tuple of inline runs."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    column_widths: tuple[float, ...] | None = None  # relative widths, any unit
    style: str = "grid"  # "grid" (schedules) or "key_terms" (cover page, 2 columns)


@dataclass(frozen=True, slots=True)
class PageBreak:
    """Start the next block on a new page."""


@dataclass(frozen=True, slots=True)
class TableOfContents:
    """A table of contents over CLAUSE and SCHEDULE headings."""

    title: str = "Contents"


Block = Paragraph | Table | PageBreak | TableOfContents


@dataclass(frozen=True, slots=True)
class Anchor:
    """A resolved cross-reference target."""

    number: str  # text a reference shows, e.g. "7.2(a)" or "Schedule 2"
    bookmark: str  # Word bookmark name, "_Ref" + digits, at most 40 characters


@dataclass(frozen=True, slots=True)
class ClauseStamp:
    """Which clause template (and version) produced part of the document."""

    clause_id: str
    version: str


@dataclass(frozen=True, slots=True)
class EmbeddedData:
    """What the document carries in its package so it can be read back."""

    request_json: str  # the normalised request, canonical JSON
    clauses: tuple[ClauseStamp, ...]
    library_version: str
    input_hash: str


@dataclass(frozen=True, slots=True)
class DocumentProperties:
    """Core properties. ``created`` comes from the request, never the clock."""

    title: str
    subject: str
    author: str
    keywords: str
    created: datetime
    revision: int = 1


@dataclass(slots=True)
class Document:
    """A complete agreement ready to render."""

    properties: DocumentProperties
    embedded: EmbeddedData
    blocks: list[Block] = field(default_factory=list)
    header_text: str = ""  # e.g. "DRAFT 1 - for discussion"
    anchors: dict[str, Anchor] = field(default_factory=dict)

    def paragraphs(self) -> list[Paragraph]:
        """All paragraphs, in document order (tables not included)."""
        return [block for block in self.blocks if isinstance(block, Paragraph)]
