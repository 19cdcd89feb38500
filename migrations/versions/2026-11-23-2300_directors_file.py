"""The director's file: registrations, qualifications, employment history, gap explanations, withdrawals.

Revision ID: 0002_directors_file
Revises: 0001_foundation
"""

from collections.abc import Sequence

revision: str = "0002_directors_file"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
