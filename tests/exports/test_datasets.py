"""The export datasets: each column is written as its table's type says; the row rules are the access module's."""

import re
import types
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from register.directors.models import Director
from register.exports.datasets import DATASETS, Kind, columns, kind_of

# PostgreSQL's name for a column type (as the migrations made it) → how the export files write it.
POSTGRES_KINDS = {
    "uuid": Kind.UUID,
    "character varying": Kind.TEXT,
    "text": Kind.TEXT,
    "date": Kind.DATE,
    "timestamp with time zone": Kind.TIMESTAMP,
    "boolean": Kind.BOOL,
    "integer": Kind.INT,
    "bigint": Kind.INT,
    "jsonb": Kind.JSON,
}
EXPORTS = Path(__file__).resolve().parents[2] / "register" / "exports"


async def test_every_exported_column_is_written_as_the_migrated_table_types_it(db: AsyncSession) -> None:
    for dataset in DATASETS.values():
        table = dataset.model.__tablename__
        rows = await db.execute(
            sa.text("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t"),
            {"t": table},
        )
        in_database = {name: POSTGRES_KINDS[data_type] for name, data_type in rows.all()}
        assert {c.name: c.kind for c in dataset.columns} == {c.name: in_database[c.name] for c in dataset.columns}


def test_a_dataset_names_only_columns_its_table_has() -> None:
    with pytest.raises(ValueError, match="directors has no column 'nickname'"):
        columns(Director, "id nickname")
    with pytest.raises(ValueError, match="withdrawn_reason must be listed"):
        columns(Director, "id given_name", read_all_only="withdrawn_reason")
    blob = types.SimpleNamespace(__table__=sa.Table("scans", sa.MetaData(), sa.Column("image", sa.LargeBinary)))
    with pytest.raises(TypeError, match=r"scans\.image is LargeBinary"):
        kind_of(blob, "image")


def test_export_modules_leave_every_role_decision_to_the_access_rules() -> None:
    for module in sorted(EXPORTS.glob("*.py")):
        found = [line for line in module.read_text().splitlines() if re.search(r"\bRole\.", line)]
        assert found == [], f"{module.name} decides by role itself; use register/access/exports.py: {found}"
