"""Hypothesis strategies for hostile input: any JSON value, and near-valid requests
made by mutating a valid one (wrong types, extreme numbers, odd Unicode, control
characters, template syntax, Markdown and HTML in string fields)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from app import service
from app.errors import InvalidRequestError

ROOT = Path(__file__).resolve().parents[2]
FULL: dict[str, Any] = json.loads((ROOT / "examples" / "full.json").read_text())
SPEC: dict[str, Any] = json.loads((ROOT / "examples" / "spec.json").read_text())
SHORTHAND: dict[str, Any] = {"element": "Nd", "volume": "500 kg/month", "term": "3 years"}
VALID_REQUESTS = (FULL, SPEC, SHORTHAND)

Path_ = tuple[str | int, ...]


def property_settings(max_examples: int) -> settings:
    """Deterministic, no deadline (drafting time varies on a shared machine), no
    example database written to the working tree."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- any JSON value ---------------------------------------------------------------------

TOP_LEVEL_KEYS = sorted({key for request in VALID_REQUESTS for key in request} | {"extra"})

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
any_json: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(TOP_LEVEL_KEYS) | st.text(max_size=12), children, max_size=6
        )
    ),
    max_leaves=30,
)
"""Any JSON value (hypothesis' recursive JSON strategy), with object keys often named
like the request's fields so that the field validators are reached."""

request_shaped = st.dictionaries(
    st.sampled_from(TOP_LEVEL_KEYS), any_json, max_size=len(TOP_LEVEL_KEYS)
)
"""Objects with the request's own top-level names and values of any type."""


# --- hostile values ---------------------------------------------------------------------

TEMPLATE_SYNTAX = [
    "{{7777*9}}",
    "{{ 7777 * 9 }}",
    "{% if true %}yes{% endif %}",
    "{% for x in range(3) %}x{% endfor %}",
    "{{ config }}",
    "{{ ''.__class__.__mro__ }}",
    "{# comment #}",
    "{{ ref('definitions') }}",
    "${7777*9}",
    "#{7777*9}",
]
MARKUP = [
    "<b>zq</b>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**zq**",
    "_zq_",
    "# heading",
    "[a](ref:definitions)",
    "[a](javascript:alert(1))",
    "`code`",
    "&amp; &lt;",
    "]]><w:t>injected</w:t>",
    "\"quoted\" 'single'",
    "\\n literal backslash",
]
ODD_UNICODE = [
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters and a byte-order mark
    "e\u0301\u0301\u0301",  # stacked combining accents
    "\U0001f4a5\U0001f9ea",  # emoji outside the BMP
    "\ud800",  # a lone surrogate
    "\udfff tail",
    "\uffff\ufffe",  # non-characters
    "\u2028\u2029",  # line and paragraph separators
    "Ω≈ç√∫ 赣州 Ⅻ ǅ",
    "x" * 5000,
]
CONTROL_CHARACTERS = ["\x00", "a\x01b", "\x07\x08", "\x0b\x0c", "\x1b[31m", "\x7f", "\r\n", "\t"]
HOSTILE_TEXT = TEMPLATE_SYNTAX + MARKUP + ODD_UNICODE + CONTROL_CHARACTERS

WRONG_TYPES: list[Any] = [
    None,
    True,
    False,
    [],
    {},
    "",
    " ",
    "text",
    0,
    1,
    -1,
    1.5,
    [1, 2],
    {"a": 1},
]
EXTREME_NUMBERS: list[Any] = [
    0,
    -0.0,
    5e-324,
    1e-300,
    0.1 + 0.2,
    1e308,
    -1e308,
    2**31,
    2**53 + 1,
    2**63,
    10**29,
    -(10**29),
    359,
    360,
    361,
    1e15,
    -1,
]

plausible_numbers: st.SearchStrategy[Any] = (
    st.integers(min_value=-5, max_value=10**7)
    | st.floats(min_value=-10.0, max_value=1e7, allow_nan=False)
    | st.decimals(min_value=0, max_value=10**6, places=3).map(float)
)
"""Numbers near and across the limits of the request's numeric fields."""

hostile_text = st.sampled_from(HOSTILE_TEXT) | st.text(
    st.characters(exclude_categories=()), min_size=1, max_size=30
)
hostile_value: st.SearchStrategy[Any] = (
    st.sampled_from(WRONG_TYPES)
    | st.sampled_from(EXTREME_NUMBERS)
    | hostile_text
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_json
)


# --- near-valid requests ----------------------------------------------------------------


def paths(value: Any, prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) inside ``value``, containers and leaves, root excluded."""
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        yield (*prefix, key), child
        yield from paths(child, (*prefix, key))


def string_paths(value: Any) -> list[Path_]:
    """The paths of every string inside ``value``."""
    return [path for path, child in paths(value) if isinstance(child, str)]


def put(request: dict[str, Any], path: Path_, value: Any) -> None:
    """Set ``path`` in ``request`` to ``value``."""
    target: Any = request
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def remove(request: dict[str, Any], path: Path_) -> None:
    """Delete ``path`` from ``request``."""
    target: Any = request
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]


@dataclass(frozen=True)
class Mutation:
    """One change to a valid request: what was done where."""

    kind: str
    path: Path_

    def __str__(self) -> str:
        return f"{self.kind} at {'.'.join(map(str, self.path))}"


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


MUTATIONS = ["number", "number", "number", "wrap", "wrap", "replace", "replace", "remove", "add"]


@st.composite
def near_valid_requests(draw: st.DrawFn) -> tuple[dict[str, Any], list[Mutation]]:
    """A valid request with one to three hostile changes: a number changed to another
    (often still valid), hostile text put around a string, a value replaced (wrong
    type, extreme number, odd text), a field removed, or an unknown field added."""
    request = copy.deepcopy(draw(st.sampled_from(VALID_REQUESTS)))
    mutations: list[Mutation] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        everywhere = list(paths(request))
        numbers = [path for path, value in everywhere if _numeric(value)]
        strings = [path for path, value in everywhere if isinstance(value, str)]
        fields = [path for path, _ in everywhere if isinstance(path[-1], str)]
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "number" and numbers:
            path = draw(st.sampled_from(numbers))
            put(request, path, draw(plausible_numbers))
        elif kind == "wrap" and strings:
            path = draw(st.sampled_from(strings))
            before, after = draw(hostile_text), draw(st.sampled_from(["", *HOSTILE_TEXT]))
            current: Any = request
            for step in path:
                current = current[step]
            put(request, path, before + current + after)
        elif kind == "remove" and fields:
            path = draw(st.sampled_from(fields))
            remove(request, path)
        elif kind == "add":
            objects = [(), *(path for path, value in everywhere if isinstance(value, dict))]
            parent = draw(st.sampled_from(objects))
            name = draw(st.sampled_from(["extra", "__proto__", "{{7777*9}}", "nme", ""]))
            path = (*parent, name)
            put(request, path, copy.deepcopy(draw(hostile_value)))  # never share a sample
        else:
            kind = "replace"
            path = draw(st.sampled_from([path for path, _ in everywhere]))
            put(request, path, copy.deepcopy(draw(hostile_value)))
        mutations.append(Mutation(kind=kind, path=path))
    return request, mutations


def free_text_paths(request: dict[str, Any]) -> list[Path_]:
    """The string fields of ``request`` that take any text (names, addresses, places),
    found by trying: text put around them keeps the request valid."""
    found: list[Path_] = []
    for path in string_paths(request):
        trial = copy.deepcopy(request)
        current: Any = trial
        for step in path:
            current = current[step]
        put(trial, path, f"{current} zq")
        try:
            service.parse_request(trial)
        except InvalidRequestError:
            continue
        found.append(path)
    return found


FREE_TEXT = {id(request): free_text_paths(request) for request in VALID_REQUESTS}


@st.composite
def markup_in_string_fields(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with template syntax, Markdown or HTML put into one to four of
    its free-text fields (around the value or instead of it)."""
    base = draw(st.sampled_from([request for request in VALID_REQUESTS if FREE_TEXT[id(request)]]))
    request = copy.deepcopy(base)
    chosen = draw(st.lists(st.sampled_from(FREE_TEXT[id(base)]), min_size=1, max_size=4))
    for path in dict.fromkeys(chosen):
        current: Any = request
        for step in path:
            current = current[step]
        payload = draw(st.sampled_from(TEMPLATE_SYNTAX + MARKUP))
        where = draw(st.sampled_from(["before", "after", "instead"]))
        wrapped = {"before": f"{payload} {current}", "after": f"{current} {payload}"}
        put(request, path, wrapped.get(where, payload))
    return request


def encode(value: Any) -> bytes:
    """``value`` as a JSON body (lone surrogates as ``\\ud800`` escapes, as a client
    would send them)."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")
