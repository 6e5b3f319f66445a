"""Feedback for learners: show each test cell's verdict and message, never its hidden tests or traceback.

A feedback page shows what a learner's notebook displayed, and whoever opens it must not run what the learner
wrote: every piece of HTML the page takes from the notebook (rich outputs, markdown, raw cells) goes through
bleach, the sanitiser nbconvert itself uses, and outputs that are script by nature are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bleach
import jinja2
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import default

from grader.messages import error_message

# What rendered markdown (headings, lists, tables, code with pygments' spans, links, images) and a plain rich
# output (a table, styled text) are made of. Anything else is removed and its text kept.
SAFE_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
        "del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    }
)  # fmt: skip
# Any allowed tag may also carry the attributes under "*".
SAFE_ATTRIBUTES: dict[str, list[str]] = {
    "*": ["class", "title", "style"],
    "a": ["href"],
    "img": ["src", "alt", "width", "height"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align"],
    "col": ["span"],
    "colgroup": ["span"],
    "ol": ["start", "type"],
    "details": ["open"],
    **{f"h{level}": ["id"] for level in range(1, 7)},  # markdown headings: the id their anchor link points at
}
# Links and images may point at web pages and mail addresses (or relative paths): never at javascript: or data:.
SAFE_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Inline styles may align and colour text (markdown tables align columns this way), nothing more: no url(),
# no positioning over the rest of the page.
SAFE_STYLES = frozenset(
    {
        "text-align", "vertical-align", "color", "background-color", "font-weight", "font-style",
        "text-decoration", "white-space",
    }
)  # fmt: skip
# Elements whose content is code or a document of its own rather than text to read. They are removed whole
# first, so that a script's body or a stylesheet does not show up as stray page text once bleach has removed
# the tags around it. Safety does not depend on this step: bleach would remove the tags either way.
DROPPED_ELEMENTS = (
    "script", "style", "template", "noscript", "title", "iframe", "frame", "frameset", "object", "embed",
    "applet", "svg", "math",
)  # fmt: skip


def sanitize_markup(html: str | list[str]) -> str:
    """`html` cut down to markup that cannot run script: no script, event handlers, javascript: URLs or frames.

    Allowed markup (SAFE_TAGS, SAFE_ATTRIBUTES, SAFE_STYLES) is kept; other tags are removed and their text
    kept, except DROPPED_ELEMENTS, which go with their content.
    """
    if not isinstance(html, str):  # a notebook may store any text as a list of lines
        html = "".join(html)
    lowered = html.lower()
    if any(f"<{name}" in lowered for name in DROPPED_ELEMENTS):
        soup = BeautifulSoup(html, "html.parser")
        for element in soup.find_all(DROPPED_ELEMENTS):
            element.decompose()
        html = str(soup)
    # A Cleaner is not thread-safe, and costs microseconds to make: one per call.
    cleaner = bleach.Cleaner(
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        protocols=SAFE_PROTOCOLS,
        strip=True,
        strip_comments=True,
        css_sanitizer=CSSSanitizer(allowed_css_properties=SAFE_STYLES),
    )
    return cleaner.clean(html)


class HideHiddenTests(ClearHiddenTests):
    """Drop hidden test regions from test cells and cut their tracebacks down to the learner-facing message.

    A traceback quotes the failing source line, which can be a hidden test; the message alone is enough.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {error_message(output)}"]
        return cell, resources


class SanitizeOutputs(SanitizeHTML):
    """nbconvert's SanitizeHTML, with the feedback page's allowlist: keep what a page can show safely.

    HTML outputs and raw cells are sanitised; outputs that are script by nature (javascript, widgets) or can
    carry it (SVG, anything unknown) are dropped, so the page falls back to the output's plain text or image.
    Markdown (cells and outputs) is kept as written: sanitising markdown source would escape the `<` and `>`
    of its code and quotes, so FeedbackExporter sanitises it once rendered. Stream and error text needs nothing:
    the page escapes it.
    """

    @default("enabled")
    def _enabled_default(self) -> bool:
        """On: nbconvert's preprocessors start disabled, and nbgrader registers them as they are."""
        return True

    @default("safe_output_keys")
    def _safe_output_keys_default(self) -> set[str]:
        """Output types shown as they are: the page escapes text and LaTeX, and renders markdown sanitised."""
        return {"text/plain", "text/latex", "image/png", "image/jpeg", "text/markdown"}

    @default("sanitized_output_types")
    def _sanitized_output_types_default(self) -> set[str]:
        """Output types shown once sanitised."""
        return {"text/html"}

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Sanitise every cell, and drop saved widget state (a widget renders whatever HTML its state holds)."""
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Sanitise a raw cell's HTML or a code cell's outputs; markdown cells are left to the exporter."""
        if cell.cell_type == "raw":
            cell.source = self.sanitize_html_tags(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = self.sanitize_code_outputs(cell.get("outputs", []))
        return cell, resources

    def sanitize_code_outputs(self, outputs: list[NotebookNode]) -> list[NotebookNode]:
        """Sanitise HTML outputs, drop unsafe ones, and drop the metadata that would frame or link them."""
        for output in outputs:
            output.pop("svg_filename", None)
            data = output.get("data")
            if data is None:  # stream and error outputs: plain text, escaped by the page
                continue
            for key in list(data):
                if key in self.sanitized_output_types:
                    data[key] = self.sanitize_html_tags(data[key])
                elif key not in self.safe_output_keys:
                    del data[key]
            metadata = output.get("metadata", {})
            metadata.pop("filenames", None)  # image paths the page would link to
            for value in metadata.values():
                if isinstance(value, dict):
                    value.pop("isolated", None)  # would put the HTML in an iframe of its own
        return outputs

    def sanitize_html_tags(self, html_str: str | list[str]) -> str:
        """`html_str` sanitised with the feedback page's allowlist (see sanitize_markup)."""
        return sanitize_markup(html_str)


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process (jinja checks each against its source)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (data := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = TemplateCodeCache()


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, sharing compiled templates with every other feedback run in the process.

    nbgrader builds a new exporter for each run, and a class grading writes each learner's page in a run of
    its own; compiling nbconvert's templates anew took about a third of each page's time.

    It also never puts a notebook's own markup in the page unsanitised: `sanitize_html` is on (the templates
    then pass HTML outputs through `clean_html` and leave javascript out), `clean_html` is sanitize_markup, and
    markdown is sanitised once rendered, since nbgrader's feedback template renders markdown cells without
    `clean_html`.
    """

    @default("sanitize_html")
    def _sanitize_html_default(self) -> bool:
        """On: a feedback page always shows markup the learner wrote."""
        return True

    def default_filters(self) -> Iterator[tuple[str, Any]]:
        """nbconvert's filters, with clean_html using the feedback page's allowlist."""
        yield from super().default_filters()
        yield ("clean_html", sanitize_markup)

    @jinja2.pass_context
    def markdown2html(self, context: jinja2.runtime.Context, source: str) -> str:
        """Markdown rendered as nbconvert does, then sanitised (a learner's markdown may hold any HTML)."""
        return sanitize_markup(super().markdown2html(context, source))

    def _create_environment(self) -> jinja2.Environment:
        environment = super()._create_environment()
        environment.bytecode_cache = TEMPLATE_CODE
        return environment
