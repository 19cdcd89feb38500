"""Spreadsheet formula injection (OWASP "CSV Injection"): a CSV cell starting with one of these characters is
run as a formula when the file is opened in Excel, LibreOffice or Google Sheets, and the register holds free text
written by other people. Every CSV the register writes prefixes such a cell with an apostrophe, which spreadsheets
show as text; JSON, NDJSON and Parquet keep the true value."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never runs it."""
    return PREFIX + value if value.startswith(FORMULA_STARTS) else value


def neutralised(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """The SQL of :func:`neutralise` for a text column of a ``COPY ... CSV`` export."""
    text = sa.cast(expr, sa.Text)
    return sa.case((sa.func.left(text, 1).in_(FORMULA_STARTS), sa.literal(PREFIX) + text), else_=text)
