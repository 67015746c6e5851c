"""The command line: ``clausewright draft|batch|serve|elements|clauses``.

Thin like the routes: read input, call :mod:`app.service`, write output. Exit codes:
0 success, 2 invalid input (the reason on stderr), 1 anything else that went wrong.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import IO, Any

import click
import uvicorn
from pydantic import ValidationError
from tqdm import tqdm
from uvicorn.supervisors import Multiprocess

from app import __version__, reporting, service
from app import batch as batch_drafting
from app.config import ENV_PREFIX, get_settings
from app.domain.reference import reference_data
from app.domain.request import ContractRequest
from app.errors import ClausewrightError, InvalidRequestError, NotFoundError
from app.render.docx_writer import render_docx
from app.render.html import render_html

EXIT_INVALID = 2


class InvalidInput(click.ClickException):
    """Invalid input: printed to stderr, exit code 2."""

    exit_code = EXIT_INVALID

    def format_message(self) -> str:
        return self.message


def _invalid(error: InvalidRequestError, *, source: str) -> InvalidInput:
    lines = [f"{source}: the request cannot be drafted:"]
    lines += [f"  {field.path}: {field.message}" for field in error.errors]
    return InvalidInput("\n".join(lines))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure never leaves
    a half-written document behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _source_name(stream: IO[bytes]) -> str:
    """How to name an input in messages: its file name, or "stdin"."""
    name = getattr(stream, "name", "-")
    return "stdin" if not isinstance(name, str) or name in ("<stdin>", "-") else name


def _read_source(stream: IO[bytes]) -> bytes:
    data = stream.read()
    if not data.strip():
        raise InvalidInput("the request is empty")
    return data


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clausewright")
def cli() -> None:
    """Draft rare-earth supply agreements from contract parameters."""


@cli.command()
@click.argument("request_file", type=click.File("rb"), metavar="REQUEST.json")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the result (default: a descriptive .docx name, or stdout for "
    "html/report; '-' for stdout).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["docx", "html", "report"]),
    default="docx",
    show_default=True,
)
def draft(request_file: IO[bytes], output: Path | None, output_format: str) -> None:
    """Draft the agreement for REQUEST.json ('-' reads standard input)."""
    source = _source_name(request_file)
    try:
        request = service.parse_request_json(_read_source(request_file))
    except InvalidRequestError as error:
        raise _invalid(error, source=source) from None
    result = service.draft(request=request)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output_format == "docx":
        data = render_docx(result.assembly.document)
        target = output or Path(service.docx_filename(result))
    elif output_format == "html":
        data = render_html(result.assembly.document).encode()
        target = output or Path("-")
    else:
        data = (json.dumps(reporting.report(result), indent=2, ensure_ascii=False) + "\n").encode()
        target = output or Path("-")
    if str(target) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(target, data)
        click.echo(f"wrote {target}", err=True)


def _read_jsonl(stream: IO[bytes], *, source: str) -> list[ContractRequest]:
    """Every request of a JSON Lines file (blank lines skipped), or :class:`InvalidInput`
    naming each bad line and field."""
    requests: list[ContractRequest] = []
    problems: list[str] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            requests.append(service.parse_request_json(line))
        except InvalidRequestError as error:
            problems += [
                f"  line {number}: {field.path}: {field.message}" for field in error.errors
            ]
    if problems:
        raise InvalidInput("\n".join([f"{source}: some requests cannot be drafted:", *problems]))
    if not requests:
        raise InvalidInput(f"{source}: there are no requests (one JSON object per line)")
    return requests


@cli.command()
@click.argument(
    "requests_path",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    metavar="REQUESTS.jsonl",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the zip.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)
def batch(requests_path: str, output: Path, progress: bool | None) -> None:
    """Draft every request of REQUESTS.jsonl (one JSON request per line; '-' reads
    standard input) into one zip: a .docx per request and manifest.json.

    Every line is checked before anything is drafted; if any is invalid, nothing is
    written and each bad line is named (exit code 2).
    """
    with click.open_file(requests_path, "rb") as stream:
        requests = _read_jsonl(stream, source=_source_name(stream))
    with tqdm(
        total=len(requests),
        file=sys.stderr,
        unit="doc",
        desc="drafting",
        disable=None if progress is None else not progress,
    ) as bar:
        chunks = list(batch_drafting.iter_batch_zip(requests, progress=lambda _done: bar.update(1)))
    write_atomically(output, b"".join(chunks))
    click.echo(f"wrote {output} ({len(requests)} documents and manifest.json)", err=True)


def _log_config() -> dict[str, Any]:
    """Uvicorn's logging, plus the service's own loggers (access lines with request ids)."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["clausewright"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


SERVED_APP = "app.web.main:create_served_app"  # each worker builds and warms up its app


class StartupFailed(click.ClickException):
    """The service cannot start (a broken clause template or data file): the file,
    line and reason on stderr, exit code 1."""

    exit_code = 1

    def format_message(self) -> str:
        return self.message


def _settings_problems(error: ValidationError) -> str:
    """The environment variables that are not valid, and why."""
    return "; ".join(
        f"{ENV_PREFIX}{str(detail['loc'][0]).upper() if detail['loc'] else ''}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handling (before it starts, or re-raised by it
    after a graceful shutdown) ends the process cleanly: exit code 0."""
    raise SystemExit(0)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web form and the API.

    The clause library and the reference data are checked first: if either is
    broken, nothing is served and the file, line and reason are printed (exit code
    1). On SIGTERM the service stops accepting connections, lets the requests in
    flight finish (up to CLAUSEWRIGHT_SHUTDOWN_GRACE_SECONDS) and exits with 0.
    """
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        settings = get_settings()
    except ValidationError as error:
        raise StartupFailed(f"clausewright cannot start: {_settings_problems(error)}") from None
    try:
        service.check_startup()
    except ClausewrightError as error:
        raise StartupFailed(f"clausewright cannot start: {error}") from None
    config = uvicorn.Config(
        SERVED_APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        access_log=False,  # the service logs each request itself, with its request id
        log_config=_log_config(),
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[_tcp_listener(config)]).run()


def _tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The shared listening socket for several workers, marked as TCP.

    uvicorn binds it with protocol 0, and asyncio only sets TCP_NODELAY on accepted
    connections whose socket says IPPROTO_TCP; without it every keep-alive response
    waited on Nagle's algorithm (about 40 ms) as soon as there were two workers.
    """
    bound = config.bind_socket()
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def elements(as_json: bool) -> None:
    """List the rare-earth elements and their export-control status."""
    data = reference_data()
    rows: list[dict[str, Any]] = []
    for element in data.elements:
        controls = data.controls_for(element.symbol)
        rows.append(
            {
                "symbol": element.symbol,
                "name": element.name,
                "number": element.atomic_number,
                "controls": [f"{entry.announcement} ({entry.status})" for entry in controls],
                "bulk_traded": element.bulk_traded,
            }
        )
    if as_json:
        click.echo(json.dumps({"reviewed": data.reviewed.isoformat(), "elements": rows}, indent=2))
        return
    click.echo(f"Reference data reviewed {data.reviewed.isoformat()}")
    for row in rows:
        note = "; ".join(row["controls"]) or "no PRC export control listed"
        if not row["bulk_traded"]:
            note = "not traded in bulk"
        click.echo(f"{row['number']:>3}  {row['symbol']:<3} {row['name']:<13} {note}")


@cli.command()
@click.argument("clause_id", required=False)
def clauses(clause_id: str | None) -> None:
    """List the clause library, or show one clause's metadata."""
    library = service.get_library()
    if clause_id is not None:
        clause = library.get(clause_id)
        if clause is None:
            raise InvalidInput(str(NotFoundError("clause", clause_id)))
        click.echo(json.dumps(clause.meta.model_dump(), indent=2))
        return
    click.echo(f"{library.title}, version {library.version}")
    for clause in library.clauses:
        meta = clause.meta
        click.echo(f"{meta.part:<10} {meta.id:<32} {meta.version:<7} {meta.title}")


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(standalone_mode=True)
    except ClausewrightError as error:  # a defect or bad data, not the user's input
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
