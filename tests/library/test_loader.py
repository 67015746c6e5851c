"""The library is checked once at load: every broken file is named with its reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.errors import ClauseLibraryError
from app.library.loader import load_library

LIBRARY = PROJECT_ROOT / "clause_templates"

GOOD_CLAUSE = """---
id: sample
family: extra
title: Sample
version: 1.0.0
order: 5
reason: Needed.
---
1. {{ anchor("first") }}The Seller shall deliver {{ volume.text }}.
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "clause_templates"
    shutil.copytree(LIBRARY, root)
    (root / "extra").mkdir()
    return root


def _write(root: Path, name: str, text: str) -> None:
    (root / "extra" / name).write_text(text, encoding="utf-8")


def test_the_shipped_library_loads() -> None:
    library = load_library(LIBRARY)
    ids = [clause.meta.id for clause in library.clauses]
    assert len(ids) == len(set(ids))
    assert "cover" in ids
    parts = [clause.meta.part for clause in library.clauses]
    assert parts == sorted(parts, key=["cover", "clause", "signatures", "schedule"].index)


def test_a_good_extra_clause_loads(library: Path) -> None:
    _write(library, "sample.md", GOOD_CLAUSE)
    clause = load_library(library).get("sample")
    assert clause is not None
    assert clause.anchors == {"sample.first"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_CLAUSE.replace("{{ volume.text }}", "{{ volume.text }"), r"sample\.md:9"),
        (GOOD_CLAUSE.replace("volume.text", "vlume.text"), "unknown name.*vlume"),
        (GOOD_CLAUSE.replace("version: 1.0.0", "version: one"), "metadata version"),
        (GOOD_CLAUSE.replace("family: extra", "family: other"), "does not match its folder"),
        (GOOD_CLAUSE.replace("reason: Needed.\n", ""), "metadata reason"),
        (GOOD_CLAUSE.replace("id: sample", "id: cover"), "already used"),
        (GOOD_CLAUSE + 'See {{ ref("nowhere") }}.\n', r"ref\('nowhere'\) has no clause"),
        (GOOD_CLAUSE.replace("order: 5", "order: [5"), "not valid YAML"),
        (GOOD_CLAUSE.replace("---\nid", "id", 1), "starts with '---'"),
        (GOOD_CLAUSE.replace("reason: Needed.", "reason: Needed.\ncolour: red"), "colour"),
        (GOOD_CLAUSE.replace("order: 5", 'order: 5\napplies_when: "posture =="'), "sample.md"),
    ],
)
def test_broken_clause_files_are_named_with_the_reason(
    library: Path, text: str, message: str
) -> None:
    _write(library, "sample.md", text)
    with pytest.raises(ClauseLibraryError, match=message) as caught:
        load_library(library)
    assert "sample.md" in str(caught.value)


def test_missing_library_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ClauseLibraryError, match="library.yaml"):
        load_library(tmp_path)
