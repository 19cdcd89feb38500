"""Audit trail: append-only grants and triggers, the application role, the sealed hash chain.

Revision ID: 0008_audit_chain
Revises: 0007_hiring

Written by hand (see docs/audit.md).

- ``audit_events.txid``: the writing transaction's id. Request transactions only insert events; a sealer
  chains them later in (txid, id) order once their transactions have ended, so no request waits on a chain head.
- ``audit_chain``: one row per sealed event with the previous hash and its own, insert-only.
- Triggers refuse UPDATE and DELETE on both tables for everyone, the owner included, and TRUNCATE for everyone but
  a superuser (who can disable any trigger anyway; the test harness empties its tables that way).
- The application role (``REGISTER_APP_DB_ROLE``, default ``register_app``) logs in with no password (the embedded
  server only accepts unix-socket connections, with trust authentication) and may read and write ordinary tables,
  but only read and insert the audit trail. Default privileges give it the same on tables later migrations create.
  Roles belong to the whole server, so the downgrade revokes this database's grants and drops the role only when
  no other database still grants it anything.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from register.settings import Settings

revision: str = "0008_audit_chain"
down_revision: str | None = "0007_hiring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLES = ("audit_events", "audit_chain")


def _role() -> str:
    """The app's role, quoted; the setting only admits lower-case identifiers, so it is safe inside SQL text."""
    name = Settings().app_db_role
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"REGISTER_APP_DB_ROLE {name!r} is not a plain lower-case identifier")
    return '"' + name + '"'


def upgrade() -> None:
    role = _role()
    name = role.strip('"')
    op.add_column("audit_events", sa.Column("txid", sa.BigInteger(), nullable=True))
    # Events written before the chain existed come first, in id order.
    op.execute("UPDATE audit_events SET txid = 0")
    op.alter_column(
        "audit_events",
        "txid",
        nullable=False,
        server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
    )
    op.create_index("ix_audit_events_txid_id", "audit_events", ["txid", "id"], unique=False)

    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_txid", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_audit_chain_seq_positive")),
        sa.CheckConstraint(
            "hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_audit_chain_hex_hashes")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_chain_event_id")),
    )

    op.execute(
        """
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'raise_exception',
                      HINT = 'Audit events and chain links are never changed or removed.';
        END
        $$
        """
    )
    for table in AUDIT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )

    # CREATE ROLE has no IF NOT EXISTS; two migrations on one server at once may race, hence the handler.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {role} LOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$
        """  # noqa: S608  (the role name is a checked identifier)
    )
    op.execute(f"ALTER ROLE {role} LOGIN")
    op.execute(f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database()); END $$")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"REVOKE UPDATE, DELETE ON audit_events, audit_chain FROM {role}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")


def downgrade() -> None:
    role = _role()
    name = role.strip('"')
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role};
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role};
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role};
                REVOKE USAGE ON SCHEMA public FROM {role};
                EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {role}', current_database());
                BEGIN
                    DROP ROLE {role};
                EXCEPTION WHEN dependent_objects_still_exist OR object_in_use THEN
                    RAISE NOTICE 'role % is still used by another database; kept', '{name}';
                END;
            END IF;
        END
        $$
        """  # noqa: S608  (the role name is a checked identifier)
    )
    for table in AUDIT_TABLES:
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION audit_append_only()")
    op.drop_table("audit_chain")
    op.drop_index("ix_audit_events_txid_id", table_name="audit_events")
    op.drop_column("audit_events", "txid")
