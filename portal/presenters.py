"""What the vendor portal shows: one question, the section navigation, the page around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import Http404

from portal.forms import AnswerForm
from procurement.models import Answer, Evaluation, EvidenceFile
from procurement.selectors import EvaluationSnapshot
from questionnaires.engine.answers import QuestionnaireState, is_empty, percent
from questionnaires.engine.display import format_answer
from questionnaires.engine.documents import DOCUMENT_TYPES, expected_types
from questionnaires.models import Question

if TYPE_CHECKING:
    from procurement.models import Invite


TYPED_TYPES = frozenset(
    {Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT, Question.Type.NUMBER, Question.Type.URL}
)


@dataclass
class QuestionView:
    """One question as the page shows it."""

    question: Question
    visible: bool
    editable: bool
    answer: Answer | None
    value: Any
    version: int
    not_applicable: bool
    files: list[EvidenceFile]
    clarifications: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    upload_errors: list[str] = field(default_factory=list)
    conflict: Answer | None = None
    saved: bool = False
    answered: bool = False
    pending: bool = False  # prefilled and not yet confirmed
    prefill_display: str = ""

    def __post_init__(self) -> None:
        # Strings, not the integer id: the template language formats every integer it prints
        # through the locale machinery, and these appear a dozen times in each question.
        self.dom_id = f"q-{self.question.pk}"
        self.field = f"q{self.question.pk}"

    @property
    def choice_inputs(self) -> list[dict[str, Any]]:
        """The radio buttons or checkboxes of a choice question: id, value, label, whether ticked."""
        chosen = self.value if isinstance(self.value, list) else [self.value]
        return [
            {
                "id": f"{self.dom_id}-{n}",
                "value": choice.get("value"),
                "label": choice.get("label"),
                "checked": choice.get("value") in chosen,
            }
            for n, choice in enumerate(self.question.choices, start=1)
        ]

    @property
    def document_type_options(self) -> list[tuple[str, str, bool]]:
        expected = self.expected_document_type
        return [(value, label, value == expected) for value, label in DOCUMENT_TYPES]

    @property
    def expected_document_type(self) -> str:
        """The type the question expects first: preselected for a new upload."""
        expected = expected_types(self.question.options)
        return expected[0] if expected else ""

    @property
    def saves_while_typing(self) -> bool:
        """Typed answers save after a pause in typing too, so closing the tab loses nothing."""
        return self.question.type in TYPED_TYPES

    @property
    def takes_files(self) -> bool:
        return self.question.type == Question.Type.FILE or self.question.requires_evidence

    @property
    def table_rows(self) -> list[list[tuple[dict, Any]]]:
        columns = self.question.columns
        rows = self.value if isinstance(self.value, list) else []
        row_key = self.question.options.get("row_key")
        if row_key and self.editable:
            # Every required row keeps its pre-filled label until it is answered, so saving some
            # rows does not make the others disappear from the form.
            present = {str((r or {}).get(row_key, "")).strip().casefold() for r in rows}
            rows = [
                *rows,
                *(
                    {row_key: label}
                    for label in self.question.options.get("required_rows") or []
                    if str(label).strip().casefold() not in present
                ),
            ]
        blank = [{}] if self.editable else []
        return [[(c, (r or {}).get(c["key"], "")) for c in columns] for r in [*rows, *blank]]

    @property
    def display(self) -> str:
        if self.not_applicable:
            return "Not applicable"
        return self._format(self.value)

    @property
    def conflict_display(self) -> str:
        return self._format(self.conflict.value) if self.conflict is not None else ""

    def _format(self, value: Any) -> str:
        """The one answer formatter's words; an empty answer shows as nothing (the page says so)."""
        if is_empty(value):
            return ""
        return format_answer(qtype=self.question.type, options=self.question.options, value=value)["text"]


def question_view(
    data: EvaluationSnapshot,
    question: Question,
    evaluation: Evaluation,
    form: AnswerForm | None = None,
    **extra: Any,
) -> QuestionView:
    answer = data.answers.get(question.pk)
    editable = data.is_editable(question)
    view = QuestionView(
        question=question,
        visible=data.state.is_visible(question),
        editable=editable,
        answer=answer,
        value=answer.value if answer else None,
        version=answer.version if answer else 0,
        not_applicable=bool(answer and answer.is_not_applicable),
        files=data.files.get(question.pk, []),
        clarifications=data.clarifications.get(question.pk, []),
        comments=data.comments.get(question.pk, []),
        answered=data.state.is_answered(question),
        pending=data.state.is_pending(question),
        prefill_display=data.prefill_display(question),
    )
    if form is not None and form.is_bound:
        # Show what was typed, not what is stored, so nothing the vendor entered is lost.
        view.value = form.typed
        view.not_applicable = bool(form.data.get(form.add_prefix("not_applicable")))
        view.errors = form.value_errors or [
            e for errs in form.errors.values() for e in errs if e != "invalid"
        ]
        view.errors = [*view.errors, *form.held]
    for key, value in extra.items():
        setattr(view, key, value)
    return view


def _nav_entry(section, done: int, total: int) -> dict:
    # A section with nothing required shown is not "complete": the vendor has done nothing there.
    return {
        "section": section,
        "done": done,
        "total": total,
        "complete": total > 0 and done == total,
        "nothing_required": total == 0,
    }


def sections_nav(data: EvaluationSnapshot, state: QuestionnaireState | None = None) -> list[dict]:
    """Each section with its progress, the questions grouped once rather than scanned per section."""
    state = state or data.state
    return [_nav_entry(s, *state.progress(data.questions_of(s))) for s in data.sections]


def nav_changes(before: EvaluationSnapshot, after: EvaluationSnapshot, saved: Question) -> list[dict]:
    """The section counts one save moved, counting again only the sections it can have touched.

    A save changes the completeness of its own question, and the visibility of the questions
    whose conditions read it, wherever they are: only their sections are counted before and after.
    """
    moved = before.state.visible ^ after.state.visible
    touched = {saved.section_id} | {q.section_id for q in after.questions if q.key in moved}
    changed = []
    for section in after.sections:
        if section.pk not in touched:
            continue
        questions = after.questions_of(section)
        old = _nav_entry(section, *before.state.progress(questions))
        new = _nav_entry(section, *after.state.progress(questions))
        if old != new:
            changed.append(new)
    return changed


def page_context(invite: Invite, data: EvaluationSnapshot, section, items: list[QuestionView]) -> dict:
    done, total = data.state.progress()
    position = next((i for i, s in enumerate(data.sections) if section and s.pk == section.pk), None)
    return {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "data": data,
        "section": section,
        "items": items,
        "nav": sections_nav(data),
        "previous_section": data.sections[position - 1] if position else None,
        "next_section": (
            data.sections[position + 1]
            if position is not None and position + 1 < len(data.sections)
            else None
        ),
        "done": done,
        "total": total,
        "percent": percent(done, total),
        "read_only": not invite.evaluation.is_vendor_editable,
        # A link handed over for some sections: their titles, and whether this section is one.
        "handed_sections": [s.title for s in data.sections if s.key in invite.sections],
        "section_editable": section is None or not invite.sections or section.key in invite.sections,
        "section_pending": sum(
            1
            for q in (data.visible_questions_of(section) if section else [])
            if data.state.is_pending(q) and data.is_editable(q)
        ),
    }


def autosave_context(
    invite: Invite, before: EvaluationSnapshot, after: EvaluationSnapshot, item: QuestionView
) -> dict:
    """What an autosave answers with: the field's state, the progress, and only the counts that moved.

    The field itself is not sent back (what the vendor typed meanwhile would be overwritten),
    except for a table, whose rows the save re-numbers.
    """
    done, total = after.state.progress()
    return {
        "invite": invite,
        "token": invite._token,
        "item": item,
        "whole_question": item.question.type == Question.Type.TABLE,
        "nav_changed": nav_changes(before, after, item.question),
        "done": done,
        "total": total,
        "percent": percent(done, total),
    }


def section_for(data: EvaluationSnapshot, key: str | None):
    if not data.sections:
        return None
    if key:
        for section in data.sections:
            if section.key == key:
                return section
        raise Http404("No such section.")
    return data.sections[0]


def find_question(data: EvaluationSnapshot, key: str) -> Question:
    for question in data.questions:
        if question.key == key:
            return question
    # A question of another template (or made up) does not exist as far as this link is concerned.
    raise Http404("No such question.")
