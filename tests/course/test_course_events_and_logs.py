"""The pattern matcher the chapters use, and reading a function's log lines back from the sandbox."""

from lambda_course.chapters import events
from lambda_course.chapters.catalog import CHAPTERS, titles

PATTERN = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}


def test_the_chapters_matcher_reads_numeric_and_exact_fields():
    matcher, engine = events.pattern_matcher()
    assert engine == "localaws.eventbridge"
    assert matcher(PATTERN, {"source": "shop", "detail": {"total": 250}})
    assert not matcher(PATTERN, {"source": "shop", "detail": {"total": 100}})
    assert not matcher(PATTERN, {"source": "bank", "detail": {"total": 250}})


def test_catalog_numbers_match_slugs_and_titles_link_notebooks():
    for number, slug, _title in CHAPTERS:
        assert slug.startswith(f"{number:02d}-")
    assert titles()[3].endswith("(03-cold-starts.ipynb)")


def test_function_log_lines_returns_the_handlers_output_in_order():
    from lambda_course import deploy
    from lambda_course.chapters.logs import function_log_lines
    from localaws import sandbox

    sandbox.start()
    assert function_log_lines("never-deployed") == []
    deploy.deploy_function("logs-demo", "def handler(e, c):\n    print('line', e['n'])\n")
    for n in range(3):
        deploy.invoke("logs-demo", {"n": n})
    printed = [line for line in function_log_lines("logs-demo") if line.startswith("line")]
    assert printed == ["line 0", "line 1", "line 2"]
