"""Interactive controls for the chapters; each keeps its callback as a method so tests can drive it."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from lambda_course import model
from lambda_course.chapters.text import money, number
from lambda_course.model import Limits, Prices
from lambda_course.model.widget import figure_png


class _Explorer:
    """Shared plumbing: a widget tree shown by the notebook, refreshed by `update`."""

    widget: widgets.Widget

    def _ipython_display_(self) -> None:
        display(self.widget)


def _slider_style(width: str = "70%") -> dict:
    """Keyword arguments shared by the explorers' sliders: redraw on release, room for the label."""
    return {"continuous_update": False, "style": {"description_width": "180px"},
            "layout": widgets.Layout(width=width)}


class MemoryExplorer(_Explorer):
    """A memory slider over the model's power-tuning sweep: CPU share, duration and cost at each size."""

    def __init__(self, cpu_seconds: float = 1.0, wait_seconds: float = 0.05) -> None:
        self.cpu_seconds, self.wait_seconds = cpu_seconds, wait_seconds
        self.limits = Limits.from_facts()
        self.sizes = sorted({*model.standard_sizes(10), round(self.limits.memory_per_vcpu_mb)})
        self.points = model.memory_sweep(self.sizes, cpu_seconds, wait_seconds)
        self.slider = widgets.IntSlider(value=self.limits.memory_min_mb, min=self.limits.memory_min_mb,
                                        max=self.limits.memory_max_mb, step=64, description="Memory MB",
                                        **_slider_style("60%"))
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.summary, self.image])
        self.update(self.slider.value)

    def update(self, memory_mb: int) -> model.SweepPoint:
        """Show the model's numbers for one memory size and mark it on the sweep."""
        point = model.memory_sweep([memory_mb], self.cpu_seconds, self.wait_seconds)[0]
        self.summary.value = (
            f"<b>{number(memory_mb)} MB</b>: {model.cpu_share(memory_mb):.2f} vCPU, one invocation takes "
            f"{point.seconds:.2f} s and costs {money(round(point.cost * 1e6, 2))} per million invocations."
        )
        self.image.value = figure_png(model.plot_memory_sweep(self.points, mark=memory_mb))
        return point


class ScalingExplorer(_Explorer):
    """Sliders for a traffic spike, the Lambda quota and the Fargate service, over the model's simulation."""

    PLATFORMS = ("lambda", "fargate")
    BASE_RPS, SPIKE_AT_S, TOTAL_S = 50, 60, 900

    def __init__(self) -> None:
        self.limits = Limits.from_facts()
        quota = self.limits.account_concurrency
        style = _slider_style()
        self.spike = widgets.IntSlider(value=2000, min=100, max=30000, step=100,
                                       description="spike, requests/s", **style)
        self.length = widgets.IntSlider(value=300, min=10, max=self.TOTAL_S - self.SPIKE_AT_S, step=10,
                                        description="spike length, s", **style)
        self.duration = widgets.IntSlider(value=200, min=10, max=3000, step=10,
                                          description="request duration, ms", **style)
        self.quota = widgets.IntSlider(value=quota, min=100, max=quota * 20, step=100,
                                       description="Lambda concurrency quota", **style)
        self.per_task = widgets.IntSlider(value=50, min=1, max=500,
                                          description="requests per task at once", **style)
        self.start = widgets.IntSlider(value=round(self.limits.fargate_task_start_s), min=5, max=300, step=5,
                                       description="task start-up, s", **style)
        self.controls = [self.spike, self.length, self.duration, self.quota, self.per_task, self.start]
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        for control in self.controls:
            control.observe(lambda _change: self.update(), names="value")
        self.widget = widgets.VBox([*self.controls, self.summary, self.image])
        self.update()

    def workload(self) -> model.Workload:
        """The workload the sliders describe: a steady base with one spike."""
        rate = model.spike(self.BASE_RPS, self.spike.value, at_s=self.SPIKE_AT_S, length_s=self.length.value,
                           total_s=self.TOTAL_S)
        return model.Workload(rate, duration_ms=self.duration.value, per_task_concurrency=self.per_task.value)

    def update(self) -> dict[str, model.ScalingResult]:
        """Run the model's simulation for both platforms with the sliders' values, and redraw."""
        workload = self.workload()
        limits = self.limits.with_(account_concurrency=self.quota.value,
                                   fargate_task_start_s=self.start.value)
        self.results = {p: model.simulate(workload, p, limits) for p in self.PLATFORMS}
        lam, fargate = self.results["lambda"], self.results["fargate"]
        peak = number(round(workload.concurrency.max()))
        self.summary.value = (
            f"Peak concurrency by Little's law: <b>{peak}</b> requests in flight. "
            f"Lambda throttled <b>{lam.rejected_share:.1%}</b> of requests "
            f"(cold starts {lam.cold_start_share:.2%}); Fargate dropped <b>{fargate.rejected_share:.1%}</b>."
        )
        self.image.value = figure_png(model.plot_responses(list(self.results.values())))
        return self.results


class CostExplorer(_Explorer):
    """Monthly traffic against the model's monthly bills: pay-per-use Lambda versus Fargate tasks.

    The Fargate service keeps at least `tasks` tasks running and adds more when the load needs them; neither
    side has API Gateway in front, so the comparison is compute against compute.
    """

    PLATFORMS = ("lambda", "fargate")

    def __init__(self, memory_mb: int = 512, seconds: float = 0.1, vcpu: float = 0.5, memory_gb: float = 1.0,
                 tasks: int = 2) -> None:
        self.prices = Prices.from_facts()
        self.workload = model.Workload(model.steady(1), duration_ms=seconds * 1000, memory_mb=memory_mb,
                                       task_vcpu=vcpu, task_gb=memory_gb, min_tasks=tasks, api=None)
        self.requests = widgets.FloatLogSlider(value=1e6, base=10, min=4, max=9, step=0.25,
                                               description="requests/month", **_slider_style())
        self.rates = np.geomspace(self._rate(10**self.requests.min), self._rate(10**self.requests.max), 81)
        self.crossover = model.crossover_rate(self.workload, "fargate", self.prices)
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.requests.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.requests, self.summary, self.image])
        self.update(self.requests.value)

    def _rate(self, requests: float) -> float:
        """The average request rate that carries `requests` in a month."""
        return requests / self.prices.seconds_per_month

    def costs(self, requests: float) -> tuple[float, float]:
        """Lambda's and Fargate's monthly bills at this traffic, from the cost model."""
        at = self.workload.with_(rate=model.per_month(requests, self.prices))
        return model.lambda_cost(at, self.prices).total, model.fargate_cost(at, self.prices).total

    def update(self, requests: float) -> str:
        """Refresh the comparison for one monthly traffic figure; return the cheaper platform's name."""
        lam, fargate = self.costs(requests)
        cheaper = "Lambda" if lam < fargate else "Fargate"
        even = ("" if self.crossover is None else " The two cost the same at about "
                f"{number(round(self.crossover * self.prices.seconds_per_month, -4))} requests a month.")
        self.summary.value = (
            f"{number(round(requests))} requests a month: Lambda {money(round(lam, 2))}, "
            f"Fargate {money(round(fargate, 2))}. <b>{cheaper}</b> is cheaper here.{even}"
        )
        figure = model.plot_cost_vs_load(self.workload, self.prices, rates=self.rates,
                                         platforms=self.PLATFORMS, mark_rate=self._rate(requests))
        self.image.value = figure_png(figure)
        return cheaper


Matcher = Callable[[dict, dict], bool]


class PatternTester(_Explorer):
    """Two text boxes, an event pattern and an event, and a button that says whether they match."""

    def __init__(self, matcher: Matcher, pattern: dict, event: dict) -> None:
        self.matcher = matcher
        box = {"layout": widgets.Layout(width="48%", height="220px")}
        self.pattern = widgets.Textarea(value=json.dumps(pattern, indent=2), description="pattern", **box)
        self.event = widgets.Textarea(value=json.dumps(event, indent=2), description="event", **box)
        self.button = widgets.Button(description="Does it match?", button_style="primary")
        self.result = widgets.HTML()
        self.button.on_click(lambda _b: self.update())
        self.widget = widgets.VBox([widgets.HBox([self.pattern, self.event]), self.button, self.result])

    def update(self) -> bool | None:
        """Parse both boxes and run the matcher; say what went wrong if either is not valid JSON."""
        try:
            pattern, event = json.loads(self.pattern.value), json.loads(self.event.value)
        except json.JSONDecodeError as error:
            self.result.value = _warning(f"Not valid JSON: {error}")
            return None
        try:
            verdict = bool(self.matcher(pattern, event))
        except Exception as error:  # shown, never taken as a match: the widget only displays and grades nothing
            # The course's matcher raises InvalidEventPattern (a ValueError); another matcher may fail otherwise.
            found = f"Invalid pattern: {error}" if isinstance(error, ValueError) else (
                f"The matcher could not compare them: {type(error).__name__}: {error}. Check the pattern's shape.")
            self.result.value = _warning(found)
            return None
        self.result.value = "<b style='color:green'>Match</b>" if verdict else "<b>No match</b>"
        return verdict


def _bullets(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


def _warning(text: str) -> str:
    return f"<span style='color:#b35900'>{html.escape(text)}</span>"


class Flashcard(_Explorer):
    """An interview question with a standard answer shown and an advanced answer behind a button."""

    def __init__(self, question: str, standard: str, advanced: str) -> None:
        self.advanced_text = advanced
        self.button = widgets.Button(description="Show the advanced answer")
        self.advanced = widgets.HTML()
        self.button.on_click(lambda _b: self.toggle())
        self.widget = widgets.VBox([
            widgets.HTML(f"<b>{html.escape(question)}</b><br><i>Standard:</i> {html.escape(standard)}"),
            self.button, self.advanced])

    def toggle(self) -> None:
        """Show the advanced answer if hidden, hide it if shown."""
        showing = bool(self.advanced.value)
        self.advanced.value = "" if showing else f"<i>Advanced:</i> {html.escape(self.advanced_text)}"
        self.button.description = "Show the advanced answer" if showing else "Hide the advanced answer"


class Chooser(_Explorer):
    """Tick the traits of a workload and see which platform a rule set points to, with the reasons."""

    def __init__(self, rules: Sequence[tuple[str, str, str]]) -> None:
        """`rules` are (trait, platform it favours, reason) triples."""
        self.rules = list(rules)
        self.boxes = [widgets.Checkbox(value=False, description=trait, indent=False,
                                       layout=widgets.Layout(width="auto")) for trait, _, _ in self.rules]
        self.verdict = widgets.HTML()
        for box in self.boxes:
            box.observe(lambda _change: self.update(), names="value")
        self.widget = widgets.VBox([*self.boxes, self.verdict])
        self.update()

    def tally(self) -> dict[str, list[str]]:
        """Reasons given so far, grouped by the platform they favour."""
        chosen: dict[str, list[str]] = {}
        for box, (_trait, platform, reason) in zip(self.boxes, self.rules, strict=True):
            if box.value:
                chosen.setdefault(platform, []).append(reason)
        return chosen

    def update(self) -> str | None:
        """Redraw the verdict; return the favoured platform, or None on no ticks or a tie."""
        tally = self.tally()
        if not tally:
            self.verdict.value = "<i>Tick the traits that describe your workload.</i>"
            return None
        ranked = sorted(tally.items(), key=lambda item: -len(item[1]))
        tie = len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1])
        lines = "".join(f"<li><b>{html.escape(platform)}</b>{_bullets(reasons)}</li>" for platform, reasons in ranked)
        head = "A close call: consider a hybrid." if tie else f"This leans towards <b>{ranked[0][0]}</b>."
        self.verdict.value = f"{head}<ul>{lines}</ul>"
        return None if tie else ranked[0][0]
