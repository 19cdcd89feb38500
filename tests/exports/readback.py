"""Reading an export back into Python values that compare equal to the database's."""

import csv
import datetime as dt
import io
import json
from typing import Any

import pyarrow.parquet as pq

from register.exports.datasets import DATASETS, Kind


def canonical(kind: Kind, value: Any) -> Any:
    """One spelling for a value whichever format carried it (and the database value too)."""
    if value is None or value == "":
        return None
    if kind is Kind.UUID:
        return str(value)
    if kind is Kind.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    if kind is Kind.TIMESTAMP:
        stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        return stamp.astimezone(dt.UTC)
    if kind is Kind.BOOL:
        return value if isinstance(value, bool) else {"true": True, "false": False}[value]
    if kind is Kind.INT:
        return int(value)
    if kind is Kind.JSON:
        return json.loads(value) if isinstance(value, str) else value
    return value


def parse(fmt: str, body: bytes) -> list[dict[str, Any]]:
    """The rows of an export as dicts of raw values."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    if fmt == "ndjson":
        text = body.decode("utf-8")
        assert text == "" or text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]
    rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(body)).to_pylist()
    return rows


def header(fmt: str, body: bytes) -> list[str]:
    if fmt == "csv":
        return next(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    if fmt == "parquet":
        names: list[str] = pq.read_schema(io.BytesIO(body)).names
        return names
    raise AssertionError("NDJSON has no header")


async def export(
    client: Any, headers: dict[str, str], name: str, fmt: str, **params: Any
) -> tuple[list[dict[str, Any]], bytes]:
    response = await client.get(f"/v1/exports/{name}.{fmt}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return parse(fmt, response.content), response.content


def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {str(r["id"]) for r in rows}


def dataset_kinds(name: str) -> dict[str, Kind]:
    return {c.name: c.kind for c in DATASETS[name].columns}
