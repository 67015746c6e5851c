"""The command line: exit code 0 on success, 2 with the reason on stderr for bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from app import service
from app.cli import cli


def run(*args: str, stdin: bytes | str | None = None) -> Result:
    return CliRunner(catch_exceptions=False).invoke(cli, list(args), input=stdin)


@pytest.fixture
def spec_file(tmp_path: Path, spec_request: dict[str, Any]) -> Path:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(spec_request))
    return path


def test_draft_writes_the_docx(tmp_path: Path, spec_file: Path, spec_request: dict) -> None:
    target = tmp_path / "out" / "agreement.docx"
    result = run("draft", str(spec_file), "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stderr
    with zipfile.ZipFile(target) as archive:
        assert "customXml/item1.xml" in archive.namelist()
    assert sorted(path.name for path in target.parent.iterdir()) == ["agreement.docx"]


def test_draft_report_from_stdin_to_stdout(spec_request: dict) -> None:
    result = run("draft", "-", "--format", "report", stdin=json.dumps(spec_request))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["input_hash"] == service.input_hash(service.parse_request(spec_request))


@pytest.mark.parametrize(
    ("stdin", "reason"),
    [
        ('{"element": "Dy", "volume": {"quantity": 0, "unit": "t"}, "term": "3 years"}',
         "volume.quantity: must be more than 0"),
        ('{"element": "Dy"', "not valid JSON"),
        ('{"element": NaN}', "NaN is not a number JSON allows"),
        ("[" * 50_000, "nested too deeply"),
        ("", "the request is empty"),
        ('{"element": "Dy", "volume": "12 t", "term": "3 years", "colour": 1}',
         "colour: is not a field"),
    ],
)  # fmt: skip
def test_draft_bad_input_exits_2_with_the_reason(stdin: str, reason: str) -> None:
    result = run("draft", "-", "--format", "report", stdin=stdin)
    assert result.exit_code == 2
    assert reason in result.stderr
    assert result.stdout == ""


def test_draft_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("draft", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "absent.json" in result.stderr


def _jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_batch_writes_a_zip(tmp_path: Path, spec_request: dict, full_request: dict) -> None:
    source = _jsonl(tmp_path, [json.dumps(spec_request), "", json.dumps(full_request)])
    target = tmp_path / "out.zip"
    result = run("batch", str(source), "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr
    assert "2 documents" in result.stderr
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert len(names) == 3
    assert [item["file"] for item in manifest["items"]] == names[:2]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.zip", "requests.jsonl"]


def test_batch_from_stdin_shows_progress(tmp_path: Path, spec_request: dict) -> None:
    target = tmp_path / "out.zip"
    lines = "\n".join([json.dumps(spec_request)] * 2)
    result = run("batch", "-", "-o", str(target), "--progress", stdin=lines)
    assert result.exit_code == 0, result.stderr
    assert "drafting" in result.stderr
    assert "2/2" in result.stderr
    assert zipfile.ZipFile(io.BytesIO(target.read_bytes())).testzip() is None


def test_batch_names_every_bad_line_and_writes_nothing(tmp_path: Path, spec_request: dict) -> None:
    bad_volume = {**spec_request, "volume": {"quantity": -1, "unit": "t"}}
    source = _jsonl(
        tmp_path, [json.dumps(spec_request), "", json.dumps(bad_volume), "{broken", "[]"]
    )
    target = tmp_path / "out.zip"
    result = run("batch", str(source), "-o", str(target))
    assert result.exit_code == 2
    assert "line 3: volume.quantity: must be more than 0" in result.stderr
    assert "line 4: (request): the request is not valid JSON" in result.stderr
    assert "line 5: (request): the request must be a JSON object" in result.stderr
    assert "  line 1:" not in result.stderr
    assert not target.exists()


def test_batch_of_nothing_exits_2(tmp_path: Path) -> None:
    result = run("batch", str(_jsonl(tmp_path, ["", "  "])), "-o", str(tmp_path / "o.zip"))
    assert result.exit_code == 2
    assert "no requests" in result.stderr


def test_batch_needs_an_output(tmp_path: Path, spec_request: dict) -> None:
    result = run("batch", str(_jsonl(tmp_path, [json.dumps(spec_request)])))
    assert result.exit_code == 2
    assert "--output" in result.stderr


def test_elements_table_and_json() -> None:
    table = run("elements")
    assert table.exit_code == 0
    assert len([line for line in table.stdout.splitlines() if line[:3].strip().isdigit()]) == 17
    listing = json.loads(run("elements", "--json").stdout)
    assert {element["symbol"] for element in listing["elements"]} >= {"Dy", "Tb", "Nd"}


def test_clauses_list_and_one_clause() -> None:
    library = service.get_library()
    listing = run("clauses")
    assert listing.exit_code == 0
    assert library.version in listing.stdout
    first = library.clauses[0].meta
    shown = run("clauses", first.id)
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["id"] == first.id


@pytest.mark.parametrize("clause_id", ["no_such_clause", "../../etc/passwd"])
def test_unknown_clause_exits_2(clause_id: str) -> None:
    result = run("clauses", clause_id)
    assert result.exit_code == 2
    assert "No clause called" in result.stderr
