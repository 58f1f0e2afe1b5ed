"""The one place that answers "may this user see or change this object?".

Views never look tenant data up by primary key themselves. They use `member_required` to demand a
permission in the current organization, and `get_for_org` to load an object of that organization
by its public id. Outsiders get 404, so an object's existence never leaks to another tenant;
members whose role lacks the permission get 403.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

from accounts.roles import Perm, role_has_perm

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest

M = TypeVar("M", bound=models.Model)


def require_perm(request: HttpRequest, perm: str) -> None:
    membership = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied("You are not a member of any organization.")
    if not role_has_perm(membership.role, perm):
        raise PermissionDenied("Your role does not allow this.")


def has_perm(request: HttpRequest, perm: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and role_has_perm(membership.role, perm)


def member_required(perm: str = Perm.VIEW) -> Callable:
    """Decorator: signed-in member of the current organization whose role grants `perm`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_perm(request, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def org_queryset(request: HttpRequest, model_or_qs: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    """Rows of the current organization only."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    organization = getattr(request, "organization", None)
    if organization is None:
        return qs.none()
    return qs.filter(organization=organization)


def get_for_org(request: HttpRequest, model_or_qs: type[M] | models.QuerySet[M], **lookup: Any) -> M:
    """One object of the current organization, or 404 (never a hint that it exists elsewhere)."""
    try:
        return org_queryset(request, model_or_qs).get(**lookup)
    except (models.ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # A malformed id in the URL is simply "not found".
        raise Http404("Not found.") from exc
