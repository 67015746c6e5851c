"""In-process drafting (request in, .docx bytes out) against docxtpl and the raw floor."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from app.render.docx_writer import render_docx
from benchlib import baselines, content
from benchlib.drafting import draft_bytes
from benchlib.requests import variant
from benchlib.stats import Timing

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
T = TypeVar("T")


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


def paragraph_texts(docx: bytes) -> list[str]:
    """The text of every non-empty paragraph of the body, in order."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    texts = ("".join(node.text or "" for node in p.iter(_W + "t")) for p in root.iter(_W + "p"))
    return [text for text in texts if text.strip()]


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    gc.collect()  # no contender pays for another's garbage
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def run_case(
    *, name: str, description: str, data: dict[str, Any], runs: int, template: Path, first: int
) -> CaseResult:
    """Time ``runs`` different variants of ``data`` (seller ``first`` onwards) three ways.

    The three take turns, request by request, so that load from elsewhere on a shared
    machine falls on all of them alike: ours drafts a request it has not seen, then
    rendering alone, docxtpl and the floor write the very content that draft produced.
    """
    warm_document, warm_docx = draft_bytes(json.dumps(variant(data, first - 1)).encode())
    with_docxtpl = baselines.docxtpl_drafter(template)
    floor = baselines.floor_drafter(warm_docx)
    warm_blocks = content.flatten(warm_document)
    for _ in range(2):
        with_docxtpl(warm_blocks, warm_document.header_text)
        floor(warm_blocks, warm_document.header_text)
    samples: dict[str, list[float]] = {"ours": [], "rendering": [], "docxtpl": [], "floor": []}
    for index in range(runs):
        body = json.dumps(variant(data, first + index)).encode()
        (document, docx), seconds = _timed(partial(draft_bytes, body))
        samples["ours"].append(seconds)
        samples["rendering"].append(_timed(partial(render_docx, document))[1])
        blocks = content.flatten(document)
        samples["docxtpl"].append(_timed(partial(with_docxtpl, blocks, document.header_text))[1])
        samples["floor"].append(_timed(partial(floor, blocks, document.header_text))[1])
    same = (
        paragraph_texts(docx)
        == paragraph_texts(with_docxtpl(blocks, document.header_text))
        == paragraph_texts(floor(blocks, document.header_text))
    )
    return CaseResult(
        name=name,
        description=description,
        drafting=Timing(tuple(samples["ours"])),
        rendering=Timing(tuple(samples["rendering"])),
        docxtpl=Timing(tuple(samples["docxtpl"])),
        floor=Timing(tuple(samples["floor"])),
        docx_bytes=len(docx),
        paragraphs=len(document.paragraphs()),
        same_text=same,
    )


class ReferenceProcess:
    """The in-process reference of the HTTP benchmark: one long-lived process prepared
    as a busy server worker is (see :mod:`benchlib.reference_process`), asked for the
    drafting times of one set of bodies at a time.

    Use as a context manager; the process is ended on exit.
    """

    def __init__(self, warm_up_bodies: list[bytes], folder: Path) -> None:
        scripts = Path(__file__).resolve().parent.parent
        self._folder = folder
        self._turn = 0
        warm_up = self._write(warm_up_bodies)
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(scripts), *filter(None, [os.environ.get("PYTHONPATH")])]
        )}  # fmt: skip
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchlib.reference_process", str(warm_up)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=scripts,
            env=environment,
        )
        if self._answer() != "ready":
            raise RuntimeError("the in-process reference did not start")

    def _write(self, bodies: list[bytes]) -> Path:
        self._turn += 1
        path = self._folder / f"reference-{self._turn}.jsonl"
        path.write_bytes(b"".join(body + b"\n" for body in bodies))
        return path

    def _answer(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the in-process reference exited ({self._process.wait()})")
        return line.strip()

    def rate(self, bodies: list[bytes]) -> Timing:
        """Draft ``bodies`` one after another there; the time of each."""
        assert self._process.stdin is not None
        self._process.stdin.write(f"{self._write(bodies)}\n")
        self._process.stdin.flush()
        return Timing(tuple(json.loads(self._answer())))

    def __enter__(self) -> ReferenceProcess:
        return self

    def __exit__(self, *_: object) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
