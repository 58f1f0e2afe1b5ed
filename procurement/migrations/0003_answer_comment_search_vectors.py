"""Full-text search columns for answers and review comments (PostgreSQL only).

Each column is a stored generated column, so PostgreSQL keeps it current on every insert and
update, whichever code path writes the row (a service, bulk_create, a data migration). Django does
not know the columns: search reads them by name. On SQLite nothing is added; search falls back to a
plain match there.
"""

from django.db import migrations

ANSWER_VECTOR = (
    "jsonb_to_tsvector('english', coalesce(value, 'null'::jsonb), '[\"string\"]')"
)
COMMENT_VECTOR = "to_tsvector('english', coalesce(body, ''))"

FORWARD = [
    f"ALTER TABLE procurement_answer ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({ANSWER_VECTOR}) STORED",
    "CREATE INDEX procurement_answer_search_gin ON procurement_answer USING gin (search_vector)",
    f"ALTER TABLE procurement_reviewcomment ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({COMMENT_VECTOR}) STORED",
    "CREATE INDEX procurement_reviewcomment_search_gin ON procurement_reviewcomment USING gin (search_vector)",
]
BACKWARD = [
    "ALTER TABLE procurement_answer DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE procurement_reviewcomment DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("procurement", "0002_intake_and_scope")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
