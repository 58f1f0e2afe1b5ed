"""Checks on what evidence documents say they are (type, period, model version, expiry), and on the
HTI-1 source attributes all marked not applicable because a certified EHR supplies the product.

Each check: the facts that fire it, the one change that silences it, missing facts (not run, and
not assessable when no question could record them), and how scoring builds the derived facts.
"""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.checks import CHECKS, DOCUMENTS, HTI1_ATTRIBUTES, not_assessable, run_checks
from questionnaires.engine.documents import (
    DOCUMENT_TYPE_VALUES,
    Document,
    document_types_errors,
    expected_types,
)
from questionnaires.engine.facts import fact_errors
from questionnaires.engine.rules import validate_options
from questionnaires.engine.scoring import QuestionSpec, SectionSpec, score_answers

TODAY = datetime.date(2026, 12, 1)
DAY = datetime.timedelta(days=1)
THRESHOLDS = {"low": 80, "moderate": 60, "high": 40}


def doc(**fields) -> Document:
    return Document(question=fields.pop("question", "q"), **fields)


def codes(facts: dict, today: datetime.date | None = TODAY) -> set[str]:
    return {f.code for f in run_checks(facts=facts, today=today)}


ALL_NA = {f"P{n:02d}": "not_applicable" for n in range(1, 32)}

# code -> (facts that fire it, the change that silences it)
DOCUMENT_CASES = {
    "document_for_other_version": (
        {"model.version.offered": "4.2", DOCUMENTS: (doc(model_version="3.9"),)},
        {DOCUMENTS: (doc(model_version="v4.2"),)},
    ),
    "document_expired": (
        {DOCUMENTS: (doc(expires_on=TODAY - DAY),)},
        {DOCUMENTS: (doc(expires_on=TODAY),)},
    ),
    "attestation_period_outdated": (
        {DOCUMENTS: (doc(document_type="soc2", period_end=TODAY - 366 * DAY),)},
        {DOCUMENTS: (doc(document_type="soc2", period_end=TODAY - 365 * DAY),)},
    ),
    "document_type_mismatch": (
        {DOCUMENTS: (doc(document_type="pen_test", expected_types=("baa",)),)},
        {DOCUMENTS: (doc(document_type="baa", expected_types=("baa",)),)},
    ),
    "hti1_attributes_all_na_via_ehr": (
        {"hti1.supplied_via_certified_ehr": "yes", HTI1_ATTRIBUTES: ALL_NA},
        {HTI1_ATTRIBUTES: {**ALL_NA, "P05": "answered"}},
    ),
}


def check(code: str):
    return next(c for c in CHECKS if c.code == code)


@pytest.mark.parametrize("code", sorted(DOCUMENT_CASES))
def test_it_fires_on_the_document_problem(code):
    firing, _ = DOCUMENT_CASES[code]
    assert code in codes(firing)


@pytest.mark.parametrize("code", sorted(DOCUMENT_CASES))
def test_it_stays_quiet_once_the_document_is_right(code):
    firing, fix = DOCUMENT_CASES[code]
    assert code not in codes({**firing, **fix})


@pytest.mark.parametrize("code", sorted(DOCUMENT_CASES))
def test_it_does_not_fire_with_a_fact_it_needs_missing(code):
    firing, _ = DOCUMENT_CASES[code]
    for name in check(code).facts:
        assert code not in codes({k: v for k, v in firing.items() if k != name}), name


@pytest.mark.parametrize("code", sorted(DOCUMENT_CASES))
def test_a_template_that_cannot_record_its_facts_reports_it_not_assessable(code):
    listed = {n.code: n for n in not_assessable(asked=set())}
    assert listed[code].missing == check(code).facts
    assert code not in {n.code for n in not_assessable(asked=set(check(code).reads))}


@pytest.mark.parametrize("code", sorted(DOCUMENT_CASES))
def test_each_check_cites_with_standing_and_says_what_to_ask(code):
    c = check(code)
    assert c.citations
    assert all(x.standing in ("law", "proposed", "guidance", "voluntary") for x in c.citations)
    assert c.explanation.endswith(".")
    assert c.ask.endswith(".")


@pytest.mark.parametrize(
    ("version", "authorized", "fires"),
    [
        ("3.9", "", True),
        ("3.9", "4.0", True),
        ("4.0", "4.0", False),
        ("V4.2 ", "", False),
        ("", "", False),
        ("  ", "", False),
    ],
)
def test_a_document_version_is_compared_with_the_offered_and_the_authorized_one(version, authorized, fires):
    facts = {"model.version.offered": "4.2", DOCUMENTS: (doc(model_version=version),)}
    if authorized:
        facts["fda.authorized_model_version"] = authorized
    assert ("document_for_other_version" in codes(facts)) is fires


def test_no_offered_version_is_no_document_version_finding():
    facts = {"model.version.offered": " ", DOCUMENTS: (doc(model_version="3.9"),)}
    assert "document_for_other_version" not in codes(facts)


def test_one_document_of_several_is_enough():
    facts = {
        "model.version.offered": "4.2",
        DOCUMENTS: (doc(model_version="4.2"), doc(model_version="1.0"), doc(document_type="baa")),
    }
    assert "document_for_other_version" in codes(facts)


def test_dates_need_a_day_to_judge_on():
    facts = {DOCUMENTS: (doc(document_type="soc2", expires_on=TODAY - DAY, period_end=TODAY - 400 * DAY),)}
    assert codes(facts, today=None) == set()
    assert {"document_expired", "attestation_period_outdated"} <= codes(facts)


@pytest.mark.parametrize(
    ("kind", "fires"),
    [("soc2", True), ("hitrust", True), ("pen_test", True), ("validation_study", False), ("", False)],
)
def test_only_attestations_age_by_their_period(kind, fires):
    facts = {DOCUMENTS: (doc(document_type=kind, period_end=TODAY - 500 * DAY),)}
    assert ("attestation_period_outdated" in codes(facts)) is fires


def test_an_attestation_without_a_period_end_is_not_called_outdated():
    assert "attestation_period_outdated" not in codes({DOCUMENTS: (doc(document_type="soc2"),)})


@pytest.mark.parametrize(
    ("kind", "expected", "fires"),
    [
        ("pen_test", ("baa",), True),
        ("other", ("baa",), True),
        ("subgroup_analysis", ("validation_study", "subgroup_analysis"), False),
        ("", ("baa",), False),
        ("pen_test", (), False),
    ],
)
def test_a_document_type_is_compared_only_with_what_its_question_expects(kind, expected, fires):
    facts = {DOCUMENTS: (doc(document_type=kind, expected_types=expected),)}
    assert ("document_type_mismatch" in codes(facts)) is fires


@pytest.mark.parametrize(
    ("supplied", "attributes", "fires"),
    [
        ("yes", ALL_NA, True),
        ("no", ALL_NA, False),
        (None, ALL_NA, False),
        ("yes", {**ALL_NA, "P31": "blank"}, False),
        ("yes", {}, False),
        ("yes", "all not applicable", False),
    ],
)
def test_hti1_attributes_all_na_only_when_a_certified_ehr_supplies_the_product(supplied, attributes, fires):
    facts = {"hti1.supplied_via_certified_ehr": supplied, HTI1_ATTRIBUTES: attributes}
    assert ("hti1_attributes_all_na_via_ehr" in codes(facts)) is fires


def test_the_hti1_check_states_who_the_rule_binds():
    c = check("hti1_attributes_all_na_via_ehr")
    assert [x.standing for x in c.citations] == ["law", "proposed"]
    assert "170.315(b)(11)" in c.citations[0].text
    assert "not the regulated party" in c.citations[0].text


def test_derived_facts_cannot_be_declared_by_a_question():
    assert fact_errors(DOCUMENTS) == [
        "'evidence.documents' is built from the evidence and cannot be declared by a question."
    ]
    assert fact_errors("hti1.supplied_via_certified_ehr") == []


def test_a_question_declares_known_document_types_only():
    assert expected_types({"document_types": ["baa", "made_up"]}) == ("baa",)
    assert expected_types({"document_types": "baa"}) == ()
    assert expected_types(None) == ()
    assert document_types_errors({}) == []
    assert document_types_errors({"document_types": "baa"}) == ["document_types must be a list."]
    assert document_types_errors({"document_types": ["baa", "zz", "aa"]}) == [
        "unknown document types: aa, zz."
    ]
    assert validate_options("file", {"document_types": ["nope"]}) == ["unknown document types: nope."]
    assert {"baa", "soc2", "pen_test", "pccp", "model_card", "other"} <= DOCUMENT_TYPE_VALUES


BAA = QuestionSpec(key="baa.doc", type="file", options={"document_types": ["baa"]})
VERSION = QuestionSpec(key="v", type="short_text", fact="model.version.offered")
EHR = QuestionSpec(key="ehr", type="yes_no", fact="hti1.supplied_via_certified_ehr")


def score(questions, answers, documents=None, today=TODAY):
    return score_answers(
        sections=[SectionSpec("s", "S", 1.0, tuple(questions))],
        answers=answers,
        thresholds=THRESHOLDS,
        today=today,
        documents=documents,
    )


def test_scoring_hands_each_document_the_types_its_question_expects():
    result = score(
        [BAA, VERSION],
        {"v": ("4.2", False)},
        documents={"baa.doc": [Document(question="", document_type="pen_test", model_version="4.2")]},
    )
    assert [f.code for f in result.findings] == ["document_type_mismatch"]
    assert "document_type_mismatch" not in {n.code for n in result.not_assessable}


def test_scoring_judges_expiry_on_the_day_it_is_given():
    documents = {"baa.doc": [Document(question="", document_type="baa", expires_on=TODAY)]}
    assert score([BAA], {}, documents).findings == []
    assert [f.code for f in score([BAA], {}, documents, today=TODAY + DAY).findings] == ["document_expired"]


def test_documents_of_hidden_questions_are_not_read():
    hidden = QuestionSpec(
        key="baa.doc",
        type="file",
        options={"document_types": ["baa"]},
        condition={"question": "phi", "operator": "equals", "value": "yes"},
    )
    phi = QuestionSpec(key="phi", type="yes_no")
    documents = {"baa.doc": [Document(question="", document_type="pen_test")]}
    assert score([phi, hidden], {"phi": ("no", False)}, documents).findings == []
    shown = score([phi, hidden], {"phi": ("yes", False)}, documents)
    assert [f.code for f in shown.findings] == ["document_type_mismatch"]


def test_a_template_without_file_questions_cannot_assess_documents():
    missing = {n.code for n in score([VERSION], {"v": ("4.2", False)}).not_assessable}
    assert {"document_expired", "document_type_mismatch", "document_for_other_version"} <= missing
    assert "document_expired" not in {n.code for n in score([BAA], {}).not_assessable}


def attribute(n: int) -> QuestionSpec:
    return QuestionSpec(
        key=f"p{n}", type="long_text", allows_na=True, options={"source_attribute": f"P{n:02d}"}
    )


def test_scoring_reads_the_marked_hti1_attribute_questions():
    questions = [EHR, attribute(1), attribute(2)]
    all_na = {"ehr": ("yes", False), "p1": (None, True), "p2": (None, True)}
    assert [f.code for f in score(questions, all_na).findings] == ["hti1_attributes_all_na_via_ehr"]
    one_answered = {**all_na, "p2": ("Acme Inc.", False)}
    assert score(questions, one_answered).findings == []
    one_blank = {**all_na, "p2": ("", False)}
    assert score(questions, one_blank).findings == []


def test_a_template_without_marked_attributes_cannot_assess_the_hti1_check():
    missing = {n.code: n.missing for n in score([EHR], {"ehr": ("yes", False)}).not_assessable}
    assert missing["hti1_attributes_all_na_via_ehr"] == (HTI1_ATTRIBUTES,)
    assert "hti1_attributes_all_na_via_ehr" not in {
        n.code for n in score([EHR, attribute(1)], {}).not_assessable
    }
