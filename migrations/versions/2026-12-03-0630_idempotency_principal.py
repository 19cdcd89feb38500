"""Idempotency records carry the whole principal, not only its ``sub``.

Revision ID: 0011_idempotency_principal
Revises: 0010_idempotency

Written by hand. ``principal_scope`` holds the role, organisation and director id of the principal a stored
response was made for. Records stored before have none and are replayed to nobody (a retry with such a key is
a 422 until the record expires, at most 24 hours): which principal they were made for is not known.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_idempotency_principal"
down_revision: str | None = "0010_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("principal_scope", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("idempotency_keys", "principal_scope")
