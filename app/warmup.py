"""Preparing a server worker before its first request.

A long-running process pays twice for what it loads at start-up if nothing is done:
the first request compiles the Jinja templates and parses the Markdown it touches,
and every full garbage collection afterwards walks all the objects loaded at start
(modules, the clause library, the reference data, FastAPI's routes and schemas), not
only what requests create. :func:`warm_up` drafts one agreement through every output
to fill those caches, then moves everything alive into the collector's permanent
generation (:func:`gc.freeze`), which full collections skip. On the benchmark machine
this took about a millisecond off each request of a server worker (README,
"Performance").

Nothing frozen is ever freed, so this is for processes that load once and then draft
(``clausewright serve`` calls it through :func:`app.web.main.create_served_app`; the
benchmark calls it before timing in-process drafting, so both sides run alike), not
for tests or the command line's one-off commands, which run in short-lived or shared
processes.
"""

from __future__ import annotations

import gc

from app import reporting, service
from app.domain.request import ContractRequest
from app.render.docx_writer import render_docx
from app.render.html import render_html

WARM_UP_REQUEST = {
    "element": "Dy",
    "form": "oxide",
    "volume": "12 t/year",
    "term": "3 years",
    "seller": {"name": "Warm-up Seller", "country": "CN"},
    "buyer": {"name": "Warm-up Buyer", "country": "DE"},
}


def warm_up(*, freeze: bool = True) -> service.Readiness:
    """Load and check the library and reference data, draft one agreement as .docx,
    HTML and report, then (``freeze``) collect garbage once and freeze what is left.

    Returns what was loaded, as :func:`app.service.check_startup` does.

    Raises:
        ClauseLibraryError, ReferenceDataError: as :func:`app.service.check_startup`.
    """
    readiness = service.check_startup()
    drafted = service.draft(request=ContractRequest.model_validate(WARM_UP_REQUEST))
    render_docx(drafted.assembly.document)
    render_html(drafted.assembly.document)
    reporting.report(drafted)
    service.docx_filename(drafted)
    if freeze:
        gc.collect()
        gc.freeze()
    return readiness
