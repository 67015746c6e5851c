"""The image's install path, without a Docker engine.

The Dockerfile is read as data (its stages and instructions) and held to the rules:
a hash-locked install, a non-root user, a HEALTHCHECK, no build tools in the final
stage. Then its install path is followed in a temporary folder: a fresh virtualenv,
``pip install --require-hashes -r requirements.lock``, the project with
``--no-deps`` from a copy of the files the Dockerfile copies, and the image's CMD run
through ``/bin/sh`` as Docker runs it - on loopback and a free port instead of
0.0.0.0:8000. ``/healthz``, ``/readyz`` and the HEALTHCHECK command must pass, and
SIGTERM must end it with exit code 0.

The first run downloads the locked wheels (the package index only); pip's cache makes
later runs quick.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from serving import free_port, running

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
PIP_TIMEOUT_SECONDS = 600
BUILD_TOOLS = ("apt-get", "apt ", "apk ", "gcc", "g++", "build-essential", "make ", "pip ")


@dataclass
class Stage:
    """One ``FROM`` stage: its base, its name, its instructions in order."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        """The arguments of every instruction ``keyword`` (upper case) of the stage."""
        return [arguments for name, arguments in self.instructions if name == keyword]

    def last(self, keyword: str) -> str:
        """The arguments of the stage's last instruction ``keyword``."""
        found = self.all(keyword)
        assert found, f"the stage has no {keyword}"
        return found[-1]


def dockerfile_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults and the stages of a Dockerfile (continuation lines
    joined, comments dropped, ``${ARG}`` in FROM resolved)."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    arguments: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            arguments[name] = default
        elif keyword == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda match: arguments[match[1]], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        else:
            stages[-1].instructions.append((keyword, rest))
    return arguments, stages


def stage_environment(stage: Stage) -> dict[str, str]:
    """The ENV of a stage (``KEY=value`` pairs, shell quoting honoured)."""
    environment: dict[str, str] = {}
    for arguments in stage.all("ENV"):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            environment[key] = value
    return environment


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[1]


# --- the Dockerfile's rules -------------------------------------------------------------


def test_two_stages_on_python_3_11_slim(stages: list[Stage]) -> None:
    assert len(stages) == 2
    assert [stage.base for stage in stages] == ["python:3.11-slim"] * 2
    assert stages[0].name == "builder"


def test_the_builder_installs_from_the_lock_with_hashes(stages: list[Stage]) -> None:
    builder = stages[0]
    installs = [run for run in builder.all("RUN") if "pip install" in run]
    assert len(installs) == 2
    assert "--require-hashes" in installs[0]
    assert "-r /tmp/requirements.lock" in installs[0]
    assert "--no-deps" in installs[1]  # the project adds no unlocked dependency
    assert any("requirements.lock" in copy for copy in builder.all("COPY"))


def test_the_final_stage_has_no_build_tools_and_runs_as_a_user(stages: list[Stage]) -> None:
    final = stages[-1]
    for run in final.all("RUN"):
        assert not [tool for tool in BUILD_TOOLS if tool in run + " "], run
    copies = final.all("COPY")
    assert copies == [
        "--from=builder /opt/clausewright /opt/clausewright",
        "clause_templates /opt/clausewright/clause_templates",
    ]
    user = final.last("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert any("useradd" in run and user in run for run in final.all("RUN"))


def test_the_final_stage_has_a_healthcheck_without_curl(stages: list[Stage]) -> None:
    final = stages[-1]
    healthcheck = final.last("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    assert "urllib.request" in argv[2]
    assert "/healthz" in argv[2]
    assert "curl" not in healthcheck
    assert "wget" not in healthcheck
    assert final.last("EXPOSE") == "8000"


def test_the_command_serves_every_interface_with_the_configured_workers(
    stages: list[Stage],
) -> None:
    final = stages[-1]
    command = final.last("CMD")
    assert command.startswith("exec clausewright serve ")  # the server gets the signals
    assert "--host 0.0.0.0 --port 8000" in command
    assert '--workers "${WORKERS}"' in command
    assert stage_environment(final)["WORKERS"].isdigit()


def test_the_build_context_is_only_what_the_image_needs() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"
    allowed = {pattern.removeprefix("!").rstrip("/") for pattern in patterns if pattern[0] == "!"}
    assert allowed == {
        "app",
        "clause_templates",
        "pyproject.toml",
        "README.md",
        "requirements.lock",
    }


# --- the lock ---------------------------------------------------------------------------


def _locked() -> dict[str, str]:
    """Every pinned package of the lock (normalised name -> version)."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^ ]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def test_the_lock_pins_every_runtime_dependency_with_hashes_and_no_test_tool() -> None:
    pins = _locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement)[0]).lower()
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
    for test_tool in ("pytest", "hypothesis", "mypy", "ruff", "playwright", "schemathesis"):
        assert test_tool not in pins
    text = LOCK.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1].strip())
    for entry in entries:
        if not entry.startswith("#"):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert "--find-links" not in text
    assert "--index-url" not in text
    assert "/opt/" not in text  # nothing of this machine's pip set-up


# --- the install path, followed ---------------------------------------------------------


def _pip(venv: Path, *arguments: str) -> None:
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *arguments],
        check=True,
        timeout=PIP_TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's /opt/clausewright, built in a temporary folder the Dockerfile's way."""
    home = tmp_path_factory.mktemp("opt") / "clausewright"
    home.mkdir()
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    _pip(venv, "--require-hashes", "-r", str(LOCK))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, home / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "app", home / "app", ignore=ignore)
    _pip(venv, "--no-deps", "--editable", str(home))
    shutil.copytree(ROOT / "clause_templates", home / "clause_templates", ignore=ignore)
    return home


def _image_environment(stage: Stage, home: Path) -> dict[str, str]:
    """This process's environment without its virtualenv, plus the final stage's ENV
    with /opt/clausewright moved to ``home``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        and not key.startswith("CLAUSEWRIGHT_")
    }
    system_path = os.pathsep.join(
        part for part in os.environ["PATH"].split(os.pathsep) if ".venv" not in part
    )
    for key, value in stage_environment(stage).items():
        value = value.replace("$PATH", system_path).replace("/opt/clausewright", str(home))
        environment[key] = value
    return environment


def test_the_installed_package_is_the_image_s_copy(image: Path) -> None:
    python = image / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import app, app.config; print(app.__file__, app.config.PROJECT_ROOT)"],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    ).stdout.split()
    assert where == [str(image / "app" / "__init__.py"), str(image)]
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout


def test_the_image_command_serves_passes_its_healthcheck_and_stops_cleanly(
    image: Path, stages: list[Stage]
) -> None:
    final = stages[-1]
    port = free_port()
    command = (
        final.last("CMD")
        .replace("--host 0.0.0.0", "--host 127.0.0.1")  # loopback only on this machine
        .replace("--port 8000", f"--port {port}")
    )
    environment = _image_environment(final, image)
    with running(
        ["/bin/sh", "-c", command], port=port, env=environment, cwd=image, inherit=False
    ) as server:
        for path in ("/healthz", "/readyz"):
            assert httpx.get(server.url + path, timeout=10).status_code == 200, path
        probe = json.loads(final.last("HEALTHCHECK").partition("CMD ")[2])
        probe = [part.replace(":8000/", f":{port}/") for part in probe]
        healthcheck = subprocess.run(
            probe, env=environment, cwd=image, capture_output=True, timeout=30, check=False
        )
        assert healthcheck.returncode == 0, healthcheck.stderr
        code, log = server.stop()
    assert code == 0, log
    assert "Started parent process" in log  # WORKERS=2: the supervisor and two workers
    assert log.count("Started server process") == int(stage_environment(final)["WORKERS"])
