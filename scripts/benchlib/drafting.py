"""One request body drafted as the API drafts it, for the benchmark's timings.

Kept apart from :mod:`benchlib.inprocess` so that the in-process reference process
(:mod:`benchlib.reference_process`) loads what a server worker loads and no more.
"""

from __future__ import annotations

from app import service
from app.domain.document import Document
from app.render.docx_writer import render_docx


def draft_bytes(body: bytes) -> tuple[Document, bytes]:
    """What the API does for one request body: validate, draft, render."""
    drafted = service.draft(request=service.parse_request_json(body))
    return drafted.assembly.document, render_docx(drafted.assembly.document)
