"""The course map and lab pointers, read from a labs file."""

import pytest

from lambda_course.chapters.catalog import CHAPTERS
from lambda_course.chapters.labs import NO_LAB, course_map, lab_pointer
from lambda_course.labs import chapter_number, chapter_numbers, load_labs

LABS = """
[lab1-first-handler]
title = "First handler"
chapter = "01-what-lambda-is"
minutes = 45

[lab3-cold]
title = "Cold starts"
chapter = 3

[lab6-choices]
title = "Architecture"
chapter = ["09-serverless-vs-kubernetes", "03-cold-starts"]
"""


@pytest.fixture
def labs_file(tmp_path):
    path = tmp_path / "labs.toml"
    path.write_text(LABS)
    return path


@pytest.mark.parametrize(("raw", "number"), [(3, 3), ("03", 3), ("03-cold-starts", 3), ("intro", None), (None, None)])
def test_chapter_references_in_any_usual_form(raw, number):
    assert chapter_number(raw) == number


def test_a_lab_may_name_one_chapter_or_several():
    assert chapter_numbers("03-cold-starts") == (3,)
    assert chapter_numbers(["09-serverless-vs-kubernetes", 5, "intro"]) == (9, 5)


def test_labs_load_in_order_with_chapters(labs_file):
    labs = load_labs(labs_file)
    assert [(lab.id, lab.chapters) for lab in labs] == [("lab1-first-handler", (1,)), ("lab3-cold", (3,)),
                                                        ("lab6-choices", (9, 3))]
    assert labs[2].chapter == 9
    assert labs[0].notebook == "labs/lab1-first-handler/lab1-first-handler.ipynb"


def test_map_puts_each_lab_beside_its_chapter(labs_file):
    table = course_map({1: "What Lambda is", 2: "Family", 3: "Cold"}, labs_file).data
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| 0")}
    assert "lab1-first-handler" in rows["01"] and "45 min" in rows["01"]
    assert rows["02"].rstrip().endswith("| - |")
    assert "lab3-cold" in rows["03"] and "also `lab6-choices` (mainly chapter 09)" in rows["03"]


def test_missing_file_gives_empty_list_and_a_note(tmp_path):
    missing = tmp_path / "none.toml"
    assert load_labs(missing) == []
    assert "not installed yet" in course_map({0: "Start"}, missing).data
    assert "No lab" in lab_pointer(0, missing).data


def test_pointer_names_the_check_command_on_a_laptop_and_on_the_class_hub(labs_file):
    text = lab_pointer(1, labs_file).data
    assert "open `labs/lab1-first-handler/lab1-first-handler.ipynb`" in text
    assert "lambda-course check labs/lab1-first-handler/lab1-first-handler.ipynb" in text
    assert "Assignment List" in text and "`~/lab1-first-handler/`" in text
    assert "lambda-course check ~/lab1-first-handler/lab1-first-handler.ipynb" in text


def test_pointer_lists_every_lab_that_names_the_chapter(labs_file):
    text = lab_pointer(3, labs_file).data
    assert "labs/lab3-cold/lab3-cold.ipynb" in text and "labs/lab6-choices/lab6-choices.ipynb" in text
    assert "these labs" in text
    assert lab_pointer(2, labs_file).data == NO_LAB


def test_the_course_labs_name_real_chapters_and_cover_the_scaling_chapter():
    slugs = {number: slug for number, slug, _ in CHAPTERS}
    labs = load_labs()
    assert labs and all(lab.chapters and set(lab.chapters) <= set(slugs) for lab in labs)
    scaling = lab_pointer(5).data
    assert "lab3-cold-starts-and-concurrency" in scaling and "lab6-architecture" in scaling
    assert lab_pointer(4).data == NO_LAB
