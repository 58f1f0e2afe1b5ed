"""An index of each organization's answers by when they were last written (PostgreSQL only).

Search ranks the answers matching a common word among the organization's most recently written
answers (see search/selectors.py): this index finds where that window starts and, combined with
the GIN index on search_vector, hands PostgreSQL only the matches inside it, so the rows read and
ranked stay bounded however many answers the organization holds. On SQLite nothing is added.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX procurement_answer_search_recent ON procurement_answer (organization_id, updated_at DESC)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS procurement_answer_search_recent",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("procurement", "0016_evidence_metadata")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
