"""The course map and lab pointers, read from a labs file."""

import pytest

from grader.chapters.labs import chapter_number, course_map, lab_pointer, load_labs

LABS = """
[lab1-first-handler]
title = "First handler"
chapter = "01-what-lambda-is"
minutes = 45

[lab3-cold]
title = "Cold starts"
chapter = 3
"""


@pytest.fixture
def labs_file(tmp_path):
    path = tmp_path / "labs.toml"
    path.write_text(LABS)
    return path


@pytest.mark.parametrize(("raw", "number"), [(3, 3), ("03", 3), ("03-cold-starts", 3), ("intro", None), (None, None)])
def test_chapter_references_in_any_usual_form(raw, number):
    assert chapter_number(raw) == number


def test_labs_load_in_order_with_chapters(labs_file):
    labs = load_labs(labs_file)
    assert [(lab.id, lab.chapter) for lab in labs] == [("lab1-first-handler", 1), ("lab3-cold", 3)]
    assert labs[0].notebook == "labs/lab1-first-handler/lab1-first-handler.ipynb"


def test_map_puts_each_lab_beside_its_chapter(labs_file):
    table = course_map({1: "What Lambda is", 2: "Family", 3: "Cold"}, labs_file).data
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| 0")}
    assert "lab1-first-handler" in rows["01"] and "45 min" in rows["01"]
    assert rows["02"].rstrip().endswith("| - |")
    assert "lab3-cold" in rows["03"]


def test_missing_file_gives_empty_list_and_a_note(tmp_path):
    missing = tmp_path / "none.toml"
    assert load_labs(missing) == []
    assert "not installed yet" in course_map({0: "Start"}, missing).data
    assert "No lab" in lab_pointer(0, missing).data


def test_pointer_names_the_check_command(labs_file):
    text = lab_pointer(3, labs_file).data
    assert "lambda-course check labs/lab3-cold/lab3-cold.ipynb" in text
