"""Assembly's clause cache: each clause's outcome is keyed on exactly the context
values it reads, so a draft from warm caches is the draft from cold ones."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader

from app import service
from app.library import assemble, parse
from app.library.context import build_context
from app.library.loader import ClauseMeta, ClauseTemplate
from app.library.markup import make_environment
from app.render import base, docx_writer
from app.render.docx_writer import render_docx

TODAY = date(2026, 12, 1)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _requests() -> list[dict[str, Any]]:
    spec = json.loads((EXAMPLES / "spec.json").read_text())
    full = json.loads((EXAMPLES / "full.json").read_text())
    changes: list[dict[str, Any]] = [
        {},
        {"posture": "buyer"},
        {"posture": "seller", "element": "La"},
        {"element": "Ho", "volume": {"quantity": 3, "unit": "t", "per": "year"}},
        {"seller": {"name": "Another Seller Ltd", "country": "CN"}},
        {"term": {"start_date": "2028-02-29", "months": 7}},
        {"safety_stock": {"method": "fixed_cover"}},
    ]
    requests = [{**spec, **change} for change in changes]
    monthly = copy.deepcopy(full)
    monthly["delivery"]["frequency"] = "monthly"
    return [*requests, full, monthly, {**full, "posture": "seller"}]


def _docx(data: dict[str, Any]) -> bytes:
    drafted = service.draft(request=service.parse_request(data), today=TODAY)
    return render_docx(drafted.assembly.document)


def _clear_caches() -> None:
    assemble._OUTCOMES.clear()
    parse._parse.cache_clear()
    parse._parse_chunk.cache_clear()
    parse._inline_runs.cache_clear()
    docx_writer._text_run.cache_clear()
    docx_writer._complex_field.cache_clear()
    base.header_part.cache_clear()


def test_drafts_from_warm_caches_are_drafts_from_cold_ones() -> None:
    requests = _requests()
    warm = [_docx(data) for data in [*requests, *reversed(requests)]]
    cold = []
    for data in requests:
        _clear_caches()
        cold.append(_docx(data))
    assert warm[: len(requests)] == cold
    assert list(reversed(warm[len(requests) :])) == cold
    assert len(set(cold)) == len(cold)


class _Poison:
    """A value no template may touch: every use of it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"read .{name}")

    def __getitem__(self, key: object) -> Any:
        raise AssertionError(f"read [{key!r}]")

    def __bool__(self) -> bool:
        raise AssertionError("tested")

    def __str__(self) -> str:
        raise AssertionError("printed")

    def __iter__(self) -> Any:
        raise AssertionError("iterated")

    def __eq__(self, other: object) -> bool:
        raise AssertionError("compared")

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("index", range(len(_requests())))
def test_each_clause_reads_only_the_names_it_is_keyed_on(index: int) -> None:
    drafted = service.draft(request=service.parse_request(_requests()[index]), today=TODAY)
    context = build_context(drafted.facts)
    for clause in service.get_library().clauses:
        names = assemble._names_read(clause)
        assert names is not None, clause.path
        expected = assemble._render(clause, context)
        for other in sorted(set(context) - names):
            poisoned = {**context, other: _Poison()}
            assert assemble._render(clause, poisoned) == expected, (clause.path, other)


def test_a_changed_value_is_never_served_from_the_cache() -> None:
    spec = json.loads((EXAMPLES / "spec.json").read_text())
    for name in ("First Seller Co., Ltd.", "Second Seller Co., Ltd.", "First Seller Co., Ltd."):
        data = {**spec, "seller": {**spec["seller"], "name": name}}
        drafted = service.draft(request=service.parse_request(data), today=TODAY)
        text = json.dumps([repr(block) for block in drafted.assembly.document.blocks])
        assert name in text
        other = {"First Seller Co., Ltd.", "Second Seller Co., Ltd."} - {name}
        assert other.pop() not in text


def test_a_value_that_cannot_be_pickled_is_never_cached() -> None:
    digests = assemble._ContextDigests({"seller": lambda: None, "buyer": {"name": "B"}})
    body = make_environment().from_string("{{ seller }}")
    assert digests.key(body, frozenset({"seller"})) is None
    assert digests.key(body, frozenset({"buyer"})) is not None
    assert digests.key(body, None) is None  # every name, the unpicklable one too


def test_a_clause_that_includes_a_template_is_keyed_on_the_whole_context() -> None:
    environment = make_environment()
    environment.loader = DictLoader({"a.md": "{% include 'b.md' %}", "b.md": "{{ seller }}"})
    meta = ClauseMeta(id="aa", family="x", title="A", version="1.0.0", order=1, reason="R")
    clause = ClauseTemplate(
        meta=meta,
        path="a.md",
        body=environment.get_template("a.md"),
        applies_when=environment.compile_expression("true"),
        reason=environment.from_string("R"),
        excluded_reason=environment.from_string(""),
        anchors=frozenset(),
        refs=frozenset(),
    )
    assert assemble._names_read(clause) is None
    first = assemble._ContextDigests({"seller": "S1", "buyer": "B"}).key(clause.body, None)
    second = assemble._ContextDigests({"seller": "S2", "buyer": "B"}).key(clause.body, None)
    assert first != second
