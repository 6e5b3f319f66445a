"""The mock interview's widgets: per prompt a countdown, a notes box, a rubric with a score and a gated model answer."""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as widgets
from IPython.display import display

from lambda_course.chapters import interview
from lambda_course.chapters.interview import Countdown, NotesStore, Prompt


class InterviewCard:
    """One prompt as a card; the timer ticks from a Play widget, so no thread of the kernel's runs it."""

    def __init__(self, prompt: Prompt, store: NotesStore, minutes: float | None = None,
                 clock: Callable[[], float] = time.monotonic, min_words: int = interview.MIN_NOTE_WORDS) -> None:
        self.prompt, self.store, self.min_words = prompt, store, min_words
        self.countdown = Countdown(minutes or prompt.minutes, clock)
        notes, ticked = store.get(prompt.id)
        self.timer = widgets.HTML()
        self.start_button = widgets.Button(description="Start the clock", icon="play", button_style="primary")
        self.ticker = widgets.Play(interval=1000, min=0, max=int(self.countdown.seconds) + 1, show_repeat=False,
                                   layout=widgets.Layout(display="none"))
        self.notes = widgets.Textarea(value=notes, placeholder="Your answer: components, data flow, failure "
                                      "handling, limits, cost...", continuous_update=False,
                                      layout=widgets.Layout(width="95%", height="180px"))
        self.boxes = {item_id: widgets.Checkbox(value=item_id in ticked, description=text, indent=False,
                                                layout=widgets.Layout(width="auto"))
                      for item_id, text in prompt.rubric}
        self.score = widgets.HTML()
        self.reveal_button = widgets.Button(description="Show model answer")
        self.gate = widgets.HTML()
        self.model = widgets.HTML()
        self._wire()
        self.widget = self._layout()
        self.refresh()

    def _wire(self) -> None:
        self.start_button.on_click(lambda _b: self.start())
        self.ticker.observe(lambda _change: self.tick(), names="value")
        self.notes.observe(lambda _change: self.changed(), names="value")
        for box in self.boxes.values():
            box.observe(lambda _change: self.changed(), names="value")
        self.reveal_button.on_click(lambda _b: self.reveal())

    def _layout(self) -> widgets.VBox:
        return widgets.VBox([
            widgets.HTML(f"<h4>{html.escape(self.prompt.title)}</h4><p>{html.escape(self.prompt.prompt)}</p>"),
            widgets.HBox([self.start_button, self.timer, self.ticker]), self.notes,
            widgets.HTML("<b>Rubric:</b> tick what your notes covered."), *self.boxes.values(), self.score,
            widgets.HBox([self.reveal_button, self.gate]), self.model])

    @property
    def ticked(self) -> list[str]:
        """The rubric ids ticked, in the rubric's order."""
        return [item_id for item_id, box in self.boxes.items() if box.value]

    @property
    def revealed(self) -> bool:
        """Whether the model answer is showing."""
        return bool(self.model.value)

    def start(self) -> None:
        """Start (or restart) the countdown, and the front end's one-second ticks that redraw it."""
        self.countdown.start()
        self.ticker.value = 0
        self.ticker.playing = True
        self.tick()

    def tick(self) -> None:
        """Redraw the time left; stop ticking when it is up."""
        self.timer.value = f"<b style='font-size:1.3em'>&nbsp;{html.escape(self.countdown.text())}</b>"
        if self.countdown.expired:
            self.ticker.playing = False

    def changed(self) -> None:
        """Save the notes and ticks, then redraw the score and the model answer's gate."""
        self.store.save(self.prompt.id, self.notes.value, self.ticked)
        self.refresh()

    def refresh(self) -> None:
        """Redraw the timer, the rubric score and whether the model answer may open."""
        self.tick()
        covered, possible = interview.rubric_score(self.ticked, self.prompt.rubric)
        self.score.value = f"<i>Rubric: {covered} of {possible} covered ({round(100 * covered / possible)}%).</i>"
        ready = interview.ready_for_model_answer(self.notes.value, self.min_words)
        self.reveal_button.disabled = not ready and not self.revealed
        words = len(self.notes.value.split())
        self.gate.value = "" if ready else (f"<i>&nbsp;Write at least {self.min_words} words of your own answer "
                                            f"first ({words} so far).</i>")

    def reveal(self) -> None:
        """Show the model answer, only once the notes are long enough."""
        if not interview.ready_for_model_answer(self.notes.value, self.min_words):
            self.refresh()
            return
        self.model.value = "<b>Model answer</b>" + interview.model_answer_html(self.prompt.model_answer)
        self.reveal_button.disabled = True


class MockInterview:
    """Every prompt's card, one under the other."""

    def __init__(self, cards: Sequence[InterviewCard]) -> None:
        self.cards = list(cards)
        self.widget = widgets.VBox([card.widget for card in self.cards])

    def _ipython_display_(self) -> None:
        display(self.widget)


def mock_interview(minutes: float | None = None, notes_path: Path = interview.NOTES_FILE) -> MockInterview:
    """The mock interview: each prompt's card, `minutes` on every clock (or each prompt's own default)."""
    store = NotesStore(notes_path)
    return MockInterview([InterviewCard(prompt, store, minutes) for prompt in interview.load_prompts()])
