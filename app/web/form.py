"""The web form for legal teams: fill in, preview, explain, download.

Routes stay thin: read the submitted fields, evaluate them (:mod:`app.web.form_page`)
and shape the response. They draft on the worker's event loop, one draft at a time,
as the API does (see :mod:`app.web.api`): a draft holds the GIL, and in a thread it
would only wait for the loop's drafts and slow them. Every page works
without JavaScript; ``static/form.js`` adds the live preview and the element panel
on top. Pages carry a Content-Security-Policy with no inline script or style.

* ``GET /``: the form, with sensible defaults.
* ``POST /preview``: the page again, with the agreement and its report, or with each
  error next to its field and a summary at the top (422). ``?fragment=1`` returns
  only the preview pane's content (200 also while it waits for answers), for the
  live preview.
* ``POST /draft``: the .docx (or the page with the errors).
* ``POST /answers``: the current answers as a JSON file (kept even when incomplete).
* ``POST /answers/load``: refill the form from such a file, or from a .docx made here.
* ``GET /elements-info/{symbol}`` (or ``?element=`` with the field's text, which may
  be empty): the element panel, an HTML fragment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app import service
from app.config import Settings, get_settings
from app.domain.request import Term, Volume
from app.errors import DocumentReadError, InvalidRequestError
from app.render.docx_reader import read_embedded
from app.render.docx_writer import render_docx
from app.web.form_fields import form_model
from app.web.form_page import (
    Outcome,
    evaluate,
    render_element_info,
    render_page,
    render_preview,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_FORM_FIELDS = 200
_ZIP_MAGIC = b"PK\x03\x04"

router = APIRouter(include_in_schema=False)


def _html(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def _settings(request: Request) -> Settings:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


async def _values(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return form_model().submitted(form)


def _page(outcome: Outcome, **extra: Any) -> HTMLResponse:
    status = 500 if outcome.defect else 422 if outcome.errors else 200
    return _html(render_page(outcome=outcome, **extra), status)


@router.get("/", response_class=HTMLResponse)
async def form_page() -> HTMLResponse:
    """The empty form with its defaults."""
    return _html(render_page(outcome=Outcome(form_model().defaults())))


@router.post("/preview", response_class=HTMLResponse)
async def preview(request: Request, fragment: Annotated[bool, Query()] = False) -> HTMLResponse:
    """The page with the agreement and its report, or with the errors placed."""
    outcome = evaluate(await _values(request), preview=True)
    if fragment:
        body = render_preview(errors=outcome.errors, preview=outcome.preview)
        # A fragment that waits for answers is a normal state of the page, not a
        # failed request: 200, with the state in its data-status.
        return _html(body, 500 if outcome.defect else 200)
    return _page(outcome)


@router.post("/draft", response_model=None)
async def download_docx(request: Request) -> Response:
    """The agreement as a .docx attachment, or the page with the errors placed."""
    outcome = evaluate(await _values(request), preview=False)
    if outcome.draft is None:
        return _page(outcome)
    content = render_docx(outcome.draft.assembly.document)
    filename = service.docx_filename(outcome.draft)
    return Response(
        content,
        media_type=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/answers")
async def download_answers(request: Request) -> Response:
    """The answers given so far as a JSON file, empty fields left out. Not validated:
    saving half-finished work is the point."""
    answers = form_model().to_request(await _values(request))
    slug = re.sub(r"[^a-z0-9]+", "-", str(answers.get("element", "")).lower()).strip("-")
    filename = f"clausewright-answers-{slug[:20] or 'draft'}.json"
    return Response(
        json.dumps(answers, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/answers/load", response_class=HTMLResponse)
async def load_answers(request: Request) -> HTMLResponse:
    """Refill the form from an uploaded answers file or Clausewright .docx."""
    limit = _settings(request).max_upload_bytes
    defaults = Outcome(form_model().defaults())
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("answers_file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _load_failed(defaults, "Choose an answers file (.json) or a Clausewright .docx.")
        content = await upload.read(limit + 1)
        name = upload.filename[-80:]
    try:
        data = _decode_answers(content, limit=limit)
    except DocumentReadError as error:
        return _load_failed(defaults, f"{name}: {error}")
    if not isinstance(data, dict):
        return _load_failed(defaults, f"{name}: the answers must be a JSON object of fields.")
    outcome = _outcome_from_answers(data)
    page = render_page(outcome=outcome, notice=f"Answers loaded from {name}.")
    return _html(page, 500 if outcome.defect else 200)


def _load_failed(outcome: Outcome, message: str) -> HTMLResponse:
    return _html(render_page(outcome=outcome, load_error=message), 422)


def _decode_answers(content: bytes, *, limit: int) -> Any:
    """The request a file carries: a Clausewright .docx's embedded request, or JSON.

    Raises:
        DocumentReadError: empty, too large, a .docx not made here, or not JSON.
    """
    if not content:
        raise DocumentReadError("The file is empty.")
    if len(content) > limit:
        raise DocumentReadError(f"The file is larger than the limit of {limit:,} bytes.")
    if content.startswith(_ZIP_MAGIC):
        content = read_embedded(content, max_bytes=limit).request_json.encode()
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DocumentReadError(
            "The file is neither a JSON answers file nor a .docx made by Clausewright."
        ) from None


def _outcome_from_answers(data: Any) -> Outcome:
    """The form values of an answers file, with its errors placed and, when valid,
    the preview. A valid file is shown as the service reads it (names become
    symbols and codes, shorthands become fields)."""
    model = form_model()
    try:
        request = service.parse_request(data)
    except InvalidRequestError as error:
        shown = model.from_request(_expand_shorthands(data))
        return Outcome(shown, errors=model.place_errors(error.errors))
    return evaluate(model.from_request(request.model_dump(mode="json")), preview=True)


def _expand_shorthands(data: dict[str, Any]) -> dict[str, Any]:
    """``"volume": "12 t per year"`` and ``"term": "3 years"`` as their fields, so an
    invalid file still shows what it says in the form's fields."""
    expanded = dict(data)
    for key, model in (("volume", Volume), ("term", Term)):
        if isinstance(data.get(key), str):
            try:
                expanded[key] = model.model_validate(data[key]).model_dump(mode="json")
            except ValidationError:
                continue
    return expanded


@router.get("/elements-info/{symbol}", response_class=HTMLResponse)
async def element_panel(symbol: str) -> HTMLResponse:
    """The element panel for a symbol or name (404 with a sentence when unknown)."""
    body, found = render_element_info(symbol)
    return _html(body, 200 if found else 404)


@router.get("/elements-info", response_class=HTMLResponse)
async def element_panel_for_text(
    element: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    """The element panel for whatever the element field holds, as it is typed: 200
    also when it names no element yet (the panel then says so, or gives the hint)."""
    body, _ = render_element_info(element)
    return _html(body)
