"""What every API view shares: who may call it, how objects are found, and how fast."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound

from accounts.access import get_for_org
from api.authentication import ApiTokenAuthentication, InviteAuthentication
from api.permissions import HasOrgPerm, IsInviteHolder
from api.throttling import ApiTokenThrottle, VendorIpThrottle


def no_store(response):
    """API answers carry one organization's data (or a vendor's answers): no cache may keep a copy."""
    response["Cache-Control"] = "no-store"
    return response


class NoStoreMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        return no_store(super().finalize_response(request, response, *args, **kwargs))


def _forget_session_context(request) -> None:
    # The API authenticates by header only: whatever organization a browser session chose must not
    # carry over into a request that failed to authenticate.
    django_request = request._request
    django_request.organization = None
    django_request.membership = None
    django_request.memberships = []


class OrgApiMixin(NoStoreMixin):
    """Organization endpoints: personal API token, permission from the role table, one organization."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasOrgPerm]
    throttle_classes = [ApiTokenThrottle]
    required_perms: dict[str, str] = {}
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    # A malformed id never reaches the view: the URL does not match and the API's 404 answers.
    lookup_value_converter = "uuid"

    def initial(self, request, *args, **kwargs):
        _forget_session_context(request)
        super().initial(request, *args, **kwargs)

    def get_object(self):
        obj = get_for_org(self.request, self.get_queryset(), public_id=self.kwargs[self.lookup_url_kwarg])
        self.check_object_permissions(self.request, obj)
        return obj


class VendorApiMixin(NoStoreMixin):
    """Vendor endpoints: the invite token alone, throttled per client address."""

    authentication_classes = [InviteAuthentication]
    permission_classes = [IsInviteHolder]
    throttle_classes = [VendorIpThrottle]

    def initial(self, request, *args, **kwargs):
        _forget_session_context(request)
        super().initial(request, *args, **kwargs)


def get_or_404(queryset: models.QuerySet, **lookup: Any):
    """For rows that are not tenant-owned (library templates): a bad or unknown id is a 404."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
        raise NotFound("Not found.") from exc
