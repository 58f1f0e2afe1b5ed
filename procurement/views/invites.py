"""Officer pages for invite links, and the organization's download of vendor evidence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import get_for_org, member_required, require_perm
from accounts.context_processors import organization as org_context
from accounts.roles import Perm
from procurement.forms import InviteForm
from procurement.models import Evaluation, EvidenceFile, Invite
from procurement.responses import evidence_file_response
from procurement.services.evaluations import manual_moves_for
from procurement.services.evidence import evidence_record_download
from procurement.services.invites import invite_resend, invite_revoke, invite_send

PANEL = "procurement/_invites_panel.html"
STATUS = "procurement/_evaluation_status.html"


def _evaluation(request: HttpRequest, public_id) -> Evaluation:
    return get_for_org(
        request, Evaluation.objects.select_related("product__vendor", "organization"), public_id=public_id
    )


def _panel_response(
    request: HttpRequest, evaluation: Evaluation, form: InviteForm | None = None
) -> HttpResponse:
    context = {"evaluation": evaluation, "invite_form": form}
    if request.htmx:
        return render(request, PANEL, context)
    return render(request, "procurement/evaluation_invites.html", context)


@require_http_methods(["GET", "POST"])
@member_required(Perm.VIEW)
def evaluation_invites(request: HttpRequest, public_id) -> HttpResponse:
    """The invites of one evaluation; POST invites more of the vendor's contacts."""
    evaluation = _evaluation(request, public_id)
    if request.method == "GET":
        return _panel_response(request, evaluation)
    require_perm(request, Perm.RUN_EVALUATIONS)
    form = InviteForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            invites = invite_send(
                evaluation=evaluation,
                contacts=form.cleaned_data["contacts"],
                invited_by=request.user,
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{len(invites)} invite{'s' if len(invites) != 1 else ''} sent.")
            if request.htmx:
                return _panel_with_status(request, evaluation)
            return redirect("evaluation_invites", evaluation.public_id)
    return _panel_response(request, evaluation, form)


def _panel_with_status(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    """The panel, plus the status and move buttons swapped out of band.

    Sending the first invites moves a draft to 'sent to vendor'; a page that kept showing
    'Draft' and its 'Send to vendor' button would offer a move that can no longer be made.
    """
    response = _panel_response(request, evaluation)
    context = {
        "evaluation": evaluation,
        "moves": manual_moves_for(evaluation, org_context(request)["org_perms"]),
        "oob": True,
    }
    response.write(render_to_string(STATUS, context, request=request))
    return response


def _invite(request: HttpRequest, evaluation: Evaluation, invite_id) -> Invite:
    return get_for_org(request, Invite.objects.filter(evaluation=evaluation), public_id=invite_id)


def _after_change(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    if request.htmx:
        return _panel_response(request, evaluation)
    return redirect("evaluation_invites", evaluation.public_id)


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def invite_revoke_view(request: HttpRequest, public_id, invite_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    invite = invite_revoke(invite=_invite(request, evaluation, invite_id), user=request.user)
    messages.success(request, f"The link of {invite.contact.name} no longer works.")
    return _after_change(request, evaluation)


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def invite_resend_view(request: HttpRequest, public_id, invite_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    try:
        invite = invite_resend(invite=_invite(request, evaluation, invite_id), user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"A new link was sent to {invite.contact.name}; the previous one stopped working."
        )
    return _after_change(request, evaluation)


@require_GET
@member_required(Perm.VIEW)
def evidence_download(request: HttpRequest, public_id, file_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    evidence = get_for_org(request, EvidenceFile.objects.filter(evaluation=evaluation), public_id=file_id)
    response = evidence_file_response(request, evidence)
    if response.status_code == 200:
        evidence_record_download(evidence=evidence, evaluation=evaluation, user=request.user, request=request)
    return response
