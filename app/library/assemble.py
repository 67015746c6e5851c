"""Assembly: choose the clauses for a context, render them, and build the document.

Every clause in the library is either included or left out, and either way the
decision carries a reason rendered from the clause's own metadata, so the report can
explain the whole draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from app.domain.document import (
    Block,
    ClauseStamp,
    Document,
    DocumentProperties,
    EmbeddedData,
    PageBreak,
    Paragraph,
    ParagraphKind,
    Placeholder,
    TableOfContents,
    Text,
)
from app.domain.numbering import resolve
from app.errors import ClauseLibraryError
from app.library.loader import ClauseLibrary, ClauseTemplate
from app.library.parse import parse_markdown


@dataclass(frozen=True, slots=True)
class ClauseDecision:
    """Whether one clause is in the draft, and why."""

    clause_id: str
    version: str
    title: str
    family: str
    part: str
    included: bool
    reason: str
    note: str
    number: str | None = None


@dataclass(frozen=True, slots=True)
class Assembly:
    """A resolved document with the decisions and open placeholders behind it."""

    document: Document
    decisions: tuple[ClauseDecision, ...]
    placeholders: tuple[Placeholder, ...]  # unique by key, in order of first appearance


def assemble(
    *,
    library: ClauseLibrary,
    context: dict[str, Any],
    properties: DocumentProperties,
    embedded_without_clauses: EmbeddedData,
    header_text: str,
) -> Assembly:
    """Render every applicable clause into one numbered, cross-referenced document.

    Raises:
        ClauseLibraryError: a template failed to render (named by file).
        DocumentAssemblyError: the result is inconsistent (a dangling cross-reference).
    """
    blocks: list[Block] = [Paragraph(ParagraphKind.TITLE, (Text(properties.title),))]
    decisions: list[tuple[ClauseTemplate, bool, str]] = []
    placeholders: dict[str, Placeholder] = {}
    previous_part = "cover"
    for clause in library.clauses:
        included = bool(_call(clause, clause.applies_when, **context))
        template = clause.reason if included else clause.excluded_reason
        reason = plain_text(_call(clause, template.render, context))
        decisions.append((clause, included, reason or "Not needed for this agreement."))
        if not included:
            continue
        part = clause.meta.part
        if part != previous_part:
            blocks.extend(_part_break(previous_part, part))
            previous_part = part
        rendered = _call(clause, clause.body.render, context)
        try:
            parsed = parse_markdown(
                rendered, numbered=part == "clause", anchor_prefix=clause.meta.id
            )
        except ClauseLibraryError as error:
            raise ClauseLibraryError(f"{clause.path}: {error}") from None
        blocks.extend(_heading(clause))
        blocks.extend(parsed.blocks)
        for placeholder in parsed.placeholders:
            placeholders.setdefault(placeholder.key, placeholder)
    included_stamps = tuple(
        ClauseStamp(clause.meta.id, clause.meta.version) for clause, inc, _ in decisions if inc
    )
    embedded = EmbeddedData(
        request_json=embedded_without_clauses.request_json,
        clauses=included_stamps,
        library_version=embedded_without_clauses.library_version,
        input_hash=embedded_without_clauses.input_hash,
    )
    document = Document(
        properties=properties, embedded=embedded, blocks=blocks, header_text=header_text
    )
    resolve(document)
    return Assembly(
        document=document,
        decisions=tuple(
            ClauseDecision(
                clause_id=clause.meta.id,
                version=clause.meta.version,
                title=clause.meta.title,
                family=clause.meta.family,
                part=clause.meta.part,
                included=included,
                reason=reason,
                note=clause.meta.note.strip(),
                number=document.anchors[clause.meta.id].number
                if included and clause.meta.id in document.anchors
                else None,
            )
            for clause, included, reason in decisions
        ),
        placeholders=tuple(placeholders.values()),
    )


def _heading(clause: ClauseTemplate) -> list[Block]:
    title = (Text(clause.meta.title),)
    part = clause.meta.part
    if part == "clause":
        return [Paragraph(ParagraphKind.CLAUSE, title, anchor=clause.meta.id, keep_with_next=True)]
    if part == "schedule":
        return [
            PageBreak(),
            Paragraph(ParagraphKind.SCHEDULE, title, anchor=clause.meta.id, keep_with_next=True),
        ]
    if part == "signatures":
        return [Paragraph(ParagraphKind.HEADING, title, keep_with_next=True)]
    return []


def _part_break(previous: str, part: str) -> list[Block]:
    if previous == "cover":
        return [PageBreak(), TableOfContents(), PageBreak()]
    if part == "signatures":
        return [PageBreak()]
    return []


def _call(clause: ClauseTemplate, render: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one of a clause's templates; name the clause's file in any error."""
    try:
        return render(*args, **kwargs)
    except ClauseLibraryError as error:
        raise ClauseLibraryError(f"{clause.path}: {error}") from None
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        where = f"{clause.path}:{line}" if line else clause.path
        raise ClauseLibraryError(f"{where}: {error.message or error}") from None


def plain_text(markdown: str) -> str:
    """Rendered clause Markdown as one line of plain text (for reasons and notes)."""
    parsed = parse_markdown(markdown, numbered=False, anchor_prefix="reason")
    texts: list[str] = []
    for block in parsed.blocks:
        if isinstance(block, Paragraph):
            texts.append(
                "".join(
                    run.text
                    if isinstance(run, Text)
                    else f"[{run.label}]"
                    if isinstance(run, Placeholder)
                    else getattr(run, "term", "")
                    for run in block.runs
                )
            )
    return " ".join(texts).strip()
