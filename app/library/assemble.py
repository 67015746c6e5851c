"""Assembly: choose the clauses for a context, render them, and build the document.

Every clause in the library is either included or left out, and either way the
decision carries a reason rendered from the clause's own metadata, so the report can
explain the whole draft.

A clause's templates are pure functions of the context names they read (sandboxed,
no mutation, deterministic helpers), and most clauses read names that do not change
from one agreement to the next. So each clause's outcome (in or out, the reason, the
rendered text) is kept in a bounded cache under the clause and a digest of exactly
the values it reads; a clause whose names cannot be known statically is keyed on the
whole context, and a value that cannot be pickled is never cached. Rows a template
asks for with ``rows()`` are not part of its outcome: they are put into the parsed
table per draft (:mod:`app.library.rows`).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, TemplateError, meta, nodes

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
from app.library.rows import expand_rows


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
    digests = _ContextDigests(context)
    for clause in library.clauses:
        outcome = _outcome(clause, context, digests)
        decisions.append((clause, outcome.included, outcome.reason))
        if outcome.body is None:
            continue
        part = clause.meta.part
        if part != previous_part:
            blocks.extend(_part_break(previous_part, part))
            previous_part = part
        try:
            parsed = parse_markdown(
                outcome.body, numbered=part == "clause", anchor_prefix=clause.meta.id
            )
            body_blocks = expand_rows(parsed.blocks, context)
        except ClauseLibraryError as error:
            raise ClauseLibraryError(f"{clause.path}: {error}") from None
        blocks.extend(_heading(clause))
        blocks.extend(body_blocks)
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


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a clause's templates gave for one context."""

    included: bool
    reason: str
    body: str | None  # the rendered Markdown, when the clause is included


def _render(clause: ClauseTemplate, context: dict[str, Any]) -> _Outcome:
    included = bool(_call(clause, clause.applies_when, **context))
    template = clause.reason if included else clause.excluded_reason
    reason = plain_text(_call(clause, template.render, context))
    body = _call(clause, clause.body.render, context) if included else None
    return _Outcome(included, reason or "Not needed for this agreement.", body)


OUTCOME_CACHE_SIZE = 2048
"""Clause outcomes kept per process (a draft decides about 60 clauses)."""


class _OutcomeCache:
    """A bounded map, least recently used out first, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, _Outcome] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> _Outcome | None:
        with self._lock:
            outcome = self._items.get(key)
            if outcome is not None:
                self._items.move_to_end(key)
            return outcome

    def put(self, key: Hashable, outcome: _Outcome) -> None:
        with self._lock:
            self._items[key] = outcome
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_OUTCOMES = _OutcomeCache(OUTCOME_CACHE_SIZE)
_NAMES_READ: weakref.WeakKeyDictionary[Template, frozenset[str] | None] = (
    weakref.WeakKeyDictionary()
)
_INCLUDES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _outcome(clause: ClauseTemplate, context: dict[str, Any], digests: _ContextDigests) -> _Outcome:
    """The clause's outcome for ``context``, from the cache when it has been seen.

    Raises:
        ClauseLibraryError: a template failed to render (never cached).
    """
    key = digests.key(clause.body, _names_read(clause))
    outcome = None if key is None else _OUTCOMES.get(key)
    if outcome is None:
        outcome = _render(clause, context)
        if key is not None:
            _OUTCOMES.put(key, outcome)
    return outcome


def _names_read(clause: ClauseTemplate) -> frozenset[str] | None:
    """The top-level names the clause's four templates look up; None when that cannot
    be known from their source (another template is included or imported)."""
    if clause.body in _NAMES_READ:
        return _NAMES_READ[clause.body]
    environment = clause.body.environment
    names: frozenset[str] | None = None
    try:
        if environment.loader is not None and clause.body.name is not None:
            source = environment.loader.get_source(environment, clause.body.name)[0]
            clause_meta = clause.meta
            trees = [
                environment.parse(source),
                environment.parse(clause_meta.reason),
                environment.parse(clause_meta.excluded_reason),
                environment.parse("{{ " + clause_meta.applies_when + " }}"),
            ]
            if not any(tree.find(_INCLUDES) for tree in trees):  # type: ignore[arg-type]
                names = frozenset().union(*map(meta.find_undeclared_variables, trees))
    except TemplateError:
        names = None
    _NAMES_READ[clause.body] = names
    return names


class _ContextDigests:
    """Digests of one context's values, computed once per name and draft."""

    _ABSENT = b"absent"

    def __init__(self, context: Mapping[str, Any]) -> None:
        self._context = context
        self._digests: dict[str, bytes | None] = {}

    def key(self, body: Template, names: frozenset[str] | None) -> Hashable | None:
        """The cache key of a clause (named by its body template) reading ``names``
        (every name when None); None when a value it reads cannot be pickled."""
        digests = []
        for name in sorted(self._context if names is None else names):
            digest = self._digest(name)
            if digest is None:
                return None
            digests.append(digest)
        return body, tuple(digests)

    def _digest(self, name: str) -> bytes | None:
        if name not in self._digests:
            if name not in self._context:
                self._digests[name] = self._ABSENT  # a helper or global, or undefined
            else:
                try:
                    data = pickle.dumps(self._context[name], protocol=pickle.HIGHEST_PROTOCOL)
                except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                    self._digests[name] = None
                else:
                    self._digests[name] = hashlib.blake2b(data, digest_size=16).digest()
        return self._digests[name]


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
