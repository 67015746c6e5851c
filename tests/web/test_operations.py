"""Operations: liveness and readiness, start-up that fails fast and clearly, graceful
shutdown on SIGTERM, request timeouts.

Start-up and shutdown run a real ``clausewright serve`` in a subprocess on a free
loopback port (see ``tests/serving.py``); the rest drives the app in-process.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from serving import CLAUSEWRIGHT, RunningServer, free_port, running, serve_command

from app import __version__, service
from app.config import ENV_PREFIX, PROJECT_ROOT, Settings, get_settings
from app.domain import reference
from app.errors import ClauseLibraryError, ReferenceDataError
from app.web.main import create_app

Problem = Callable[[httpx.Response, int], dict[str, Any]]
ClientFor = Callable[[FastAPI], Any]
TEMPLATES = PROJECT_ROOT / "clause_templates"
BROKEN_CLAUSE = "term/term_termination.md"


# --- liveness and readiness -------------------------------------------------------------


def test_liveness(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_readiness_names_what_is_loaded(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["library_version"] == service.get_library().version
    assert body["clauses"] == len(service.get_library().clauses) > 0
    assert body["reference_data_reviewed"] == reference.reference_data().reviewed.isoformat()


@pytest.mark.parametrize(
    "failure",
    [ClauseLibraryError("x.md:3: broken"), ReferenceDataError("elements.yaml: line 5: broken")],
)
def test_not_ready_is_a_503_problem_without_the_reason(
    client: Any, expect_problem: Problem, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def lost() -> Any:
        raise failure

    monkeypatch.setattr(service, "check_startup", lost)
    body = expect_problem(client.get("/readyz"), 503)
    assert "broken" not in body["detail"]
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_operations_endpoints_stay_open_behind_an_api_key(
    app_with: Callable[..., FastAPI], client_for: ClientFor
) -> None:
    locked = client_for(app_with(api_key="k" * 16))
    assert locked.get("/healthz").status_code == 200
    assert locked.get("/readyz").status_code == 200


def test_both_are_documented(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/healthz" in paths
    assert "503" in paths["/readyz"]["get"]["responses"]


# --- start-up fails fast and clearly ----------------------------------------------------


def _broken_library(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the clause library with a template syntax error; its line number."""
    folder = tmp_path / "clause_templates"
    shutil.copytree(TEMPLATES, folder)
    clause = folder / BROKEN_CLAUSE
    lines = clause.read_text(encoding="utf-8").splitlines()
    clause.write_text("\n".join([*lines, "{% if %}oops{% endif %}", ""]), encoding="utf-8")
    return folder, len(lines) + 1


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings read again from the environment for this test, and again after it."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_create_app_refuses_a_broken_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    folder, line = _broken_library(tmp_path)
    monkeypatch.setenv("CLAUSEWRIGHT_TEMPLATES_DIR", str(folder))
    with pytest.raises(ClauseLibraryError, match=rf"^{BROKEN_CLAUSE}:{line}: \w+"):
        create_app(Settings(api_key=None, cors_origins=[]))


def test_create_app_refuses_broken_reference_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "elements.yaml"
    broken.write_text(
        reference.ELEMENTS_FILE.read_text(encoding="utf-8").replace(
            "\nreviewed: ", "\nreviewed: last tuesday # ", 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(reference, "ELEMENTS_FILE", broken)
    reference.reference_data.cache_clear()
    try:
        with pytest.raises(ReferenceDataError, match=r"elements\.yaml: file, line \d+: .*date"):
            create_app(Settings(api_key=None, cors_origins=[]))
    finally:
        reference.reference_data.cache_clear()


def _serve_until_exit(
    env: dict[str, str], *, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``clausewright serve`` (or ``code`` that ends in the CLI) until it exits."""
    port = free_port()
    command = (
        [sys.executable, "-c", code, "serve", "--port", str(port)]
        if code
        else serve_command(port=port)
    )
    return subprocess.run(
        command,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_with_a_broken_template_exits_1_naming_file_line_and_reason(tmp_path: Path) -> None:
    folder, line = _broken_library(tmp_path)
    result = _serve_until_exit({"CLAUSEWRIGHT_TEMPLATES_DIR": str(folder)})
    assert result.returncode == 1, result.stderr
    assert f"{BROKEN_CLAUSE}:{line}: " in result.stderr
    assert "cannot start" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Uvicorn running" not in result.stderr


def test_serve_with_broken_reference_data_exits_1_naming_file_line_and_reason(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "elements.yaml"
    broken.write_text(
        reference.ELEMENTS_FILE.read_text(encoding="utf-8").replace(
            "\nreviewed: ", "\nreviewed: last tuesday # ", 1
        ),
        encoding="utf-8",
    )
    # The reference data is packaged with the code (no setting points elsewhere), so
    # the process is started with the module's file path replaced before the CLI runs.
    code = (
        "import sys, pathlib\n"
        "import app.domain.reference as reference\n"
        f"reference.ELEMENTS_FILE = pathlib.Path({str(broken)!r})\n"
        "from app.cli import main\n"
        "sys.argv = ['clausewright', *sys.argv[1:]]\n"
        "main()\n"
    )
    result = _serve_until_exit({}, code=code)
    assert result.returncode == 1, result.stderr
    assert f"{broken}: file, line 5: " in result.stderr
    assert "must be a date" in result.stderr
    assert "Traceback" not in result.stderr


# --- graceful shutdown ------------------------------------------------------------------


def _wait_for_log(server: RunningServer, text: str, *, count: int) -> None:
    """Poll the server's stderr until ``text`` has appeared ``count`` times."""
    deadline = time.monotonic() + 30
    while server.stderr().count(text) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear {count} times:\n{server.stderr()}")
        threading.Event().wait(0.05)  # the next poll


def _read_until_closed(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(
    workers: int, spec_request: dict[str, Any]
) -> None:
    """The request is surely in flight when the shutdown starts: its headers and half
    its body are in, and the rest is sent only once every worker says it is shutting
    down. It must still get its whole answer, and the server must exit 0."""
    body = json.dumps(spec_request).encode()
    head = (
        b"POST /api/v1/contracts/report HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    port = free_port()
    with (
        running(serve_command(port=port, workers=workers), port=port) as server,
        socket.create_connection(("127.0.0.1", port), timeout=60) as connection,
    ):
        connection.sendall(head + body[: len(body) // 2])
        server.process.send_signal(signal.SIGTERM)
        _wait_for_log(server, "Shutting down", count=workers)
        connection.sendall(body[len(body) // 2 :])
        response = _read_until_closed(connection)
        code, log = server.stop()
    status, _, rest = response.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 200"), response[:500]
    report = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert report["input_hash"] == service.input_hash(service.parse_request(spec_request))
    assert code == 0, log
    assert "Traceback" not in log


def test_sigterm_on_an_idle_server_exits_0_quickly() -> None:
    port = free_port()
    with running(serve_command(port=port), port=port) as server:
        code, log = server.stop(timeout=15)
    assert code == 0, log
    assert "Finished server process" in log


def test_the_console_script_is_this_environment_s() -> None:
    assert CLAUSEWRIGHT.is_file()


# --- request timeouts -------------------------------------------------------------------


def test_a_draft_slower_than_the_timeout_is_a_503_problem(
    monkeypatch: pytest.MonkeyPatch,
    client_for: ClientFor,
    expect_problem: Problem,
    spec_request: dict[str, Any],
) -> None:
    monkeypatch.setenv("CLAUSEWRIGHT_REQUEST_TIMEOUT_SECONDS", "0.001")
    settings = Settings(api_key=None, cors_origins=[])
    assert settings.request_timeout_seconds == 0.001
    client = client_for(create_app(settings))
    response = client.post("/api/v1/contracts/docx", json=spec_request)
    body = expect_problem(response, 503)
    assert "0.001 seconds" in body["detail"]
    assert response.headers["retry-after"] == "1"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_batch_that_has_started_is_not_cut(
    app_with: Callable[..., FastAPI], client_for: ClientFor, spec_request: dict[str, Any]
) -> None:
    client = client_for(app_with(request_timeout_seconds=0.5))
    batch = [{**spec_request, "draft_number": number} for number in range(1, 21)]
    response = client.post("/api/v1/contracts/batch", json=batch)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len(archive.namelist()) == len(batch) + 1


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_the_timeout_setting_must_be_a_positive_number(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CLAUSEWRIGHT_REQUEST_TIMEOUT_SECONDS", value)
    with pytest.raises(ValueError, match="request_timeout_seconds"):
        Settings()


def test_serve_with_an_invalid_setting_exits_1_naming_the_variable() -> None:
    result = _serve_until_exit({"CLAUSEWRIGHT_REQUEST_TIMEOUT_SECONDS": "0"})
    assert result.returncode == 1, result.stderr
    assert "CLAUSEWRIGHT_REQUEST_TIMEOUT_SECONDS: Input should be greater than 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(CLAUSEWRIGHT_[A-Z_]+)`", table, flags=re.MULTILINE))
    assert documented == {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
