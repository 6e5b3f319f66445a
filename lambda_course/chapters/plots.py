"""Figures for the chapters, built from facts and live measurements; each returns a Figure.

Cost and scaling figures come from the cost model, `lambda_course.model`.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from localaws.facts import fact, value

RUNTIMES = {  # label -> fact key stem of its low/high cold-start measurements
    "Rust": "cold_start_rust_ms",
    "Python (zip)": "cold_start_python_zip_ms",
    "Node.js": "cold_start_nodejs_ms",
    "Python (image)": "cold_start_python_image_ms",
    "Java": "cold_start_java_ms",
}


def cold_start_timeline(rows: Sequence[tuple[str, float, float]], title: str = "Invocations") -> Figure:
    """Horizontal bars, one per invocation: INIT (if any) then the handler's run, in milliseconds."""
    fig = Figure(figsize=(7, 0.45 * len(rows) + 1.4))
    ax = fig.subplots()
    labelled: set[str] = set()
    for i, (_name, init_ms, run_ms) in enumerate(rows):
        for part, left, width, colour in (("INIT (cold start)", 0, init_ms, "tab:orange"),
                                          ("handler", init_ms, run_ms, "tab:blue")):
            if width:
                ax.barh(i, width, left=left, color=colour, label=None if part in labelled else part)
                labelled.add(part)
    ax.set_yticks(range(len(rows)), [row[0] for row in rows])
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def cold_start_by_runtime() -> Figure:
    """The public cold-start ranges of a minimal function per runtime, from the facts file."""
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    for i, stem in enumerate(RUNTIMES.values()):
        low, high = value(f"{stem}_low"), value(f"{stem}_high")
        ax.barh(i, high - low, left=low, color="tab:orange")
    ax.set_yticks(range(len(RUNTIMES)), list(RUNTIMES))
    ax.set_xlabel("Init Duration of a minimal function, ms")
    ax.set_title(f"Cold start by runtime ({fact('cold_start_python_zip_ms_low').source})", fontsize=9)
    fig.tight_layout()
    return fig


def package_size_curve(measured: Sequence[tuple[float, float]] = ()) -> Figure:
    """Cold start against package size: the public measurement, and optionally the sandbox's own points."""
    item = fact("cold_start_by_package_size_ms")
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    sizes, times = zip(*item.value, strict=True)
    ax.plot(sizes, times, "o-", label=f"public ({item.note.rstrip('.')})")
    if measured:
        m_sizes, m_times = zip(*measured, strict=True)
        ax.plot(m_sizes, m_times, "s--", color="tab:green", label="measured in the sandbox")
    ax.set_xlabel("deployment package, MB")
    ax.set_ylabel("cold start, ms")
    ax.set_title(item.cite(), fontsize=9)
    ax.legend()
    fig.tight_layout()
    return fig


def size_limits_figure() -> Figure:
    """Zip and container-image size limits side by side, on a log scale because they differ so much."""
    items = {
        "console editor": value("package_console_editor_mb"),
        "zip, direct upload": value("package_zip_direct_mb"),
        "zip, unzipped with layers": value("package_unzipped_mb"),
        "container image": value("container_image_gb") * 1024,
    }
    fig = Figure(figsize=(7, 2.8))
    ax = fig.subplots()
    ax.barh(list(items), list(items.values()), color=["tab:blue"] * 3 + ["tab:purple"])
    ax.set_xscale("log")
    ax.set_xlabel("MB (log scale)")
    ax.set_title(fact("container_image_gb").cite(), fontsize=9)
    fig.tight_layout()
    return fig


def pipeline_diagram(stages: Sequence[tuple[str, str]], title: str = "") -> Figure:
    """Boxes joined by arrows, one per (name, caption) stage: a data flow drawn left to right."""
    fig = Figure(figsize=(2.4 * len(stages), 1.9))
    ax = fig.subplots()
    ax.set_xlim(0, len(stages))
    ax.set_ylim(0, 1)
    ax.axis("off")
    for i, (name, caption) in enumerate(stages):
        ax.text(i + 0.5, 0.62, name, ha="center", va="center", fontsize=11, weight="bold",
                bbox={"boxstyle": "round,pad=0.5", "facecolor": "#fdebd0", "edgecolor": "tab:orange"})
        ax.text(i + 0.5, 0.22, caption, ha="center", va="center", fontsize=8, wrap=True)
        if i:
            ax.annotate("", xy=(i + 0.16, 0.62), xytext=(i - 0.16, 0.62),
                        arrowprops={"arrowstyle": "->", "linewidth": 1.5})
    if title:
        ax.set_title(title, fontsize=10)
    return fig
