"""The worker warm-up: caches filled, start-up objects frozen - in a child process, so
that this test process is never frozen."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from app import cli, service, warmup
from app.web import main

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import gc, json
from fastapi.testclient import TestClient
from app.web.main import create_served_app
before = gc.get_freeze_count()
app = create_served_app()
frozen = gc.get_freeze_count()
with TestClient(app) as client:
    status = client.get("/readyz").status_code
print(json.dumps({"before": before, "frozen": frozen, "readyz": status}))
"""


def test_the_served_app_is_warmed_up_and_frozen_before_its_first_request() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    assert seen["frozen"] > 10_000  # modules, the library, the app: all set aside
    assert seen["readyz"] == 200


def test_serve_runs_the_warmed_up_factory() -> None:
    module, _, name = cli.SERVED_APP.partition(":")
    assert module == main.__name__
    assert getattr(main, name) is main.create_served_app


def test_warm_up_without_freezing_reports_what_start_up_loaded() -> None:
    frozen = gc.get_freeze_count()
    readiness = warmup.warm_up(freeze=False)
    assert readiness == service.check_startup()
    assert readiness.clause_count == len(service.get_library().clauses)
    assert gc.get_freeze_count() == frozen


def test_the_warm_up_request_is_a_valid_request() -> None:
    request = service.parse_request(warmup.WARM_UP_REQUEST)
    assert request.element == "Dy"
