"""The vendor portal: a questionnaire answered through a personal invite link, without an account."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import (
    AnswerForm,
    DelegateForm,
    EvidenceDescriptionForm,
    ModelCardForm,
    RemediationReplyForm,
    UploadForm,
)
from portal.markup import autosave_html, question_html
from portal.presenters import (
    autosave_context,
    find_question,
    page_context,
    question_view,
    section_for,
)
from procurement.forms import ModelVersionForm
from procurement.models import Answer, EvidenceFile, RemediationItem, RemediationMessage
from procurement.responses import evidence_file_response
from procurement.selectors import scope_summary, scoped_structure, snapshot_over_answers, vendor_snapshot
from procurement.services.answers import answer_save, answer_save_in_context
from procurement.services.evidence import (
    METADATA_FIELDS,
    evidence_describe,
    evidence_record_download,
    evidence_remove,
    evidence_upload,
)
from procurement.services.invites import invite_delegate, invite_delegation_revoke, invite_resolve
from procurement.services.prefill import answer_confirm, model_card_import, section_confirm
from procurement.services.reassessment import model_version_report, versions_of
from procurement.services.remediation import remediation_vendor_respond
from procurement.services.submission import evaluation_submit
from questionnaires.engine.answers import AnswerConflict, percent
from questionnaires.models import Question
from questionnaires.selectors import template_structure
from reports import services as report_services
from reports.models import Report

if TYPE_CHECKING:
    from collections.abc import Callable

    from procurement.models import Invite

PAGE = "portal/portal_questionnaire.html"


def link_invalid(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/link_invalid.html", status=404)
    # Django logs every 4xx with its path, and the path holds the token: mark it logged already.
    response._has_been_logged = True
    return response


def invite_required(view: Callable) -> Callable:
    """Resolves the token in the URL to an active invite, or answers with the one 'link invalid' page."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        invite = invite_resolve(token, request=request)
        if invite is None:
            return link_invalid(request)
        # Links on the page are built from the token of the request; it is never stored.
        invite._token = token
        try:
            response = view(request, invite, *args, **kwargs)
        except Http404:
            response = render(
                request,
                "portal/not_found.html",
                {"invite": invite, "evaluation": invite.evaluation, "token": token},
                status=404,
            )
            response._has_been_logged = True
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@require_GET
@invite_required
def portal_questionnaire(request: HttpRequest, invite: Invite) -> HttpResponse:
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    section = section_for(data, request.GET.get("section"))
    items = [question_view(data, q, invite.evaluation) for q in data.questions_of(section)] if section else []
    context = page_context(invite, data, section, items)
    count = getattr(invite, "vendor_remediation_items", None)
    context["remediation_count"] = _vendor_items(invite).count() if count is None else count
    return render(request, PAGE, context)


@require_http_methods(["GET", "POST"])
@invite_required
def portal_answer(request: HttpRequest, invite: Invite, key: str) -> HttpResponse:
    """One question: its fragment (GET, htmx), its autosave (POST, htmx), or a plain form post."""
    evaluation = invite.evaluation
    if request.method == "POST" and request.htmx:
        return _autosave(request, invite, key)
    data = vendor_snapshot(evaluation, sections=invite.sections)
    question = find_question(data, key)
    section = data.section_of(question)
    if request.method == "GET":
        if not request.htmx:
            return redirect(_section_url(invite, section, question))
        item = question_view(data, question, evaluation)
        return HttpResponse(question_html(item, token=invite._token))

    form = AnswerForm(question, request.POST)
    item_extra: dict[str, Any] = {}
    # A table whose only change is rows held back has nothing to store; the page shows why.
    if form.is_valid() and not (form.held and _unchanged(data, question, form)):
        try:
            answer = answer_save(
                evaluation=evaluation,
                question=question,
                value=form.cleaned_data["value"],
                is_not_applicable=form.cleaned_data["not_applicable"],
                expected_version=form.cleaned_data["version"],
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except AnswerConflict as conflict:
            item_extra = {"conflict": conflict.answer}
        except ValidationError as exc:
            form.value_errors.extend(exc.messages)
        else:
            data = data.with_answer(answer)
            item_extra = {"saved": True}
            # Table rows held back stay on the page as typed, with their messages.
            if not form.held:
                form = None
    if form is None:
        messages.success(request, "Saved.")
        return redirect(_section_url(invite, section, question))
    if item_extra.get("saved"):
        messages.warning(request, "The complete rows were saved; see the rows that were not.")
    else:
        messages.error(request, "The answer was not saved: see the message beside the question.")
    items = [
        question_view(
            data,
            q,
            evaluation,
            form if q.pk == question.pk else None,
            **(item_extra if q.pk == question.pk else {}),
        )
        for q in data.questions_of(section)
    ]
    return render(request, PAGE, page_context(invite, data, section, items))


def _autosave(request: HttpRequest, invite: Invite, key: str) -> HttpResponse:
    """The htmx autosave of one field: answers with its saved state and the progress counts only.

    Read are the link, the evaluation's lock and answers (in the save) and its live files; the
    questionnaire itself comes from the in-memory structure of published templates.
    """
    evaluation = invite.evaluation
    # Only what the intake left in scope: a question not asked for this use does not exist here.
    structure = scoped_structure(evaluation, *template_structure(evaluation.template))[:2]
    question = next((q for q in structure[1] if q.key == key), None)
    if question is None:
        raise Http404("No such question.")
    form = AnswerForm(question, request.POST)
    if form.is_valid() and form.held:
        # A table whose only change is rows held back has nothing to store; the page shows why.
        data = vendor_snapshot(evaluation, sections=invite.sections)
        if _unchanged(data, question, form):
            return _autosave_refused(request, invite, question, form)
    if form.is_valid():
        try:
            saved = answer_save_in_context(
                evaluation=evaluation,
                question=question,
                value=form.cleaned_data["value"],
                is_not_applicable=form.cleaned_data["not_applicable"],
                expected_version=form.cleaned_data["version"],
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except AnswerConflict as conflict:
            return _autosave_refused(request, invite, question, form, conflict=conflict.answer)
        except ValidationError as exc:
            form.value_errors.extend(exc.messages)
        else:
            return _autosave_saved(request, invite, question, form, saved, structure)
    return _autosave_refused(request, invite, question, form)


def _autosave_saved(
    request, invite: Invite, question: Question, form: AnswerForm, saved, structure
) -> HttpResponse:
    evaluation = invite.evaluation
    after = snapshot_over_answers(evaluation, saved.after, structure=structure)
    before = after.over(saved.before)
    unchanged = saved.before.get(question.pk) is saved.answer
    # Table rows held back stay on the page as typed, with their messages.
    item = question_view(
        after, question, evaluation, form if form.held else None, saved=not (form.held and unchanged)
    )
    section = after.section_of(question)
    shown_or_hidden = [
        q
        for q in after.questions_of(section)
        if q.pk != question.pk and before.state.is_visible(q) != after.state.is_visible(q)
    ]
    context = autosave_context(invite, before, after, item)
    if shown_or_hidden:
        # Rare (a follow-up appears or goes): those questions need their comments and whether the
        # vendor may change them, so the full read model is loaded for them.
        data = vendor_snapshot(evaluation, sections=invite.sections)
        context["changed"] = [question_view(data, q, evaluation) for q in shown_or_hidden]
    return HttpResponse(autosave_html(context))


def _autosave_refused(
    request, invite: Invite, question: Question, form: AnswerForm, conflict: Answer | None = None
) -> HttpResponse:
    """Nothing was stored: the field's messages (or the conflicting answer), what was typed kept."""
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    extra = {"conflict": conflict} if conflict is not None else {}
    item = question_view(data, question, invite.evaluation, form, **extra)
    if conflict is not None:
        item.version = conflict.version
    context = {
        "invite": invite,
        "token": invite._token,
        "item": item,
        "whole_question": question.type == Question.Type.TABLE,
        "refused": True,
    }
    return HttpResponse(autosave_html(context))


def _unchanged(data, question: Question, form: AnswerForm) -> bool:
    stored = data.answers.get(question.pk)
    unchanged_value = (stored.value if stored else None) == form.cleaned_data["value"]
    unchanged_na = bool(stored and stored.is_not_applicable) == form.cleaned_data["not_applicable"]
    return unchanged_value and unchanged_na


def _section_url(invite: Invite, section, question: Question | None = None) -> str:
    url = reverse("portal_questionnaire", args=[invite._token]) + f"?section={section.key}"
    return url + (f"#q-{question.pk}" if question else "")


@require_POST
@invite_required
def portal_section_save(request: HttpRequest, invite: Invite, section_key: str) -> HttpResponse:
    """The plain Save button of a section: works without JavaScript, saves every changed answer."""
    evaluation = invite.evaluation
    data = vendor_snapshot(evaluation, sections=invite.sections)
    section = section_for(data, section_key)
    problems: dict[int, dict] = {}
    forms: dict[int, AnswerForm] = {}
    for question in data.questions_of(section):
        if question.type == Question.Type.FILE and not question.allows_na:
            continue
        form = AnswerForm(question, request.POST)
        if not form.is_present:
            continue
        forms[question.pk] = form
        if not form.is_valid():
            problems[question.pk] = {}
            continue
        if _unchanged(data, question, form):
            if form.held:
                problems[question.pk] = {}
            continue
        try:
            answer = answer_save(
                evaluation=evaluation,
                question=question,
                value=form.cleaned_data["value"],
                is_not_applicable=form.cleaned_data["not_applicable"],
                expected_version=form.cleaned_data["version"],
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except AnswerConflict as conflict:
            problems[question.pk] = {"conflict": conflict.answer}
        except ValidationError as exc:
            form.value_errors.extend(exc.messages)
            problems[question.pk] = {}
        else:
            data = data.with_answer(answer)
            if form.held:
                problems[question.pk] = {"saved": True}
    if not problems:
        messages.success(request, "Section saved.")
        return redirect(_section_url(invite, section))
    items = []
    for question in data.questions_of(section):
        if question.pk in problems:
            item = question_view(data, question, evaluation, forms[question.pk], **problems[question.pk])
            if item.conflict is not None:
                item.version = item.conflict.version
            items.append(item)
        else:
            items.append(question_view(data, question, evaluation))
    messages.error(request, "Some answers were not saved: see the messages beside them.")
    return render(request, PAGE, page_context(invite, data, section, items))


@require_POST
@invite_required
def portal_upload(request: HttpRequest, invite: Invite, key: str) -> HttpResponse:
    evaluation = invite.evaluation
    data = vendor_snapshot(evaluation, sections=invite.sections)
    question = find_question(data, key)
    section = next(s for s in data.sections if s.pk == question.section_id)
    form = UploadForm(question, request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        try:
            evidence_upload(
                evaluation=evaluation,
                question=question,
                uploaded_file=form.cleaned_data["file"],
                expires_on=form.cleaned_data.get("expires_on"),
                contact=invite.contact,
                request=request,
                invite=invite,
                **form.metadata(),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, "Document uploaded.")
            return redirect(_section_url(invite, section, question))
    else:
        errors = form.labelled_errors()
    items = [
        question_view(data, q, evaluation, upload_errors=errors if q.pk == question.pk else [])
        for q in data.questions_of(section)
    ]
    messages.error(request, "The document was not uploaded: see the message beside the question.")
    return render(request, PAGE, page_context(invite, data, section, items))


@require_POST
@invite_required
def portal_confirm(request: HttpRequest, invite: Invite, key: str) -> HttpResponse:
    """Confirms one prefilled answer as it stands (a button inside the section's form)."""
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    question = find_question(data, key)
    try:
        answer_confirm(
            evaluation=invite.evaluation,
            question=question,
            contact=invite.contact,
            request=request,
            invite=invite,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Answer confirmed.")
    return redirect(_section_url(invite, data.section_of(question), question))


@require_POST
@invite_required
def portal_section_confirm(request: HttpRequest, invite: Invite, section_key: str) -> HttpResponse:
    """Confirms every prefilled answer shown in the section, in one action."""
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    section = section_for(data, section_key)
    try:
        confirmed = section_confirm(
            evaluation=invite.evaluation,
            section=section,
            contact=invite.contact,
            request=request,
            invite=invite,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        count = len(confirmed)
        messages.success(request, f"{count} prefilled answer{'s' if count != 1 else ''} confirmed.")
    return redirect(_section_url(invite, section))


@require_http_methods(["GET", "POST"])
@invite_required
def portal_model_card(request: HttpRequest, invite: Invite) -> HttpResponse:
    """Upload of the vendor's model card; shows which questions it prefilled and the HTI-1 attributes."""
    evaluation = invite.evaluation
    max_bytes = settings.MODEL_CARD_MAX_BYTES
    form = ModelCardForm(request.POST or None, request.FILES or None, max_bytes=max_bytes)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = model_card_import(
                evaluation=evaluation,
                data=form.cleaned_data["file"].read(),
                contact=invite.contact,
                request=request,
            )
        except ValidationError as exc:
            problems = exc.message_dict["file"] if hasattr(exc, "error_dict") else exc.messages
            for message in problems:
                form.add_error("file", message)
    data = vendor_snapshot(evaluation)
    context = {
        "invite": invite,
        "evaluation": evaluation,
        "token": invite._token,
        "form": form,
        "result": result,
        "filled": [(q, element, data.section_of(q)) for q, element in result.filled] if result else [],
        "read_only": not evaluation.is_vendor_editable,
        "max_kb": max_bytes // 1024,
    }
    return render(request, "portal/portal_model_card.html", context)


@require_http_methods(["GET", "POST"])
@invite_required
def portal_model_version(request: HttpRequest, invite: Invite) -> HttpResponse:
    """The vendor reports a new version of the product's model (after the decision too).

    Only the contact the organization invited reports versions, not a colleague a section was
    handed to.
    """
    if invite.delegated_from_id:
        raise Http404("Only the invited contact reports model versions.")
    product = invite.evaluation.product
    form = ModelVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = model_version_report(
                product=product, contact=invite.contact, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Thank you: version {report.version} is recorded. {_version_outcome(report)}",
            )
            return redirect("portal_model_version", token=invite._token)
    context = {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "form": form,
        "product": product,
        "versions": versions_of(product).filter(reported_by_contact__vendor_id=invite.contact.vendor_id),
    }
    return render(request, "portal/portal_model_version.html", context)


def _version_outcome(report) -> str:
    if report.action == report.Action.REASSESSMENT_OPENED:
        return f"{report.organization.name} opened a re-assessment and will send you a link to it."
    if report.action == report.Action.ADDED_TO_OPEN:
        return "It is covered by the evaluation in progress."
    return "It will be looked at in the next scheduled review."


def _evidence_of(invite: Invite, public_id) -> EvidenceFile:
    evidence = (
        EvidenceFile.objects.select_related("question", "evaluation__organization")
        .filter(public_id=public_id, evaluation_id=invite.evaluation_id)
        .first()
    )
    if evidence is None:
        raise Http404("No such document.")
    return evidence


@require_GET
@invite_required
def portal_evidence_download(request: HttpRequest, invite: Invite, public_id) -> HttpResponse:
    evidence = _evidence_of(invite, public_id)
    response = evidence_file_response(request, evidence)
    if response.status_code == 200:
        evidence_record_download(
            evidence=evidence, evaluation=invite.evaluation, contact=invite.contact, request=request
        )
    return response


@invite_required
def portal_evidence_describe(request: HttpRequest, invite: Invite, public_id) -> HttpResponse:
    """The vendor corrects what an uploaded document is (type, issuer, period, version, dates)."""
    evidence = _evidence_of(invite, public_id)
    question = evidence.question
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    editable = data.is_editable(question)
    initial = {name: getattr(evidence, name) for name in (*METADATA_FIELDS, "expires_on")}
    form = EvidenceDescriptionForm(
        question, request.POST if request.method == "POST" else None, initial=initial, prefix="doc"
    )
    if request.method == "POST" and editable and form.is_valid():
        try:
            evidence_describe(
                evidence=evidence,
                contact=invite.contact,
                request=request,
                invite=invite,
                expires_on=form.cleaned_data.get("expires_on"),
                **form.metadata(),
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {"__all__": exc.error_list}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, f"Description of {evidence.original_name} saved.")
            return redirect(_section_url(invite, question.section, question))
    elif request.method == "POST" and not editable:
        messages.error(request, "This answer can no longer be changed.")
    return render(
        request,
        "portal/portal_evidence_describe.html",
        {"invite": invite, "token": invite._token, "evidence": evidence, "form": form, "editable": editable},
    )


@require_POST
@invite_required
def portal_evidence_remove(request: HttpRequest, invite: Invite, public_id) -> HttpResponse:
    evidence = _evidence_of(invite, public_id)
    try:
        evidence_remove(evidence=evidence, contact=invite.contact, request=request, invite=invite)
        messages.success(request, f"{evidence.original_name} withdrawn.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    data_section = evidence.question.section
    return redirect(_section_url(invite, data_section, evidence.question))


@require_http_methods(["GET", "POST"])
@invite_required
def portal_delegate(request: HttpRequest, invite: Invite) -> HttpResponse:
    scope = scope_summary(invite.evaluation)
    choices = [(s.key, s.title) for s in scope.asked if not invite.sections or s.key in invite.sections]
    form = DelegateForm(request.POST or None, sections=choices)
    if request.method == "POST" and form.is_valid():
        try:
            delegated = invite_delegate(invite=invite, request=request, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, f"{delegated.contact.name} will receive a personal link by e-mail.")
            return redirect("portal_questionnaire", invite._token)
    titles = dict(choices) | {s.key: s.title for s in scope.asked}
    delegations = [
        (d, [titles.get(key, key) for key in d.sections])
        for d in invite.delegations.select_related("contact").order_by("-created_at")
    ]
    return render(
        request,
        "portal/portal_delegate.html",
        {
            "invite": invite,
            "evaluation": invite.evaluation,
            "token": invite._token,
            "form": form,
            "delegations": delegations,
            "own_sections": [titles.get(key, key) for key in invite.sections],
        },
    )


@require_POST
@invite_required
def portal_delegation_revoke(request: HttpRequest, invite: Invite, delegation_id) -> HttpResponse:
    try:
        delegation = invite_delegation_revoke(invite=invite, delegation_id=delegation_id, request=request)
    except ValidationError as exc:
        raise Http404("No such hand-off.") from exc
    messages.success(request, f"{delegation.contact.name}'s link no longer works.")
    return redirect("portal_delegate", invite._token)


def _review_context(invite: Invite, errors: list[str] | None = None) -> dict:
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    sections = {s.pk: s for s in data.sections}
    missing = [(q, sections[q.section_id], data.state.is_pending(q)) for q in data.state.missing()]
    done, total = data.state.progress()
    return {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "missing": missing,
        "done": done,
        "total": total,
        "percent": percent(done, total),
        "errors": errors or [],
        "read_only": not invite.evaluation.is_vendor_editable,
    }


@require_GET
@invite_required
def portal_review(request: HttpRequest, invite: Invite) -> HttpResponse:
    return render(request, "portal/portal_review.html", _review_context(invite))


@require_POST
@invite_required
def portal_submit(request: HttpRequest, invite: Invite) -> HttpResponse:
    try:
        evaluation_submit(
            evaluation=invite.evaluation, contact=invite.contact, request=request, invite=invite
        )
    except ValidationError as exc:
        errors = (
            ["Some required questions are not answered yet."] if exc.code == "incomplete" else exc.messages
        )
        return render(request, "portal/portal_review.html", _review_context(invite, errors))
    messages.success(request, "Thank you: your answers were submitted. This copy is now read-only.")
    return redirect("portal_questionnaire", invite._token)


ANSWERS_PDF = "portal/portal_answers_pdf.html"


def _not_submitted(exc: ValidationError) -> HttpResponse:
    return HttpResponse(" ".join(exc.messages), status=409, content_type="text/plain; charset=utf-8")


@require_GET
@invite_required
def portal_answers_pdf(request: HttpRequest, invite: Invite) -> HttpResponse:
    """The vendor's own answers as a PDF (no internal comments, no scores), once it is ready."""
    from reports.views import vendor_answers_download

    try:
        report = report_services.vendor_answers_current(evaluation=invite.evaluation)
    except ValidationError as exc:
        return _not_submitted(exc)
    if report is None or report.status != Report.Status.DONE:
        return redirect("portal_answers_pdf_status", invite._token)
    return vendor_answers_download(request, report, contact=invite.contact)


@require_http_methods(["GET", "POST"])
@invite_required
def portal_answers_pdf_status(request: HttpRequest, invite: Invite) -> HttpResponse:
    """Asks the worker for the PDF and shows its state; the htmx fragment polls itself.

    A full questionnaire takes longer to lay out than a web request may last, so the PDF is never
    rendered here.
    """
    try:
        report = report_services.vendor_answers_current(evaluation=invite.evaluation)
        # Opening the page asks for the PDF once; after a failure only the vendor's retry asks again.
        if request.method == "POST" or report is None:
            report = report_services.vendor_answers_request(evaluation=invite.evaluation)
    except ValidationError as exc:
        return _not_submitted(exc)
    if request.method == "POST" and not request.htmx:
        return redirect("portal_answers_pdf_status", invite._token)
    context = {"invite": invite, "evaluation": invite.evaluation, "token": invite._token, "report": report}
    if request.htmx:
        return render(request, f"{ANSWERS_PDF}#pdf_status", context)
    return render(request, ANSWERS_PDF, context)


# ---- Remediation -----------------------------------------------------------------------------

REMEDIATION = "portal/portal_remediation.html"


def _vendor_items(invite: Invite):
    return RemediationItem.objects.filter(
        evaluation_id=invite.evaluation_id, side=RemediationItem.Side.VENDOR
    ).order_by("due_date", "id")


def _remediation_context(invite: Invite, forms: dict | None = None) -> dict:
    items = list(_vendor_items(invite))
    # Internal notes never leave the server for the vendor: they are not even loaded.
    thread: dict[int, list[RemediationMessage]] = {item.pk: [] for item in items}
    for message in RemediationMessage.objects.filter(item__in=items, internal=False).order_by(
        "created_at", "id"
    ):
        thread[message.item_id].append(message)
    forms = forms or {}
    return {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "rows": [
            (item, thread[item.pk], forms.get(item.pk) or RemediationReplyForm(prefix=f"r{item.pk}"))
            for item in items
        ],
    }


@require_GET
@invite_required
def portal_remediation(request: HttpRequest, invite: Invite) -> HttpResponse:
    return render(request, REMEDIATION, _remediation_context(invite))


@require_POST
@invite_required
def portal_remediation_reply(request: HttpRequest, invite: Invite, item_id) -> HttpResponse:
    item = _vendor_items(invite).filter(public_id=item_id).first()
    if item is None:
        raise Http404("No such item.")
    form = RemediationReplyForm(request.POST, request.FILES, prefix=f"r{item.pk}")
    if form.is_valid():
        try:
            remediation_vendor_respond(
                item=item,
                contact=invite.contact,
                body=form.cleaned_data["body"],
                uploaded_file=form.cleaned_data.get("file"),
                request=request,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error("file" if form.cleaned_data.get("file") else None, exc.messages)
        else:
            messages.success(request, "Thank you: your answer was sent.")
            return redirect(reverse("portal_remediation", args=[invite._token]) + f"#item-{item.public_id}")
    messages.error(request, "Your answer was not sent: see the message beside the item.")
    return render(request, REMEDIATION, _remediation_context(invite, {item.pk: form}))


@require_GET
@invite_required
def portal_remediation_file(request: HttpRequest, invite: Invite, item_id, message_id) -> HttpResponse:
    message = (
        RemediationMessage.objects.filter(
            item__evaluation_id=invite.evaluation_id,
            item__side=RemediationItem.Side.VENDOR,
            item__public_id=item_id,
            public_id=message_id,
            internal=False,
        )
        .exclude(stored_name="")
        .first()
    )
    if message is None:
        raise Http404("No such document.")
    response = evidence_file_response(request, message)
    if response.status_code == 200:
        evidence_record_download(
            evidence=message, evaluation=invite.evaluation, contact=invite.contact, request=request
        )
    return response
