"""The vendor's page lists the open remediation items of its products, in one query for them."""

from __future__ import annotations

from django.urls import reverse

from procurement.models import RemediationItem
from procurement.services import remediation as services
from tests.procurement.remediation_setup import remediation_setup


def test_the_vendor_page_lists_open_items_only(org, officer, officer_client, django_assert_max_num_queries):
    setup = remediation_setup(org, officer)
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    RemediationItem.objects.create(
        organization=org,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Closed long ago",
        side="buyer",
        status="waived",
        waive_justification="n/a",
    )
    url = reverse("vendor_detail", args=[setup.evaluation.product.vendor.public_id])
    response = officer_client.get(url)
    content = response.content.decode()
    assert "Open remediation items" in content
    assert item.title in content
    assert item.get_absolute_url() in content
    assert "Closed long ago" not in content
    before = len(_queries(officer_client, url))
    for n in range(5):
        RemediationItem.objects.create(
            organization=org,
            evaluation=setup.evaluation,
            product=setup.evaluation.product,
            source="finding",
            finding_code=f"c{n}",
            title=f"More {n}",
        )
    with django_assert_max_num_queries(before):
        officer_client.get(url)


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return captured.captured_queries
