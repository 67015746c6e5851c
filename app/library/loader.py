"""Loads ``clause_templates/`` once and checks it before any contract is drafted.

A clause file is YAML front matter (the clause's metadata) and a Jinja/Markdown body::

    ---
    id: export_licensing
    family: licensing
    title: Export Licences
    version: 1.2.0
    order: 90
    applies_when: "true"
    reason: Rare-earth exports from China need a licence per shipment.
    ---
    1. {{ anchor("duty") }}The Seller shall ...

Checks (each failure names the file, the line where known, and the reason): the
metadata schema; Jinja syntax; ids unique; every variable a template reads is a
known context name; every ``ref()`` has a target clause or anchor; every
``rows()`` names a constant path that starts with a context name; every
``applies_when`` compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import BaseLoader, Environment, Template, TemplateSyntaxError, meta, nodes
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import ClauseLibraryError
from app.library.markup import HELPERS, make_environment

Part = Literal["cover", "clause", "signatures", "schedule"]
PART_ORDER: tuple[Part, ...] = ("cover", "clause", "signatures", "schedule")


class ClauseMeta(BaseModel):
    """The front matter of one clause file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    family: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1, max_length=80)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    part: Part = "clause"
    order: int = Field(ge=0, le=10000)
    applies_when: str = "true"
    reason: str = Field(min_length=1)
    excluded_reason: str = ""
    variants: dict[str, str] = Field(default_factory=dict)
    note: str = ""


class LibraryMeta(BaseModel):
    """``clause_templates/library.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    title: str
    context_names: list[str] = Field(
        description="Top-level names the drafting context provides to every template."
    )


@dataclass(frozen=True, slots=True)
class ClauseTemplate:
    """One checked clause: its metadata and compiled templates."""

    meta: ClauseMeta
    path: str  # relative to the library root, for messages
    body: Template
    applies_when: Callable[..., Any]
    reason: Template
    excluded_reason: Template
    anchors: frozenset[str]  # qualified anchor ids this clause may define
    refs: frozenset[str]  # targets this clause may reference


@dataclass(frozen=True, slots=True)
class ClauseLibrary:
    """The whole checked library, clauses in document order."""

    version: str
    title: str
    clauses: tuple[ClauseTemplate, ...]
    root: Path

    def get(self, clause_id: str) -> ClauseTemplate | None:
        """The clause with this id, or None."""
        return next((clause for clause in self.clauses if clause.meta.id == clause_id), None)


class _SourceLoader(BaseLoader):
    """Serves clause bodies to Jinja under their file names, so errors name the file."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        return self.sources[template], template, lambda: True


def load_library(root: Path) -> ClauseLibrary:
    """Load and check the clause library under ``root``.

    Raises:
        ClauseLibraryError: the first problem found, with file, line and reason.
    """
    library_meta = _load_library_meta(root / "library.yaml")
    environment = make_environment()
    sources: dict[str, str] = {}
    metas: list[tuple[ClauseMeta, str]] = []
    for path in sorted(root.glob("*/*.md")):
        relative = path.relative_to(root).as_posix()
        meta_data, body, body_line = _split_front_matter(path, relative)
        try:
            clause_meta = ClauseMeta.model_validate(meta_data)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise ClauseLibraryError(f"{relative}: metadata {field}: {first['msg']}") from None
        if clause_meta.family != path.parent.name:
            raise ClauseLibraryError(
                f"{relative}: family {clause_meta.family!r} does not match its folder"
            )
        # Pad with blank lines so Jinja's line numbers are the file's line numbers.
        sources[relative] = "\n" * (body_line - 1) + body
        metas.append((clause_meta, relative))
    environment.loader = _SourceLoader(sources)
    known_names = set(library_meta.context_names) | set(HELPERS)
    clauses = [
        _compile(environment, clause_meta, relative, known_names) for clause_meta, relative in metas
    ]
    _check_ids_and_refs(clauses)
    clauses.sort(key=lambda clause: (PART_ORDER.index(clause.meta.part), clause.meta.order))
    return ClauseLibrary(
        version=library_meta.version, title=library_meta.title, clauses=tuple(clauses), root=root
    )


def _load_library_meta(path: Path) -> LibraryMeta:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return LibraryMeta.model_validate(data)
    except OSError as error:
        raise ClauseLibraryError(f"{path.name}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ClauseLibraryError(f"{path.name}: not valid YAML: {error}") from None
    except ValidationError as error:
        raise ClauseLibraryError(f"{path.name}: {error.errors()[0]['msg']}") from None


def _split_front_matter(path: Path, relative: str) -> tuple[dict[str, Any], str, int]:
    """Return (metadata, body, line number where the body starts)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ClauseLibraryError(f"{relative}:1: a clause file starts with '---' front matter")
    try:
        end = next(index for index in range(1, len(lines)) if lines[index].strip() == "---")
    except StopIteration:
        raise ClauseLibraryError(f"{relative}: front matter has no closing '---'") from None
    try:
        data = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        raise ClauseLibraryError(f"{relative}{line}: front matter is not valid YAML") from None
    if not isinstance(data, dict):
        raise ClauseLibraryError(f"{relative}: front matter must be a mapping of fields")
    return data, "".join(lines[end + 1 :]), end + 2


def _compile(
    environment: Environment, clause_meta: ClauseMeta, relative: str, known_names: set[str]
) -> ClauseTemplate:
    source = environment.loader.get_source(environment, relative)[0]  # type: ignore[union-attr]
    try:
        tree = environment.parse(source, name=relative, filename=relative)
        body = environment.get_template(relative)
        reason = environment.from_string(clause_meta.reason)
        excluded = environment.from_string(clause_meta.excluded_reason)
        applies_when = environment.compile_expression(clause_meta.applies_when)
        reason_tree = environment.parse(clause_meta.reason + clause_meta.excluded_reason)
        condition_tree = environment.parse("{{ " + clause_meta.applies_when + " }}")
    except TemplateSyntaxError as error:
        raise ClauseLibraryError(f"{relative}:{error.lineno}: {error.message}") from None
    for part_tree, where in (
        (tree, "body"),
        (reason_tree, "reason"),
        (condition_tree, "applies_when"),
    ):
        unknown = meta.find_undeclared_variables(part_tree) - known_names
        if unknown:
            raise ClauseLibraryError(
                f"{relative}: {where} uses unknown name(s): {', '.join(sorted(unknown))}"
            )
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name not in environment.globals:
            raise ClauseLibraryError(
                f"{relative}:{call.lineno}: {call.node.name}() is not a helper "
                f"(helpers: {', '.join(sorted(HELPERS))})"
            )
    try:
        anchors = {f"{clause_meta.id}.{name}" for name in _constant_calls(tree, "anchor")}
        refs = frozenset(_constant_calls(tree, "ref"))
        rows_paths = list(_constant_calls(tree, "rows"))
    except ClauseLibraryError as error:
        raise ClauseLibraryError(f"{relative}: {error}") from None
    for path in rows_paths:
        if path.split(".")[0] not in known_names - set(HELPERS):
            raise ClauseLibraryError(
                f"{relative}: rows({path!r}) does not start with a context name"
            )
    return ClauseTemplate(
        meta=clause_meta,
        path=relative,
        body=body,
        applies_when=applies_when,
        reason=reason,
        excluded_reason=excluded,
        anchors=frozenset(anchors),
        refs=refs,
    )


def _constant_calls(tree: nodes.Template, helper: str) -> Iterator[str]:
    """The constant first arguments of every call to ``helper`` in a template."""
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == helper:
            if not call.args or not isinstance(call.args[0], nodes.Const):
                raise ClauseLibraryError(f"{helper}() takes a quoted name")
            yield str(call.args[0].value)


def _check_ids_and_refs(clauses: list[ClauseTemplate]) -> None:
    seen: dict[str, str] = {}
    for clause in clauses:
        if clause.meta.id in seen:
            raise ClauseLibraryError(
                f"{clause.path}: id {clause.meta.id!r} is already used by {seen[clause.meta.id]}"
            )
        seen[clause.meta.id] = clause.path
    targets = set(seen) | {anchor for clause in clauses for anchor in clause.anchors}
    for clause in clauses:
        for ref in sorted(clause.refs - targets):
            raise ClauseLibraryError(
                f"{clause.path}: ref({ref!r}) has no clause or anchor to point to"
            )
