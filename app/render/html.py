"""Document tree -> HTML: the preview of exactly what the .docx will say.

Rendered by Jinja with autoescape on, so every piece of user text is escaped; clause
numbers and cross-references come from the resolved tree, as in the .docx.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Document,
    PageBreak,
    Paragraph,
    Placeholder,
    Table,
    TableOfContents,
    Text,
)
from app.domain.numbering import display_number


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("app.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        is_paragraph=lambda block: isinstance(block, Paragraph),
        is_table=lambda block: isinstance(block, Table),
        is_page_break=lambda block: isinstance(block, PageBreak),
        is_toc=lambda block: isinstance(block, TableOfContents),
        display_number=display_number,
    )
    environment.filters["runs"] = _runs
    return environment


def _runs(runs: tuple[object, ...], document: Document) -> Markup:
    """Inline runs as escaped HTML."""
    parts: list[Markup] = []
    for run in runs:
        if isinstance(run, Text):
            html = Markup.escape(run.text)
            if run.bold:
                html = Markup("<strong>%s</strong>") % html
            if run.italic:
                html = Markup("<em>%s</em>") % html
        elif isinstance(run, DefinedTerm):
            html = Markup('<strong class="term">“%s”</strong>') % run.term
        elif isinstance(run, Placeholder):
            html = Markup('<mark class="placeholder" data-key="%s">[%s]</mark>') % (
                run.key,
                run.label,
            )
        elif isinstance(run, CrossRef):
            anchor = document.anchors[run.target]
            html = Markup('<a class="xref" href="#%s">%s</a>') % (anchor.bookmark, anchor.number)
        else:  # pragma: no cover - the Inline union is closed
            raise TypeError(f"unknown run {run!r}")
        parts.append(html)
    return Markup("").join(parts)


def render_fragment(document: Document) -> str:
    """The document body as an HTML fragment (for the web form's preview)."""
    return _environment().get_template("document_body.html.j2").render(document=document)


def render_html(document: Document) -> str:
    """A complete, self-contained HTML page of the document (styles inline)."""
    return (
        _environment()
        .get_template("document_page.html.j2")
        .render(document=document, body=Markup(render_fragment(document)))
    )
