from __future__ import annotations

import pytest

from procurement.models import Answer, AuditEvent, Evaluation
from questionnaires.models import Question
from tests.factories import (
    AnswerFactory,
    ClarificationRequestFactory,
    EvaluationFactory,
    InviteFactory,
    QuestionFactory,
    ReviewCommentFactory,
    SectionFactory,
)
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db
S = Evaluation.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_questionnaire_opens_on_its_first_section(invite, questions, client):
    response = client.get(portal_url(invite))
    assert response.status_code == 200
    body = response.content.decode()
    assert questions.phi.prompt in body
    assert questions.table.prompt not in body  # second section
    assert "Intended use" in body
    assert "Evidence" in body
    assert f'hx-post="/v/{invite.token}/q/{questions.phi.key}/"' in body
    assert 'hx-trigger="change"' in body
    assert "Save this section" in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_section_is_chosen_by_its_key(invite, questions, client):
    body = client.get(portal_url(invite) + "?section=evidence").content.decode()
    assert questions.table.prompt in body
    assert client.get(portal_url(invite) + "?section=nope").status_code == 404


def test_a_table_is_saved_when_focus_leaves_it_and_its_cells_keep_focus_across_saves(
    invite, questions, client
):
    body = client.get(portal_url(invite) + "?section=evidence").content.decode()
    # A save on each cell's change would replace the table under the vendor's fingers.
    assert 'hx-trigger="portal-save" data-save-on-leave' in body
    # Cells have ids, so that htmx gives focus back to the same cell after a swap.
    assert f'id="q-{questions.table.pk}-0-' in body


def test_autosave_answers_with_the_fields_saved_state_and_the_counts_only(invite, questions, client):
    response = client.post(
        portal_url(invite, f"q/{questions.phi.key}/"), answer_post(questions.phi, "yes"), **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<div id="q-{questions.phi.pk}-state" hx-swap-oob="innerHTML">' in body
    assert '<span class="save-state-saved">Saved</span>' in body
    assert f'name="q{questions.phi.pk}-version" value="1"' in body
    assert 'id="progress" class="mb-3" hx-swap-oob="true"' in body
    assert "<span>1 of 5</span>" in body
    assert (
        '<span id="nav-count-intended-use" class="badge text-bg-light" hx-swap-oob="true">1/3</span>' in body
    )
    # The field itself and the other section's count are not sent back.
    assert f'id="q-{questions.phi.pk}"' not in body
    assert f'name="q{questions.phi.pk}-value"' not in body
    assert "nav-count-evidence" not in body
    answer = Answer.objects.get(question=questions.phi)
    assert (answer.value, answer.version, answer.updated_by_contact) == ("yes", 1, invite.contact)


def test_an_autosave_that_changes_nothing_keeps_the_version(invite, questions, client):
    url = portal_url(invite, f"q/{questions.phi.key}/")
    client.post(url, answer_post(questions.phi, "yes"), **HTMX)
    body = client.post(url, answer_post(questions.phi, "yes", version=1), **HTMX).content.decode()
    assert f'name="q{questions.phi.pk}-version" value="1"' in body
    assert "Saved" in body
    assert "nav-count-" not in body  # no count moved
    assert Answer.objects.get(question=questions.phi).version == 1


def test_text_fields_save_while_typing_and_choices_on_change(invite, questions, client):
    body = client.get(portal_url(invite)).content.decode()
    days_area = body[body.index(f'hx-post="/v/{invite.token}/q/{questions.days.key}/"') :][:200]
    assert 'hx-trigger="change, input delay:1500ms" data-save-while-typing' in days_area
    phi_area = body[body.index(f'hx-post="/v/{invite.token}/q/{questions.phi.key}/"') :][:200]
    assert 'hx-trigger="change" hx-swap="none"' in phi_area
    # Each field posts only its own inputs (portal.js trims the section form to this prefix).
    assert f'data-fields="q{questions.days.pk}-"' in body


def test_sections_end_with_previous_and_next_links(invite, questions, client):
    first = client.get(portal_url(invite)).content.decode()
    assert '<a class="btn btn-outline-primary" href="?section=evidence" rel="next">Next section' in first
    assert 'rel="prev"' not in first
    last = client.get(portal_url(invite) + "?section=evidence").content.decode()
    assert 'href="?section=intended-use" rel="prev">← Previous section' in last
    assert 'rel="next"' not in last
    assert f'href="/v/{invite.token}/review/">Review and submit →</a>' in last


def test_a_conditional_question_appears_at_once_and_disappears_again(invite, questions, client):
    url = portal_url(invite, f"q/{questions.method.key}/")
    hidden_page = client.get(portal_url(invite)).content.decode()
    assert questions.zip.prompt not in hidden_page
    shown = client.post(url, answer_post(questions.method, "safe_harbor"), **HTMX).content.decode()
    assert f'id="q-{questions.zip.pk}" class="question card mb-3" hx-swap-oob="true"' in shown
    assert questions.zip.prompt in shown
    hidden = client.post(url, answer_post(questions.method, "unknown", version=1), **HTMX).content.decode()
    assert f'id="q-{questions.zip.pk}" class="question" hidden hx-swap-oob="true"' in hidden


def test_progress_counts_only_visible_required_questions(invite, evaluation, questions, client):
    # Required: phi, method, days, table, report (zip hidden; modalities, site, date optional) -> 5.
    assert "0 of 5" in client.get(portal_url(invite)).content.decode()
    AnswerFactory(evaluation=evaluation, question=questions.method, value="safe_harbor")
    # The follow-up it reveals belongs to the method's item: the total stays, the item is open.
    body = client.get(portal_url(invite)).content.decode()
    assert "0 of 5" in body
    # An answer to a question that is hidden again is neither counted nor shown.
    AnswerFactory(evaluation=evaluation, question=questions.zip, value="yes")
    Answer.objects.filter(question=questions.method).update(value="unknown")
    body = client.get(portal_url(invite)).content.decode()
    assert "1 of 5" in body
    assert questions.zip.prompt not in body


def test_a_validation_error_is_shown_next_to_the_field_and_leaves_the_typed_text_alone(
    invite, questions, client
):
    response = client.post(
        portal_url(invite, f"q/{questions.days.key}/"), answer_post(questions.days, "400 days"), **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<div id="q-{questions.days.pk}-state" hx-swap-oob="innerHTML">' in body
    assert '<div class="invalid-feedback d-block" role="alert">The answer must be a number' in body
    assert '<span class="save-state-error" data-invalid>Not saved</span>' in body
    # The field is not replaced, so what the vendor typed (and is still typing) stays as it is.
    assert f'name="q{questions.days.pk}-value"' not in body
    assert "progress" not in body
    assert not Answer.objects.exists()
    response = client.post(
        portal_url(invite, f"q/{questions.days.key}/"), answer_post(questions.days, "400"), **HTMX
    )
    assert "The answer must be between 0 and 365 days." in response.content.decode()


def test_an_invalid_table_row_keeps_every_typed_cell(invite, questions, client):
    q = questions.table
    data = answer_post(
        q, **{f"q{q.pk}-rows": "2", f"q{q.pk}-value-0-subgroup": "Female", f"q{q.pk}-value-0-n": "lots"}
    )
    body = client.post(portal_url(invite, f"q/{q.key}/"), data, **HTMX).content.decode()
    assert "Row 1: N must be a number" in body
    assert 'value="Female"' in body
    assert 'value="lots"' in body
    data[f"q{q.pk}-value-0-n"] = "120"
    client.post(portal_url(invite, f"q/{q.key}/"), data, **HTMX)
    assert Answer.objects.get(question=q).value == [{"subgroup": "Female", "n": 120}]


def test_a_stale_save_shows_both_values_and_overwrites_nothing(invite, evaluation, questions, client):
    url = portal_url(invite, f"q/{questions.days.key}/")
    client.post(url, answer_post(questions.days, "30"), **HTMX)
    colleague = InviteFactory(evaluation=evaluation)
    client.post(
        f"/v/{colleague.token}/q/{questions.days.key}/", answer_post(questions.days, "45", version=1), **HTMX
    )
    response = client.post(url, answer_post(questions.days, "60", version=1), **HTMX)
    body = response.content.decode()
    assert "Someone else changed this answer" in body
    assert colleague.contact.name in body
    assert "45 days" in body  # the stored value
    assert "Your answer is in the field above." in body  # the field, with 60 in it, is left alone
    assert f'name="q{questions.days.pk}-value"' not in body
    assert f'name="q{questions.days.pk}-version" value="2"' in body  # keeping mine is one more save
    assert Answer.objects.get(question=questions.days).value == 45
    client.post(url, answer_post(questions.days, "60", version=2), **HTMX)
    assert Answer.objects.get(question=questions.days).value == 60


def test_the_plain_save_button_works_without_javascript(invite, questions, client):
    data = {
        **answer_post(questions.phi, "no"),
        **answer_post(questions.days, "14"),
        **answer_post(questions.modalities, ["audio", "medical_images"]),
    }
    response = client.post(portal_url(invite, "sections/intended-use/"), data)
    assert response.status_code == 302
    assert Answer.objects.get(question=questions.phi).value == "no"
    assert Answer.objects.get(question=questions.days).value == 14
    assert Answer.objects.get(question=questions.modalities).value == ["audio", "medical_images"]


def test_the_plain_save_button_reports_errors_and_keeps_everything_typed(invite, questions, client):
    data = {**answer_post(questions.phi, "yes"), **answer_post(questions.days, "-3")}
    response = client.post(portal_url(invite, "sections/intended-use/"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The answer must be between 0 and 365 days." in body
    assert 'value="-3"' in body
    # The valid answer of the same section was saved.
    assert Answer.objects.get(question=questions.phi).value == "yes"


def test_a_question_of_another_evaluation_is_not_found(invite, client):
    other = EvaluationFactory(organization=invite.organization, status=S.SENT)
    foreign = QuestionFactory(section=SectionFactory(template=other.template), key="use.other")
    response = client.post(portal_url(invite, f"q/{foreign.key}/"), answer_post(foreign, "yes"), **HTMX)
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_a_link_opens_only_its_own_evaluation(invite, questions, client):
    other = EvaluationFactory(organization=invite.organization, status=S.SENT)
    other_invite = InviteFactory(evaluation=other)
    q = QuestionFactory(
        section=SectionFactory(template=other.template), key="only.here", prompt="Unique prompt?"
    )
    assert "Unique prompt?" not in client.get(portal_url(invite)).content.decode()
    assert "Unique prompt?" in client.get(portal_url(other_invite)).content.decode()
    assert client.post(portal_url(invite, f"q/{q.key}/"), answer_post(q, "yes"), **HTMX).status_code == 404


def test_answer_views_refuse_other_methods(invite, questions, client):
    assert client.put(portal_url(invite, f"q/{questions.phi.key}/")).status_code == 405
    assert client.get(portal_url(invite, "sections/intended-use/")).status_code == 405
    assert client.get(portal_url(invite, "submit/")).status_code == 405


def test_after_submission_the_vendor_sees_a_read_only_copy(invite, evaluation, questions, client):
    AnswerFactory(evaluation=evaluation, question=questions.phi, value="yes")
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.SUBMITTED)
    body = client.get(portal_url(invite)).content.decode()
    assert "read-only copy" in body
    assert "hx-post" not in body
    assert "Save this section" not in body
    response = client.post(
        portal_url(invite, f"q/{questions.phi.key}/"), answer_post(questions.phi, "no", version=1), **HTMX
    )
    assert "can no longer be changed" in response.content.decode()
    assert Answer.objects.get(question=questions.phi).value == "yes"


def test_changes_requested_opens_only_the_clarified_questions_with_the_reviewers_words(
    invite, evaluation, questions, client, officer
):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.CHANGES_REQUESTED)
    ClarificationRequestFactory(
        evaluation=evaluation, question=questions.days, requested_by=officer, message="Is it calendar days?"
    )
    ReviewCommentFactory(evaluation=evaluation, question=questions.days, author=officer, body="Visible note")
    ReviewCommentFactory(
        evaluation=evaluation,
        question=questions.days,
        author=officer,
        body="Internal note",
        is_visible_to_vendor=False,
    )
    body = client.get(portal_url(invite)).content.decode()
    assert "Is it calendar days?" in body
    assert "Visible note" in body
    assert "Internal note" not in body
    assert f'hx-post="/v/{invite.token}/q/{questions.days.key}/"' in body
    assert f'hx-post="/v/{invite.token}/q/{questions.phi.key}/"' not in body
    refused = client.post(
        portal_url(invite, f"q/{questions.phi.key}/"), answer_post(questions.phi, "yes"), **HTMX
    )
    assert "Only the questions the reviewers asked about" in refused.content.decode()
    client.post(portal_url(invite, f"q/{questions.days.key}/"), answer_post(questions.days, "30"), **HTMX)
    assert Answer.objects.get(question=questions.days).value == 30
    assert not Answer.objects.filter(question=questions.phi).exists()


def _questionnaire_of(size: int):
    evaluation = EvaluationFactory(status=S.IN_PROGRESS)
    types = [Question.Type.YES_NO, Question.Type.NUMBER, Question.Type.TABLE, Question.Type.FILE]
    sections = [SectionFactory(template=evaluation.template, order=i) for i in range(3)]
    for i in range(size):
        q = QuestionFactory(
            section=sections[0] if i < size // 2 else sections[i % 3],
            type=types[i % 4],
            options={"columns": [{"key": "a", "label": "A"}]} if types[i % 4] == Question.Type.TABLE else {},
            condition={"question": "q.first", "operator": "equals", "value": "yes"} if i % 5 == 4 else None,
        )
        if i == 0:
            Question.objects.filter(pk=q.pk).update(key="q.first", type=Question.Type.YES_NO)
            AnswerFactory(evaluation=evaluation, question=q, value="yes")
        elif i % 2:
            AnswerFactory(evaluation=evaluation, question=q, value="yes")
    ClarificationRequestFactory(evaluation=evaluation, question=q)
    ReviewCommentFactory(evaluation=evaluation, question=q)
    return InviteFactory(evaluation=evaluation)


def test_the_page_renders_with_the_same_number_of_queries_whatever_the_question_count(client):
    from django.db import connection

    counts = []
    for size in (10, 60):
        invite = _questionnaire_of(size)
        client.get(portal_url(invite))  # the hourly "link used" audit line is written once
        statements = []
        # Counted at the cursor: the query log is reset at the start of every request.
        with connection.execute_wrapper(
            lambda execute, sql, *args, seen=statements: seen.append(sql) or execute(sql, *args)
        ):
            response = client.get(portal_url(invite))
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 12


def test_link_use_is_audited_in_the_timeline(invite, client):
    client.get(portal_url(invite))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITE_USED, actor_contact=invite.contact).exists()
