"""The facts file says, for every number, whether the course reference states it, and the flag is true to the text.

The course reference is `../shared/reference/lambda-facts.md`, next to the project. A fact flagged
`reference = true` must appear there: written plainly (1769), with thousands separators (1,769), with a price's
two decimals (0.20), or in one of the other units listed in CONVERSIONS below. A fact flagged `reference = false`
comes from elsewhere: it must name a web page as its source and say in its note that it needs re-checking.
"""

import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lambda_course.chapters.text import day
from localaws.facts import all_facts, fact

ROOT = Path(__file__).resolve().parents[2]
FACTS_FILE = ROOT / "localaws" / "data" / "facts.toml"
REFERENCE = ROOT.parent / "shared" / "reference" / "lambda-facts.md"
OUTSIDE_NOTE = "Outside the course reference"

# (fact key, value in the facts file) -> (how the reference writes it, that quantity in the fact's unit).
# The second item is the conversion worked out, so a changed value cannot keep a stale conversion.
CONVERSIONS = {
    ("async_max_event_age_s", 21600): ("6 hours", 6 * 3600),            # seconds
    ("free_tier_requests", 1000000): ("1 million", 1_000_000),          # requests
    ("eventbridge_event_size_kb", 1024): ("1 MB", 1024),                # 1 MB = 1,024 KB
    ("cold_start_by_package_size_ms", 0.001): ("1 KB", 1 / 1000),       # package size in MB
}


def written_forms(key: str, number: float) -> set[str]:
    """The ways the reference may write `number`: plain, with separators, as a price, or converted."""
    if float(number).is_integer():
        whole = int(number)
        forms = {str(whole), f"{whole:,}"}
    else:
        forms = {format(Decimal(str(number)).normalize(), "f")}
    if round(number, 2) == number:
        forms.add(f"{number:,.2f}")
    if (key, number) in CONVERSIONS:
        forms.add(CONVERSIONS[(key, number)][0])
    return forms


def appears(form: str, text: str) -> bool:
    """Whether `form` occurs in `text` on its own, not as part of a longer number (0.4 is not in 0.40)."""
    return re.search(rf"(?<![\w.,]){re.escape(form)}(?![\w]|[.,]\d)", text) is not None


@pytest.fixture(scope="module")
def reference_text() -> str:
    if not REFERENCE.is_file():
        pytest.skip(f"the course reference is not available ({REFERENCE} is absent), so facts cannot be checked")
    return REFERENCE.read_text()


def test_every_fact_says_whether_the_reference_states_it():
    raw = tomllib.loads(FACTS_FILE.read_text())
    missing = [key for key, entry in raw.items() if not isinstance(entry.get("reference"), bool)]
    assert not missing, f"facts without `reference = true` or `reference = false`: {', '.join(missing)}"
    assert {key: item.reference for key, item in all_facts().items()} == {k: e["reference"] for k, e in raw.items()}


def test_every_fact_names_a_source_and_a_real_as_of_date():
    problems = []
    for key, entry in tomllib.loads(FACTS_FILE.read_text()).items():
        if not str(entry.get("source", "")).strip():
            problems.append(f"{key}: no source")
        try:
            date.fromisoformat(str(entry.get("as_of", "")))
        except ValueError:
            problems.append(f"{key}: as_of {entry.get('as_of')!r} is not a date like 2026-11-01")
    assert not problems, "\n".join(problems)


def test_reference_facts_appear_in_the_reference(reference_text):
    problems = []
    for key, item in all_facts().items():
        if not item.reference:
            continue
        if isinstance(item.value, date):  # a date counts as written the way people write it: 25 February 2026
            if not appears(day(item.value), reference_text):
                problems.append(f"{key}: {day(item.value)!r} is flagged reference = true but not in lambda-facts.md")
            continue
        numbers = item.numbers()
        if not numbers:
            problems.append(f"{key}: no number to look for in {item.value!r}")
        for number in numbers:
            forms = written_forms(key, number)
            if not any(appears(form, reference_text) for form in forms):
                problems.append(f"{key}: {number!r} is flagged reference = true, but none of {sorted(forms)} "
                                "is in lambda-facts.md")
    assert not problems, "\n".join(problems)


def test_fact_conversions_are_right_and_used_by_reference_facts(reference_text):
    for (key, number), (written, converted) in CONVERSIONS.items():
        item = fact(key)
        assert item.reference, f"{key} has a conversion but is flagged reference = false"
        assert number in item.numbers(), f"{key} no longer holds {number!r}; update CONVERSIONS"
        assert converted == pytest.approx(number), f"{key}: {written!r} is not {number} {item.unit}"
        assert appears(written, reference_text), f"{key}: {written!r} is not in lambda-facts.md"


def test_facts_outside_the_reference_name_a_page_and_ask_for_a_recheck():
    problems = []
    for key, item in all_facts().items():
        if item.reference:
            continue
        if "https://" not in item.source:
            problems.append(f"{key}: source names no web page: {item.source!r}")
        if OUTSIDE_NOTE not in item.note:
            problems.append(f"{key}: note does not say it is outside the course reference and needs re-checking")
        if "check the current figure" not in item.cite():
            problems.append(f"{key}: cite() does not ask the reader to check the current figure")
    assert not problems, "\n".join(problems)


def test_the_fact_matcher_accepts_separators_prices_and_conversions_only_as_whole_numbers():
    text = "up to 10,240 MB; $0.20 per million; events kept up to 6 hours; 1 KB 242 ms; 0.40 and 11769"
    assert appears("10,240", text) and not appears("10240", text)
    assert {"0.2", "0.20"} == written_forms("price_requests_per_million", 0.2)
    assert appears("0.20", text) and not appears("0.2", text) and not appears("0.4", text)
    assert "6 hours" in written_forms("async_max_event_age_s", 21600)
    assert not appears("1769", text) and not appears("1", "11769")
