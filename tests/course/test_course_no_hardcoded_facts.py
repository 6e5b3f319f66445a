"""No chapter types one of the facts file's numbers: chapters must read them through localaws.facts.

How a copied fact is recognised:

* By its value written with its unit, in the forms chapters use: "1,769 MB", "10 GB", "29 s", "15-minute",
  "six hours", "67 ms", "85%", "$0.20", "$0.2 per million", "1,000 concurrent executions", "5 layers". Every
  scalar fact gets the text the facts helper writes for it (lambda_course.chapters.text) and the usual variants: with
  or without thousands separators, "1 million" or "10k", counts up to twenty as words, a unit as symbol or word
  ("MB", "megabytes"; "s", "sec", "seconds"), seconds as whole minutes or hours, MB as whole GB and back. A
  table's cells are written in their column's unit (fargate_task_sizes: "120 GB"), its round cells left out.
* A *round* number (one significant digit, two ending in 5, or a power of two) in a measuring unit or an everyday
  count ("3 s", "45 s", "10 GB", "512 MB", "200 ms", "1%", "100 tasks") is also what a demo sets for itself: a
  function with 512 MB, a 60 s timeout. Such a form counts only when the same sentence names the fact's topic,
  taken from the words of its key plus a few spelled-out synonyms (TOPIC_WORDS): "default timeout 3 seconds" is
  timeout_default_s, "sleep for 3 s" is nothing. Time limits named as a maximum (timeout_max_s) always count.
  There is no allowlist: the example settings today's chapters use (512 MB, a 60 s timeout, 200 ms of work, a
  cache refreshed every five minutes) collide with facts' values but are spared by this rule.
* A bare number, as code and tables hold them, counts when it is distinctive: at least three significant digits
  and not a power of two (1769, 0.0000166667, 3.35), written plainly, with separators or in scientific notation.

Markdown and code cells are both scanned, code with its string literals and comments; outputs are not, so the
numbers a chapter reads from the facts file at run time (say, md, value) never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import nbformat
import pytest

from lambda_course.chapters.text import fmt, md, money, number
from localaws.facts import Fact, all_facts

COURSE = Path(__file__).resolve().parents[2] / "course"

# Measuring units: how chapters spell each after a number (regular expressions, matched ignoring case).
MEASURES = {
    "MB": r"MB|megabytes?", "GB": r"GB|gigabytes?", "KB": r"KB|kilobytes?", "GiB": r"GiB|GB",
    "ms": r"ms|milliseconds?", "s": r"s|secs?|seconds?", "min": r"mins?|minutes?", "h": r"h|hrs?|hours?",
    "%": r"%|percent",
}
UNIT_NAMES = {"hours": "h"}
# Counting words that also follow round numbers in everyday examples ("10,000 messages", "100 tasks").
EVERYDAY_COUNTS = {"requests", "tasks", "times", "messages", "environments", "executions", "concurrent", "batches",
                   "vCPU"}
# Words of fact keys too common in the course to tie a number to one fact: units, ends of a range, limits in
# general, and words every chapter uses (a topic word also matches as the start of a longer word).
NOT_TOPICS = {"s", "ms", "mb", "gb", "kb", "gib", "low", "high", "min", "max", "per", "percent", "price", "default",
              "in", "out", "down", "sqs", "memory", "start", "environment", "environments", "seconds", "requests",
              "size", "total", "x86", "step", "vcpus", "large", "xlarge", "node", "scale", "rate", "period", "event",
              "code", "direct", "share", "cap", "http", "initial"}
# Topic words spelled differently in prose than in keys.
TOPIC_WORDS = {
    "apigw": ["api gateway"], "tmp": ["/tmp", "ephemeral"], "env": ["environment variable"],
    "async": ["asynchronous"], "sync": ["synchronous"], "hpa": ["autoscaler"], "init": ["initiali[sz]"],
    "eks": ["kubernetes"], "idle": ["reclaim"], "scaling": ["scale"], "default": ["default", "when none is given"],
    "min": ["minimum", "smallest", "lowest", "at least"], "max": ["maximum", "largest", "highest", "at most", "up to"],
}
WORD_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
ANY_NUMBER = re.compile(rf"\d|\b(?:{'|'.join(WORD_NUMBERS)})\b", re.IGNORECASE)  # sentences without one are skipped
BEFORE = r"(?<![\w.,$])"  # not the tail of a longer number or word (11769, 1.769, $10)


@dataclass(frozen=True)
class Form:
    """One way a fact may be written; `topic`, when set, must also appear in the sentence for it to count."""

    key: str
    pattern: re.Pattern[str]
    topic: re.Pattern[str] | None = None


def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def _significant_digits(value: float) -> int:
    digits = format(Decimal(str(value)).normalize(), "f").replace(".", "").replace("-", "")
    return len(digits.strip("0"))


def _is_power_of_two(value: float) -> bool:
    return float(value).is_integer() and value > 0 and int(value) & (int(value) - 1) == 0


def _is_round(value: float) -> bool:
    """One significant digit, two ending in 5 (15, 45, 250), or a power of two: what examples pick too."""
    digits = format(Decimal(str(value)).normalize(), "f").replace(".", "").strip("0")
    return len(digits) <= 1 or (len(digits) == 2 and digits.endswith("5")) or _is_power_of_two(value)


def _plain(value: float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _numerals(value: float) -> list[str]:
    """Regular expressions for `value` written as a number: plain, with separators, in words, 10k, 1 million."""
    if not float(value).is_integer():
        return [re.escape(_plain(value))]
    whole = int(value)
    spelled = [str(whole), f"{whole:,}"]
    if whole % 1000 == 0:
        spelled.append(f"{whole // 1000}k")
    if whole % 1_000_000 == 0:
        spelled += [f"{whole // 1_000_000} million", f"{whole // 1_000_000}m"]
    digits = [re.escape(text) for text in dict.fromkeys(spelled)]
    words = [WORD_NUMBERS[whole]] if whole < len(WORD_NUMBERS) else []
    if whole == 1_000_000:
        words.append("one million")
    return digits + words


def _with_unit(value: float, unit: str) -> str:
    """A regex for `value` followed by `unit` (a regex): digits may touch a symbol, words need a space or hyphen."""
    numerals = _numerals(value)
    digits = "|".join(n for n in numerals if n[0].isdigit())
    words = "|".join(n for n in numerals if not n[0].isdigit()) or "(?!)"
    return (rf"{BEFORE}(?:(?:{digits})[ \u00a0-]?|\b(?:{words})[ \u00a0-])(?:{unit})(?![\w%])"
            rf"(?![.,]\d)")


def _topic(key: str) -> re.Pattern[str]:
    """The words that tie a round value to this fact: its key's words, less generic ones, plus synonyms."""
    words = key.split("_")
    spellings = [re.escape(word) for word in words if word not in NOT_TOPICS and not word.isdigit()]
    spellings += [spelling for word in words for spelling in TOPIC_WORDS.get(word, [])]
    return _compile(rf"(?<![\w/])(?:{'|'.join(spellings)})") if spellings else _compile(r"(?!)")


def _measures(value: float, unit: str) -> list[tuple[float, str, bool]]:
    """(number, unit regex, is a plain measure) for a value in a measuring unit, with the usual conversions."""
    name = _unit_name(unit)
    pairs = [(value, MEASURES[name], True)]
    if name == "s":
        pairs += [(value / size, MEASURES[other], True) for size, other in ((60, "min"), (3600, "h"))
                  if value % size == 0]
    if name in ("MB", "KB") and value >= 1024 and value % 1024 == 0:
        pairs.append((value // 1024, MEASURES["GB" if name == "MB" else "MB"], True))
    if name == "GB":
        pairs.append((value * 1024, MEASURES["MB"], True))
    if name == "%" and " " in unit:  # "1% of invocations" says what it measures
        pairs.append((value, re.escape(unit), False))
    return pairs


def _count_words(unit: str) -> list[tuple[str, bool]]:
    """(unit regex, is an everyday count) for a counted unit: the whole phrase, and its first and last words."""
    head = unit.split(" per ")[0]
    words = head.split()
    parts = {head, words[0], words[-1]} if len(words) <= 2 else {head, words[0]}
    return [(re.escape(part.removesuffix("s")) + "s?", part in EVERYDAY_COUNTS) for part in parts]


def _unit_name(unit: str) -> str:
    return UNIT_NAMES.get(unit.split()[0], unit.split()[0])


def _unit_forms(key: str, value: float, unit: str) -> list[Form]:
    """Forms of one value in a measuring or counting unit; round ones need the fact's topic."""
    is_time_limit = unit == "s" and "max" in key.split("_")
    if _unit_name(unit) in MEASURES:
        pairs = _measures(value, unit)
    else:
        pairs = [(value, regex, everyday) for regex, everyday in _count_words(unit)]
    topic = _topic(key)
    return [Form(key, _compile(_with_unit(number, regex)),
                 topic if generic and _is_round(number) and not is_time_limit else None)
            for number, regex, generic in pairs]


def _table_forms(item: Fact) -> list[Form]:
    """Forms of a table's cells that are not round, in their column's unit: '[vCPU, min GB, max GB]' gives '120 GB'.

    A table's round cells (0.5 vCPU, 1 GB) are the valid settings examples pick from, so they are not copies.
    """
    columns = [column.split()[-1] for column in item.unit.strip("[]").split(",")]
    rows = [row for row in item.value if isinstance(row, list)]
    return [form for row in rows for cell, unit in zip(row, columns, strict=True) if not _is_round(cell)
            for form in _unit_forms(item.key, cell, unit)]


def _price_forms(item: Fact) -> list[Form]:
    """Forms of a price: '$0.20' as the facts helper writes it, and '$0.2 per million', '0.20 USD' and so on."""
    shown, least = money(item.value)[1:], number(item.value)
    amounts = "|".join(re.escape(text) for text in dict.fromkeys([shown, least]))
    per = item.unit.removeprefix("USD").strip()
    per_word = per.split()[1] if per.startswith("per ") else ""
    forms = [rf"(?<![\w$])\$(?:{re.escape(shown)})(?![\d])", rf"{BEFORE}(?:{amounts})[ \u00a0]?USD\b",
             rf"\bUSD[ \u00a0]?(?:{amounts})(?![\d])"]
    if per_word:
        after = rf"[ \u00a0]?(?:per |/ ?|a |an ){re.escape(per_word)}"
        forms += [rf"(?<![\w$])\$(?:{amounts}){after}", rf"{BEFORE}(?:{amounts}){after}"]
    return [Form(item.key, _compile(form)) for form in forms]


def _distinctive_forms(item: Fact) -> list[Form]:
    """Bare numbers of a fact with three or more significant digits that are not powers of two."""
    forms = []
    for value in item.numbers():
        if _significant_digits(value) < 3 or _is_power_of_two(value):
            continue
        spelled = {_plain(value)} | ({str(int(value)), f"{int(value):,}"} if float(value).is_integer() else set())
        if abs(value) < 0.001:
            scientific = {f"{value:.5e}".replace("e-0", "e-").rstrip("0"), repr(value)}
            spelled |= scientific | {form.replace("0e", "e") for form in scientific}
        forms += [Form(item.key, _compile(rf"{BEFORE}{re.escape(text)}(?![\w]|[.,]\d)")) for text in spelled]
    return forms


def _time_limit_forms(item: Fact) -> list[Form]:
    """A time limit named as a maximum is flagged as a bare number of seconds too, however round (900)."""
    if item.unit != "s" or "max" not in item.key.split("_"):
        return []
    return [Form(item.key, _compile(rf"{BEFORE}(?:{'|'.join(_numerals(item.value)[:2])})(?![\w]|[.,]\d)"))]


@cache
def flagged_forms() -> tuple[Form, ...]:
    """Every form of every fact in the facts file that a chapter must not type."""
    forms: list[Form] = []
    for item in all_facts().values():
        forms += _distinctive_forms(item) + _time_limit_forms(item)
        if isinstance(item.value, list) and item.unit.startswith("["):
            forms += _table_forms(item)
        elif isinstance(item.value, int | float) and not isinstance(item.value, bool):
            forms += _price_forms(item) if item.unit.startswith("USD") else _unit_forms(item.key, item.value, item.unit)
    return tuple(forms)


def sentences(text: str, code: bool) -> list[str]:
    """A cell's text cut where sentences, list items and table rows end; in code, every line ends one too."""
    breaks = r"\n" if code else r"\n\s*\n|\n(?=\s*(?:[-*+|#>]|\d+\.)\s)"
    return re.split(rf"(?<=[.!?;])\s+|{breaks}", text)


def find_hardcoded(text: str, code: bool = False) -> list[tuple[str, str]]:
    """Every (text as written, fact key) in `text` that copies a fact, each once."""
    hits: dict[tuple[str, str], None] = {}
    for sentence in sentences(text, code):
        if not ANY_NUMBER.search(sentence):
            continue
        for form in flagged_forms():
            for match in form.pattern.finditer(sentence):
                rest = sentence[:match.start()] + " " + sentence[match.end():]
                if form.topic is None or form.topic.search(rest):
                    hits[(match.group(0), form.key)] = None
    return list(hits)


def chapter_hits(path: Path) -> list[tuple[int, str, str]]:
    """(cell index, text as written, fact key) for every copied fact in a chapter's cells."""
    nb = nbformat.read(path, as_version=4)
    return [(index, written, key) for index, cell in enumerate(nb.cells)
            for written, key in find_hardcoded(cell.source, code=cell.cell_type == "code")]


def keys(text: str, code: bool = False) -> set[str]:
    """The keys of the facts `text` copies."""
    return {key for _, key in find_hardcoded(text, code)}


ISSUE_SENTENCE = ("1,000 concurrent executions; $0.20 per million; images up to 10 GB; 6 MB payload; "
                  "API Gateway waits 29 s; default timeout 3 seconds")

COPIES = [  # (text a chapter might type, the fact it copies)
    ("A function may run for up to 15 minutes.", "timeout_max_s"),
    ("client.create_function(Timeout=900)", "timeout_max_s"),
    ("Lambda keeps an asynchronous event for six hours at most.", "async_max_event_age_s"),
    ("One vCPU at 1,769 MB; 1.66667e-05 per GB-second.", "memory_per_vcpu_mb"),
    ("An image may hold up to 10,240 MB.", "container_image_gb"),
    ("Cold starts hit under 1% of invocations.", "cold_start_share_percent"),
    ("Asynchronous payloads are capped at 1 MB.", "payload_async_mb"),
    ("The free tier covers 1 million requests.", "free_tier_requests"),
    ("400,000 GB-seconds are free each month.", "free_tier_gb_seconds"),
    ("An SQS batch holds up to 10,000 messages.", "sqs_batch_size_max"),
    ("Set the visibility timeout to six times the function timeout.", "sqs_visibility_timeout_factor"),
    ("A Fargate task takes 30 to 45 s to start.", "fargate_task_start_s_high"),
    ("An EKS cluster costs $0.10 an hour.", "price_eks_cluster_hour"),
    ("HTTP APIs cost $1 per million.", "price_apigw_http_per_million"),
    ("Between 50% and 85% of initialisations are proactive.", "proactive_init_percent_high"),
    ("An idle environment is reclaimed after ten minutes.", "idle_environment_lifetime_s"),
    ("The smallest /tmp is 512 MB.", "tmp_min_mb"),
    ("Java starts cold in 200 ms.", "cold_start_java_ms_low"),
    ("The largest Fargate task has 16 vCPU and 120 GB.", "fargate_task_sizes"),
    ("A 64 MB package took 3,184 ms to start cold.", "cold_start_by_package_size_ms"),
    ("A function scales by 1,000 environments every 10 seconds.", "scaling_step_environments"),
]

HARMLESS = [  # example settings and everyday numbers that collide with a fact's value but copy nothing
    "A demo function with 512 MB of memory and a 60 s timeout sleeps 200 ms, three times.",
    "It sends 1,000 requests and retries 3 times; Python 3.12; item 11769 and 1769.5 units.",
    "Provisioning 10 GB of RAM for a batch job takes 3 s; 50% of the traffic goes to version 2.",
    "A spike of 1,000 concurrent requests in 2010s hardware; the S3 bucket holds 10k objects; a 45-second wait.",
    "The request waits 200 ms on a database; the cache is refreshed every five minutes.",
    "As a container it is a Fargate task of 0.5 vCPU and 1 GB.",
]


def test_the_issue_sentence_is_caught_fact_by_fact():
    assert keys(ISSUE_SENTENCE) >= {"account_concurrency_default", "price_requests_per_million", "container_image_gb",
                                    "payload_sync_mb", "apigw_integration_timeout_s", "timeout_default_s"}


@pytest.mark.parametrize(("text", "key"), COPIES, ids=[key for _, key in COPIES])
def test_a_copied_fact_is_caught(text, key):
    assert key in keys(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_example_settings_and_other_numbers_are_spared(text):
    assert find_hardcoded(text) == []


def test_code_is_read_line_by_line_and_format_specs_are_not_numbers():
    assert find_hardcoded('ax.plot(x, y, "s-", label=f"{share:.1%} in 60 s")', code=True) == []
    assert find_hardcoded('timeout = 3  # seconds\nprint("the default")', code=True) == []
    assert keys('print("the default timeout is 3 s")', code=True) == {"timeout_default_s"}


def test_numbers_the_facts_helper_writes_at_run_time_are_not_copies():
    template = "Up to {timeout_max_s:time}, {price_requests_per_million} and {payload_sync_mb} per synchronous request"
    cell = nbformat.v4.new_code_cell(f"md({template!r})")
    shown = md(template).data
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": shown})]
    assert find_hardcoded(cell.source, code=True) == []
    assert keys(shown) >= {"timeout_max_s", "price_requests_per_million", "payload_sync_mb"}


def test_a_chapter_is_reported_by_cell_and_fact(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Limits"),
                                         nbformat.v4.new_code_cell('md("Payloads: {payload_sync_mb}")'),
                                         nbformat.v4.new_markdown_cell("A synchronous payload holds 6 MB.")])
    nbformat.write(nb, tmp_path / "99-example.ipynb")
    assert chapter_hits(tmp_path / "99-example.ipynb") == [(2, "6 MB", "payload_sync_mb")]


@pytest.mark.parametrize("key", [key for key, item in all_facts().items() if isinstance(item.value, int | float)])
def test_every_fact_typed_as_the_helper_writes_it_is_caught(key):
    topic = " ".join({"min": "minimum", "max": "maximum"}.get(word, word) for word in key.split("_"))
    assert key in keys(f"{topic}: {fmt(key)}"), f"{fmt(key)!r} would slip through for {key}"


@pytest.mark.parametrize("path", sorted(COURSE.glob("*.ipynb")), ids=lambda p: p.stem)
def test_chapter_reads_numbers_from_the_facts_file(path):
    problems = [f"{path.stem} cell {index}: {written!r} is the fact {key!r}; write say('{{{key}}}') or "
                f"md('...{{{key}}}...') so the number comes from localaws/data/facts.toml"
                for index, written, key in chapter_hits(path)]
    assert not problems, "\n".join(problems)
