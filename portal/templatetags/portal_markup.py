"""The Jinja2-rendered parts of the portal's questionnaire page, for its Django template."""

from __future__ import annotations

from django import template

from portal.markup import question_html, render_markup

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_question(context, item):
    return question_html(item, token=context["token"])


@register.simple_tag(takes_context=True)
def portal_progress(context):
    return render_markup("portal/_progress.html", {k: context[k] for k in ("done", "total", "percent")})


@register.simple_tag(takes_context=True)
def portal_section_nav(context):
    return render_markup("portal/_section_nav.html", {"nav": context["nav"], "section": context["section"]})
