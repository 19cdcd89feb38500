"""Search: director names (current and former, normalised) and the one-typo word index.

Revision ID: 0006_search
Revises: 0005_monitoring

Written by hand. pg_trgm supplies ``similarity()``, which ranks the names found. The backfill uses the
register's own normaliser (``register.search.names``), so that names written before and after this
migration are normalised alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_search"
down_revision: str | None = "0005_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "director_names",
        sa.Column("director_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("current", "former", name="name_kind", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "tokens",
            postgresql.ARRAY(sa.Text()),
            sa.Computed("string_to_array(name, ' ')", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["director_id"],
            ["directors.id"],
            name=op.f("fk_director_names_director_id_directors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("director_id", "kind", "name", name=op.f("pk_director_names")),
    )
    op.create_index("ix_director_names_tokens", "director_names", ["tokens"], postgresql_using="gin")
    op.create_table(
        "name_token_variants",
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("variant", "token", name=op.f("pk_name_token_variants")),
    )
    _backfill()


def _backfill() -> None:
    """Search names for every director already on the register."""
    from register.search.names import director_name_rows, name_tokens, variant_rows

    conn = op.get_bind()
    names = sa.table(
        "director_names", sa.column("director_id", sa.Uuid()), sa.column("kind", sa.Text()), sa.column("name")
    )
    variants = sa.table("name_token_variants", sa.column("variant"), sa.column("token"))
    after = None
    while True:
        query = "SELECT id, given_name, family_name, former_names FROM directors"
        query += " WHERE id > :after ORDER BY id LIMIT :n" if after else " ORDER BY id LIMIT :n"
        batch = conn.execute(sa.text(query), {"after": after, "n": _BATCH} if after else {"n": _BATCH}).all()
        if not batch:
            return
        rows = [r for d in batch for r in director_name_rows(d[0], d[1], d[2], d[3] or [])]
        if rows:
            conn.execute(names.insert(), [{**r, "kind": str(r["kind"])} for r in rows])
            tokens = {t for r in rows for t in name_tokens(r["name"])}
            conn.execute(
                postgresql.insert(variants).values(variant_rows(tokens)).on_conflict_do_nothing(),
            )
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_table("name_token_variants")
    op.drop_index("ix_director_names_tokens", table_name="director_names", postgresql_using="gin")
    op.drop_table("director_names")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
