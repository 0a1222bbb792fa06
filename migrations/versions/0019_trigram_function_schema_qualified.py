"""cc_trigrams calls public.cc_norm by its schema, so ANALYZE of clients works anywhere

PostgreSQL's autovacuum analyzes with an empty ``search_path``. The trigram indexes on
``clients.name`` and ``client_phones.e164`` are expressions over ``cc_trigrams``, whose body
called ``cc_norm`` unqualified: every automatic analyze of those two tables failed ("function
cc_norm(text) does not exist"), so their planner statistics were never refreshed. The body
now names the function with its schema; the results are the same, so the indexes stay valid.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TRIGRAMS = """
CREATE OR REPLACE FUNCTION cc_trigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT substr(s, i, 3)), '{}')
  FROM (SELECT NORM(t) AS s) AS x, generate_series(1, length(s) - 2) AS i
$$
"""


def _norm_schema() -> str:
    """The schema cc_norm lives in (``public`` unless the database was set up otherwise)."""
    row = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'cc_norm' LIMIT 1"
        )
        .first()
    )
    return row[0] if row else "public"


def upgrade() -> None:
    schema = _norm_schema().replace('"', '""')
    op.execute(TRIGRAMS.replace("NORM", f'"{schema}".cc_norm'))


def downgrade() -> None:
    op.execute(TRIGRAMS.replace("NORM", "cc_norm"))
