"""Chapter 11's mock interview, without a browser: the countdown, the rubric score, the model answer's gate, and
notes that survive running the cell again."""

import json

import pytest
from test_course_no_hardcoded_facts import find_hardcoded

from lambda_course.chapters import interview
from lambda_course.chapters.interview import Countdown, NotesStore, load_prompts, ready_for_model_answer, rubric_score
from lambda_course.chapters.mock_interview import InterviewCard, mock_interview

NOTES = ("Presigned upload to S3, an event per object through EventBridge to a queue per consumer, idempotent "
         "workers writing to another prefix, a dead-letter queue with an alarm.")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def card(tmp_path):
    clock = FakeClock()
    made = InterviewCard(load_prompts()[0], NotesStore(tmp_path / "notes.json"), minutes=2, clock=clock)
    made.clock = clock
    return made


def test_three_prompts_in_the_seed_guides_style_each_with_a_rubric_and_model_answer():
    prompts = load_prompts()
    assert [p.id for p in prompts] == ["image-pipeline", "order-system", "hybrid-api"]
    for prompt in prompts:
        assert len(prompt.rubric) >= 6 and prompt.minutes > 0 and len(prompt.model_answer.split()) > 150
        assert "{" not in prompt.model_answer.replace("{id}", ""), "a fact field was left unfilled"


def test_the_interview_texts_type_no_aws_number():
    raw = interview.resources.files("lambda_course").joinpath(interview.INTERVIEWS_FILE).read_text()
    assert find_hardcoded(raw) == []


def test_the_countdown_waits_for_start_then_runs_down_to_time_up():
    clock = FakeClock()
    countdown = Countdown(2, clock)
    clock.now += 30
    assert countdown.remaining() == 120 and not countdown.running and countdown.text() == "02:00"
    countdown.start()
    clock.now += 61
    assert countdown.remaining() == 59 and countdown.running and countdown.text() == "00:59 left"
    clock.now += 100
    assert countdown.remaining() == 0 and countdown.expired and not countdown.running
    assert "Time is up" in countdown.text()
    with pytest.raises(ValueError, match="positive number of minutes"):
        Countdown(0)


def test_the_start_button_starts_the_ticks_and_they_stop_at_zero(card):
    assert "02:00" in card.timer.value and not card.ticker.playing
    card.start_button.click()
    assert card.ticker.playing and "02:00 left" in card.timer.value
    card.clock.now += 90
    card.ticker.value = 90  # what the front end's one-second ticks do
    assert "00:30 left" in card.timer.value and card.ticker.playing
    card.clock.now += 30
    card.ticker.value = 120
    assert "Time is up" in card.timer.value and not card.ticker.playing


def test_the_clock_takes_its_minutes_from_the_parameter(tmp_path):
    shown = mock_interview(minutes=7, notes_path=tmp_path / "notes.json")
    assert len(shown.cards) == 3 and {card.countdown.seconds for card in shown.cards} == {420}
    default = mock_interview(notes_path=tmp_path / "notes.json")
    assert [card.countdown.seconds for card in default.cards] == [p.minutes * 60 for p in load_prompts()]


def test_the_rubric_scores_what_is_ticked():
    rubric = (("a", "one"), ("b", "two"), ("c", "three"), ("d", "four"))
    assert rubric_score([], rubric) == (0, 4)
    assert rubric_score(["a", "c", "zzz"], rubric) == (2, 4)


def test_ticking_the_rubric_updates_the_score(card):
    first, second = list(card.boxes.values())[:2]
    first.value = True
    second.value = True
    total = len(card.prompt.rubric)
    assert f"2 of {total} covered" in card.score.value


def test_the_model_answer_opens_only_after_notes_are_written(card):
    assert not ready_for_model_answer("S3 then Lambda") and ready_for_model_answer(NOTES)
    assert card.reveal_button.disabled and "Write at least" in card.gate.value
    card.reveal()  # a click that reaches the kernel anyway is refused
    assert not card.revealed
    card.notes.value = NOTES
    assert not card.reveal_button.disabled and card.gate.value == ""
    card.reveal_button.click()
    assert card.revealed and "Model answer" in card.model.value and "<li>" in card.model.value


def test_notes_and_ticks_are_saved_and_come_back_when_the_cell_runs_again(tmp_path):
    path = tmp_path / "notes.json"
    first = mock_interview(notes_path=path)
    card = first.cards[1]
    card.notes.value = NOTES
    rubric_ids = [item_id for item_id, _ in card.prompt.rubric]
    card.boxes[rubric_ids[2]].value = True
    saved = json.loads(path.read_text())
    assert saved == {card.prompt.id: {"notes": NOTES, "ticked": [rubric_ids[2]]}}
    again = mock_interview(notes_path=path).cards[1]
    assert again.notes.value == NOTES and again.ticked == [rubric_ids[2]]
    assert not again.reveal_button.disabled and "1 of" in again.score.value
    assert mock_interview(notes_path=path).cards[0].notes.value == ""


def test_a_damaged_notes_file_is_reported_not_silently_emptied(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        mock_interview(notes_path=path)
    path.write_text("[]")
    with pytest.raises(ValueError, match="object of notes"):
        NotesStore(path).load()
    assert path.read_text() == "[]", "a file the learner may want back is left as it was"
