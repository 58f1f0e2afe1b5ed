"""Full-text search columns for vendors and products (PostgreSQL only).

Stored generated columns: PostgreSQL keeps them current on every write. Names weigh more than
notes and intended use, so a vendor found by its name ranks above one that merely mentions it.
On SQLite nothing is added; search falls back to a plain match there.
"""

from django.db import migrations

VENDOR_VECTOR = (
    "setweight(to_tsvector('english', coalesce(legal_name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(notes, '')), 'C')"
)
PRODUCT_VECTOR = (
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(version, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(intended_use, '')), 'C')"
)

FORWARD = [
    f"ALTER TABLE vendors_vendor ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VENDOR_VECTOR}) STORED",
    "CREATE INDEX vendors_vendor_search_gin ON vendors_vendor USING gin (search_vector)",
    f"ALTER TABLE vendors_product ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PRODUCT_VECTOR}) STORED",
    "CREATE INDEX vendors_product_search_gin ON vendors_product USING gin (search_vector)",
]
BACKWARD = [
    "ALTER TABLE vendors_vendor DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE vendors_product DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("vendors", "0002_contact_email_unique_per_vendor")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
