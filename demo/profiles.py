"""The fictitious demo vendors: what each claims, and where each falls short."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# A generated answer for a file question: the command uploads a document instead of a value.
FILE = object()


@dataclass(frozen=True)
class VendorProfile:
    """How one demo vendor answers: its fixed key answers, its texts, and how diligent it is.

    `quality` 1.0 picks the best-scoring option everywhere it is free to; lower values let a
    stable share of the free answers fall short, the way a real questionnaire comes back.
    """

    product: str
    vendor: str
    domain: str
    quality: float
    answers: Mapping[str, Any]
    texts: Mapping[str, str]
    # Optional documents the vendor attaches although the questionnaire does not insist.
    optional_documents: bool = True
    table_rows: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


COMMON_TEXTS: dict[str, str] = {
    "use.product_name_version": "{product}",
    "use.out_of_scope": (
        "{product} is not intended for paediatric patients, for use outside the care settings listed "
        "above, or as the sole basis for a diagnosis or a treatment decision. It must not be used "
        "while its input feeds are degraded; the user interface states this on every screen."
    ),
    "use.human_oversight": (
        "A licensed clinician reviews every output before acting on it. The output shows the inputs "
        "and the main contributing factors, so the clinician can check the basis of the result "
        "independently, and overrides are logged and reviewed monthly by the clinical safety lead."
    ),
    "use.foundation_models": (
        "A commercially hosted large language model accessed under a zero-retention enterprise agreement, "
        "with a pinned model version; no customer data is used to train the foundation model."
    ),
    "data.geography": (
        "Academic and community hospitals in the north-eastern, mid-western and southern United States, "
        "covering urban and rural catchment areas."
    ),
    "data.inclusion_exclusion": (
        "Adults aged 18 or older with at least one encounter in the collection period were included; "
        "encounters with missing core inputs or patients who opted out of research use were excluded."
    ),
    "data.reference_standard": (
        "The reference standard was adjudicated by two clinicians blinded to the model output, with a "
        "third reviewer resolving disagreements."
    ),
    "data.labeler_qualifications": (
        "Board-certified physicians with at least five years of practice in the relevant specialty, "
        "trained on a written labelling protocol with periodic agreement checks."
    ),
    "deid": (
        "Identifiers are removed by an automated pipeline followed by a manual review of a random "
        "sample; the pipeline is re-validated whenever a new data source is added."
    ),
    "deid.expert.name": "Dr. Elena Marsh, PhD (independent statistical disclosure consultant)",
    "deid.expert.qualifications": (
        "Professor of biostatistics with fifteen years of experience in statistical disclosure control, "
        "author of peer-reviewed work on re-identification risk in clinical data sets."
    ),
    "deid.expert.methods": (
        "Quasi-identifiers were generalised until every equivalence class held at least eleven records; "
        "the residual risk was estimated against publicly available voter and census data, and free "
        "text was scrubbed and sampled for residual identifiers."
    ),
    "deid.expert.conditions": (
        "The data stay in the vendor's access-controlled environment and are never combined with other "
        "data sets or released to third parties."
    ),
    "deid.identified.basis": (
        "Identified data are used only under business associate agreements that permit this use, "
        "within the covered entities' own health care operations."
    ),
    "deid.reid_code_custody": (
        "The linkage key is held by the contributing hospital's honest broker and never shared with "
        "the vendor's data science team."
    ),
    "baa.subcontractors": (
        "Cloud hosting (infrastructure provider under its own BAA) and an outsourced security "
        "operations centre; both are bound by written subcontractor agreements."
    ),
    "fda.enforcement_discretion_basis": (
        "The function falls within a category for which FDA has stated it does not intend to enforce "
        "device requirements, as described in the applicable guidance document."
    ),
    "fda.non_device_basis": (
        "The product produces documentation and administrative text; it does not diagnose, treat, "
        "mitigate or prevent disease, so it does not meet the device definition."
    ),
    "fda.authorized_indications": (
        "The authorized indications match the intended use declared in section 1 for the same "
        "population, inputs and care settings."
    ),
    "fda.recall_details": (
        "One voluntary correction: a threshold configuration error in an earlier version was fixed by a "
        "field update to every site within two weeks, and the recall was terminated by FDA."
    ),
    "fda.other_authorizations": "CE marking under the EU Medical Device Regulation is in preparation.",
    "bias": (
        "Performance was compared across subgroups with bootstrap confidence intervals; any gap larger "
        "than five percentage points triggers a root-cause review and, where needed, re-weighting."
    ),
    "bias.input_justification": (
        "Age and sex are used because they are clinically established risk factors; race and ethnicity "
        "are not model inputs and are used only to evaluate performance."
    ),
    "bias.comparison_population": (
        "The validation cohorts were compared with the customer's published patient mix; age, sex and "
        "payer distributions differ by less than five percentage points."
    ),
    "bias.genai_evaluation": (
        "Generated text is evaluated on a held-out set of clinic visits for omissions, hallucinated "
        "findings and tone, by two clinicians using a published rubric, with results by language."
    ),
    "change": (
        "Every model version is released through a documented change process with validation on "
        "held-out data, a safety review, and a release note sent to each customer."
    ),
    "change.pccp_modifications": (
        "Periodic retraining on new data from existing sites and threshold recalibration within the "
        "bounds stated in the authorized plan."
    ),
    "change.pccp_protocol": (
        "Each modification is validated on a locked test set with pre-specified acceptance criteria "
        "for sensitivity, specificity and subgroup performance, and is released only if all criteria "
        "are met; results are documented in the device master record."
    ),
    "change.pccp_impact": (
        "The impact assessment compares benefits and risks of each modification against the current "
        "version, including effects on subgroups and on clinical workflow."
    ),
    "change.incident_process": (
        "Incidents are triaged within four hours by the on-call clinical safety officer, customers are "
        "informed within one business day, and root-cause analyses are shared within thirty days."
    ),
    "change.decommissioning": (
        "Customers get ninety days' notice and an export of their configuration and audit data."
    ),
    "hti": (
        "Described in the product's source attribute documentation, which {vendor} keeps current and "
        "makes available to every customer through its EHR integration."
    ),
    "hti.p01_developer_contact": "{vendor}, regulatory@{domain}",
    "hti.p02_funding_source": (
        "Developed with {vendor}'s own funds; no external grant funded the development or validation."
    ),
    "hti.p04_output_type": "Risk score with contributing factors",
    "hti.p07_intended_users": "Licensed clinicians",
    "hti.p08_decision_role": "Informs clinical management",
    "hti.p18_external_tester": "Independent academic medical centre",
    "security.soc2_exceptions": "None: the auditor reported no exceptions in the last period.",
    "security.hosting_regions": (
        "United States only: two regions of one cloud provider, with encrypted replication between them."
    ),
}


GENERIC_TEXT = (
    "{vendor} documents this for {product} in its customer-facing technical file; the relevant "
    "extract is available on request and is reviewed at least once a year."
)


SEPSIS = VendorProfile(
    product="SepsisSentinel",
    vendor="Northwind Clinical Analytics",
    domain="northwind-clinical.example",
    quality=1.0,
    answers={
        "use.output_type": "prediction",
        "use.intended_users": ["physicians", "advanced_practice", "nurses"],
        "use.care_settings": ["inpatient", "icu", "emergency"],
        "use.data_modalities": ["ehr_structured", "ivd_results"],
        "use.decision_role": "informs",
        # Honest: a sepsis alert is acted on quickly; the product is an authorized device anyway.
        "use.time_critical": "yes",
        "use.patient_facing": "no",
        "use.processes_phi": "yes",
        "use.deployment_model": "ehr_embedded",
        "use.generative_ai": "no",
        "data.site_count": 9,
        "data.patient_count": 412000,
        "data.legal_basis": ["deidentified", "customer_contract"],
        "deid.method_training": "expert_determination",
        "deid.method_validation": "expert_determination",
        "deid.expert.risk_threshold": 0.04,
        "deid.scrubbing_recall": 99.3,
        "deid.reid_code": "no",
        "deid.customer_data_training": "never",
        "baa.will_sign": "customer_baa",
        "baa.breach_notice_days": 5,
        "baa.incident_notice_hours": 24,
        "baa.training_permitted": "no",
        "baa.deidentify_right": "no",
        "baa.cyber_insurance_musd": 10,
        "fda.status": "de_novo",
        "fda.has_authorization": "yes",
        "fda.submission_number": "DEN240031",
        "fda.device_class": "class_ii",
        "fda.product_code": "QNL",
        "fda.intended_use_match": "same",
        "fda.pccp": "authorized",
        "bias.subgroup_testing": "yes",
        "bias.max_gap": 1.8,
        "bias.input_variables": ["age", "sex"],
        "bias.calibration_slope": 0.97,
        "bias.external_validation": "yes",
        "bias.external_sites": 4,
        "change.customer_notice_days": 45,
        "change.rollback_hours": 4,
        "change.degradation_notice_days": 2,
        "change.local_retraining": "no",
        "hti.supplied_via_certified_ehr": "yes",
        "security.log_retention_days": 400,
        "security.data_retention_days": 30,
        "security.rto_hours": 4,
    },
    texts={
        "use.intended_use": (
            "SepsisSentinel estimates, every fifteen minutes, the risk that an adult inpatient will meet "
            "Sepsis-3 criteria within the next twelve hours, from vital signs, laboratory results and "
            "medication orders already in the EHR. The score and its main contributing factors prompt an "
            "earlier bedside assessment by the rapid-response team; it does not diagnose sepsis."
        ),
        "use.patient_population": (
            "Adults aged 18 or older admitted to medical, surgical or intensive care units, excluding "
            "patients on comfort care and obstetric patients, for whom the model was not validated."
        ),
        "data.sources": (
            "Structured EHR data (vital signs, laboratory results, medication administration records and "
            "problem lists) from nine US hospitals in three health systems, collected under data use "
            "agreements and de-identified under an expert determination before transfer."
        ),
        "hti.p03_output_value": "A risk score from 0 to 100 with the five factors that contribute most.",
    },
)


SCRIBE = VendorProfile(
    product="ScribeAssist",
    vendor="Ambient Notes Health",
    domain="ambientnotes.example",
    quality=0.35,
    optional_documents=False,
    answers={
        "use.output_type": "generated_content",
        "use.intended_users": ["physicians", "advanced_practice"],
        "use.care_settings": ["outpatient_primary", "outpatient_specialty", "telehealth"],
        "use.data_modalities": ["audio", "clinical_notes"],
        "use.decision_role": "informs",
        "use.time_critical": "no",
        "use.patient_facing": "no",
        "use.processes_phi": "yes",
        "use.deployment_model": "vendor_saas",
        "use.generative_ai": "yes",
        "data.site_count": 3,
        "data.patient_count": 8600,
        "data.legal_basis": ["patient_authorization"],
        "deid.method_training": "patient_authorization",
        "deid.method_validation": "patient_authorization",
        "deid.reid_code": "no",
        "deid.customer_data_training": "opt_in_deidentified",
        "baa.will_sign": "negotiated",
        "baa.breach_notice_days": 30,
        "baa.incident_notice_hours": 72,
        "baa.training_permitted": "yes",
        "baa.cyber_insurance_musd": 5,
        "fda.status": "not_medical_device",
        "fda.has_authorization": "no",
        "fda.intended_use_match": "not_applicable",
        "fda.pccp": "not_applicable",
        "fda.recalls": "no",
        "bias.subgroup_testing": "yes",
        "bias.max_gap": 4.5,
        "bias.input_variables": ["language"],
        "bias.calibration": "no",
        "bias.external_validation": "no",
        "change.customer_notice_days": 14,
        "change.update_cadence": "scheduled",
        "change.rollback_hours": 24,
        "change.degradation_notice_days": 7,
        "change.local_retraining": "no",
        "hti.supplied_via_certified_ehr": "no",
        "security.hitrust_certified": "no",
        "security.iso42001_certified": "no",
        "security.log_retention_days": 180,
        "security.data_retention_days": 90,
        "security.rto_hours": 24,
    },
    texts={
        "use.intended_use": (
            "ScribeAssist records the clinic visit with the patient's documented consent, transcribes it "
            "and drafts the history, examination and plan sections of the visit note in the clinician's "
            "template. The clinician reviews, edits and signs every note; the draft never reaches the "
            "chart without that signature, and the audio is deleted after the note is signed."
        ),
        "use.patient_population": (
            "Adult and adolescent outpatients (aged 14 or older) seen in primary care and specialty clinics, "
            "in English or Spanish, who consent to the recording."
        ),
        "data.sources": (
            "Consented recordings of 8,600 outpatient visits at three partner health systems, with the "
            "clinician-signed notes as reference, collected under written patient authorization and "
            "stored in the vendor's US cloud environment."
        ),
        "hti.p03_output_value": "A draft visit note in the clinician's template, for review and signature.",
    },
)


TRIAGE = VendorProfile(
    product="TriageCT",
    vendor="Radiant Imaging AI",
    domain="radiant-imaging.example",
    quality=0.45,
    optional_documents=False,
    answers={
        "use.output_type": "classification",
        "use.intended_users": ["physicians"],
        "use.care_settings": ["emergency", "diagnostic_services"],
        "use.data_modalities": ["medical_images"],
        "use.decision_role": "augments",
        "use.time_critical": "yes",
        "use.patient_facing": "no",
        "use.processes_phi": "yes",
        "use.deployment_model": "on_premises",
        "use.generative_ai": "no",
        "data.site_count": 2,
        "data.patient_count": 6200,
        "data.legal_basis": ["deidentified", "licensed_dataset"],
        # Safe Harbor is claimed, yet full five-digit ZIP codes stay in the DICOM headers.
        "deid.method_training": "safe_harbor",
        "deid.method_validation": "safe_harbor",
        "deid.safe_harbor.full_zip": "yes",
        "deid.safe_harbor.dates_beyond_year": "no",
        "deid.safe_harbor.ages_over_89": "no",
        "deid.safe_harbor.actual_knowledge": "no",
        "deid.reid_code": "no",
        "deid.customer_data_training": "deidentified_by_default",
        "baa.will_sign": "negotiated",
        # The one BAA term the vendor refuses: binding its subcontractors to the same restrictions.
        "baa.subcontractor_flowdown": "no",
        "baa.breach_notice_days": 45,
        "baa.incident_notice_hours": 120,
        "baa.training_permitted": "yes",
        "baa.offshore": "offshore_access",
        "baa.cyber_insurance_musd": 2,
        # "Non-device CDS" while analysing CT images: the contradiction a reviewer must catch.
        "fda.status": "non_device_cds",
        "fda.cds_criterion1_image_signal": "no",
        "fda.cds_criterion2_medical_information": "yes",
        "fda.cds_criterion3_hcp_recommendations": "yes",
        "fda.cds_criterion4_independent_review": "yes",
        "fda.has_authorization": "no",
        "fda.intended_use_match": "not_applicable",
        "fda.pccp": "none",
        "fda.qms": "qms_not_certified",
        "bias.subgroup_testing": "yes",
        "bias.max_gap": 7.5,
        "bias.input_variables": ["none"],
        "bias.external_validation": "no",
        "change.customer_notice_days": 7,
        "change.update_cadence": "ad_hoc",
        "change.rollback": "yes",
        "change.rollback_hours": 48,
        "change.degradation_notice_days": 14,
        "change.local_retraining": "no",
        "hti.supplied_via_certified_ehr": "no",
        "security.hitrust_certified": "no",
        "security.iso27001_certified": "no",
        "security.iso42001_certified": "no",
        "security.log_retention_days": 90,
        "security.data_retention_days": 365,
        "security.rto_hours": 48,
    },
    texts={
        "use.intended_use": (
            "TriageCT analyses non-contrast head CT studies as they arrive from the scanner and flags those "
            "with suspected intracranial haemorrhage, moving them to the top of the radiologist's worklist. "
            "It does not mark the finding on the images and does not replace the radiologist's read; "
            "unflagged studies are read in the usual order."
        ),
        "use.patient_population": (
            "Adults aged 18 or older undergoing non-contrast head CT in the emergency department or as "
            "inpatients, on scanners from the four vendors listed in the technical file."
        ),
        "data.sources": (
            "About 6,200 head CT studies from two US teaching hospitals and a licensed commercial image "
            "archive, with radiology reports used to derive labels; DICOM headers were de-identified by "
            "the archive provider under Safe Harbor before transfer."
        ),
        "hti.p03_output_value": "A flag (suspected haemorrhage: yes or no) shown in the worklist.",
    },
    table_rows={
        # Only the rows the questionnaire insists on: the subgroup analysis is thin.
        "bias.subgroup_table": [
            {"subgroup": "Overall", "n": 1240, "metric": "Sensitivity", "value": 0.91, "ci95": "0.88-0.93"},
            {"subgroup": "Female", "n": 590, "metric": "Sensitivity", "value": 0.88, "ci95": "0.84-0.91"},
            {"subgroup": "Male", "n": 650, "metric": "Sensitivity", "value": 0.94, "ci95": "0.91-0.96"},
        ],
    },
)


# Library version 2 asks its decisive facts as structured answers; a diligent vendor's answers agree
# with each other, so this profile raises no finding. Version 1 has none of these questions.
EARLY_WARN_VERSION = "2.0.3"
EARLY_WARN = replace(
    SEPSIS,
    product="EarlyWarn",
    answers={
        **SEPSIS.answers,
        "use.model_version": EARLY_WARN_VERSION,
        "use.care_settings": ["inpatient", "icu"],
        "population.intended_age_min": 18,
        "population.intended_age_max": 100,
        "population.validated_settings": ["inpatient", "icu", "emergency"],
        "deid.expert.data_through": "2025-06-30",
        "deid.expert.scope": ["training_data", "validation_data"],
        "deid.expert.data_combined_since": "no",
        "deid.expert.independent": "yes",
        "data.legal_basis": ["deidentified", "customer_contract"],
        "baa.breach_notice_terms": (
            "Without unreasonable delay and no later than 5 calendar days after discovery."
        ),
        "baa.subcontractor_flowdown": "yes",
        "baa.subcontractor_baas": "yes",
        "baa.offshore": "us_only",
        "security.us_only": "yes",
        "fda.authorized_model_version": EARLY_WARN_VERSION,
        "change.update_cadence": "scheduled",
        "change.pccp_modification_types": ["retrain_same_population", "recalibration", "new_input_source"],
        "bias.input_variables": ["age", "sex"],
        "bias.subgroups_tested": ["race", "ethnicity", "sex", "age", "payer", "site"],
        "bias.subgroup_model_version": EARLY_WARN_VERSION,
        "bias.assessment_model_version": EARLY_WARN_VERSION,
        "hti.performance_model_version": EARLY_WARN_VERSION,
        "use.generative_ai": "no",
    },
    texts={
        **SEPSIS.texts,
        "use.product_name_version": "EarlyWarn " + EARLY_WARN_VERSION,
        "use.intended_use": (
            "EarlyWarn estimates, every hour, the risk that an adult ward or intensive care patient will "
            "have an unplanned ICU transfer, a cardiac arrest or die within the next twelve hours, from "
            "vital signs and laboratory results already in the EHR. The score and its main contributing "
            "factors prompt a review by the rapid-response team; it does not diagnose any condition."
        ),
    },
    table_rows={
        "population.training": [
            {
                "population": "Adult inpatients, development cohort",
                "age_min": 18,
                "age_max": 104,
                "sex": "Female and male",
                "settings": "Inpatient wards, ICU",
                "sites": "Six US hospitals in two health systems (Midwest, Northeast)",
                "period": "2019-2023",
            }
        ],
        "population.validation": [
            {
                "study": "Temporal hold-out",
                "model_version": EARLY_WARN_VERSION,
                "age_min": 18,
                "age_max": 103,
                "sex": "Female and male",
                "settings": "Inpatient wards, ICU",
                "sites": "The six development hospitals",
                "period": "2024",
            },
            {
                "study": "External validation",
                "model_version": EARLY_WARN_VERSION,
                "age_min": 18,
                "age_max": 100,
                "sex": "Female and male",
                "settings": "Inpatient wards, ICU, emergency department boarders",
                "sites": "Three US hospitals outside the development systems (South, West)",
                "period": "2024-2025",
            },
        ],
        "baa.subcontractor_register": [
            {
                "name": "Cloud infrastructure provider",
                "service": "Hosting and backups",
                "phi_access": "yes",
                "location": "United States (two regions)",
                "agreement": "yes",
                "retention": "30 days after the contract ends",
            },
            {
                "name": "Security operations centre",
                "service": "Log monitoring",
                "phi_access": "no",
                "location": "United States",
                "agreement": "yes",
                "retention": "No PHI kept",
            },
        ],
    },
)


PROFILES: dict[str, VendorProfile] = {p.product: p for p in (SEPSIS, SCRIBE, TRIAGE, EARLY_WARN)}


SUBGROUP_ROWS = [
    ("Overall", 4800),
    ("Female", 2450),
    ("Male", 2350),
    ("Age 18-44", 1100),
    ("Age 45-64", 1650),
    ("Age 65 or older", 2050),
    ("Black or African American", 820),
    ("Hispanic or Latino", 760),
    ("White", 2680),
    ("Asian", 340),
]


REPRESENTATION_ROWS = [
    ("Female", 51, 50, 52),
    ("Male", 49, 50, 48),
    ("Age 65 or older", 38, 40, 43),
    ("Black or African American", 17, 16, 21),
    ("Hispanic or Latino", 15, 14, 12),
    ("Medicaid", 22, 21, 25),
]
