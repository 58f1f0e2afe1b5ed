from django import template

from procurement.services.template_upgrade import upgrade_target

register = template.Library()


@register.inclusion_tag("procurement/_template_upgrade_panel.html")
def template_upgrade_panel(evaluation):
    """The "Upgrade template" action of an evaluation page, when a newer published version exists."""
    return {"evaluation": evaluation, "target": upgrade_target(evaluation)}
