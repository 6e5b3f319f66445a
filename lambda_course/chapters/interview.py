"""Chapter 11's mock interview: timed system-design prompts with notes that persist, a rubric and a model answer.

Each prompt is a card: a countdown started by a button, a notes box saved to a file beside the notebook (and
restored when the cell runs again), a rubric to tick with a score, and a model answer that opens only once the
learner has written notes. The prompts, rubrics and model answers live in `lambda_course/data/interviews.toml`.
"""

from __future__ import annotations

import html
import json
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from lambda_course.chapters.text import say

INTERVIEWS_FILE = "data/interviews.toml"
NOTES_FILE = Path("interview-notes.json")  # relative to the notebook's folder, where Jupyter runs its kernel
MIN_NOTE_WORDS = 15  # notes needed before the model answer opens: enough to have committed to a design


@dataclass(frozen=True)
class Prompt:
    """One system-design prompt: what is asked, for how long, what a strong answer covers, and a model answer."""

    id: str
    title: str
    minutes: float
    prompt: str
    rubric: tuple[tuple[str, str], ...]
    model_answer: str


def load_prompts(source: Traversable | None = None) -> tuple[Prompt, ...]:
    """The interview prompts, every text filled from the facts file."""
    text = (source or resources.files("lambda_course").joinpath(INTERVIEWS_FILE)).read_text()
    return tuple(_prompt(entry) for entry in tomllib.loads(text)["interview"])


def _prompt(entry: dict[str, Any]) -> Prompt:
    rubric = tuple((item_id, say(item)) for item_id, item in entry["rubric"])
    if len({item_id for item_id, _ in rubric}) != len(rubric):
        raise ValueError(f"{INTERVIEWS_FILE}: rubric ids repeat in {entry['id']!r}")
    return Prompt(entry["id"], say(entry["title"]), float(entry["minutes"]), say(entry["prompt"]), rubric,
                  say(entry["model_answer"]))


class Countdown:
    """A countdown from a number of minutes, read from a clock; nothing runs until `start`."""

    def __init__(self, minutes: float, clock: Callable[[], float] = time.monotonic) -> None:
        if minutes <= 0:
            raise ValueError(f"give the interview a positive number of minutes, not {minutes}")
        self.seconds = minutes * 60
        self.clock = clock
        self.started_at: float | None = None

    @property
    def running(self) -> bool:
        """Started and not yet at zero."""
        return self.started_at is not None and not self.expired

    @property
    def expired(self) -> bool:
        """Whether the time is up."""
        return self.remaining() <= 0

    def start(self) -> None:
        """Start the clock from the full time (again, if it was already running)."""
        self.started_at = self.clock()

    def remaining(self) -> float:
        """Seconds left: the full time before the start, never below zero."""
        if self.started_at is None:
            return self.seconds
        return max(0.0, self.seconds - (self.clock() - self.started_at))

    def text(self) -> str:
        """Time left as minutes and seconds, 'Time is up' at zero."""
        if self.expired:
            return "Time is up: finish your sentence, then compare with the rubric."
        minutes, seconds = divmod(int(self.remaining() + 0.999), 60)
        return f"{minutes:02d}:{seconds:02d} left" if self.started_at is not None else f"{minutes:02d}:{seconds:02d}"


def rubric_score(ticked: Sequence[str], rubric: Sequence[tuple[str, str]]) -> tuple[int, int]:
    """(points covered, points possible): one per rubric item ticked; ids not in the rubric count for nothing."""
    ids = {item_id for item_id, _ in rubric}
    return len(ids & set(ticked)), len(ids)


def ready_for_model_answer(notes: str, min_words: int = MIN_NOTE_WORDS) -> bool:
    """Whether the notes are long enough to open the model answer: the learner answered before reading one."""
    return len(notes.split()) >= min_words


class NotesStore:
    """Each prompt's notes and ticked rubric items, kept in a JSON file so they survive a kernel restart."""

    def __init__(self, path: Path = NOTES_FILE) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, dict[str, Any]]:
        """Everything saved so far; a missing file is an empty record, a damaged one an error naming the file."""
        if not self.path.exists():
            return {}
        try:
            saved = json.loads(self.path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{self.path} is not valid JSON ({error}); fix it, or move it away to start "
                             "with empty notes") from error
        if not isinstance(saved, dict):
            raise ValueError(f"{self.path} should hold an object of notes by prompt; move it away to start again")
        return saved

    def get(self, prompt_id: str) -> tuple[str, list[str]]:
        """(notes, ticked rubric ids) saved for one prompt, empty if none."""
        entry = self.load().get(prompt_id, {})
        return str(entry.get("notes", "")), [str(item) for item in entry.get("ticked", [])]

    def save(self, prompt_id: str, notes: str, ticked: Sequence[str]) -> None:
        """Record one prompt's notes and ticks, keeping the others' (written whole, then renamed into place)."""
        saved = self.load()
        saved[prompt_id] = {"notes": notes, "ticked": list(ticked)}
        scratch = self.path.with_name(self.path.name + ".tmp")
        scratch.write_text(json.dumps(saved, indent=1, ensure_ascii=False))
        scratch.replace(self.path)


def model_answer_html(text: str) -> str:
    """The model answer as HTML: paragraphs, and bullets for lines starting '- '."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append("<ul>" + "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            blocks.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return "".join(blocks)
