"""The web form in a real browser: Debian's chromium driven by Playwright against a
real uvicorn server (fixtures in conftest.py). Every test also fails on a console
error, an uncaught page error or a failed request.

Screenshots of the filled form and of the preview are kept in artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# ``problems`` (conftest.py) collects the page's console errors; it is typed Any here
# because conftest modules are not importable by name.
SELLER = "Ganzhou Example Rare Earth Co., Ltd."
BUYER = "Smith & Sons <Magnetics> GmbH"


def _fill_required(page: Page) -> None:
    page.get_by_label("Element").fill("Dy")
    page.get_by_label("Contract quantity").fill("12")
    page.get_by_label("Term in months").fill("36")
    page.get_by_label("Start of supply").fill("2027-01-01")
    page.locator("#f-seller-name").fill(SELLER)
    page.locator("#f-buyer-name").fill(BUYER)


def _docx_text(path: Path) -> str:
    document = open_docx(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def test_fill_in_and_download_the_docx(page: Page, artifacts: Path, tmp_path: Path) -> None:
    page.goto("/")
    _fill_required(page)
    page.get_by_label("Incoterms 2020 rule").select_option("CIP")
    page.get_by_label("Named place or port").fill("Hamburg, Germany")
    page.get_by_label("Buyer: the seller bears the licensing risk").check()
    expect(page.locator("#element-info")).to_contain_text("Dysprosium (Dy)")
    page.screenshot(path=str(artifacts / "form-filled.png"))

    with page.expect_download() as info:
        page.get_by_role("button", name="Download .docx").click()
    download = info.value
    assert download.suggested_filename.endswith("_dysprosium-supply-agreement_2027-01-01.docx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = open_docx(str(saved))
    assert document.core_properties.title == "Dysprosium Supply Agreement"
    text = _docx_text(saved)
    for expected in (SELLER, BUYER, "CIP", "Hamburg, Germany", "1 January 2027"):
        assert expected in text
    assert "Draft 1" in document.sections[0].header.paragraphs[0].text


def test_invalid_answers_are_shown_next_to_their_fields_until_fixed(
    page: Page, problems: Any
) -> None:
    problems.expected_console.append("status of 422")  # the page itself is a 422 response
    page.goto("/")
    page.get_by_label("Element").fill("Dysprosum")
    page.get_by_label("Contract quantity").fill("0")
    page.get_by_label("Term in months").fill("36")
    page.locator("#f-seller-name").fill(BUYER)
    page.get_by_role("button", name="Preview").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("did you mean Dy (dysprosium)?")
    expect(summary).to_contain_text("Contract quantity must be more than 0")
    quantity = page.locator("#f-volume-quantity")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_accessible_description(
        re.compile("Contract quantity must be more than 0")
    )
    expect(page.locator("#f-element")).to_have_value("Dysprosum")
    expect(page.locator("#f-seller-name")).to_have_value(BUYER)
    expect(page).to_have_title(re.compile("^Error: "))

    summary.get_by_role("link", name="Contract quantity must be more than 0").click()
    expect(quantity).to_be_focused()

    quantity.fill("12")
    page.locator("#f-element").fill("Dy")
    expect(page.locator("#preview-content article.agreement")).to_be_visible()
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(quantity).not_to_have_attribute("aria-invalid", "true")
    expect(page).not_to_have_title(re.compile("^Error: "))


def test_the_preview_follows_typing_without_losing_focus_or_scroll(
    page: Page, artifacts: Path
) -> None:
    fragment_posts: list[str] = []
    page.on(
        "request",
        lambda request: fragment_posts.append(request.url) if "fragment=1" in request.url else None,
    )
    page.goto("/")
    page.get_by_label("Element").press_sequentially("Dy")
    page.get_by_label("Contract quantity").press_sequentially("12")
    months = page.get_by_label("Term in months")
    months.press_sequentially("36")
    expect(page.locator("#preview-content article.agreement")).to_be_visible()
    expect(months).to_be_focused()
    expect(page.locator("#preview-status")).to_contain_text("Preview updated")
    expect(page.locator("#element-info")).to_contain_text("Dysprosium (Dy)")

    pane = page.locator("#preview")
    pane.evaluate("pane => { pane.scrollTop = 400; }")
    before = len(fragment_posts)
    seller = page.locator("#f-seller-name")
    seller.press_sequentially(SELLER, delay=20)
    expect(page.locator("#preview-content article.agreement")).to_contain_text(SELLER)
    expect(seller).to_be_focused()
    assert pane.evaluate("pane => pane.scrollTop") == pytest.approx(400, abs=2)
    assert len(fragment_posts) - before <= 2, "typing is debounced, not sent per key"
    page.screenshot(path=str(artifacts / "preview.png"))


def test_answers_round_trip_through_json_and_docx(page: Page, tmp_path: Path) -> None:
    page.goto("/")
    _fill_required(page)
    page.get_by_label("Further events").fill("port closure at Ganzhou\nflood")

    with page.expect_download() as info:
        page.get_by_role("button", name="Save answers (.json)").click()
    answers_file = tmp_path / "answers.json"
    info.value.save_as(answers_file)
    answers = json.loads(answers_file.read_text(encoding="utf-8"))
    assert answers["seller"] == {"name": SELLER}
    assert answers["force_majeure"]["additional_events"] == ["port closure at Ganzhou", "flood"]

    page.goto("/")
    expect(page.locator("#f-seller-name")).to_have_value("")
    page.get_by_label("An answers file (.json) or a .docx made by Clausewright").set_input_files(
        answers_file
    )
    page.get_by_role("button", name="Load answers").click()
    expect(page.locator(".notice")).to_have_text("Answers loaded from answers.json.")
    expect(page.locator("#f-element")).to_have_value("Dy")
    expect(page.locator("#f-volume-quantity")).to_have_value("12")
    expect(page.locator("#f-seller-name")).to_have_value(SELLER)
    expect(page.locator("#f-force-majeure-additional-events")).to_have_value(
        "port closure at Ganzhou\nflood"
    )

    with page.expect_download() as info:
        page.get_by_role("button", name="Download .docx").click()
    docx_file = tmp_path / "agreement.docx"
    info.value.save_as(docx_file)
    page.goto("/")
    page.locator("#f-answers-file").set_input_files(docx_file)
    page.get_by_role("button", name="Load answers").click()
    expect(page.locator("#f-buyer-name")).to_have_value(BUYER)
    expect(page.locator("#f-term-start-date")).to_have_value("2027-01-01")
    expect(page.locator("#preview-content article.agreement")).to_contain_text(BUYER)


def _focus_sequence(page: Page, stop_at: str, limit: int = 250) -> list[str]:
    """The ids (or tag names) that Tab visits from the current focus to ``stop_at``."""
    visited: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        visited.append(current)
        if current == stop_at:
            return visited
    pytest.fail(f"Tab never reached #{stop_at}; visited {visited[-10:]}")


def test_the_form_works_from_the_keyboard(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the form")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0, "the skip link shows when focused"

    page.locator("body").focus()
    visited = _focus_sequence(page, "download-button")
    order = ["f-element", "f-volume-quantity", "f-term-months", "f-seller-name", "preview-button"]
    assert [visited.index(name) for name in order] == sorted(visited.index(n) for n in order)
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline == ["solid", "3px"], "focus is visible on the buttons"

    page.locator("#f-element").focus()
    page.keyboard.type("Tb")
    _focus_sequence(page, "f-volume-quantity")
    page.keyboard.type("500")
    _focus_sequence(page, "f-term-months")
    page.keyboard.type("24")
    page.keyboard.press("Enter")  # submits the form: the first button is Preview
    expect(page).to_have_url(re.compile(r"/preview$"))
    expect(page.locator("#preview-content article.agreement")).to_contain_text(
        "Terbium Supply Agreement"
    )
    expect(page.locator("#f-volume-quantity")).to_have_value("500")


def test_no_console_errors_while_using_the_page(page: Page, problems: Any) -> None:
    page.goto("/")
    _fill_required(page)
    expect(page.locator("#preview-content article.agreement")).to_contain_text(BUYER)
    page.get_by_text("How it was computed").click()
    page.emulate_media(media="print")
    expect(page.locator("#contract-form")).to_be_hidden()
    expect(page.locator("#preview-content article.agreement")).to_be_visible()
    page.emulate_media(media="screen")
    assert not problems.unexpected()
