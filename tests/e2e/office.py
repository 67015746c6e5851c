"""Helpers for tests that use real programs: LibreOffice headless and pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONVERT_TIMEOUT_SECONDS = 180


def tool(name: str, package: str) -> str:
    """The path of a program the tests need; fail (never skip) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed, so the .docx cannot be checked in a real word "
            f"processor. `make test` installs it (Debian package {package})."
        )
    return path


def convert_to_pdf(sources: list[Path], folder: Path) -> list[Path]:
    """Convert .docx files to PDF with LibreOffice headless, in one run with a private
    profile; return the PDFs in the order of ``sources``."""
    soffice = tool("soffice", "libreoffice-writer-nogui")
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        *map(str, sources),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT_SECONDS, check=False
    )
    pdfs = [folder / (source.stem + ".pdf") for source in sources]
    for pdf in pdfs:
        assert pdf.exists(), f"LibreOffice made no {pdf.name}: {result.stdout}\n{result.stderr}"
    return pdfs


def pdf_lines(pdf: Path) -> list[str]:
    """The text of a PDF, one normalised line per non-empty line of the layout."""
    pdftotext = tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def pdf_pages(pdf: Path) -> int:
    """The number of pages of a PDF (pdfinfo)."""
    pdfinfo = tool("pdfinfo", "poppler-utils")
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    line = next(line for line in info.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])
