"""The FPPT cycle: checks, attestations, assessments, appraisals, annual returns.

Revision ID: 0003_fppt_cycle
Revises: 0002_directors_file
"""

from collections.abc import Sequence

revision: str = "0003_fppt_cycle"
down_revision: str | None = "0002_directors_file"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
