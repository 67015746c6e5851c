"""The API on good requests: every endpoint, headers, caching, access control, request
ids, logs and the offline documentation."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app import __version__, service

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Problem = Callable[[httpx.Response, int], dict[str, Any]]
ClientFor = Callable[[FastAPI], Any]


def test_docx_is_an_attachment_named_after_the_deal(client: Any, spec_request: dict) -> None:
    response = client.post("/api/v1/contracts/docx", json=spec_request)
    assert response.status_code == 200
    assert response.headers["content-type"] == DOCX
    assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    disposition = response.headers["content-disposition"]
    name = "ganzhou-example-rare-earth-co-ltd_example-magnetics-gmbh_dysprosium-supply-agreement"
    assert disposition.startswith(f'attachment; filename="{name}_2027-01-01.docx"')
    assert f"filename*=UTF-8''{name}_2027-01-01.docx" in disposition


def test_html_preview_is_escaped_and_locked_down(client: Any, spec_request: dict) -> None:
    spec_request["buyer"]["name"] = "<script>alert(1)</script> & {{ 7*7 }}"
    response = client.post("/api/v1/contracts/html", json=spec_request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_report_has_the_spec_keys(client: Any, spec_request: dict) -> None:
    response = client.post("/api/v1/contracts/report", json=spec_request)
    assert response.status_code == 200
    report = response.json()
    for key in ("clauses", "excluded", "licensing", "safety_stock", "placeholders", "warnings"):
        assert key in report
    assert report["licensing"]["controlled"] in (True, False, None)
    assert report["safety_stock"]["unit"] == "t"
    assert report["input_hash"] == service.input_hash(service.parse_request(spec_request))
    assert report["library_version"] == service.get_library().version
    for clause in report["clauses"]:
        assert set(clause) >= {"id", "version", "number", "title", "reason"}


def test_shorthand_request_is_drafted(client: Any) -> None:
    request = {"element": "neodymium", "volume": "500 kg/month", "term": "3 years"}
    response = client.post("/api/v1/contracts/report", json=request)
    assert response.status_code == 200
    assert response.json()["element"] == "Nd"
    assert response.json()["placeholders"]


@pytest.mark.parametrize("kind", ["docx", "html", "report"])
def test_etag_and_if_none_match(client: Any, spec_request: dict, kind: str) -> None:
    url = f"/api/v1/contracts/{kind}"
    first = client.post(url, json=spec_request)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert client.post(url, json=spec_request).headers["etag"] == etag

    for header in (etag, f'"other", W/{etag}', "*"):
        cached = client.post(url, json=spec_request, headers={"If-None-Match": header})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag

    stale = client.post(url, json=spec_request, headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_etag_follows_the_input_and_the_representation(client: Any, spec_request: dict) -> None:
    docx = client.post("/api/v1/contracts/docx", json=spec_request).headers["etag"]
    html = client.post("/api/v1/contracts/html", json=spec_request).headers["etag"]
    # The same request written differently is the same request: same input hash.
    spec_request["element"] = "dysprosium"
    spec_request["volume"] = "12 t per year"
    assert client.post("/api/v1/contracts/docx", json=spec_request).headers["etag"] == docx
    spec_request["posture"] = "buyer"
    assert client.post("/api/v1/contracts/docx", json=spec_request).headers["etag"] != docx
    assert docx != html


def test_elements_list_and_lookup(client: Any) -> None:
    listing = client.get("/api/v1/elements").json()
    assert len(listing["elements"]) == 17
    for name in ("Dy", "dy", "Dysprosium", " DYSPROSIUM "):
        element = client.get(f"/api/v1/elements/{name}")
        assert element.status_code == 200
        assert element.json()["symbol"] == "Dy"


def test_unknown_element_is_404_with_a_suggestion(client: Any, expect_problem: Problem) -> None:
    body = expect_problem(client.get("/api/v1/elements/dysprosum"), 404)
    assert body["title"] == "Unknown element"
    assert "Dy" in body["detail"]


def test_clauses_list_and_lookup(client: Any, expect_problem: Problem) -> None:
    listing = client.get("/api/v1/clauses").json()
    assert listing["library_version"] == service.get_library().version
    first = listing["clauses"][0]
    assert client.get(f"/api/v1/clauses/{first['id']}").json() == first
    assert expect_problem(client.get("/api/v1/clauses/no_such"), 404)["title"] == "Unknown clause"


def test_healthz(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": __version__}


def test_unknown_path_and_method_are_problems(client: Any, expect_problem: Problem) -> None:
    expect_problem(client.get("/api/v1/nothing"), 404)
    expect_problem(client.get("/api/v1/contracts/docx"), 405)


def test_request_id_is_kept_when_sane_and_made_otherwise(client: Any) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "crm-4711.a:b_c"})
    assert kept.headers["x-request-id"] == "crm-4711.a:b_c"
    for insane in ("", "has space", "x" * 129, "-leading-dash", "semi;colon"):
        made = client.get("/healthz", headers={"X-Request-ID": insane})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    one, two = client.get("/healthz"), client.get("/healthz")
    assert one.headers["x-request-id"] != two.headers["x-request-id"]
    assert one.headers["x-content-type-options"] == "nosniff"


def test_access_log_has_the_request_but_not_its_contents(
    client: Any, spec_request: dict, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="clausewright"):
        response = client.post(
            "/api/v1/contracts/report?token=secret",
            json=spec_request,
            headers={"X-Request-ID": "log-check-1"},
        )
    assert response.status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    access = [line for line in lines if "id=log-check-1" in line]
    assert len(access) == 1
    assert access[0].startswith("POST /api/v1/contracts/report 200 ")
    text = "\n".join(lines)
    for secret in ("Ganzhou", "Magnetics", "secret", "Beispielstrasse", "2027-01-01"):
        assert secret not in text


class TestAccessControl:
    KEY = "s3cret-key-for-tests"

    @pytest.fixture
    def locked(self, app_with: Callable[..., FastAPI], client_for: ClientFor) -> Any:
        return client_for(app_with(api_key=self.KEY))

    def test_api_needs_the_key(self, locked: Any, expect_problem: Problem) -> None:
        body = expect_problem(locked.get("/api/v1/elements"), 401)
        assert "Authorization: Bearer" in body["detail"]
        wrong = locked.get("/api/v1/elements", headers={"X-API-Key": "guess"})
        assert expect_problem(wrong, 401)["detail"] == "The API key is not valid."
        assert wrong.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "headers",
        [
            {"Authorization": f"Bearer {KEY}"},
            {"Authorization": f"bearer   {KEY}"},
            {"X-API-Key": KEY},
            {"X-API-Key": "wrong", "Authorization": f"Bearer {KEY}"},
        ],
    )
    def test_either_header_opens_it(self, locked: Any, headers: dict[str, str]) -> None:
        assert locked.get("/api/v1/elements", headers=headers).status_code == 200

    def test_key_is_checked_before_the_body(self, locked: Any, expect_problem: Problem) -> None:
        response = locked.post(
            "/api/v1/contracts/docx", content=b"{not json", headers={"content-type": "text/plain"}
        )
        expect_problem(response, 401)

    def test_health_docs_and_schema_stay_open(self, locked: Any) -> None:
        for path in ("/healthz", "/docs", "/openapi.json"):
            assert locked.get(path).status_code == 200
        schema = locked.get("/openapi.json").json()
        assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
        operation = schema["paths"]["/api/v1/contracts/docx"]["post"]
        assert {"bearer": []} in operation["security"]

    def test_off_by_default(self, client: Any) -> None:
        assert client.get("/api/v1/elements").status_code == 200
        assert "securitySchemes" not in client.get("/openapi.json").json()["components"]


def test_cors_when_configured(app_with: Callable[..., FastAPI], client_for: ClientFor) -> None:
    client = client_for(app_with(cors_origins=["https://crm.example"], api_key="k" * 12))
    preflight = client.request(
        "OPTIONS",
        "/api/v1/contracts/docx",
        headers={
            "Origin": "https://crm.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://crm.example"
    refused = client.get("/api/v1/elements", headers={"Origin": "https://crm.example"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://crm.example"


def test_docs_page_loads_only_local_assets(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert not [asset for asset in assets if "//" in asset]
    assert 'data-openapi-url="/openapi.json"' in page.text
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 500


def test_every_operation_is_documented_with_examples(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert {path for path, _, _ in operations} >= {
        "/api/v1/contracts/docx",
        "/api/v1/contracts/html",
        "/api/v1/contracts/report",
        "/api/v1/contracts/batch",
        "/api/v1/documents/parameters",
        "/api/v1/elements",
        "/api/v1/elements/{symbol_or_name}",
        "/api/v1/clauses",
        "/api/v1/clauses/{clause_id}",
        "/healthz",
    }

    def has_example(media: dict[str, Any]) -> bool:
        if "example" in media or "examples" in media:
            return True
        schema_ = media.get("schema", {})
        if schema_.get("format") == "binary":
            return True  # a file: the description says what it holds
        reference = schema_.get("$ref", "").rsplit("/", 1)[-1]
        return "example" in components.get(reference, {})

    for path, method, operation in operations:
        assert operation.get("summary"), (path, method)
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, media in body.items():
            if media_type == "application/json":
                assert has_example(media), (path, method, "request")
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                assert has_example(media), (path, method, status, media_type)
        if method == "post":
            assert {"413", "415", "422"} <= set(operation["responses"]), path


def test_problem_schema_is_in_the_document(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"title", "status", "detail"}
    responses = schema["paths"]["/api/v1/contracts/docx"]["post"]["responses"]
    assert set(responses) >= {"200", "304", "413", "415", "422"}
    assert "application/problem+json" in responses["422"]["content"]


def test_batch_limit_is_in_the_document(
    app_with: Callable[..., FastAPI], client_for: ClientFor
) -> None:
    schema = client_for(app_with(batch_limit=7)).get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/contracts/batch"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["maxItems"] == 7
    assert "at most 7" in operation["description"]
