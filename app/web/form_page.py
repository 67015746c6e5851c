"""What the form's pages show: the form with its values and errors, the preview with
its report and charts, the element panel.

Pages are rendered by their own Jinja environment (autoescape on, undefined
variables an error), separate from the clause-text environment. Everything here is
synchronous and free of HTTP: the routes in :mod:`app.web.form` run it in a worker
thread and shape the responses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from app import __version__, reporting, service
from app.domain.reference import reference_data
from app.errors import ClauseLibraryError, DocumentAssemblyError, InvalidRequestError, NotFoundError
from app.render.html import render_fragment
from app.service import Draft
from app.web.charts import delivery_plan_chart, safety_stock_chart
from app.web.form_fields import form_model
from app.web.form_model import FormError

logger = logging.getLogger("clausewright.web.form")

SCHEME_NAMES = {"usgs": "USGS", "industry": "Industry", "china_2025": "China 2025 lists"}
STATUS_NAMES = {
    "in_force": "In force",
    "suspended": "Suspended",
    "lapsed": "Lapsed",
    "revoked": "Revoked",
}
DEFECT_MESSAGE = (
    "The clause library could not produce a draft for these answers. The problem has been "
    "logged; no document was produced. Your answers are kept below."
)


@dataclass(frozen=True, slots=True)
class OptionRow:
    """One risk option in the report: its label, value and where the value came from."""

    label: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class PreviewView:
    """Everything the preview pane shows for one draft."""

    title: str
    agreement: Markup
    report: dict[str, Any]
    delivery_chart: Markup
    stock_chart: Markup
    options: tuple[OptionRow, ...]
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one submission: the values to show again, and either the errors
    placed on their fields, or the draft (with its preview when asked for), or a
    ``defect`` message when the library failed."""

    values: dict[str, str]
    errors: list[FormError] = field(default_factory=list)
    draft: Draft | None = None
    preview: PreviewView | None = None
    defect: str | None = None


@cache
def environment() -> Environment:
    """The page templates' environment: autoescape on, undefined variables an error."""
    env = Environment(
        loader=PackageLoader("app.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        version=__version__,
        scheme_names=SCHEME_NAMES,
        status_names=STATUS_NAMES,
    )
    return env


def evaluate(values: Mapping[str, str], *, preview: bool) -> Outcome:
    """Validate the form's values and, when valid, draft the agreement.

    Returns an :class:`Outcome`; input errors and library defects are in it, never
    raised (a defect is logged).
    """
    model = form_model()
    kept = dict(values)
    try:
        request = service.parse_request(model.to_request(values))
    except InvalidRequestError as error:
        return Outcome(values=kept, errors=model.place_errors(error.errors))
    try:
        draft = service.draft(request=request)
        view = preview_view(draft) if preview else None
    except (ClauseLibraryError, DocumentAssemblyError) as error:
        logger.error("form draft failed: %s: %s", type(error).__name__, error)
        return Outcome(values=kept, defect=DEFECT_MESSAGE)
    return Outcome(values=kept, draft=draft, preview=view)


def preview_view(draft: Draft) -> PreviewView:
    """The preview of one draft: its HTML, report, charts, options and notes."""
    request = draft.request
    stock = draft.facts.safety_stock
    return PreviewView(
        title=draft.assembly.document.properties.title,
        agreement=Markup(render_fragment(draft.assembly.document)),
        report=reporting.report(draft),
        delivery_chart=delivery_plan_chart(plan=draft.facts.plan, unit=request.volume.unit.value),
        stock_chart=safety_stock_chart(result=stock) if stock is not None else Markup(""),
        options=_option_rows(draft),
        notes=_notes(draft),
    )


def _option_rows(draft: Draft) -> tuple[OptionRow, ...]:
    model = form_model()
    options = draft.facts.options
    groups = {
        "licensing": options.licensing,
        "force_majeure": options.force_majeure,
        "safety_stock": options.safety_stock,
    }
    rows = []
    order = {field.name: index for index, field in enumerate(model.fields)}
    for name in sorted(options.origin, key=lambda key: order.get(key, len(order))):
        group, _, option = name.partition(".")
        value = groups[group].get(option)
        form_field = model.by_name.get(name)
        text = _option_text(value)
        source = options.origin[name]
        rows.append(
            OptionRow(
                label=form_field.label if form_field else option.replace("_", " "),
                value=form_field.choice_label(text) if form_field else text,
                source="Your answer" if source == "request" else source[:1].upper() + source[1:],
            )
        )
    return tuple(rows)


def _option_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _notes(draft: Draft) -> tuple[tuple[str, str], ...]:
    """Each family's drafting notes, once each, in the order of the draft."""
    seen: dict[tuple[str, str], None] = {}
    for decision in draft.assembly.decisions:
        if decision.included and decision.note:
            seen.setdefault((decision.family, decision.note), None)
    return tuple(seen)


def _status(errors: Sequence[FormError], preview: PreviewView | None) -> str:
    """The sentence announced when the preview pane changes."""
    if preview is not None:
        report = preview.report
        return (
            f"Preview updated: {len(report['clauses'])} clauses, "
            f"{len(report['placeholders'])} open placeholders."
        )
    if errors:
        return f"Preview waiting: {len(errors)} answers need attention."
    return ""


def render_preview(*, errors: Sequence[FormError], preview: PreviewView | None) -> str:
    """The preview pane's content alone (the live preview's fragment)."""
    return (
        environment()
        .get_template("_preview.html.j2")
        .render(errors=errors, preview=preview, status=_status(errors, preview))
    )


def element_info(text: str) -> tuple[dict[str, Any] | None, str]:
    """The reference data on the element named by ``text`` (symbol or name), or None
    and a sentence saying why not (empty when ``text`` is empty)."""
    text = text.strip()[:40]
    if not text:
        return None, ""
    try:
        element = reference_data().element(text)
    except NotFoundError as error:
        hint = f" Did you mean {error.suggestion}?" if error.suggestion else ""
        return None, f'"{text}" is not one of the 17 rare-earth elements.{hint}'
    return reporting.element_summary(element.symbol), ""


def render_element_info(text: str) -> tuple[str, bool]:
    """The element panel's content for ``text``, and whether an element was found."""
    element, message = element_info(text)
    html = (
        environment()
        .get_template("_element_info.html.j2")
        .render(element=element, element_error=message)
    )
    return html, element is not None


def render_page(
    *,
    outcome: Outcome,
    notice: str | None = None,
    load_error: str | None = None,
) -> str:
    """The whole form page: error summary, the form with its values and errors next to
    their fields, the load form and the preview pane."""
    model = form_model()
    errors_by_field: dict[str, list[FormError]] = {}
    for error in outcome.errors:
        if error.field is not None:
            errors_by_field.setdefault(error.field.name, []).append(error)
    panel, _ = render_element_info(outcome.values.get("element", ""))
    element_panel = Markup(
        '<div class="element-info wide" id="element-info" aria-live="polite">{}</div>'
    ).format(Markup(panel))
    data = reference_data()
    return (
        environment()
        .get_template("form_page.html.j2")
        .render(
            model=model,
            values=outcome.values,
            errors=outcome.errors,
            errors_by_field=errors_by_field,
            element_panel=element_panel,
            elements=[element for element in data.elements if element.bulk_traded],
            preview=outcome.preview,
            status=_status(outcome.errors, outcome.preview),
            notice=notice,
            load_error=load_error,
            defect=outcome.defect,
            reviewed=data.reviewed.isoformat(),
        )
    )
