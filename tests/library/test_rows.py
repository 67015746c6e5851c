"""``rows()``: a table's rows read from the context per draft, never rendered as text.

The delivery plan schedule prints one fixed marker row; the draft's plan is put into
the parsed table afterwards. These tests hold the result to what the schedule's old
Jinja loop produced, and hold every misuse to a ClauseLibraryError naming the file.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from app import service
from app.config import PROJECT_ROOT
from app.domain.delivery_plan import delivery_plan
from app.domain.document import Document, Paragraph, ParagraphKind, Table, Text
from app.domain.request import Frequency
from app.errors import ClauseLibraryError
from app.library.context import build_context
from app.library.loader import load_library
from app.library.markup import format_date, format_number, make_environment
from app.library.parse import parse_markdown
from app.library.rows import expand_rows

TODAY = date(2026, 12, 1)
LIBRARY = PROJECT_ROOT / "clause_templates"
FULL = json.loads((PROJECT_ROOT / "examples" / "full.json").read_text(encoding="utf-8"))
MARKER = "| [](rows:delivery.plan_cells) |"

# The schedule's table as it was written before rows(): a Jinja loop over the plan.
OLD_TABLE = """| Delivery No. | Delivery Period | Quantity ({{ volume.unit_word }}) |
| --- | --- | --- |
{% for row in delivery.plan %}
| {{ row.number }} | {{ row.period }} | {{ row.quantity }} |
{% endfor %}
| **Total** | | **{{ delivery.plan | sum(attribute="quantity") }}** |
"""


def _request(
    *, frequency: str, months: int, unit: str, quantity: str = "12.5", start: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(FULL)
    data["delivery"]["frequency"] = frequency
    data["term"] = {"months": months, **({"start_date": "2027-01-31"} if start else {})}
    data["volume"] = {"quantity": quantity, "unit": unit, "per": "year"}
    return data


def _plan_table(document: Document) -> Table:
    inside = False
    for block in document.blocks:
        if isinstance(block, Paragraph) and block.kind is ParagraphKind.SCHEDULE:
            inside = block.anchor == "delivery_plan_schedule"
        elif inside and isinstance(block, Table):
            return block
    raise AssertionError("the delivery plan schedule has no table")


def _texts(table: Table) -> list[list[str]]:
    return [
        ["".join(run.text for run in cell if isinstance(run, Text)) for cell in row]
        for row in table.rows
    ]


def test_the_helper_prints_the_same_row_whatever_the_context() -> None:
    template = make_environment().from_string('{{ rows("delivery.plan_cells") }}')
    outputs = {
        template.render(delivery={"plan_cells": cells})
        for cells in ((), (("1", "Month 1", "5"),), (("1", "Month 1", "7,000.5"),))
    }
    assert outputs == {MARKER}


def test_the_schedule_renders_the_same_rows_text_for_different_plans() -> None:
    clause = service.get_library().get("delivery_plan_schedule")
    assert clause is not None
    bodies = []
    for frequency, quantity in (("monthly", "12"), ("quarterly", "7.25")):
        data = _request(frequency=frequency, months=120, unit="t", quantity=quantity)
        drafted = service.draft(request=service.parse_request(data), today=TODAY)
        body = clause.body.render(build_context(drafted.facts))
        assert MARKER in body.splitlines()
        assert "Month" not in body  # no period of the plan is in the rendered text
        bodies.append([line for line in body.splitlines() if "Total" not in line])
    assert bodies[0] == bodies[1]


CASES = [
    *product(("monthly", "quarterly", "annual"), (12, 60, 120, 360), ("kg", "t"), (True,)),
    ("monthly", 18, "t", False),
    ("quarterly", 31, "kg", False),
]


@pytest.mark.parametrize(("frequency", "months", "unit", "start"), CASES)
def test_the_plan_table_is_what_the_jinja_loop_made(
    frequency: str, months: int, unit: str, start: bool
) -> None:
    data = _request(frequency=frequency, months=months, unit=unit, start=start)
    drafted = service.draft(request=service.parse_request(data), today=TODAY)
    table = _plan_table(drafted.assembly.document)

    annual = drafted.facts.request.volume.annual_kg(months=months) / (1000 if unit == "t" else 1)
    plan = delivery_plan(
        start=date(2027, 1, 31) if start else None,
        months=months,
        frequency=Frequency(frequency),
        annual_quantity=annual,
    )
    expected = [
        [
            str(row.number),
            f"{format_date(row.period_start)} to {format_date(row.period_end)}"
            if row.period_start and row.period_end
            else f"Months {row.first_month} to {row.first_month + row.months - 1}"
            if row.months > 1
            else f"Month {row.first_month}",
            format_number(row.quantity),
        ]
        for row in plan
    ]
    assert _texts(table)[:-1] == expected
    assert all(len(cell) == 1 and type(cell[0]) is Text for row in table.rows[:-1] for cell in row)

    old_text = make_environment().from_string(OLD_TABLE).render(build_context(drafted.facts))
    (old,) = parse_markdown(old_text, numbered=False, anchor_prefix="delivery_plan_schedule").blocks
    assert table == old  # cells, runs, emphasis of the total row and column widths


@pytest.mark.parametrize(
    "text",
    [
        MARKER + "\n",
        "Before the table.\n\n" + MARKER + "\n\nAfter it.\n",
        "## " + MARKER + "\n",
        "| a | b |\n| --- | --- |\n| 1 | [](rows:delivery.plan_cells) |\n",
        "| a | b |\n| --- | --- |\n| [](rows:delivery.plan_cells) x | |\n",
        "| [](rows:delivery.plan_cells) | b |\n| --- | --- |\n| 1 | 2 |\n",
    ],
    ids=["own-paragraph", "between-paragraphs", "heading", "second-cell", "with-text", "header"],
)
def test_rows_outside_a_table_row_of_its_own_is_refused(text: str) -> None:
    with pytest.raises(ClauseLibraryError, match=r"rows\(\) stands on its own line inside a table"):
        parse_markdown(text, numbered=False, anchor_prefix="s")


def _table(text: str) -> Table:
    (table,) = parse_markdown(text, numbered=False, anchor_prefix="s").blocks
    assert isinstance(table, Table)
    return table


TWO_COLUMNS = "| a | b |\n| --- | --- |\n| [](rows:x.cells) |\n| end | |\n"


def test_cells_are_text_never_markup() -> None:
    hostile = ("**bold** [link](https://example.com)", "| pipe | <b>")
    (expanded,) = expand_rows([_table(TWO_COLUMNS)], {"x": {"cells": (hostile, ("", "2"))}})
    assert isinstance(expanded, Table)
    assert expanded.rows == (
        ((Text(hostile[0]),), (Text(hostile[1]),)),
        ((), (Text("2"),)),
        ((Text("end"),), ()),
    )


def test_a_table_without_rows_is_left_as_it_is() -> None:
    table = _table("| a | b |\n| --- | --- |\n| 1 | 2 |\n")
    assert expand_rows([table], {})[0] is table


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({}, "the context has no such value"),
        ({"x": {"other": ()}}, "the context has no such value"),
        ({"x": "text"}, "the context has no such value"),
        ({"x": {"cells": "ab"}}, "not a sequence of rows"),
        ({"x": {"cells": (("1", "2", "3"),)}}, "row 1 is not 2 strings"),
        ({"x": {"cells": (("1", "2"), ("1",))}}, "row 2 is not 2 strings"),
        ({"x": {"cells": (("1", 2),)}}, "row 1 is not 2 strings"),
    ],
)
def test_a_path_or_row_that_does_not_fit_is_an_error(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ClauseLibraryError, match=message):
        expand_rows([_table(TWO_COLUMNS)], context)


SCHEDULE = """---
id: sample_schedule
family: extra
title: Sample Schedule
version: 1.0.0
part: schedule
order: 90
reason: Needed.
---
| No. | Period | Quantity |
| --- | --- | --- |
{{ rows(PATH) }}
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "clause_templates"
    shutil.copytree(LIBRARY, root)
    (root / "extra").mkdir()
    return root


def _write(root: Path, text: str) -> None:
    (root / "extra" / "sample_schedule.md").write_text(text, encoding="utf-8")


def test_a_path_the_context_lacks_fails_the_draft_naming_the_file(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(library, SCHEDULE.replace("PATH", '"delivery.nowhere"'))
    loaded = load_library(library)  # the first name is known: the rest is seen per draft
    monkeypatch.setattr(service, "get_library", lambda: loaded)
    data = _request(frequency="quarterly", months=12, unit="t")
    with pytest.raises(ClauseLibraryError, match=r"extra/sample_schedule\.md: .*delivery\.nowhere"):
        service.draft(request=service.parse_request(data), today=TODAY)


def test_a_good_rows_schedule_is_drafted(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(library, SCHEDULE.replace("PATH", '"delivery.plan_cells"'))
    loaded = load_library(library)
    monkeypatch.setattr(service, "get_library", lambda: loaded)
    data = _request(frequency="quarterly", months=12, unit="t")
    drafted = service.draft(request=service.parse_request(data), today=TODAY)
    tables = [block for block in drafted.assembly.document.blocks if isinstance(block, Table)]
    assert _texts(tables[-1]) == _texts(_plan_table(drafted.assembly.document))[:-1]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("delivery", r"rows\(\) takes a quoted name"),
        ('"delivery." ~ delivery.frequency', r"rows\(\) takes a quoted name"),
        ("", r"rows\(\) takes a quoted name"),
        ('"nowhere.plan_cells"', r"rows\('nowhere.plan_cells'\) does not start with a context"),
        ('"rows.x"', r"does not start with a context name"),
    ],
)
def test_a_rows_argument_that_is_not_a_known_constant_fails_at_load(
    library: Path, argument: str, message: str
) -> None:
    _write(library, SCHEDULE.replace("PATH", argument))
    with pytest.raises(ClauseLibraryError, match=message) as caught:
        load_library(library)
    assert "sample_schedule.md" in str(caught.value)
