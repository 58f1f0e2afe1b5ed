"""Webhooks: telling other systems what happened, signed, through an outbox, with retries.

Emitting an event (`webhook_event_emit`) writes one delivery row per active endpoint subscribed to
its kind, in the caller's transaction, and queues each delivery once that transaction commits.
Only the delivery's id goes to the broker. If the broker is down the rows stay pending and the beat
sweep (`webhook_sweep`) queues them later.

Each attempt POSTs the JSON body

    {"id": "<event uuid>", "kind": "evaluation.submitted", "created_at": "<ISO 8601>",
     "organization": {"id": "<uuid>", "name": "..."}, "data": {...}}

with the headers

    X-Webhook-Id:        the event id (the same on every retry: receivers de-duplicate on it)
    X-Webhook-Event:     the kind
    X-Webhook-Timestamp: Unix seconds of this attempt
    X-Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the secret>

A 2xx answer is success. Anything else (another status, a redirect, a time-out, a refused
connection) is retried after each of settings.WEBHOOK_RETRY_DELAYS, then the delivery is failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from procurement.models import (
    AuditEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from procurement.models.webhooks import SUBSCRIBABLE_EVENTS
from procurement.queue import enqueue
from procurement.services.audit import audit_record

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from accounts.models import Organization, User

logger = logging.getLogger(__name__)

TASK = "procurement.tasks.webhook_deliver"
SECRET_PREFIX = "whsec_"
RESPONSE_EXCERPT_CHARS = 2000
USER_AGENT = "ClinicalAIDueDiligence-Webhooks/1"
# A delivery being sent is not due again before its time-out plus this margin (a dead worker's
# delivery is then picked up by the sweep).
LEASE_MARGIN = timedelta(seconds=30)
# The sweep leaves a due delivery this long to the task queued for it before queuing it again.
SWEEP_GRACE = timedelta(seconds=30)


# ---- Secrets ---------------------------------------------------------------------------------


def _fernet() -> Fernet:
    material = settings.WEBHOOK_SECRET_KEY or f"webhook-secrets:{settings.SECRET_KEY}"
    key = hashlib.sha256(material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _store_secret(endpoint: WebhookEndpoint, secret: str) -> None:
    endpoint.secret_encrypted = _fernet().encrypt(secret.encode()).decode()
    endpoint.secret_prefix = secret[: len(SECRET_PREFIX) + 4]


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    """The clear secret, for signing only (never shown after creation or rotation)."""
    try:
        return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise ValidationError(
            "The endpoint's secret cannot be read with the current key; rotate it.", code="secret_unreadable"
        ) from exc


def webhook_signature(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Webhook-Signature header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def webhook_signature_valid(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (replays fail)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return age <= tolerance and hmac.compare_digest(expected, signature or "")


# ---- Endpoints -------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_validate(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": "Enter a full http or https address."}) from exc
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the address; requests are signed."})
    if parts.scheme == "http" and not (
        settings.WEBHOOK_ALLOW_HTTP_LOOPBACK and _is_loopback(parts.hostname or "")
    ):
        raise ValidationError({"url": "Use an https address: events are sent over TLS only."})
    return url


def _clean_kinds(event_kinds: Iterable[str]) -> list[str]:
    kinds = list(dict.fromkeys(event_kinds or []))
    unknown = [k for k in kinds if k not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise ValidationError({"event_kinds": f"Unknown event kind(s): {', '.join(map(str, unknown))}."})
    if not kinds:
        raise ValidationError({"event_kinds": "Choose at least one event."})
    return [k for k in SUBSCRIBABLE_EVENTS if k in kinds]


def _audit(endpoint: WebhookEndpoint, *, change: str, summary: str, user, request, **data: Any) -> None:
    audit_record(
        organization=endpoint.organization,
        kind=AuditEvent.Kind.WEBHOOK_CHANGED,
        summary=summary,
        user=user,
        request=request,
        data={"endpoint": str(endpoint.public_id), "url": endpoint.url, "change": change, **data},
    )


@transaction.atomic
def webhook_endpoint_create(
    *,
    organization: Organization,
    url: str,
    event_kinds: Iterable[str],
    user: User | None,
    description: str = "",
    active: bool = True,
    request: HttpRequest | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its clear secret, which the caller shows once and never again."""
    errors: dict[str, Any] = {}
    try:
        url = webhook_url_validate(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        kinds = _clean_kinds(event_kinds)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(
        organization=organization,
        url=url,
        description=description.strip()[:200],
        event_kinds=kinds,
        active=active,
        created_by=user,
    )
    secret = _new_secret()
    _store_secret(endpoint, secret)
    endpoint.save()
    _audit(
        endpoint, change="created", summary=f"Webhook added: {url}", user=user, request=request, events=kinds
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    user: User | None,
    request: HttpRequest | None = None,
    url: str | None = None,
    event_kinds: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    errors: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if url is not None:
        try:
            url = webhook_url_validate(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if url != endpoint.url:
                changes["url"] = url
    if event_kinds is not None:
        try:
            kinds = _clean_kinds(event_kinds)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if kinds != endpoint.event_kinds:
                changes["event_kinds"] = kinds
    if errors:
        raise ValidationError(errors)
    if description is not None and description.strip()[:200] != endpoint.description:
        changes["description"] = description.strip()[:200]
    if active is not None and active != endpoint.active:
        changes["active"] = active
    if not changes:
        return endpoint
    for field, value in changes.items():
        setattr(endpoint, field, value)
    endpoint.save(update_fields=[*changes, "updated_at"])
    if set(changes) == {"active"}:
        summary = f"Webhook {'reactivated' if endpoint.active else 'deactivated'}: {endpoint.url}"
    else:
        summary = f"Webhook changed: {endpoint.url}"
    _audit(endpoint, change="updated", summary=summary, user=user, request=request, fields=sorted(changes))
    return endpoint


@transaction.atomic
def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, user: User | None, request: HttpRequest | None = None
) -> str:
    """A new secret from now on (deliveries still pending are signed with it); returned once."""
    secret = _new_secret()
    _store_secret(endpoint, secret)
    endpoint.save(update_fields=["secret_encrypted", "secret_prefix", "updated_at"])
    _audit(
        endpoint,
        change="secret_rotated",
        summary=f"Webhook secret rotated: {endpoint.url}",
        user=user,
        request=request,
    )
    return secret


@transaction.atomic
def webhook_endpoint_delete(
    *, endpoint: WebhookEndpoint, user: User | None, request: HttpRequest | None = None
) -> None:
    _audit(endpoint, change="deleted", summary=f"Webhook removed: {endpoint.url}", user=user, request=request)
    endpoint.delete()


# ---- Emitting events -------------------------------------------------------------------------


def _payload(
    *, organization: Organization, kind: str, data: dict[str, Any], event_id, created_at: datetime
) -> dict:
    return {
        "id": str(event_id),
        "kind": kind,
        "created_at": created_at.isoformat(),
        "organization": {"id": str(organization.public_id), "name": organization.name},
        "data": data,
    }


def _publish(delivery_id: int, countdown: float | None = None) -> None:
    try:
        if countdown:
            from celery import current_app

            current_app.tasks[TASK].apply_async(args=[delivery_id], countdown=countdown)
        else:
            enqueue(TASK, delivery_id)
    except (BrokerError, OSError):
        # The row stays pending and due: the sweep queues it once the broker is back.
        logger.warning("Webhook delivery %s not queued; the sweep sends it", delivery_id, exc_info=True)


def _queue_on_commit(delivery_ids: list[int]) -> None:
    def send() -> None:
        for delivery_id in delivery_ids:
            _publish(delivery_id)

    transaction.on_commit(send, robust=True)


def _create_deliveries(
    *, organization: Organization, endpoints: Iterable[WebhookEndpoint], kind: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    endpoints = list(endpoints)
    if not endpoints:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = _payload(organization=organization, kind=kind, data=data, event_id=event_id, created_at=now)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            organization=organization,
            endpoint=endpoint,
            event_id=event_id,
            kind=kind,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    ids = [d.pk for d in deliveries]
    if None in ids:  # back-ends that do not return keys from a bulk insert
        ids = list(
            WebhookDelivery.objects.filter(event_id=event_id).order_by("pk").values_list("pk", flat=True)
        )
    _queue_on_commit(ids)
    return deliveries


def evaluation_event_data(evaluation) -> dict[str, Any]:
    """How events name an evaluation: ids and labels a receiving system can file it under."""
    product = evaluation.product
    return {
        "id": str(evaluation.public_id),
        "url": settings.SITE_URL.rstrip("/") + evaluation.get_absolute_url(),
        "status": evaluation.status,
        "product": {"id": str(product.public_id), "name": product.name},
        "vendor": {"id": str(product.vendor.public_id), "name": product.vendor.legal_name},
    }


def webhook_endpoints_for(*, organization: Organization, kind: str) -> list[WebhookEndpoint]:
    """The active endpoints of the organization subscribed to `kind` (one query)."""
    endpoints = WebhookEndpoint.objects.for_org(organization).filter(active=True)
    return [e for e in endpoints if e.subscribes_to(kind)]


def webhook_event_emit(
    *,
    organization: Organization,
    kind: str,
    data: dict[str, Any],
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    """Records the event for each active endpoint of the organization subscribed to `kind`.

    Call it inside the transaction that makes the event true: the deliveries are saved with it (or
    not at all) and queued after it commits. `data` must be JSON-serializable and hold no secrets;
    by convention it names objects by their public ids, e.g. {"evaluation": {"id": ..., ...}}.

    Kinds wired by other features: remediation.overdue ({"evaluation": ..., "remediation": ...}),
    evidence.expiring ({"evaluation": ..., "evidence": ..., "expires_on": ...}) and
    model_version.reported ({"product": ..., "version": ...}). Called after the commit (as the
    re-assessment feature's emit_model_version_reported is), the rows are written and queued at once.

    `endpoints` (from `webhook_endpoints_for`) saves the look-up when the caller emits several events
    of one kind, or wants to skip building `data` when nobody listens.
    """
    if kind not in SUBSCRIBABLE_EVENTS:
        raise ValueError(f"Unknown webhook event kind {kind!r}")
    json.dumps(data)  # fail here, in the caller, rather than in a worker
    if endpoints is None:
        endpoints = webhook_endpoints_for(organization=organization, kind=kind)
    return _create_deliveries(organization=organization, endpoints=endpoints, kind=kind, data=data)


@transaction.atomic
def webhook_test_send(
    *, endpoint: WebhookEndpoint, user: User | None, request: HttpRequest | None = None
) -> WebhookDelivery:
    """A webhook.test event for this endpoint alone, active or not."""
    data = {
        "message": "A test event sent from the webhooks page.",
        "sent_by": user.get_username() if user else "",
    }
    (delivery,) = _create_deliveries(
        organization=endpoint.organization, endpoints=[endpoint], kind=WebhookEvent.TEST, data=data
    )
    return delivery


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery, user: User | None) -> WebhookDelivery:
    """One more attempt, now, of a failed delivery (its payload and event id unchanged)."""
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise ValidationError("Only a failed delivery can be retried.", code="not_failed")
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.FAILED).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    _queue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# ---- Delivering ------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any non-2xx one: never followed (it could point anywhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code or None, response excerpt, error) of one POST."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None, "", "Only http and https addresses are called."
    if settings.WEBHOOK_REFUSE_PRIVATE_ADDRESSES:
        refused = _non_public_address(parts.hostname or "", parts.port or 443)
        if refused:
            return None, "", refused
    # The scheme is checked just above (and when the endpoint was saved): never file: or ftp:.
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(req, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, _excerpt(response), ""
    except urllib.error.HTTPError as exc:
        return exc.code, _excerpt(exc), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"[:1000]


def _non_public_address(host: str, port: int) -> str:
    """Why `host` is not called (it resolves to a loopback, private or reserved address), or ""."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"DNS lookup of {host} failed: {exc}"[:1000]
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return f"Refused: {host} resolves to a non-public address ({address})."
    return ""


def _excerpt(response) -> str:
    try:
        raw = response.read(RESPONSE_EXCERPT_CHARS * 4)
    except (OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]


def _retry_delay(attempts: int) -> float | None:
    """Seconds until the next attempt after `attempts` tries, or None when that was the last."""
    delays = list(settings.WEBHOOK_RETRY_DELAYS)
    return delays[attempts - 1] if attempts - 1 < len(delays) else None


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """One attempt at a due, pending delivery. Safe to call twice: only one caller claims it."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + LEASE_MARGIN
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + lease)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    number = delivery.attempts + 1
    body = webhook_body(delivery.payload)
    timestamp = str(int(time.time()))
    started = time.monotonic()
    try:
        secret = webhook_secret(endpoint)
    except ValidationError as exc:
        code, excerpt, error = None, "", exc.messages[0]
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Webhook-Id": str(delivery.event_id),
            "X-Webhook-Event": delivery.kind,
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": webhook_signature(secret=secret, timestamp=timestamp, body=body),
        }
        code, excerpt, error = _post(url=endpoint.url, body=body, headers=headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = code is not None and 200 <= code < 300
    if not succeeded and not error:
        error = f"HTTP {code}"
    finished = timezone.now()
    delay = None if succeeded else _retry_delay(number)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=finished,
            status_code=code,
            response_body=excerpt,
            error=error if not succeeded else "",
            duration_ms=duration_ms,
        )
        delivery.attempts = number
        delivery.last_status_code = code
        delivery.last_response_body = excerpt
        delivery.last_error = "" if succeeded else error
        if succeeded:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = finished
            delivery.next_attempt_at = None
        elif delay is None:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = finished + timedelta(seconds=delay)
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_response_body",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    if delay is not None:
        logger.info(
            "Webhook delivery %s attempt %s failed (%s); next in %ss", delivery_id, number, error, delay
        )
        _publish(delivery_id, countdown=delay)
    return delivery


def webhook_sweep(*, now: datetime | None = None) -> int:
    """Beat: queues again the pending deliveries already due for a while (their task was lost)."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        _publish(delivery_id)
    return len(due)
