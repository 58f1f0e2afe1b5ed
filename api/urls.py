"""/api/: the versioned JSON API (v1), its OpenAPI schema and its interactive documentation."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from api.views import (
    account,
    docs,
    evaluations,
    lifecycle,
    not_found,
    remediation,
    reports,
    scores,
    sso,
    templates,
    vendor_portal,
    vendor_workbook,
    vendors,
    webhooks,
)

router = SimpleRouter(trailing_slash=True, use_regex_path=False)
router.register("templates", templates.TemplateViewSet, basename="api-template")
router.register("vendors", vendors.VendorViewSet, basename="api-vendor")
router.register("products", vendors.ProductViewSet, basename="api-product")
router.register("contacts", vendors.ContactViewSet, basename="api-contact")
router.register("evaluations", evaluations.EvaluationViewSet, basename="api-evaluation")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="api-webhook")

v1 = [
    path("me/", account.MeView.as_view(), name="api-me"),
    path("evaluations/<uuid:id>/score/", scores.EvaluationScoreView.as_view(), name="api-evaluation-score"),
    path(
        "evaluations/<uuid:id>/report/", reports.EvaluationReportView.as_view(), name="api-evaluation-report"
    ),
    path(
        "evaluations/<uuid:id>/overrides/<str:key>/",
        scores.ScoreOverrideView.as_view(),
        name="api-score-override",
    ),
    path(
        "evaluations/<uuid:id>/model-card.xml",
        evaluations.EvaluationModelCardView.as_view(),
        name="api-evaluation-model-card",
    ),
    path(
        "products/<uuid:id>/versions/", lifecycle.ProductVersionsView.as_view(), name="api-product-versions"
    ),
    path("review-policy/", lifecycle.ReviewPolicyView.as_view(), name="api-review-policy"),
    path("organization/single-sign-on/", sso.SingleSignOnView.as_view(), name="api-single-sign-on"),
    path(
        "evaluations/<uuid:id>/remediation/",
        remediation.RemediationListView.as_view(),
        name="api-remediation-list",
    ),
    path(
        "evaluations/<uuid:id>/remediation/<uuid:item_id>/",
        remediation.RemediationItemView.as_view(),
        name="api-remediation-item",
    ),
    path(
        "evaluations/<uuid:id>/remediation/<uuid:item_id>/status/",
        remediation.RemediationStatusView.as_view(),
        name="api-remediation-status",
    ),
    path(
        "evaluations/<uuid:id>/remediation/<uuid:item_id>/messages/",
        remediation.RemediationMessagesView.as_view(),
        name="api-remediation-messages",
    ),
    path(
        "webhooks/<uuid:id>/deliveries/<uuid:delivery_id>/retry/",
        webhooks.WebhookDeliveryRetryView.as_view(),
        name="api-webhook-delivery-retry",
    ),
    path("reports/<uuid:id>/", reports.ReportView.as_view(), name="api-report"),
    path("reports/<uuid:id>/download/", reports.ReportDownloadView.as_view(), name="api-report-download"),
    # Vendor side: the invite token in the Authorization header picks the evaluation.
    path(
        "vendor/questionnaire/",
        vendor_portal.VendorQuestionnaireView.as_view(),
        name="api-vendor-questionnaire",
    ),
    path(
        "vendor/questionnaire.xlsx",
        vendor_workbook.VendorWorkbookView.as_view(),
        name="api-vendor-workbook",
    ),
    path("vendor/answers/<str:key>/", vendor_portal.VendorAnswerView.as_view(), name="api-vendor-answer"),
    path(
        "vendor/answers/<str:key>/evidence/",
        vendor_portal.VendorEvidenceView.as_view(),
        name="api-vendor-evidence",
    ),
    path(
        "vendor/evidence/<uuid:id>/",
        vendor_portal.VendorEvidenceDescribeView.as_view(),
        name="api-vendor-evidence-describe",
    ),
    path(
        "vendor/answers/<str:key>/confirm/",
        vendor_portal.VendorAnswerConfirmView.as_view(),
        name="api-vendor-answer-confirm",
    ),
    path(
        "vendor/sections/<str:key>/confirm/",
        vendor_portal.VendorSectionConfirmView.as_view(),
        name="api-vendor-section-confirm",
    ),
    path("vendor/model-card/", vendor_portal.VendorModelCardView.as_view(), name="api-vendor-model-card"),
    path(
        "vendor/model-versions/", lifecycle.VendorModelVersionView.as_view(), name="api-vendor-model-versions"
    ),
    path("vendor/remediation/", remediation.VendorRemediationView.as_view(), name="api-vendor-remediation"),
    path(
        "vendor/remediation/<uuid:item_id>/reply/",
        remediation.VendorRemediationReplyView.as_view(),
        name="api-vendor-remediation-reply",
    ),
    path("vendor/submit/", vendor_portal.VendorSubmitView.as_view(), name="api-vendor-submit"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1)),
    # Anything else under /api/ answers in the API's error format, not with an HTML page.
    re_path(r"^v1/", not_found.api_not_found),
    path("schema/", docs.ApiSchemaView.as_view(), name="api_schema"),
    path("docs/", docs.ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
]
