"""A stored, GIN-indexed search column for evaluations (PostgreSQL only).

An evaluation is found by its product's name, its vendor's legal name and its template's name,
which live in three other tables, so a generated column cannot hold them. Database triggers keep
the column current in the same transaction as the change, whichever code path writes the row
(a service, bulk_create, the admin, a data migration):

- on procurement_evaluation, before an insert or a change of product or template;
- on vendors_product, vendors_vendor and questionnaires_template, after a change of the name that
  is indexed, for the evaluations concerned.

The document is the one search used to compute at query time (product, vendor, template, in that
order, English configuration), so ranks are unchanged. Django does not know the column: search
reads it by name, as for answers and comments. On SQLite nothing is added.
"""

from django.db import migrations

DOCUMENT = """
CREATE FUNCTION procurement_evaluation_document(product bigint, template bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT to_tsvector(
        'english'::regconfig,
        COALESCE(p.name, '') || ' ' || COALESCE(v.legal_name, '') || ' ' || COALESCE(t.name, '')
    )
    FROM vendors_product p
    JOIN vendors_vendor v ON v.id = p.vendor_id
    CROSS JOIN questionnaires_template t
    WHERE p.id = product AND t.id = template
$$
"""

ON_EVALUATION = """
CREATE FUNCTION procurement_evaluation_search_vector_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := procurement_evaluation_document(NEW.product_id, NEW.template_id);
    RETURN NEW;
END
$$
"""

ON_NAMES = """
CREATE FUNCTION procurement_evaluation_search_vector_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'vendors_product' THEN
        UPDATE procurement_evaluation
           SET search_vector = procurement_evaluation_document(product_id, template_id)
         WHERE product_id = NEW.id;
    ELSIF TG_TABLE_NAME = 'vendors_vendor' THEN
        UPDATE procurement_evaluation
           SET search_vector = procurement_evaluation_document(product_id, template_id)
         WHERE product_id IN (SELECT id FROM vendors_product WHERE vendor_id = NEW.id);
    ELSE
        UPDATE procurement_evaluation
           SET search_vector = procurement_evaluation_document(product_id, template_id)
         WHERE template_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$
"""

FORWARD = [
    "ALTER TABLE procurement_evaluation ADD COLUMN search_vector tsvector",
    DOCUMENT,
    ON_EVALUATION,
    ON_NAMES,
    "CREATE TRIGGER procurement_evaluation_search_insert BEFORE INSERT ON procurement_evaluation "
    "FOR EACH ROW EXECUTE FUNCTION procurement_evaluation_search_vector_set()",
    "CREATE TRIGGER procurement_evaluation_search_update BEFORE UPDATE OF product_id, template_id "
    "ON procurement_evaluation FOR EACH ROW WHEN "
    "(OLD.product_id IS DISTINCT FROM NEW.product_id OR OLD.template_id IS DISTINCT FROM NEW.template_id) "
    "EXECUTE FUNCTION procurement_evaluation_search_vector_set()",
    "CREATE TRIGGER procurement_evaluation_search_product AFTER UPDATE OF name ON vendors_product "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION procurement_evaluation_search_vector_refresh()",
    "CREATE TRIGGER procurement_evaluation_search_vendor AFTER UPDATE OF legal_name ON vendors_vendor "
    "FOR EACH ROW WHEN (OLD.legal_name IS DISTINCT FROM NEW.legal_name) "
    "EXECUTE FUNCTION procurement_evaluation_search_vector_refresh()",
    "CREATE TRIGGER procurement_evaluation_search_template AFTER UPDATE OF name ON questionnaires_template "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION procurement_evaluation_search_vector_refresh()",
    "UPDATE procurement_evaluation SET search_vector = procurement_evaluation_document(product_id, template_id)",
    "CREATE INDEX procurement_evaluation_search_gin ON procurement_evaluation USING gin (search_vector)",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS procurement_evaluation_search_template ON questionnaires_template",
    "DROP TRIGGER IF EXISTS procurement_evaluation_search_vendor ON vendors_vendor",
    "DROP TRIGGER IF EXISTS procurement_evaluation_search_product ON vendors_product",
    "DROP TRIGGER IF EXISTS procurement_evaluation_search_update ON procurement_evaluation",
    "DROP TRIGGER IF EXISTS procurement_evaluation_search_insert ON procurement_evaluation",
    "DROP FUNCTION IF EXISTS procurement_evaluation_search_vector_refresh()",
    "DROP FUNCTION IF EXISTS procurement_evaluation_search_vector_set()",
    "DROP FUNCTION IF EXISTS procurement_evaluation_document(bigint, bigint)",
    "ALTER TABLE procurement_evaluation DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0012_audit_append_only"),
        ("vendors", "0003_vendor_product_search_vectors"),
        ("questionnaires", "0003_question_fact"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
