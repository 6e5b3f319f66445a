"""Interactive controls for the chapters; each keeps its callback as a method so tests can drive it."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from grader.chapters import compute, plots
from grader.chapters.scaling import FargateService, Traffic, simulate
from grader.chapters.text import money, number
from grader.facts import value


def figure_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes, for an Image widget that works in JupyterLab and headless alike."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class _Explorer:
    """Shared plumbing: a widget tree shown by the notebook, refreshed by `update`."""

    widget: widgets.Widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class MemoryExplorer(_Explorer):
    """A memory slider showing CPU share, duration and cost for CPU-bound work, with the sweep drawn."""

    def __init__(self, cpu_seconds: float = 1.0, wait_seconds: float = 0.05) -> None:
        self.cpu_seconds, self.wait_seconds = cpu_seconds, wait_seconds
        self.sizes = sorted(set(compute.standard_sizes(10) + [value("memory_per_vcpu_mb")]))
        self.points = compute.memory_sweep(self.sizes, cpu_seconds, wait_seconds)
        self.slider = widgets.IntSlider(value=value("memory_min_mb"), min=value("memory_min_mb"),
                                        max=value("memory_max_mb"), step=64, description="Memory MB",
                                        continuous_update=False, layout=widgets.Layout(width="60%"))
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.summary, self.image])
        self.update(self.slider.value)

    def update(self, memory_mb: int) -> None:
        """Recompute the numbers and the marker for one memory size."""
        share = compute.cpu_share(memory_mb)
        seconds = compute.run_seconds(memory_mb, self.cpu_seconds, self.wait_seconds)
        cost = compute.invocation_cost(memory_mb, seconds)
        self.summary.value = (
            f"<b>{number(memory_mb)} MB</b>: {share:.2f} vCPU, one invocation takes {seconds:.2f} s "
            f"and costs {money(round(cost * 1e6, 2))} per million invocations."
        )
        self.image.value = figure_png(plots.memory_sweep_figure(self.points, mark=memory_mb))


class ScalingExplorer(_Explorer):
    """Sliders for a traffic spike and for the Fargate service, redrawing the simulation on every change."""

    def __init__(self) -> None:
        base = Traffic()
        service = FargateService()
        slider = {"continuous_update": False, "style": {"description_width": "180px"},
                  "layout": widgets.Layout(width="70%")}
        self.spike = widgets.IntSlider(value=int(base.spike_rps), min=100, max=30000, step=100,
                                       description="spike, requests/s", **slider)
        self.length = widgets.IntSlider(value=base.spike_length_s, min=10, max=base.total_s - base.spike_start_s,
                                        step=10,
                                        description="spike length, s", **slider)
        self.duration = widgets.IntSlider(value=int(base.request_seconds * 1000), min=10, max=3000, step=10,
                                          description="request duration, ms", **slider)
        self.per_task = widgets.IntSlider(value=service.requests_per_task, min=1, max=500,
                                          description="requests per task at once", **slider)
        self.start = widgets.IntSlider(value=service.start_seconds, min=5, max=300, step=5,
                                       description="task start-up, s", **slider)
        quota = value("account_concurrency_default")
        self.quota = widgets.IntSlider(value=quota, min=100, max=quota * 20, step=100,
                                       description="Lambda concurrency quota", **slider)
        self.controls = [self.spike, self.length, self.duration, self.quota, self.per_task, self.start]
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        for control in self.controls:
            control.observe(lambda _change: self.update(), names="value")
        self.widget = widgets.VBox([*self.controls, self.summary, self.image])
        self.update()

    def update(self) -> None:
        """Run the simulation with the sliders' values and redraw."""
        traffic = Traffic(spike_rps=self.spike.value, spike_length_s=self.length.value,
                          request_seconds=self.duration.value / 1000)
        self.result = simulate(traffic, FargateService(requests_per_task=self.per_task.value,
                                                       start_seconds=self.start.value),
                               account_limit=self.quota.value)
        peak = compute.concurrency(traffic.spike_rps, traffic.request_seconds)
        self.summary.value = (
            f"Peak concurrency by Little's law: <b>{number(round(peak))}</b> requests in flight. "
            f"Lambda served <b>{self.result.lam.share_served():.1%}</b> of requests, "
            f"Fargate <b>{self.result.fargate.share_served():.1%}</b>."
        )
        self.image.value = figure_png(plots.scaling_figure(self.result))


class CostExplorer(_Explorer):
    """Monthly traffic against monthly cost: pay-per-use Lambda versus always-on Fargate tasks."""

    def __init__(self, memory_mb: int = 512, seconds: float = 0.1, vcpu: float = 0.5, memory_gb: float = 1.0,
                 tasks: int = 2) -> None:
        self.memory_mb, self.seconds = memory_mb, seconds
        self.vcpu, self.memory_gb, self.tasks = vcpu, memory_gb, tasks
        self.requests = widgets.FloatLogSlider(value=1e6, base=10, min=4, max=9, step=0.25,
                                               description="requests/month", continuous_update=False,
                                               style={"description_width": "120px"},
                                               layout=widgets.Layout(width="70%"))
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.requests.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.requests, self.summary, self.image])
        self.update(self.requests.value)

    def costs(self, requests: float) -> tuple[float, float]:
        """Lambda's and Fargate's monthly cost at this traffic."""
        return (compute.monthly_cost(requests, self.memory_mb, self.seconds),
                plots.fargate_monthly(self.vcpu, self.memory_gb, self.tasks))

    def update(self, requests: float) -> None:
        """Refresh the comparison for one monthly traffic figure."""
        lam, fargate = self.costs(requests)
        cheaper = "Lambda" if lam < fargate else "Fargate"
        self.summary.value = (
            f"{number(round(requests))} requests a month: Lambda {money(round(lam, 2))}, "
            f"Fargate {money(round(fargate, 2))}. <b>{cheaper}</b> is cheaper here."
        )
        self.image.value = figure_png(plots.cost_crossover_figure(
            self.memory_mb, self.seconds, self.vcpu, self.memory_gb, self.tasks, mark=requests))


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
        except Exception as error:  # an invalid pattern is the learner's to fix, not a crash
            self.result.value = _warning(f"Invalid pattern: {error}")
            return None
        self.result.value = "<b style='color:green'>Match</b>" if verdict else "<b>No match</b>"
        return verdict


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
        lines = "".join(f"<li><b>{html.escape(p)}</b>: {html.escape('; '.join(r))}</li>" for p, r in ranked)
        head = "A close call: consider a hybrid." if tie else f"This leans towards <b>{ranked[0][0]}</b>."
        self.verdict.value = f"{head}<ul>{lines}</ul>"
        return None if tie else ranked[0][0]
