"""The web form's routes, driven in-process: errors next to their fields with every
value kept, the preview with its report, the .docx download and the answer files."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from docx import Document as open_docx
from lxml import html

from app import reporting, service
from app.errors import ClauseLibraryError
from app.render.docx_reader import read_embedded
from app.web.form_fields import form_model

MODEL = form_model()
ASGIClient = Any  # the in-process client of tests/web/conftest.py
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SELLER = "Smith & Sons <Magnetics> GmbH"


def _values(**answers: str) -> dict[str, str]:
    """A fresh form's values with the required facts and ``answers`` (``a__b`` is
    the field ``a.b``)."""
    values = MODEL.defaults() | {"element": "Dy", "volume.quantity": "12", "term.months": "36"}
    values.update({name.replace("__", "."): text for name, text in answers.items()})
    return values


def _full_values(full_request: dict[str, Any]) -> dict[str, str]:
    return MODEL.from_request(service.parse_request(full_request).model_dump(mode="json"))


def _page(text: str) -> Any:
    return html.fromstring(text)


def _by_id(page: Any, element_id: str) -> Any:
    found = page.get_element_by_id(element_id, None)
    assert found is not None, f"no element with id {element_id!r}"
    return found


def _shown_values(page: Any) -> dict[str, str]:
    """What the form shows, by field name, as a browser would submit it."""
    form = _by_id(page, "contract-form")
    shown: dict[str, str] = {}
    for element in form.iter("input", "select", "textarea"):
        name = element.get("name")
        if element.tag == "select":
            selected = element.xpath(".//option[@selected]") or element.xpath(".//option")[:1]
            shown[name] = selected[0].get("value", "")
        elif element.tag == "textarea":
            shown[name] = element.text or ""
        elif element.get("type") == "radio":
            if element.get("checked") is not None:
                shown[name] = element.get("value")
        else:
            shown[name] = element.get("value", "")
    return shown


def test_the_form_has_a_label_for_every_field_and_a_legend_for_every_group(
    client: ASGIClient,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = _page(response.text)
    for field in MODEL.fields:
        if field.widget == "radio":
            group = _by_id(page, f"{field.id}-group")
            assert group.tag == "fieldset"
            assert group.xpath("legend")[0].text_content() == field.label
        else:
            labels = page.xpath(f'//label[@for="{field.id}"]')
            assert len(labels) == 1, field.name
            assert field.label in labels[0].text_content()
        assert _by_id(page, field.id).get("name") == field.name
    legends = [legend.text_content() for legend in page.xpath("//fieldset/legend")]
    for group in ("Product", "Quantity and term", "Parties", "Seller", "Buyer", "Commercial terms",
                  "Delivery", "Price and payment", "Law and disputes", "Risk", "Licensing risk",
                  "Force majeure", "Safety stock"):  # fmt: skip
        assert group in legends
    assert _shown_values(page) == MODEL.defaults()


def test_pages_need_no_inline_script_or_style(client: ASGIClient) -> None:
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    page = _page(response.text)
    assert all(script.get("src") for script in page.iter("script"))
    assert not page.xpath("//style")
    inline = [
        f"{element.tag}[{name}]"
        for element in page.iter()
        if isinstance(element.tag, str)
        for name in element.attrib
        if name == "style" or name.startswith("on")
    ]
    assert not inline


@pytest.mark.parametrize("asset", ["/static/form.css", "/static/form.js", "/static/favicon.svg"])
def test_assets_are_served_by_the_app(client: ASGIClient, asset: str) -> None:
    response = client.get(asset)
    assert response.status_code == 200
    assert response.content


@pytest.mark.parametrize(
    ("answers", "field_id", "message"),
    [
        ({"volume.quantity": "0"}, "f-volume-quantity", "Contract quantity must be more than 0"),
        ({"volume.quantity": ""}, "f-volume-quantity", "Contract quantity is required"),
        ({"term.months": "400"}, "f-term-months", "Term in months must be at most 360"),
        ({"element": "Pm"}, "f-element", "radioactive"),
        ({"element": "dysprosum"}, "f-element", "did you mean Dy (dysprosium)?"),
        ({"seller.country": "Germny"}, "f-seller-country", "did you mean Germany?"),
        ({"price.currency": "XYZ"}, "f-price-currency", "ISO 4217"),
        ({"safety_stock.service_level": "20"}, "f-safety-stock-service-level", "between 50 %"),
        ({"term.start_date": "2027-13-01"}, "f-term-start-date", "YYYY-MM-DD"),
        ({"draft_number": "two"}, "f-draft-number", "Draft number must be a whole number"),
        ({"delivery.incoterm": "FOBB"}, "f-delivery-incoterm", "must be one of"),
        (
            {"agreement_date": "2027-02-01", "term.start_date": "2027-01-01"},
            "f-agreement-date",
            "after the start of supply",
        ),
        (
            {"price.floor_price": "500", "price.ceiling_price": "100"},
            "f-price-floor-price",
            "must not be higher than the ceiling",
        ),
    ],
)
def test_an_error_appears_next_to_its_field(
    client: ASGIClient, answers: dict[str, str], field_id: str, message: str
) -> None:
    values = _values(**{"seller.name": SELLER}) | answers
    response = client.post("/preview", data=values)
    assert response.status_code == 422
    page = _page(response.text)
    control = _by_id(page, field_id)
    assert control.get("aria-invalid") == "true"
    assert f"{field_id}-error" in control.get("aria-describedby").split()
    error = _by_id(page, f"{field_id}-error")
    assert message in error.text_content()
    assert error.getparent() is control.getparent(), "the error sits in the field's own block"
    summary = _by_id(page, "error-summary")
    assert summary.get("role") == "alert"
    links = summary.xpath(f'.//a[@href="#{field_id}"]')
    assert links
    assert message in links[0].text_content()
    assert _shown_values(page) == values, "every value is kept"
    assert page.findtext(".//title").startswith("Error:")


def test_an_unknown_choice_is_kept_and_marked(client: ASGIClient) -> None:
    response = client.post("/preview", data=_values(delivery__incoterm="FOBB"))
    page = _page(response.text)
    selected = _by_id(page, "f-delivery-incoterm").xpath(".//option[@selected]")
    assert [option.get("value") for option in selected] == ["FOBB"]


def test_the_preview_shows_the_agreement_and_its_report(
    client: ASGIClient, full_request: dict[str, Any]
) -> None:
    response = client.post("/preview", data=_full_values(full_request))
    assert response.status_code == 200
    page = _page(response.text)
    assert not page.xpath('//*[@id="error-summary"]')
    agreement = page.xpath('//*[@id="preview"]//article[@class="agreement"]')[0]
    assert SELLER in agreement.text_content()
    assert "DYSPROSIUM SUPPLY AGREEMENT" in agreement.text_content().upper()
    report = page.xpath('//aside[@class="report"]')[0]
    text = report.text_content()
    draft = service.draft(request=service.parse_request(full_request))
    expected = reporting.report(draft)
    for heading in ("Licensing assessment", "Safety stock", "Open placeholders", "Why each clause"):
        assert heading in text
    assert expected["licensing"]["summary"] in text
    assert all(clause["reason"] in text for clause in expected["clauses"])
    assert all(warning in text for warning in expected["warnings"])
    notes = [d.note for d in draft.assembly.decisions if d.included and d.note]
    assert notes
    assert all(note in text for note in notes)
    assert f"{expected['safety_stock']['quantity']} {expected['safety_stock']['unit']}" in text
    charts = report.xpath(".//*[local-name()='svg'][@role='img']")
    assert {chart.get("id") for chart in charts} == {"safety-stock-chart", "delivery-chart"}
    assert "Long stop" in text  # the risk options table names the form's fields


def test_empty_optional_fields_become_placeholders(client: ASGIClient) -> None:
    response = client.post("/preview", data=_values(seller__name="", buyer__name="   "))
    assert response.status_code == 200, "an empty name is left out, not sent as text"
    page = _page(response.text)
    assert not page.xpath('//*[@id="error-summary"]')
    agreement = page.xpath('//article[@class="agreement"]')[0]
    marks = [mark.text_content() for mark in agreement.xpath(".//mark[@class='placeholder']")]
    assert any("Seller" in mark for mark in marks)
    assert any("Buyer" in mark for mark in marks)


def test_the_live_preview_fragment_is_only_the_pane(client: ASGIClient) -> None:
    response = client.post("/preview?fragment=1", data=_values(seller__name=SELLER))
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = _page(response.text)
    assert fragment.get("data-status").startswith("Preview updated:")
    assert SELLER in fragment.text_content()
    waiting = client.post("/preview?fragment=1", data=_values(volume__quantity="-1"))
    assert waiting.status_code == 200
    pane = _page(waiting.text)
    assert pane.get("data-status") == "Preview waiting: 1 answers need attention."
    assert pane.xpath('.//a[@href="#f-volume-quantity"]')


def test_download_docx_returns_the_agreement(
    client: ASGIClient, full_request: dict[str, Any]
) -> None:
    response = client.post("/draft", data=_full_values(full_request))
    assert response.status_code == 200
    assert response.headers["content-type"] == DOCX_MEDIA_TYPE
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith('.docx"')
    document = open_docx(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert SELLER in text
    assert document.core_properties.title == "Dysprosium Supply Agreement"
    embedded = json.loads(read_embedded(response.content).request_json)
    assert embedded == service.parse_request(full_request).model_dump(mode="json")


def test_download_with_errors_shows_the_form_again(client: ASGIClient) -> None:
    response = client.post("/draft", data=_values(term__months="0"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Term in months must be at least 1" in response.text


def test_answers_round_trip_through_a_json_file(
    client: ASGIClient, full_request: dict[str, Any]
) -> None:
    values = _full_values(full_request) | {"seller.address": "1 Example Road\nGanzhou"}
    saved = client.post("/answers", data=values)
    assert saved.status_code == 200
    assert saved.headers["content-disposition"] == (
        'attachment; filename="clausewright-answers-dy.json"'
    )
    answers = saved.json()
    assert answers == MODEL.to_request(values)
    assert "" not in json.dumps(answers).split('"')[1::2], "no empty strings are saved"
    loaded = client.post(
        "/answers/load", files={"answers_file": ("answers.json", saved.content, "application/json")}
    )
    assert loaded.status_code == 200
    page = _page(loaded.text)
    notice = page.xpath('//p[@class="notice"]')[0]
    assert notice.text_content() == "Answers loaded from answers.json."
    assert _shown_values(page)["seller.address"] == "1 Example Road, Ganzhou"
    assert _shown_values(page) | {"seller.address": values["seller.address"]} == values
    assert page.xpath('//article[@class="agreement"]'), "a valid file is previewed at once"


def test_half_finished_answers_can_be_saved(client: ASGIClient) -> None:
    saved = client.post("/answers", data=MODEL.defaults() | {"seller.name": SELLER})
    assert saved.status_code == 200
    assert saved.json()["seller"] == {"name": SELLER}
    assert "element" not in saved.json()


def test_the_form_refills_from_a_docx_made_here(
    client: ASGIClient, full_request: dict[str, Any]
) -> None:
    values = _full_values(full_request)
    docx = client.post("/draft", data=values).content
    loaded = client.post(
        "/answers/load", files={"answers_file": ("draft 3.docx", docx, DOCX_MEDIA_TYPE)}
    )
    assert loaded.status_code == 200
    page = _page(loaded.text)
    assert _shown_values(page) == values
    assert page.xpath('//p[@class="notice"]')[0].text_content() == (
        "Answers loaded from draft 3.docx."
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("empty.json", b"", "The file is empty."),
        ("notes.txt", b"Dy, 12 t", "neither a JSON answers file nor a .docx"),
        ("list.json", b'["Dy"]', "must be a JSON object"),
        ("other.docx", _zip({"word/document.xml": b"<w:document/>"}), "not made by Clausewright"),
    ],
)
def test_a_file_that_cannot_be_loaded_is_reported_at_the_upload(
    client: ASGIClient, filename: str, content: bytes, message: str
) -> None:
    response = client.post("/answers/load", files={"answers_file": (filename, content, "x/y")})
    assert response.status_code == 422
    page = _page(response.text)
    upload = _by_id(page, "f-answers-file")
    assert upload.get("aria-invalid") == "true"
    assert message in _by_id(page, "f-answers-file-error").text_content()
    assert page.xpath('//*[@id="error-summary"]//a[@href="#f-answers-file"]')
    assert _shown_values(page) == MODEL.defaults()


def test_loading_without_a_file_asks_for_one(client: ASGIClient) -> None:
    response = client.post("/answers/load", data={"other": "x"})
    assert response.status_code == 422
    assert "Choose an answers file" in response.text


def test_invalid_answers_are_shown_with_their_errors(client: ASGIClient) -> None:
    answers = {"element": "Dy", "volume": "12 t per month", "term": {"months": 999}, "colour": 1}
    response = client.post(
        "/answers/load", files={"answers_file": ("a.json", json.dumps(answers).encode(), "x/y")}
    )
    assert response.status_code == 200
    page = _page(response.text)
    shown = _shown_values(page)
    assert (shown["volume.quantity"], shown["volume.per"], shown["term.months"]) == (
        "12",
        "month",
        "999",
    )
    assert "at most 360" in _by_id(page, "f-term-months-error").text_content()
    summary = _by_id(page, "error-summary").text_content()
    assert "colour is not a field of this request" in summary


def test_a_library_defect_is_a_page_with_the_answers_kept(
    client: ASGIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise ClauseLibraryError("cover.md: line 3: boom")

    monkeypatch.setattr(service, "draft", broken)
    response = client.post("/preview", data=_values(seller__name=SELLER))
    assert response.status_code == 500
    assert "The draft could not be produced" in response.text
    assert "boom" not in response.text
    assert _shown_values(_page(response.text))["seller.name"] == SELLER


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/elements-info/Dy", 200, "Announcement No. 18 of 2025"),
        ("/elements-info/dysprosium", 200, "Dysprosium (Dy), atomic number 66"),
        ("/elements-info/Xx", 404, "not one of the 17 rare-earth elements"),
        ("/elements-info?element=Pm", 200, "radioactive"),
        ("/elements-info?element=dysprosum", 200, "Did you mean Dy (dysprosium)?"),
        ("/elements-info?element=", 200, "Pick an element"),
    ],
)
def test_the_element_panel(client: ASGIClient, url: str, status: int, text: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert text in response.text
    assert "<html" not in response.text


def test_the_element_panel_links_its_sources(client: ASGIClient) -> None:
    page = _page(client.get("/elements-info/Tb").text)
    links = page.xpath("//a/@href")
    assert links
    assert all(link.startswith("https://") for link in links)
    page_with_element = _page(client.post("/preview", data=_values(element="Tb")).text)
    assert "Terbium (Tb)" in _by_id(page_with_element, "element-info").text_content()
