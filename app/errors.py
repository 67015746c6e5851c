"""The project's error hierarchy.

Everything below ``web/`` and ``cli.py`` raises these; the transports map them to
HTTP problem responses (``app.web.problems``) and CLI exit codes (``app.cli``) in
one place each.
"""

from __future__ import annotations

from dataclasses import dataclass


class ClausewrightError(Exception):
    """Base class of every error the project raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of a request.

    ``location`` is the path into the request (``("volume", "quantity")``, list
    indexes as ints); ``message`` a sentence a lawyer understands.
    """

    location: tuple[str | int, ...]
    message: str

    @property
    def path(self) -> str:
        """The location as a dotted path, list indexes in brackets: ``parties[0].name``."""
        out = ""
        for part in self.location:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += f".{part}" if out else part
        return out or "(request)"


class InvalidRequestError(ClausewrightError):
    """The request cannot be drafted; ``errors`` says where and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{error.path}: {error.message}" for error in errors))


class NotFoundError(ClausewrightError):
    """A named thing (element, clause) does not exist."""

    def __init__(self, kind: str, name: str, suggestion: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.suggestion = suggestion
        hint = f' Did you mean "{suggestion}"?' if suggestion else ""
        super().__init__(f"No {kind} called {name!r}.{hint}")


class ReferenceDataError(ClausewrightError):
    """A reference-data file is missing, malformed or inconsistent."""


class ClauseLibraryError(ClausewrightError):
    """The clause library is broken: a file, line and reason are in the message."""


class DocumentAssemblyError(ClausewrightError):
    """The assembled document is inconsistent (a dangling cross-reference, say).

    This is a defect in the clause library or the assembly code, never the
    client's fault; it stops a contract from going out half-made.
    """


class DocumentReadError(ClausewrightError):
    """An uploaded file is not a .docx this service made, or is unsafe to read."""
