"""The pure parts of benchmarks/load_autosave.py: figures, values, the HTML it reads, the database check."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "load_autosave.py"
spec = importlib.util.spec_from_file_location("load_autosave", PATH)
load = importlib.util.module_from_spec(spec)
sys.modules.setdefault("load_autosave", load)
spec.loader.exec_module(load)

Expected, Stored = load.Expected, load.Stored


def test_percentile_uses_the_nearest_rank():
    values = list(range(1, 101))
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 95) == 95
    assert load.percentile(values, 99) == 99
    assert load.percentile(values, 100) == 100
    assert load.percentile([7.0, 1.0, 3.0], 50) == 3.0
    assert load.percentile([4.0], 99) == 4.0


def test_percentile_of_nothing_is_nan():
    assert math.isnan(load.percentile([], 50))


def test_values_name_their_writer():
    assert load.writer_of(load.text_value(17, 3, 42)) == 17
    assert load.writer_of(load.number_value(199, 12)) == 199
    assert load.writer_of(load.number_value(0, 5)) == 0
    assert load.writer_of("yes") is None
    assert load.writer_of(True) is None


def test_choice_values_always_change():
    target = load.Target(key="x", pk=1, kind="choice", choices=["yes", "no"])
    first = load.next_value(target, 1, 0, 1, None)
    second = load.next_value(target, 1, 0, 2, first)
    assert first != second
    assert load.next_value(target, 1, 0, 3, second) == first


def test_it_reads_the_version_and_the_csrf_token_from_the_portal_html():
    html = (
        '<body hx-headers=\'{"X-CSRFToken": "abc123"}\'>'
        '<input type="hidden" name="q41-version" value="7"><input type="hidden" name="q4-version" value="2">'
    )
    assert load.version_in(html, 4) == 2
    assert load.version_in(html, 41) == 7
    assert load.version_in(html, 5) is None
    assert load.CSRF_RE.search(html).group(1) == "abc123"


def _ledger():
    return {
        (1, 10): Expected(vendor=0, saves=3, last="v0-q0-9"),
        (1, 11): Expected(vendor=0, saves=2, last=load.number_value(0, 4)),
        (2, 10): Expected(vendor=1, saves=1, last="yes"),
        (2, 11): Expected(vendor=1),  # never saved
    }


OWNERS = {1: 0, 2: 1}


def test_check_passes_when_every_last_save_is_stored():
    stored = {
        (1, 10): Stored("v0-q0-9", 3, 0),
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
        (2, 10): Stored("yes", 1, 1),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert result.ok
    assert result.checked == 3


def test_check_reports_a_lost_answer():
    stored = {
        (1, 10): Stored("v0-q0-8", 3, 0),  # an older value
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert len(result.lost) == 2  # (1, 10) stale, (2, 10) missing
    assert not result.mixed


def test_check_reports_a_value_of_another_vendor():
    stored = {
        (1, 10): Stored("v1-q0-9", 3, 0),
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
        (2, 10): Stored("yes", 1, 1),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert len(result.mixed) == 1
    assert "(1, 10)" in result.mixed[0]


def test_check_reports_an_answer_saved_by_another_contact():
    stored = {
        (1, 10): Stored("v0-q0-9", 3, 0),
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
        (2, 10): Stored("yes", 1, 0),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert [m.split(":")[0] for m in result.mixed] == ["(2, 10)"]


def test_check_reports_an_answer_nobody_saved():
    stored = {
        (1, 10): Stored("v0-q0-9", 3, 0),
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
        (2, 10): Stored("yes", 1, 1),
        (2, 11): Stored("no", 1, 1),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert len(result.mixed) == 1
    assert "never saved" in result.mixed[0]


def test_check_reports_a_version_that_does_not_match_the_saves():
    stored = {
        (1, 10): Stored("v0-q0-9", 4, 0),
        (1, 11): Stored(load.number_value(0, 4), 2, 0),
        (2, 10): Stored("yes", 1, 1),
    }
    result = load.check_answers(_ledger(), stored, OWNERS)
    assert len(result.versions) == 1
    assert not result.lost


@pytest.mark.parametrize(("stored_value", "version"), [("v0-q0-9", 3), ("v0-q0-10", 4)])
def test_a_save_of_unknown_outcome_may_have_landed_or_not(stored_value, version):
    ledger = {(1, 10): Expected(vendor=0, saves=3, last="v0-q0-9", pending="v0-q0-10")}
    result = load.check_answers(ledger, {(1, 10): Stored(stored_value, version, 0)}, OWNERS)
    assert result.ok


def test_a_save_of_unknown_outcome_does_not_excuse_another_value():
    ledger = {(1, 10): Expected(vendor=0, saves=3, last="v0-q0-9", pending="v0-q0-10")}
    result = load.check_answers(ledger, {(1, 10): Stored("v0-q0-7", 3, 0)}, OWNERS)
    assert len(result.lost) == 1
