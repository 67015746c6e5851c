"""Fixtures shared by every test package."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC_EXAMPLE: dict[str, Any] = json.loads((ROOT / "examples" / "spec.json").read_text())


@pytest.fixture
def spec_request() -> dict[str, Any]:
    """SPEC.md's example request, as decoded JSON (a fresh copy per test)."""
    return copy.deepcopy(SPEC_EXAMPLE)


@pytest.fixture
def full_request() -> dict[str, Any]:
    """A request with every optional group filled in."""
    return json.loads((ROOT / "examples" / "full.json").read_text())
