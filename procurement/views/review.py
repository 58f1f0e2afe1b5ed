"""The review workspace: one section at a time, narrowed by a filter, threads loaded on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import has_perm, member_required, require_perm
from accounts.roles import Perm
from procurement.forms import ClarificationForm, CommentForm
from procurement.models import ReviewComment
from procurement.presenters import WORKSPACE_FILTERS, review_workspace
from procurement.services import reviews
from procurement.views.common import evaluation_for, workspace_url

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from procurement.models import Evaluation
    from procurement.presenters import ReviewWorkspace


def _render(request: HttpRequest, evaluation: Evaluation, workspace: ReviewWorkspace, form=None):
    can_clarify = evaluation.status in reviews.IN_REVIEW and has_perm(request, Perm.REVIEW)
    context = {
        "evaluation": evaluation,
        "workspace": workspace,
        "filters": [
            (name, label, workspace.filter_counts[name], workspace_url(evaluation, show=name))
            for name, label in WORKSPACE_FILTERS.items()
        ],
        "section_links": [
            (
                block,
                workspace_url(evaluation, section=block.section.key, show=workspace.show),
            )
            for block in workspace.sections
        ],
        "previous_url": workspace_url(evaluation, section=workspace.previous.section.key, show=workspace.show)
        if workspace.previous
        else "",
        "next_url": workspace_url(evaluation, section=workspace.next.section.key, show=workspace.show)
        if workspace.next
        else "",
        "can_clarify": can_clarify,
        # Sign-off, like clarification, waits for the vendor's submission (reviews.section_sign_off).
        "can_sign_off": can_clarify,
        "can_comment": has_perm(request, Perm.REVIEW),
        "clarification_form": form,
    }
    return render(request, "procurement/review_workspace.html", context)


@member_required(Perm.VIEW)
def review_workspace_view(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    workspace = review_workspace(
        evaluation,
        user_id=request.user.pk,
        show=request.GET.get("show", "all"),
        section_key=request.GET.get("section", ""),
    )
    return _render(request, evaluation, workspace)


@require_POST
@member_required(Perm.REVIEW)
def review_clarification(request: HttpRequest, public_id) -> HttpResponse:
    """The clarification request built from the questions ticked in the workspace."""
    evaluation = evaluation_for(request, public_id)
    show, section = request.POST.get("show", "all"), request.POST.get("section", "")
    # One read serves both the questions a request may name and, when refused, the page again.
    workspace = review_workspace(evaluation, user_id=request.user.pk, show=show, section_key=section)
    form = ClarificationForm(request.POST, question_choices=workspace.question_choices)
    if form.is_valid():
        try:
            reviews.clarification_request(
                evaluation=evaluation,
                question_ids=form.cleaned_data["questions"],
                message=form.cleaned_data["message"],
                user=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            count = len(form.cleaned_data["questions"])
            messages.success(
                request,
                f"Clarification requested on {count} question{'s' if count != 1 else ''}; "
                "they are open to the vendor again.",
            )
            return redirect(workspace_url(evaluation, section=section, show=show))
    return _render(request, evaluation, workspace, form=form)


@require_http_methods(["GET", "POST"])
@member_required(Perm.VIEW)
def review_comments(request: HttpRequest, public_id, question_id: int) -> HttpResponse:
    """One question's thread and its comment form, loaded next to the question when asked for."""
    evaluation = evaluation_for(request, public_id)
    question = evaluation.template.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404("No such question in this evaluation.")
    error = ""
    if request.method == "POST":
        require_perm(request, Perm.REVIEW)
        form = CommentForm({**request.POST.dict(), "question": question.pk})
        try:
            if not form.is_valid():
                raise ValidationError("Write the comment before saving it.")
            reviews.comment_add(
                evaluation=evaluation,
                question_id=question.pk,
                body=form.cleaned_data["body"],
                is_visible_to_vendor=form.cleaned_data["is_visible_to_vendor"],
                user=request.user,
                request=request,
            )
        except ValidationError as exc:
            # Shown next to the field; htmx swaps only successful responses, so this stays a 200.
            error = " ".join(exc.messages)
        else:
            if not request.htmx:
                messages.success(request, "Comment added.")
                return redirect(
                    "evaluation_question", public_id=evaluation.public_id, question_id=question.pk
                )
    comments = ReviewComment.objects.filter(
        evaluation_id=evaluation.pk, question_id=question.pk
    ).select_related("author")
    context = {
        "evaluation": evaluation,
        "question": question,
        "comments": comments,
        "error": error,
        "can_comment": has_perm(request, Perm.REVIEW),
    }
    return render(request, "procurement/_review_comments.html", context)
