"""What the vendor portal shows: one question, the section navigation, the page around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import Http404

from portal.forms import AnswerForm
from procurement.models import Answer, Evaluation, EvidenceFile
from procurement.selectors import EvaluationSnapshot
from questionnaires.engine.answers import is_empty, percent
from questionnaires.engine.display import format_answer
from questionnaires.models import Question

if TYPE_CHECKING:
    from procurement.models import Invite


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

    @property
    def dom_id(self) -> str:
        return f"q-{self.question.pk}"

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


def sections_nav(data: EvaluationSnapshot) -> list[dict]:
    nav = []
    for section in data.sections:
        done, total = data.state.progress(data.questions_of(section))
        # A section with nothing required shown is not "complete": the vendor has done nothing there.
        nav.append(
            {
                "section": section,
                "done": done,
                "total": total,
                "complete": total > 0 and done == total,
                "nothing_required": total == 0,
            }
        )
    return nav


def page_context(invite: Invite, data: EvaluationSnapshot, section, items: list[QuestionView]) -> dict:
    done, total = data.state.progress()
    return {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "data": data,
        "section": section,
        "items": items,
        "nav": sections_nav(data),
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
