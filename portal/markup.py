"""The portal's markup rendered by Jinja2 (templates/jinja2/portal/): a section's questions, its
navigation and progress, and the autosave's answer, which every page load and save renders."""

from __future__ import annotations

from typing import Any

from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from portal.presenters import QuestionView


def render_markup(template_name: str, context: dict[str, Any]) -> SafeString:
    template = engines["jinja2"].get_template(template_name)
    # The Jinja2 environment escapes every value, as Django's templates do.
    return mark_safe(template.render(context))  # noqa: S308


def question_html(item: QuestionView, *, token: str, oob: bool = False) -> SafeString:
    """The whole question: prompt, reviewers' notes, answer field, save state, evidence."""
    return render_markup("portal/question.html", {"item": item, "token": token, "oob": oob})


def autosave_html(context: dict[str, Any]) -> SafeString:
    """The autosave's out-of-band swaps (see `presenters.autosave_context`)."""
    return render_markup("portal/autosave.html", context)
