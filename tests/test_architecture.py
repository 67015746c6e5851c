"""Data flows one way: request -> domain -> library -> rendering -> transport.

This test reads every module's imports (with the ast module, not by running it) and
fails when a layer reaches above itself or a framework leaks into the wrong layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (
        "fastapi", "starlette", "docx", "lxml", "jinja2", "markdown_it", "click", "uvicorn",
        "app.library", "app.render", "app.web", "app.service", "app.cli",
    ),
    "library": ("fastapi", "starlette", "docx", "lxml", "app.render", "app.web", "app.service",
                "app.cli"),
    "render": ("fastapi", "starlette", "app.library", "app.web", "app.service", "app.cli"),
}  # fmt: skip
OFFICE_LIBRARIES = ("docx", "lxml")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((APP / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_nothing_above_them(layer: str) -> None:
    offences = [
        f"{path.relative_to(APP)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[layer])
    ]
    assert not offences, offences


def test_only_the_renderer_touches_word_files() -> None:
    outside = [
        f"{path.relative_to(APP)} imports {name}"
        for path in APP.rglob("*.py")
        if "render" not in path.relative_to(APP).parts
        for name in _imports(path)
        if name.split(".")[0] in OFFICE_LIBRARIES
    ]
    assert not outside, outside


def test_every_layer_has_modules() -> None:
    for layer in FORBIDDEN:
        assert _modules(layer), f"app/{layer} is empty"
