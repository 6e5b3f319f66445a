"""Feedback pages are safe to open: nothing a learner's notebook displayed runs as script in them.

Each hostile payload carries MARK, so the page's own scripts (MathJax and its configuration) can be told apart
from anything that came from the learner.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades
from traitlets.config import Config

from grader.config import CoursePaths, nbgrader_config
from grader.feedback import FeedbackExporter
from lambda_course.labs import ROOT as REPO_ROOT

MARK = "xss-payload-7f3a"
ALERT = f"alert('{MARK}')"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
JPEG = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP"
SECRET = "secret_check_of_the_total()"

LAB_MARKDOWN = """# Lab 1: a first handler

| setting | value |
|:--------|------:|
| memory  | 128   |

```python
if 1 < 2 and "a" != "b":
    pass
```

> Read the [Lambda guide](https://docs.aws.amazon.com/lambda/) & try it.
"""

LEARNER_MARKDOWN = f"""## My notes

<script>{ALERT}</script>

Some **kept** text <img src="x" onerror="{ALERT}"> and <a href="javascript:{ALERT}">a link</a>.

<iframe src="https://example.com/?{MARK}"></iframe>

[markdown link](javascript:{ALERT})
"""

HOSTILE_HTML = [
    f"<script>{ALERT}</script><table><tr><th>function</th></tr><tr><td>BENIGN-TD</td></tr></table>",
    f'<img src="x" onerror="{ALERT}"><a href="javascript:{ALERT}">plain</a>',
    f'<a href=" JaVa&#x09;ScRiPt:{ALERT}">mixed case</a><a href="data:text/html,<script>{ALERT}</script>">data</a>',
    f"<div style=\"color: red; background-image: url('javascript:{ALERT}')\">BENIGN-STYLED</div>",
    f'<iframe srcdoc="<script>{ALERT}</script>"></iframe><object data="javascript:{ALERT}"></object>',
    f'<embed src="javascript:{ALERT}"><form action="javascript:{ALERT}"><button formaction="javascript:{ALERT}">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{ALERT}"><base href="javascript:{ALERT}">',
    f'<svg onload="{ALERT}"><a href="javascript:{ALERT}"><text>svg</text></a></svg>',
    f'<math><a xlink:href="javascript:{ALERT}">math</a></math><details open ontoggle="{ALERT}">d</details>',
    f'<style>body {{ background: url("https://example.com/{MARK}") }}</style><p>BENIGN-P</p>',
]


def display(data: dict, metadata: dict | None = None) -> nbformat.NotebookNode:
    """A display_data output."""
    return new_output("display_data", data=data, metadata=metadata or {})


def hostile_notebook() -> nbformat.NotebookNode:
    """A graded notebook whose learner cells display hostile markup next to benign outputs."""
    answer = new_code_cell("answer()", execution_count=1)
    answer.metadata.nbgrader = {"grade": False, "solution": True, "locked": False, "grade_id": "q1"}
    answer.outputs = [display({"text/html": html, "text/plain": "html"}) for html in HOSTILE_HTML] + [
        display({"text/html": f"<p>isolated {MARK}</p>"}, {"text/html": {"isolated": True}}),
        display({"image/svg+xml": f'<svg onload="{ALERT}"><script>{ALERT}</script></svg>', "text/plain": "SVG-FB"}),
        display({"application/javascript": ALERT, "text/plain": "JS-FALLBACK"}),
        display({"application/vnd.jupyter.widget-view+json": {"model_id": MARK}, "text/plain": "WIDGET-FALLBACK"}),
        display({"text/markdown": f'**md-kept** <img src="x" onerror="{ALERT}"> <script>{ALERT}</script>'}),
        display({"image/png": PNG, "text/plain": "png"}),
        display({"image/jpeg": JPEG, "text/plain": "jpeg"}),
        new_output("execute_result", data={"text/plain": "BENIGN-TEXT"}, execution_count=1),
        new_output("stream", name="stdout", text=f"<script>{ALERT}</script>\n"),
        new_output("error", ename="ValueError", evalue=f"<b>{MARK}</b>", traceback=[f"<iframe>{MARK}</iframe>"]),
    ]
    test = new_code_cell(f"check()\n### BEGIN HIDDEN TESTS\n{SECRET}\n### END HIDDEN TESTS", execution_count=2)
    test.metadata.nbgrader = {"grade": True, "solution": False, "locked": True, "grade_id": "q1-tests"}
    test.metadata.nbgrader |= {"points": 2, "score": 0}
    failure = new_output("error", ename="AssertionError", evalue=f"<script>{ALERT}</script>", traceback=["..."])
    test.outputs = [failure]
    raw = new_raw_cell(f"<script>{ALERT}</script><p>BENIGN-RAW</p>", metadata={"raw_mimetype": "text/html"})
    cells = [new_markdown_cell(LAB_MARKDOWN), new_markdown_cell(LEARNER_MARKDOWN), answer, test, raw]
    widgets = {"application/vnd.jupyter.widget-state+json": {"state": {MARK: {}}, "version_major": 2}}
    return new_notebook(cells=cells, metadata={"widgets": widgets})


def feedback_exporter(config: Config) -> HTMLExporter:
    """The exporter nbgrader's GenerateFeedback builds from `config`, with the preprocessors it registers.

    GetGrades is left out: it reads scores from a gradebook, and feedback_page passes them in instead.
    """
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)  # as BaseConverter.start
    for preprocessor in converter.preprocessors:
        if preprocessor is not GetGrades:
            exporter.register_preprocessor(preprocessor)
    return exporter


def feedback_page(nb: nbformat.NotebookNode, config: Config) -> str:
    """The feedback page for `nb` as written with `config`."""
    resources = {"nbgrader": {"notebook": "lab1", "score": 0.0, "max_score": 2.0, "late_penalty": 0.0}}
    html, _ = feedback_exporter(config).from_notebook_node(nbformat.from_dict(nb), resources=resources)
    return html


def course_config(root: Path) -> Config:
    """The course's nbgrader configuration, with a course root of its own."""
    return nbgrader_config(CoursePaths(root=root))


def stock_config(root: Path) -> Config:
    """nbgrader's own feedback setup, with nothing of the course's: the page before any sanitising."""
    config = Config()
    config.CourseDirectory.root = str(root)
    return config


def page_scripts(html: str) -> list[tuple[str, str]]:
    """Every script element of a page, as (src, text)."""
    soup = BeautifulSoup(html, "html.parser")
    return [(str(script.get("src", "")), script.get_text()) for script in soup.find_all("script")]


def live_markup(html: str) -> list[str]:
    """What in a page could run learner script or load a learner document: an empty list for a safe page."""
    found = [f"script: {text[:60]}" for src, text in page_scripts(html) if MARK in src or MARK in text]
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        if element.name in ("iframe", "frame", "object", "embed", "applet", "base", "meta", "form", "svg", "math"):
            if element.name != "meta" or element.get("http-equiv"):
                found.append(f"element: <{element.name}>")
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
            if name.lower().startswith("on") or name.lower() in ("srcdoc", "formaction", "xlink:href"):
                found.append(f"attribute: {name}={value[:60]}")
            elif "javascript:" in squeezed or squeezed.startswith("data:text/html"):
                found.append(f"url: {name}={value[:60]}")
    body = html.lower().split("<body", 1)[-1]  # the head inlines bootstrap's CSS, which names javascript:
    needles = ("onerror=", "javascript:", "<iframe", "<object", "<embed")
    found += [f"text: {needle}" for needle in needles if needle in body]
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hostile notebook's feedback page, written with the course's configuration."""
    return feedback_page(hostile_notebook(), course_config(tmp_path_factory.mktemp("course")))


def test_the_payloads_run_in_a_page_written_without_sanitising(tmp_path: Path) -> None:
    # The check below is only worth something if it catches these payloads when nothing stops them.
    found = live_markup(feedback_page(hostile_notebook(), stock_config(tmp_path)))
    for kind in ("script:", "element: <iframe>", "attribute: onerror", "url: href", "text: javascript:"):
        assert any(item.startswith(kind) for item in found), (kind, found)


def test_no_learner_markup_in_the_feedback_page_can_run(page: str) -> None:
    assert live_markup(page) == []
    assert "<script" not in page.split("<body", 1)[1].lower()
    assert "isolated-iframe" not in page and "JS-FALLBACK" in page


def test_the_page_keeps_only_its_own_scripts(page: str, tmp_path: Path) -> None:
    empty = feedback_page(new_notebook(cells=[new_code_cell("1")]), course_config(tmp_path))
    assert page_scripts(page) == page_scripts(empty)
    assert all(MARK not in src + text for src, text in page_scripts(page))


def test_unsafe_outputs_fall_back_to_their_text(page: str) -> None:
    for fallback in ("SVG-FB", "JS-FALLBACK", "WIDGET-FALLBACK"):
        assert f"<pre>{fallback}</pre>" in page
    assert "image/svg+xml" not in page and "widget-view" not in page


def test_benign_outputs_still_show(page: str) -> None:
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("td", string="BENIGN-TD") and soup.find("th", string="function")
    assert soup.find(string="BENIGN-STYLED").parent["style"] == "color: red;"
    assert soup.find("p", string="BENIGN-P") and soup.find("p", string=f"isolated {MARK}")
    assert soup.find("strong", string="md-kept")
    assert "<pre>BENIGN-TEXT</pre>" in page
    assert f'src="data:image/png;base64,{PNG}"' in page and f'src="data:image/jpeg;base64,{JPEG}"' in page
    assert soup.find("p", string="BENIGN-RAW")


def test_learner_markdown_is_sanitised_and_still_renders(page: str) -> None:
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("h2", id="My-notes").get_text().startswith("My notes")
    assert soup.find("strong", string="kept")
    link = soup.find("a", string="a link")
    assert link is not None and not link.get("href")


def test_the_labs_own_markdown_renders_as_before(page: str) -> None:
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("h1", id="Lab-1:-a-first-handler")
    cells = [cell.get_text() for cell in soup.find("table").find_all(["th", "td"])]
    assert cells == ["setting", "value", "memory", "128"]
    assert "text-align" in soup.find("th", string="value")["style"]
    assert '<span class="o">&lt;</span>' in page  # code keeps its characters, escaped once
    assert soup.find("a", href="https://docs.aws.amazon.com/lambda/", string="Lambda guide")
    assert "&amp; try it" in str(soup.find("blockquote"))


def test_every_labs_markdown_loses_nothing_to_sanitising() -> None:
    plain, sanitising = HTMLExporter(), FeedbackExporter()
    notebooks = sorted((REPO_ROOT / "solutions").rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                context = {"cell": cell}
                before = plain.markdown2html(context, cell.source)
                after = sanitising.markdown2html(context, cell.source)
                assert _structure(after) == _structure(before), f"{path.name}: {cell.source[:80]}"


def test_stream_and_error_text_is_escaped_not_rendered(page: str) -> None:
    assert f"<pre>&lt;script&gt;{ALERT}&lt;/script&gt;\n</pre>" in page
    assert f"<pre>\n&lt;iframe&gt;{MARK}&lt;/iframe&gt;</pre>" in page
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find("b", string=MARK)


def test_hidden_tests_stay_hidden_and_a_test_cell_shows_only_its_escaped_message(page: str) -> None:
    assert SECRET not in page and "HIDDEN TESTS" not in page
    assert f"AssertionError: &lt;script&gt;{ALERT}&lt;/script&gt;</pre>" in page


def _structure(html: str) -> tuple[list[tuple[str, list[tuple[str, str]]]], str]:
    """A rendering's elements (name and attributes) and text, whatever the quoting and attribute order."""
    soup = BeautifulSoup(html, "html.parser")
    elements = [(el.name, sorted((k, str(v)) for k, v in el.attrs.items())) for el in soup.find_all(True)]
    return elements, soup.get_text()
