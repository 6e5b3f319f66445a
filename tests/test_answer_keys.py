"""Answer keys stay on the grader's side: without them (as in a grading jail) a lab's code gets what its notebook
shows and nothing that decides a score, and no answer is written anywhere else a learner's code could read."""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import importlib.util
import io
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import labtesting
import pytest

from grader.course import settings
from grader.merge import cell_by_id
from lambda_course import answerkeys
from lambda_course.answerkeys import AnswerKeysUnavailable
from lambda_course.architecture import bank as bank_module
from lambda_course.architecture import grade_answer, load_bank, read_answer, scenario_workload, vocabulary
from lambda_course.architecture.bank import ANSWER_FIELDS, BankError, merge_answers, read_bank_file
from lambda_course.chapters.choices import chooser_rules
from lambda_course.labchecks import architecture as architecture_checks
from lambda_course.labchecks import routing
from lambda_course.labs import lab

ROOT = Path(__file__).resolve().parents[1]
KEYS = answerkeys.FOLDER  # where the keys are, kept before a test hides them
# What a grading jail shows of the course (the course's GradedCourse.visible, less the virtualenv and the
# package's metadata): every place a learner's code could read an answer from.
READABLE = tuple(name for name in settings().visible if name not in (".venv", "lambda_course.egg-info"))
ONLY_THE_GRADER = "read only by the grader"
WINDOW = 7  # words in a row that give an answer's sentence away
RIGHT_PATTERN = {"source": ["shop"], "detail-type": ["OrderPlaced"],
                 "detail": {"total": [{"numeric": [">=", routing.FRAUD_THRESHOLD]}]}}


@pytest.fixture
def no_answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The answer keys' folder as a grading jail shows it: there, but empty."""
    hidden = tmp_path / "answers"
    hidden.mkdir()
    monkeypatch.setattr(answerkeys, "FOLDER", hidden)
    load_bank.cache_clear()
    yield hidden
    load_bank.cache_clear()


def _run_cells(notebook: Any, grade_ids: list[str], names: dict[str, Any]) -> str:
    """Run the given cells of a notebook in one namespace, as a kernel would; return what they printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for grade_id in grade_ids:
            exec(compile(cell_by_id(notebook, grade_id).source, grade_id, "exec"), names)  # noqa: S102
    return printed.getvalue()


# --- the loader ------------------------------------------------------------------------------------------------


def test_the_loader_reads_a_key_and_says_who_may_when_it_cannot(no_answers):
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        answerkeys.load("architecture")
    (no_answers / "architecture.toml").write_text("")  # a file the jail covers reads as empty
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        answerkeys.load("architecture")
    assert not answerkeys.available("architecture")
    (no_answers / "architecture.toml").write_text('[scenarios.x]\nchoice = "lambda"\n')
    assert answerkeys.load("architecture") == {"scenarios": {"x": {"choice": "lambda"}}}
    with pytest.raises(ValueError, match="name"):
        answerkeys.load("../architecture/bank")


def test_the_answers_folder_holds_data_only_and_ships_with_the_package():
    files = sorted(p.name for p in KEYS.iterdir())
    assert files == ["architecture.toml", "chooser.toml", "quote-mutants.toml", "routing.toml"]
    assert answerkeys.FOLDER == Path(answerkeys.__file__).resolve().parent / "answers"
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    package = ROOT / "lambda_course"
    shipped = {Path(p) for pattern in globs for p in glob.glob(pattern, root_dir=package, recursive=True)}
    assert {Path("answers", name) for name in files} <= shipped


# --- lab 6: the architecture bank -------------------------------------------------------------------------------


def test_the_bank_file_holds_no_answer_and_the_key_answers_every_scenario():
    raw, key = read_bank_file(), answerkeys.load(bank_module.ANSWER_KEY)
    assert all(set(entry) <= {"title", "description", "workload", "weigh"} for entry in raw["scenarios"].values())
    assert set(key["scenarios"]) == set(raw["scenarios"])
    assert all(set(entry) <= set(ANSWER_FIELDS) for entry in key["scenarios"].values())


@pytest.mark.parametrize(
    "break_it, problem",
    [
        (lambda raw, key: raw["scenarios"]["gpu-inference"].update(choice="eks"), "belongs in the answer key"),
        (lambda raw, key: key["scenarios"].pop("gpu-inference"), "not in the answer key"),
        (lambda raw, key: key["scenarios"].update(extra={"choice": "eks"}), "is not in the bank"),
        (lambda raw, key: key["scenarios"]["gpu-inference"].update(title="GPUs"), "is not an answer field"),
    ],
)
def test_a_bank_and_key_that_mix_or_miss_answers_are_refused(break_it, problem):
    raw, key = read_bank_file(), answerkeys.load(bank_module.ANSWER_KEY)
    break_it(raw, key)
    with pytest.raises(BankError, match=problem):
        merge_answers(raw, key)


def test_without_the_key_the_bank_gives_descriptions_and_workloads_but_no_answer(no_answers):
    full = bank_module.parse_bank(merge_answers(read_bank_file(),
                                                tomllib.loads((KEYS / "architecture.toml").read_text())))
    learner = load_bank()
    assert not learner.has_answers and full.has_answers
    assert learner.options == full.options and learner.constraints == full.constraints
    assert list(learner.scenarios) == list(full.scenarios)
    empty = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
             for f in dataclasses.fields(bank_module.Scenario) if f.name in ANSWER_FIELDS}
    for scenario_id, scenario in learner.scenarios.items():
        shown = full.scenarios[scenario_id]
        assert (scenario.title, scenario.description, scenario.workload, scenario.weigh) == (
            shown.title, shown.description, shown.workload, shown.weigh)
        assert not scenario.has_answers and scenario.max_points == 0
        assert {name: getattr(scenario, name) for name in empty} == empty, scenario_id
    assert vocabulary()["15-minute-limit"] == full.constraints["15-minute-limit"].explain
    assert scenario_workload("steady-2000-rps").memory_mb == 512


def test_without_the_key_grading_refuses_rather_than_give_points(no_answers):
    right = {"choice": "fargate", "constraints": ["15-minute-limit"]}
    assert read_answer(right).choice == "fargate"  # the form needs only the vocabulary
    architecture_checks.check_answer_form(right)
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        grade_answer("batch-40-minutes", right)
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        grade_answer("batch-40-minutes", {"choice": "lambda", "constraints": []})
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        architecture_checks.check_scenario("batch-40-minutes", right)
    with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
        architecture_checks.check_choice("batch-40-minutes", right)
    for constraint in ("15-minute-limit", "gpu"):  # neither the deciding one nor a stray one passes unjudged
        with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
            architecture_checks.check_constraint("batch-40-minutes", right, constraint)
    with pytest.raises(KeyError, match="batch-40-minutes"):
        grade_answer("no-such-scenario", right)
    with pytest.raises(AnswerKeysUnavailable):
        chooser_rules()


def test_without_the_key_lab_6s_own_cells_show_every_scenario_they_ask_about(no_answers):
    notebook = labtesting.released(lab("lab6-architecture"))
    shows = ["setup", "show-vocabulary", "q1-show", "q2-show", "q3-show", "q4-show", "q5-show", "mi-show"]
    names: dict[str, Any] = {}
    printed = _run_cells(notebook, shows, names)
    bank = names["bank"]
    for scenario_id in ("batch-40-minutes", "spiky-api-backend", "gpu-inference", "websocket-chat",
                        "card-fraud-scoring"):
        assert bank.scenario(scenario_id).description in printed
    for scenario_id in ("batch-40-minutes", "spiky-api-backend", "card-fraud-scoring"):  # what to weigh, shown
        assert bank.scenario(scenario_id).weigh and all(c in printed for c in bank.scenario(scenario_id).weigh)
    assert "15-minute-limit" in printed and names["workload"].memory_mb == 512
    assert not any(s.has_answers or s.choice for s in bank.scenarios.values())


def test_with_the_key_the_bank_grades_as_before():
    load_bank.cache_clear()
    assert load_bank().has_answers
    result = grade_answer("batch-40-minutes", {"choice": "fargate", "constraints": ["15-minute-limit"]})
    assert result.full_marks and result.points == 2


# --- lab 8: routing ---------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_routing(no_answers: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """lambda_course.labchecks.routing imported anew without the keys, failing if the import reads one."""
    reads: list[str] = []
    load = answerkeys.load
    monkeypatch.setattr(answerkeys, "load", lambda name: reads.append(name) or load(name))
    name = "routing_without_answers"
    spec = importlib.util.spec_from_file_location(name, routing.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    assert reads == [], "importing routing read an answer key"
    return module


def test_without_the_key_routing_imports_and_shows_what_the_notebook_shows(fresh_routing):
    notebook = labtesting.released(lab("lab8-eventbridge-vs-sqs"))
    printed = _run_cells(notebook, ["show-events", "show-scenarios"], {"routing": fresh_routing, "json": json})
    assert all(description in printed for description in routing.SCENARIOS.values())
    shown = {word for words in routing.WEIGH.values() for word in words}
    assert all(word in printed for word in shown) and "o-05" in printed
    assert all(f"weigh: {', '.join(words)}" in printed for words in routing.WEIGH.values())
    event, ids = fresh_routing.sqs_event(fresh_routing.work_orders("run")[0])
    assert len(event["Records"]) == len(ids) == 6
    fresh_routing.check_choices_form({s: {"service": "sqs", "constraints": [words[0]]}
                                      for s, words in fresh_routing.WEIGH.items()})


def test_without_the_key_routings_checks_refuse(fresh_routing):
    choices = {s: {"service": "sqs", "constraints": [words[0]]} for s, words in fresh_routing.WEIGH.items()}
    refusals = [
        lambda: fresh_routing.check_pattern("fraud-review", RIGHT_PATTERN),
        lambda: fresh_routing.check_pattern("fraud-review", RIGHT_PATTERN, hidden=True),
        lambda: fresh_routing.check_routing_in_sandbox({}, hidden=True),
        lambda: fresh_routing.check_choices(choices, "service"),
        lambda: fresh_routing.check_constraint_calls(choices, "fan-out-to-many"),
        fresh_routing.hidden_events,
        fresh_routing.answer_key,
    ]
    for refuse in refusals:
        with pytest.raises(AnswerKeysUnavailable, match=ONLY_THE_GRADER):
            refuse()


def test_without_the_key_lab_8s_set_up_cells_create_their_queues_and_table(fresh_routing, sb):
    notebook = labtesting.released(lab("lab8-eventbridge-vs-sqs"))
    names: dict[str, Any] = {"routing": fresh_routing}
    _run_cells(notebook, ["q5-setup"], names)
    assert names["MAX_RECEIVES"] == routing.MAX_RECEIVES and names["dead_letters"].arn.endswith("orders-dlq")
    queues = fresh_routing.create_target_queues()
    assert set(queues) == set(routing.RULES)


# --- nothing that decides a score is written where a learner's code can read it -------------------------------


def _answer_texts() -> dict[str, list[re.Pattern[str]]]:
    """Each answer whose text would give it away, with the patterns that find it: the lab 6 sentences explaining
    a choice and the lab 8 scenarios' explanations, by every run of WINDOW words (so a sentence split over lines
    or string literals is still found), and the hidden events' order ids and values, as whole words."""
    bank_key, routing_key = answerkeys.load("architecture"), routing.answer_key()
    sentences = [text for entry in bank_key["scenarios"].values()
                 for text in [*entry.get("why_not", {}).values(), entry.get("accepted_note", "")] if text]
    sentences += [answer["why"] for answer in routing_key.scenarios.values()]
    visible = {str(v) for e in routing.VISIBLE_EVENTS for v in [e["source"], *e["detail"].values()]}
    hidden = routing_key.hidden_events[len(routing.VISIBLE_EVENTS):]
    values = {v for e in hidden for v in [e["source"], *e["detail"].values()]
              if isinstance(v, str) and len(v) > 4 and not v.isdigit() and v not in visible}
    values |= {e["detail"]["order_id"] for e in hidden}
    texts = {}
    for sentence in sentences:
        words = sentence.split()
        runs = [words[i:i + WINDOW] for i in range(max(1, len(words) - WINDOW + 1))]
        texts[sentence] = [re.compile(r"\s+".join(map(re.escape, run))) for run in runs]
    texts |= {value: [re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])")] for value in values}
    return texts


def _readable_files() -> Iterator[Path]:
    """Every file a learner's code could read in a grading jail, the answer keys' folder aside."""
    for name in READABLE:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file() and KEYS not in file.resolve().parents:
                yield file


def test_no_answer_is_written_anywhere_a_learners_code_can_read():
    texts = _answer_texts()
    assert len(texts) > 40 and "h-13" in texts and "fraud-suspected" in texts
    found = []
    for file in _readable_files():
        content = file.read_bytes().decode("utf-8", errors="replace")
        found += [f"{file.relative_to(ROOT)}: {text[:60]!r}" for text, patterns in texts.items()
                  if any(pattern.search(content) for pattern in patterns)]
    assert found == []


def test_grading_hides_the_answer_keys_from_the_jail(tmp_path):
    """`lambda-course grade` passes the keys' folder to the jail as hidden."""
    from grader.autograde import LabGrader, Submission
    from grader.config import CoursePaths
    from lambda_course import answerkeys
    from lambda_course.labs import lab

    grader = LabGrader(lab("lab6-architecture"), CoursePaths(work=tmp_path / "work"))
    (tmp_path / "work").mkdir()
    notebook = tmp_path / "class" / "ada.ipynb"
    notebook.parent.mkdir()
    notebook.write_text("{}")
    assert answerkeys.FOLDER in grader._hidden_from(Submission("ada", notebook))
