"""The invites panel, usable from any page that has the evaluation in its context."""

from __future__ import annotations

from django import template

from procurement.forms import InviteForm
from procurement.models import Invite

register = template.Library()


@register.simple_tag
def invites_panel_data(evaluation, form=None) -> dict:
    invites = list(
        Invite.objects.filter(
            evaluation=evaluation, organization_id=evaluation.organization_id
        ).select_related("contact", "delegated_from__contact")
    )
    return {"invites": invites, "form": form or InviteForm(evaluation=evaluation)}
