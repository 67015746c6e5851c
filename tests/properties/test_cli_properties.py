"""The command line on any input: exit code 0 with the output, or 2 with the reason on
stderr - never a traceback."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import event, given
from hypothesis import strategies as st
from request_strategies import (
    any_json,
    encode,
    markup_in_string_fields,
    near_valid_requests,
    property_settings,
    request_shaped,
)

from app import service
from app.cli import cli

FORMATS = ["report", "html", "docx"]


def draft(stdin: bytes, output_format: str) -> Result:
    """``clausewright draft - --format FORMAT -o -`` with ``stdin``."""
    runner = CliRunner()
    return runner.invoke(cli, ["draft", "-", "--format", output_format, "-o", "-"], input=stdin)


def check_exit(result: Result, output_format: str) -> None:
    """Exit 0 with a document on stdout, or exit 2 with a reason on stderr."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        event("refused")
        assert result.stderr.strip()
        assert "Traceback" not in result.stderr
        assert not result.stdout_bytes
        return
    event("drafted")
    if output_format == "report":
        report = json.loads(result.stdout_bytes)
        assert len(report["input_hash"]) == 64
    elif output_format == "docx":
        assert result.stdout_bytes[:2] == b"PK"
    else:
        assert result.stdout_bytes.lower().startswith(b"<!doctype html>")


@property_settings(max_examples=80)
@given(data=any_json | request_shaped, output_format=st.sampled_from(FORMATS))
def test_any_json_on_stdin_exits_0_or_2(data: Any, output_format: str) -> None:
    check_exit(draft(encode(data), output_format), output_format)


@property_settings(max_examples=40)
@given(raw=st.binary(max_size=200))
def test_any_bytes_on_stdin_exit_0_or_2(raw: bytes) -> None:
    check_exit(draft(raw, "report"), "report")


@property_settings(max_examples=60)
@given(
    data=near_valid_requests().map(lambda case: case[0]) | markup_in_string_fields(),
    output_format=st.sampled_from(FORMATS),
)
def test_near_valid_requests_exit_0_or_2(data: dict[str, Any], output_format: str) -> None:
    result = draft(encode(data), output_format)
    check_exit(result, output_format)
    if result.exit_code == 0 and output_format == "report":
        expected = service.input_hash(service.parse_request_json(encode(data)))
        assert json.loads(result.stdout_bytes)["input_hash"] == expected


@property_settings(max_examples=40)
@given(
    arguments=st.lists(
        st.sampled_from(
            ["draft", "batch", "elements", "clauses", "serve", "--format", "pdf", "-o", "--json"]
        )
        | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
        max_size=4,
    )
)
def test_any_arguments_exit_0_or_2_without_serving(arguments: list[str]) -> None:
    if "serve" in arguments:
        arguments = [argument for argument in arguments if argument != "serve"]
    # Standard input is empty, so no command gets as far as writing an output file.
    result = CliRunner().invoke(cli, arguments, input=b"")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 2), (arguments, result.exit_code, result.output)
