from django import template

from procurement.selectors import scope_summary

register = template.Library()


@register.inclusion_tag("procurement/_intake_summary.html")
def intake_summary(evaluation):
    """The intake panel of an evaluation page: inherent tier and scope, from the cached structure."""
    return {"evaluation": evaluation, "scope": scope_summary(evaluation)}
