"""No chapter types one of the facts file's numbers: chapters must read them through grader.facts.

The rule, chosen to catch real copies without tripping over everyday numbers:

* A number is *distinctive* when it has at least three significant digits (1769, 10240, 0.0000166667, 3.35,
  1354) and is not a power of two. Powers of two (128, 512, 1024...) are ordinary memory and byte sizes that a
  chapter may pass as settings; short or round numbers (3, 10, 50, 1,000, 0.20) are too common in examples to
  pin on a fact.
* A time *limit* (a fact whose key names a maximum, like `timeout_max_s`) of a minute or more is a fact even
  when round: the seconds (900) and the usual spoken forms ("15 minutes", "15-minute", "15 min", "6 hours")
  are all flagged. Other round durations (a 60 s start-up time, a 300 s window) are left alone, since 60 and
  300 are everyday numbers.
* Each distinctive number is looked for as written plainly (1769), with thousands separators (1,769), and for
  small decimals also in scientific notation (1.66667e-05), never as part of a longer number (11769, 1769.5).

Markdown and code cells are both scanned; outputs are not (chapters are committed without them).
"""

import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest

from grader.facts import all_facts

COURSE = Path(__file__).resolve().parents[2] / "course"


def _significant_digits(number: float) -> int:
    digits = format(Decimal(str(number)).normalize(), "f").replace(".", "").replace("-", "")
    return len(digits.strip("0"))


def _is_power_of_two(number: float) -> bool:
    return float(number).is_integer() and number > 0 and int(number) & (int(number) - 1) == 0


def _plain_forms(number: float) -> set[str]:
    if float(number).is_integer():
        whole = int(number)
        return {str(whole), f"{whole:,}"}
    text = format(Decimal(str(number)).normalize(), "f")
    forms = {text}
    if abs(number) < 0.001:
        forms |= {f"{number:.5e}".replace("e-0", "e-").rstrip("0"), repr(number)}
        forms |= {form.replace("0e", "e") for form in forms}
    return forms


def _time_forms(seconds: float) -> set[str]:
    forms: set[str] = set()
    for size, word in ((3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = int(seconds // size)
            forms |= {f"{count} {word}s", f"{count} {word}", f"{count}-{word}"}
            if word == "minute":
                forms.add(f"{count} min")
    return forms


def flagged_forms() -> dict[str, str]:
    """Written form -> key of the fact it comes from, for every distinctive value in the facts file."""
    forms: dict[str, str] = {}
    for key, item in all_facts().items():
        for number in item.numbers():
            if _significant_digits(number) >= 3 and not _is_power_of_two(number):
                forms.update(dict.fromkeys(_plain_forms(number), key))
            if item.unit == "s" and number >= 60 and "max" in key.split("_"):
                forms.update(dict.fromkeys(_plain_forms(number) | _time_forms(number), key))
    return forms


def find_hardcoded(text: str, forms: dict[str, str]) -> list[tuple[str, str]]:
    """Every (form, fact key) whose form occurs in `text` as a whole number or phrase."""
    hits = []
    for form, key in forms.items():
        pattern = rf"(?<![\w.,]){re.escape(form)}(?![\w]|[.,]\d)"
        if re.search(pattern, text, flags=re.IGNORECASE):
            hits.append((form, key))
    return hits


def test_the_rule_catches_copies_and_spares_everyday_numbers():
    forms = flagged_forms()
    text = "One vCPU at 1,769 MB; up to 15 minutes; $0.0000166667 per GB-second; or 1.66667e-05."
    found = {form for form, _ in find_hardcoded(text, forms)}
    assert {"1,769", "15 minutes", "0.0000166667", "1.66667e-05"} <= found
    harmless = "Try memory=512 or 1024, 1,000 requests, 3 retries, version 3.12, item 11769 and 1769.5 units."
    assert find_hardcoded(harmless, forms) == []


@pytest.mark.parametrize("path", sorted(COURSE.glob("*.ipynb")), ids=lambda p: p.stem)
def test_chapter_reads_numbers_from_the_facts_file(path):
    forms = flagged_forms()
    nb = nbformat.read(path, as_version=4)
    problems = [f"cell {index}: {form!r} is the fact {key!r}; use say('{{{key}}}') or value({key!r})"
                for index, cell in enumerate(nb.cells) for form, key in find_hardcoded(cell.source, forms)]
    assert not problems, "\n".join(problems)
