"""Security of the web page and the API: headers on every response, a script policy
without inline script, no caching of contract responses, CORS off by default, and
nothing confidential in logs or error bodies."""

from __future__ import annotations

import functools
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
import lxml.html
import pytest
from fastapi import FastAPI

from app import service
from app.config import PROJECT_ROOT
from app.web.form_fields import form_model
from app.web.security import CONTENT_SECURITY_POLICY, PREVIEW_CONTENT_SECURITY_POLICY

Problem = Callable[[httpx.Response, int], dict[str, Any]]
ClientFor = Callable[[FastAPI], Any]
JSON = {"content-type": "application/json"}
SECRET_PARTY = "Quillfeather Zyxwvut Rare Metals Holding"


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def script_sources(policy: str) -> list[str]:
    """The sources scripts may come from (``script-src``, else ``default-src``)."""
    parsed = directives(policy)
    return parsed.get("script-src", parsed.get("default-src", ["*"]))


def _requests(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    body = json.dumps(spec).encode()
    form = form_model().from_request(spec)
    return [
        ("GET", "/", {}),
        ("GET", "/docs", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/healthz", {}),
        ("GET", "/readyz", {}),
        ("GET", "/static/form.css", {}),
        ("GET", "/static/docs.js", {}),
        ("GET", "/api/v1/elements", {}),
        ("GET", "/api/v1/elements/nonesuch", {}),
        ("GET", "/api/v1/clauses", {}),
        ("GET", "/nowhere", {}),
        ("POST", "/api/v1/contracts/docx", {"content": body, "headers": JSON}),
        ("POST", "/api/v1/contracts/html", {"content": body, "headers": JSON}),
        ("POST", "/api/v1/contracts/report", {"content": body, "headers": JSON}),
        ("POST", "/api/v1/contracts/batch", {"content": b"[" + body + b"]", "headers": JSON}),
        ("POST", "/api/v1/contracts/report", {"content": b"{", "headers": JSON}),
        ("POST", "/api/v1/contracts/report", {"content": body, "headers": {}}),
        ("POST", "/api/v1/contracts/report", {"content": b" " * (2 << 20), "headers": JSON}),
        ("POST", "/preview", {"data": form}),
        ("POST", "/draft", {"data": form}),
        ("POST", "/answers", {"data": form}),
    ]


@pytest.fixture(scope="module")
def responses(api_app: FastAPI) -> list[tuple[str, str, httpx.Response]]:
    """One response of every kind the service gives: pages, files, JSON, drafts and
    problems (404, 413, 415, 422)."""
    spec = json.loads((PROJECT_ROOT / "examples" / "spec.json").read_text())
    with anyio.from_thread.start_blocking_portal() as portal:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app), base_url="http://testserver"
        )
        answers = [
            (method, path, portal.call(functools.partial(client.request, method, path, **kwargs)))
            for method, path, kwargs in _requests(spec)
        ]
        portal.call(client.aclose)
    statuses = {response.status_code for _, _, response in answers}
    assert statuses >= {200, 404, 413, 415, 422}
    return answers


def test_every_response_has_the_security_headers(
    responses: list[tuple[str, str, httpx.Response]],
) -> None:
    for method, path, response in responses:
        where = f"{method} {path} -> {response.status_code}"
        assert response.headers["x-content-type-options"] == "nosniff", where
        assert response.headers["referrer-policy"] == "no-referrer", where
        assert response.headers["x-frame-options"] == "DENY", where
        policy = directives(response.headers["content-security-policy"])
        assert policy["frame-ancestors"] == ["'none'"], where
        assert policy["base-uri"] == ["'none'"], where
        sources = script_sources(response.headers["content-security-policy"])
        assert "'unsafe-inline'" not in sources, where
        assert "'unsafe-eval'" not in sources, where
        assert "*" not in sources, where


def test_every_answer_to_a_post_is_not_stored(
    responses: list[tuple[str, str, httpx.Response]],
) -> None:
    posts = [(path, response) for method, path, response in responses if method == "POST"]
    assert len(posts) >= 8
    for path, response in posts:
        assert response.headers["cache-control"] == "no-store", (path, response.status_code)


def test_a_revalidated_draft_is_not_stored_either(client: Any, spec_request: dict) -> None:
    first = client.post("/api/v1/contracts/docx", json=spec_request)
    again = client.post(
        "/api/v1/contracts/docx",
        json=spec_request,
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-store"


def test_static_files_and_reference_data_may_be_cached(
    responses: list[tuple[str, str, httpx.Response]],
) -> None:
    gets = {path: response for method, path, response in responses if method == "GET"}
    assert "no-store" not in gets["/static/form.css"].headers.get("cache-control", "")
    assert "etag" in gets["/static/form.css"].headers


def test_the_default_policy_is_the_documented_one(client: Any) -> None:
    policy = directives(client.get("/healthz").headers["content-security-policy"])
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    assert directives(CONTENT_SECURITY_POLICY) == policy


def test_the_form_page_works_under_its_policy(client: Any) -> None:
    response = client.get("/")
    policy = directives(response.headers["content-security-policy"])
    for directive, sources in directives(CONTENT_SECURITY_POLICY).items():
        assert policy[directive] == sources, directive
    page = lxml.html.fromstring(response.text)
    scripts = page.xpath("//script")
    assert scripts
    for script in scripts:
        assert script.get("src", "").startswith("/static/")
        assert not (script.text or "").strip()
        assert client.get(script.get("src")).status_code == 200
    assert not page.xpath("//*[@style] | //style")
    assert not [name for element in page.iter() for name in element.attrib if name[:2] == "on"]


def test_the_docs_page_needs_no_inline_script(client: Any) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page = lxml.html.fromstring(response.text)
    sources = [script.get("src") for script in page.xpath("//script")]
    assert sources == ["/static/docs/swagger-ui-bundle.js", "/static/docs.js"]
    assert all(not (script.text or "").strip() for script in page.xpath("//script"))
    start = client.get("/static/docs.js")
    assert start.status_code == 200
    assert "javascript" in start.headers["content-type"]
    assert "data-openapi-url" in start.text
    (root,) = page.xpath("//*[@id='swagger-ui']")
    assert client.get(root.get("data-openapi-url")).json()["info"]["title"] == "Clausewright"


def test_the_html_preview_may_inline_its_style_but_run_nothing(
    client: Any, spec_request: dict
) -> None:
    response = client.post("/api/v1/contracts/html", json=spec_request)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PREVIEW_CONTENT_SECURITY_POLICY
    policy = directives(PREVIEW_CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'none'"]
    assert "script-src" not in policy  # so no script at all: default-src 'none'
    assert policy["style-src"] == ["'unsafe-inline'"]
    page = lxml.html.fromstring(response.text)
    assert page.xpath("//style")
    assert not page.xpath("//script | //iframe | //object | //embed")


# --- CORS -------------------------------------------------------------------------------


def test_cors_is_off_by_default(client: Any) -> None:
    preflight = client.request(
        "OPTIONS",
        "/api/v1/contracts/docx",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 405
    simple = client.get("/api/v1/elements", headers={"Origin": "https://elsewhere.example"})
    assert simple.status_code == 200
    for response in (preflight, simple):
        assert not [name for name in response.headers if name.startswith("access-control-")]


def test_cors_allows_only_the_configured_origins(
    app_with: Callable[..., FastAPI], client_for: ClientFor
) -> None:
    client = client_for(app_with(cors_origins=["https://crm.example"]))
    allowed = client.get("/api/v1/elements", headers={"Origin": "https://crm.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://crm.example"
    other = client.get("/api/v1/elements", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


# --- nothing confidential in logs or error bodies --------------------------------------


def test_contract_contents_never_reach_the_logs(
    client: Any, spec_request: dict, caplog: pytest.LogCaptureFixture
) -> None:
    spec_request["buyer"]["name"] = SECRET_PARTY
    spec_request["buyer"]["address"] = f"{SECRET_PARTY} Tower, 9 Hidden Lane"
    invalid = {**spec_request, "volume": {"quantity": -1, "unit": "t", "per": "year"}}
    docx = b""
    with caplog.at_level(logging.DEBUG):
        for kind in ("docx", "html", "report"):
            response = client.post(f"/api/v1/contracts/{kind}", json=spec_request)
            assert response.status_code == 200
            docx = response.content if kind == "docx" else docx
        assert client.post("/api/v1/contracts/batch", json=[spec_request]).status_code == 200
        assert client.post("/api/v1/contracts/report", json=invalid).status_code == 422
        upload = {"file": ("agreement.docx", io.BytesIO(docx), "application/octet-stream")}
        assert client.post("/api/v1/documents/parameters", files=upload).status_code == 200
        form = form_model().from_request(spec_request)
        assert client.post("/preview", data=form).status_code == 200
    assert caplog.records  # the access log was captured
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}"
        for record in caplog.records
    )
    for secret in (SECRET_PARTY, "Quillfeather", "Hidden Lane"):
        assert secret not in logged


@pytest.fixture
def lenient_client(api_app: FastAPI) -> Iterator[Callable[..., httpx.Response]]:
    """A client that returns the 500 an unexpected exception becomes (the default
    client raises the exception into the test instead)."""
    with anyio.from_thread.start_blocking_portal() as portal:
        transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

        def post(path: str, **kwargs: Any) -> httpx.Response:
            return portal.call(functools.partial(client.post, path, **kwargs))

        yield post
        portal.call(client.aclose)


@pytest.mark.parametrize("kind", ["docx", "html", "report"])
def test_a_500_never_shows_the_exception(
    lenient_client: Callable[..., httpx.Response],
    monkeypatch: pytest.MonkeyPatch,
    expect_problem: Problem,
    spec_request: dict,
    kind: str,
) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError(f"KeyError while drafting for {SECRET_PARTY} at /srv/app/service.py")

    monkeypatch.setattr(service, "draft", broken)
    response = lenient_client(f"/api/v1/contracts/{kind}", json=spec_request)
    body = expect_problem(response, 500)
    for leak in (SECRET_PARTY, "RuntimeError", "KeyError", "service.py", "Traceback"):
        assert leak not in response.text
    assert set(body) == {"type", "title", "status", "detail", "request_id"}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
