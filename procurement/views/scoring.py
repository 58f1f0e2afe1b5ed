"""Views of the score panel and of template-wide rescoring. Thin: access, form, one service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_for_org, has_perm, member_required
from accounts.roles import Perm
from procurement.findings import finding_views, tier_summary
from procurement.models import Evaluation, Finding, RescoreBatch, ScoreOverride, ScoreRun
from procurement.services.overrides import score_override_clear, score_override_set
from procurement.services.scoring import latest_runs, scoring_request, scoring_retry, template_rescore_all
from questionnaires.models import Question, Template


class ScoreOverrideForm(forms.Form):
    score = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, required=False)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    clear = forms.BooleanField(required=False)


def _panel_context(request: HttpRequest, evaluation: Evaluation, **extra) -> dict:
    latest, result = latest_runs(evaluation)
    findings = []
    if result is not None:
        findings = sorted(
            Finding.objects.filter(score_run_id=result.result_run_id),
            key=lambda f: (f.kind != Finding.Kind.CRITICAL, f.id),
        )
    overrides = {
        o.question.key: o
        for o in ScoreOverride.objects.filter(evaluation=evaluation).select_related("question")
    }
    rows = []
    if result is not None:
        questions = Question.objects.filter(
            template_id=evaluation.template_id, key__in=result.question_scores
        )
        for question in questions.order_by("section__order", "order", "id").only("key", "prompt"):
            rows.append(
                {
                    "question": question,
                    "score": result.question_scores.get(question.key),
                    "computed": result.computed_scores.get(question.key),
                    "override": overrides.get(question.key),
                }
            )
    return {
        "evaluation": evaluation,
        "latest": latest,
        "result": result,
        "sections": list((result.section_scores if result else {}).values()),
        "findings": findings,
        "finding_views": finding_views(evaluation=evaluation, findings=findings),
        "tier_summary": tier_summary(evaluation=evaluation, run=result, findings=findings),
        "rows": rows,
        "can_score": has_perm(request, Perm.REVIEW) or has_perm(request, Perm.RUN_EVALUATIONS),
        "can_override": has_perm(request, Perm.OVERRIDE_SCORES),
        **extra,
    }


def _panel(request: HttpRequest, evaluation: Evaluation, **extra) -> HttpResponse:
    context = _panel_context(request, evaluation, **extra)
    if request.htmx:
        return render(request, "procurement/score_panel.html#panel", context)
    return render(request, "procurement/score_panel.html", context)


def _evaluation(request: HttpRequest, public_id) -> Evaluation:
    return get_for_org(request, Evaluation.objects.select_related("template"), public_id=public_id)


@require_GET
@member_required(Perm.VIEW)
def score_panel(request: HttpRequest, public_id) -> HttpResponse:
    return _panel(request, _evaluation(request, public_id))


@require_POST
@member_required(Perm.VIEW)
def score_request(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    if not (has_perm(request, Perm.REVIEW) or has_perm(request, Perm.RUN_EVALUATIONS)):
        raise PermissionDenied("Your role does not allow this.")
    scoring_request(evaluation=evaluation, user=request.user)
    if request.htmx:
        return _panel(request, evaluation)
    return redirect("score_panel", public_id=evaluation.public_id)


@require_POST
@member_required(Perm.VIEW)
def score_run_retry(request: HttpRequest, public_id, run_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    if not (has_perm(request, Perm.REVIEW) or has_perm(request, Perm.RUN_EVALUATIONS)):
        raise PermissionDenied("Your role does not allow this.")
    run = get_for_org(request, ScoreRun.objects.filter(evaluation=evaluation), public_id=run_id)
    error = ""
    try:
        scoring_retry(score_run=run, user=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return _panel(request, evaluation, retry_error=error)
    return redirect("score_panel", public_id=evaluation.public_id)


@require_POST
@member_required(Perm.OVERRIDE_SCORES)
def score_override(request: HttpRequest, public_id, key: str) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    question = Question.objects.filter(template_id=evaluation.template_id, key=key).first()
    if question is None:
        raise Http404("Not found.")
    form = ScoreOverrideForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["clear"]:
                score_override_clear(
                    evaluation=evaluation, question=question, user=request.user, request=request
                )
            else:
                score_override_set(
                    evaluation=evaluation,
                    question=question,
                    score=form.cleaned_data["score"],
                    justification=form.cleaned_data["justification"],
                    user=request.user,
                    request=request,
                )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
    if form.errors:
        # Status 200 so that htmx swaps the panel with the messages next to the fields.
        return _panel(request, evaluation, override_form=form, override_key=key)
    if request.htmx:
        return _panel(request, evaluation)
    return redirect("score_panel", public_id=evaluation.public_id)


def _template_for(request: HttpRequest, template_id) -> Template:
    organization = getattr(request, "organization", None)
    try:
        return Template.objects.visible_to(organization).get(public_id=template_id)
    except Template.DoesNotExist as exc:
        raise Http404("Not found.") from exc


@member_required(Perm.RUN_EVALUATIONS)
def template_rescore(request: HttpRequest, template_id) -> HttpResponse:
    template = _template_for(request, template_id)
    if request.method == "POST":
        template_rescore_all(template=template, organization=request.organization, user=request.user)
        return redirect("template_rescore", template_id=template.public_id)
    batch = RescoreBatch.objects.for_org(request.organization).filter(template=template).first()
    context = {
        "template": template,
        "batch": batch,
        "progress": batch.progress() if batch else None,
        "evaluation_count": Evaluation.objects.for_org(request.organization)
        .filter(template=template)
        .count(),
    }
    if request.htmx:
        return render(request, "procurement/template_rescore.html#progress", context)
    return render(request, "procurement/template_rescore.html", context)
