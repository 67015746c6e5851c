"""In-process drafting (request in, .docx bytes out) against docxtpl and the raw floor."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from lxml import etree

from app import service
from app.domain.document import Document
from app.render.docx_writer import render_docx
from benchlib import baselines, content
from benchlib.requests import variant
from benchlib.stats import Timing, time_calls

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One content case: our drafting, its rendering share, and both baselines."""

    name: str
    description: str
    drafting: Timing  # request JSON in, .docx bytes out
    rendering: Timing  # resolved tree -> .docx bytes only
    docxtpl: Timing
    floor: Timing
    docx_bytes: int
    paragraphs: int
    same_text: bool

    def as_dict(self) -> dict[str, Any]:
        """The case's figures for the JSON results."""
        return {
            "name": self.name,
            "description": self.description,
            "drafting": self.drafting.as_dict(),
            "rendering_only": self.rendering.as_dict(),
            "docxtpl": self.docxtpl.as_dict(),
            "raw_zip_floor": self.floor.as_dict(),
            "ratio_to_docxtpl": round(self.drafting.median / self.docxtpl.median, 3),
            "ratio_to_floor": round(self.drafting.median / self.floor.median, 3),
            "rendering_ratio_to_docxtpl": round(self.rendering.median / self.docxtpl.median, 3),
            "rendering_ratio_to_floor": round(self.rendering.median / self.floor.median, 3),
            "docx_bytes": self.docx_bytes,
            "paragraphs": self.paragraphs,
            "same_text_in_all_three": self.same_text,
        }


def draft_bytes(body: bytes) -> tuple[Document, bytes]:
    """What the API does for one request body: validate, draft, render."""
    drafted = service.draft(request=service.parse_request_json(body))
    return drafted.assembly.document, render_docx(drafted.assembly.document)


def paragraph_texts(docx: bytes) -> list[str]:
    """The text of every non-empty paragraph of the body, in order."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    texts = ("".join(node.text or "" for node in p.iter(_W + "t")) for p in root.iter(_W + "p"))
    return [text for text in texts if text.strip()]


def run_case(
    *, name: str, description: str, data: dict[str, Any], runs: int, template: Path, first: int
) -> CaseResult:
    """Time ``runs`` different variants of ``data`` (seller ``first`` onwards) three ways.

    Ours runs first, on requests it has not seen; the baselines then write the very
    content our drafts produced.
    """
    bodies = [json.dumps(variant(data, first + index)).encode() for index in range(runs)]
    drafted: list[tuple[Document, bytes]] = []

    def ours(body: bytes) -> None:
        drafted.append(draft_bytes(body))

    drafting = time_calls([partial(ours, body) for body in bodies], warmup=0)
    documents = [document for document, _ in drafted]
    rendering = time_calls([partial(render_docx, document) for document in documents])
    blocks = [content.flatten(document) for document in documents]
    headers = [document.header_text for document in documents]
    with_docxtpl = baselines.docxtpl_drafter(template)
    floor = baselines.floor_drafter(drafted[0][1])
    pairs = list(zip(blocks, headers, strict=True))
    docxtpl_timing = time_calls([partial(with_docxtpl, b, h) for b, h in pairs])
    floor_timing = time_calls([partial(floor, b, h) for b, h in pairs])
    last = drafted[-1][1]
    same = (
        paragraph_texts(last)
        == paragraph_texts(with_docxtpl(*pairs[-1]))
        == paragraph_texts(floor(*pairs[-1]))
    )
    return CaseResult(
        name=name,
        description=description,
        drafting=drafting,
        rendering=rendering,
        docxtpl=docxtpl_timing,
        floor=floor_timing,
        docx_bytes=len(last),
        paragraphs=len(documents[-1].paragraphs()),
        same_text=same,
    )


def inprocess_rate(bodies: list[bytes]) -> Timing:
    """Sequential in-process drafting of ``bodies`` (the HTTP benchmark's requests)."""
    return time_calls([partial(draft_bytes, body) for body in bodies])
