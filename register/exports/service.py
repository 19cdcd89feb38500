"""Streamed exports: PostgreSQL writes CSV and NDJSON itself (``COPY ... TO STDOUT``); Parquet is built in row groups.

Memory stays flat whatever the row count: COPY output passes through a small bounded queue (when it is full
asyncpg stops reading the socket, so a slow client slows PostgreSQL down rather than filling memory), and Parquet
reads a server-side cursor one row group at a time and hands each group's bytes on as soon as it is written.

Scoping is in the SQL: ``datasets.build_select`` applies the same ``policy.visible_directors`` rules as every
other read, and the column list per role. The query is compiled with bound parameters; asyncpg inlines them
for COPY by having PostgreSQL quote each value (``quote_literal``), never by string formatting here.

The audit event (dataset, format, filters, row count, completed or not) is written when the stream ends, in
its own short transaction: the row count is only known then, and counting first would read everything twice.
An export cut short (client gone, error) is recorded too, with the rows sent so far.
"""

import asyncio
import contextlib
import datetime as dt
import enum
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from register.access.principal import Actor
from register.audit.service import record_event
from register.errors import NotFound
from register.exports.datasets import (
    Column,
    Dataset,
    ExportFilters,
    ExportFormat,
    Kind,
    build_select,
    check_filters,
    column_kinds,
    dataset_for,
)
from register.exports.formulas import neutralised
from register.settings import Settings

log = logging.getLogger(__name__)

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
_DONE = object()
_COALESCE = 256 * 1024  # bytes: join queued COPY chunks up to this size before handing them on


@dataclass(frozen=True)
class ExportPlan:
    """A validated export: what, in which format, for whom, and the SQL that produces it."""

    dataset: Dataset
    format: ExportFormat
    filters: ExportFilters
    actor: Actor
    sql: str
    args: tuple[Any, ...]

    def filename(self, today: dt.date) -> str:
        return f"{self.dataset.name}-{today.isoformat()}.{self.format.value}"

    def content_disposition(self, today: dt.date) -> str:
        return f'attachment; filename="{self.filename(today)}"'


@dataclass
class ExportProgress:
    """Rows and bytes handed on so far (rows are exact at the end; during CSV/NDJSON they count lines)."""

    rows: int = 0
    bytes: int = 0
    completed: bool = False
    listeners: list[Callable[["ExportProgress"], None]] = field(default_factory=list)

    def add(self, rows: int, size: int) -> None:
        self.rows += rows
        self.bytes += size
        for listener in self.listeners:
            listener(self)


def parse_name(name: str) -> tuple[str, ExportFormat]:
    """``directors.csv`` → ("directors", csv); an unknown format is not found, like an unknown dataset."""
    dataset, dot, extension = name.rpartition(".")
    try:
        if not dot:
            raise ValueError
        return dataset, ExportFormat(extension.lower())
    except ValueError:
        raise NotFound(
            f"There is no export at {name!r}: name a dataset and a format, e.g. directors.csv, directors.ndjson "
            "or directors.parquet."
        ) from None


def plan_export(actor: Actor, dataset_name: str, fmt: ExportFormat, filters: ExportFilters) -> ExportPlan:
    """Check the caller may export this dataset with these filters, and build its scoped query."""
    dataset = dataset_for(dataset_name, actor.principal)
    filters = check_filters(dataset, filters)
    query = build_select(dataset, actor.principal, filters, render=_renderer(fmt))
    if fmt is ExportFormat.NDJSON:
        inner = query.subquery("t")
        query = sa.select(sa.func.row_to_json(sa.literal_column("t"))).select_from(inner)
    sql, args = compile_query(query)
    return ExportPlan(dataset, fmt, filters, actor, sql, args)


def compile_query(query: sa.Select[Any]) -> tuple[str, tuple[Any, ...]]:
    """SQL text with ``$n`` parameters for asyncpg, and their values in order."""
    compiled = query.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    names = compiled.positiontup or []
    args = tuple(_plain(params[n]) for n in names)
    return str(compiled), args


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _renderer(fmt: ExportFormat) -> Callable[[Column], ColumnElement[Any]]:
    """Adapt a column to the format: CSV spells booleans true/false and defuses cells a spreadsheet would run as a
    formula (register/exports/formulas.py); Parquet reads ids and JSON as text."""

    def render(column: Column) -> ColumnElement[Any]:
        expr = column.expr()
        if fmt is ExportFormat.CSV and column.kind is Kind.BOOL:
            return sa.cast(expr, sa.Text)
        if fmt is ExportFormat.CSV and column.kind in (Kind.TEXT, Kind.JSON):
            return neutralised(expr)
        if fmt is ExportFormat.PARQUET and column.kind in (Kind.UUID, Kind.JSON):
            return sa.cast(expr, sa.Text)
        return expr

    return render


async def stream_export(
    factory: async_sessionmaker[AsyncSession],
    plan: ExportPlan,
    settings: Settings,
    progress: ExportProgress | None = None,
) -> AsyncIterator[bytes]:
    """The export's bytes, chunk by chunk, read in its own transaction; the audit event is written at the end."""
    progress = progress or ExportProgress()
    failure: BaseException | None = None
    try:
        async with factory() as session:
            try:
                raw = await _raw_connection(session, settings)
                if plan.format is ExportFormat.PARQUET:
                    chunks = _parquet(raw, plan, settings, progress)
                else:
                    chunks = _copy(raw, plan, settings, progress)
                async for chunk in chunks:
                    yield chunk
                progress.completed = True
            finally:
                await session.rollback()  # the export only read; nothing to commit
    except BaseException as exc:
        failure = exc
        raise
    finally:
        await _audit(factory, plan, progress, failure)


async def _raw_connection(session: AsyncSession, settings: Settings) -> Any:
    """The session's asyncpg connection, inside its transaction, with the export's time limit and UTC times."""
    timeout_ms = str(int(settings.export_timeout_seconds * 1000))
    await session.execute(
        sa.text("SELECT set_config('statement_timeout', :ms, true), set_config('TimeZone', 'UTC', true)"),
        {"ms": timeout_ms},
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _copy(raw: Any, plan: ExportPlan, settings: Settings, progress: ExportProgress) -> AsyncIterator[bytes]:
    """CSV or NDJSON written by PostgreSQL, passed on through a bounded queue."""
    csv = plan.format is ExportFormat.CSV
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=settings.export_queue_chunks)

    async def sink(data: Any) -> None:
        await queue.put(bytes(data))  # asyncpg hands over a buffer of its own

    async def run() -> str:
        try:
            status: str = await raw.copy_from_query(
                plan.sql,
                *plan.args,
                output=sink,
                format="csv" if csv else "text",
                header=csv,
                timeout=settings.export_timeout_seconds,
            )
            return status
        finally:
            # Never block here: when the queue is full the reader sees the task done once it has drained it.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(_DONE)

    task = asyncio.ensure_future(run())
    header_pending = csv
    carry = b""
    try:
        finished = False
        while not finished and not (queue.empty() and task.done()):
            data: bytes = b""
            while True:  # one chunk, or several queued ones joined: fewer, larger writes to the client
                item = await queue.get() if not data else queue.get_nowait()
                if item is _DONE:
                    finished = True
                    break
                data += item
                if len(data) >= _COALESCE or queue.empty():
                    break
            lines = data.count(b"\n")
            if header_pending and lines:
                lines -= 1
                header_pending = False
            if not csv:
                data, carry = _ndjson(carry + data)
            if data:
                progress.add(lines, len(data))
                yield data
        status = await task  # raises what the COPY raised
        if carry:
            yield _unescape(carry)
        progress.rows = int(status.split()[-1]) if status else progress.rows
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _ndjson(data: bytes) -> tuple[bytes, bytes]:
    """Whole lines of COPY text output as NDJSON, and any incomplete tail to carry to the next chunk.

    COPY's text format escapes backslashes (``\\`` for ``\\``); JSON from ``row_to_json`` holds no raw tab,
    newline or carriage return (JSON escapes them), so undoing that one escape restores the JSON exactly.
    """
    end = data.rfind(b"\n") + 1
    return _unescape(data[:end]), data[end:]


def _unescape(data: bytes) -> bytes:
    return data.replace(b"\\\\", b"\\")


async def _parquet(raw: Any, plan: ExportPlan, settings: Settings, progress: ExportProgress) -> AsyncIterator[bytes]:
    """Rows from a server-side cursor, written as Parquet row groups; each group's bytes are sent when written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = column_kinds(plan.dataset, plan.actor.principal.role)
    schema = pa.schema([pa.field(name, _ARROW[kind]()) for name, kind in kinds])
    sink = _Drain()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    group = settings.export_parquet_row_group
    batch: list[Any] = []
    try:
        cursor = raw.cursor(plan.sql, *plan.args, prefetch=min(group, 5000), timeout=settings.export_timeout_seconds)
        async for record in cursor:
            batch.append(record)
            if len(batch) >= group:
                writer.write_table(_table(pa, schema, batch))
                rows, batch = len(batch), []
                chunk = sink.take()
                progress.add(rows, len(chunk))
                yield chunk
        if batch:
            writer.write_table(_table(pa, schema, batch))
        writer.close()
        chunk = sink.take()
        progress.add(len(batch), len(chunk))
        yield chunk
    finally:
        if not sink.closed:
            with contextlib.suppress(Exception):
                writer.close()


_ARROW: dict[Kind, Callable[[], Any]] = {}


def _arrow_types() -> None:
    import pyarrow as pa

    _ARROW.update(
        {
            Kind.TEXT: pa.string,
            Kind.UUID: pa.string,
            Kind.JSON: pa.string,
            Kind.DATE: pa.date32,
            Kind.TIMESTAMP: lambda: pa.timestamp("us", tz="UTC"),
            Kind.BOOL: pa.bool_,
            Kind.INT: pa.int64,
        }
    )


_arrow_types()


def _table(pa: Any, schema: Any, rows: list[Any]) -> Any:
    columns = [pa.array([r[i] for r in rows], type=f.type) for i, f in enumerate(schema)]
    return pa.Table.from_arrays(columns, schema=schema)


class _Drain:
    """A write-only file for ParquetWriter that hands over what was written since the last ``take``."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


async def _audit(
    factory: async_sessionmaker[AsyncSession], plan: ExportPlan, progress: ExportProgress, failure: BaseException | None
) -> None:
    """One audit event per export, in its own short transaction (shielded: it must survive a cancelled stream)."""
    detail = {
        "dataset": plan.dataset.name,
        "format": plan.format.value,
        "filters": plan.filters.terms(),
        "rows": progress.rows,
        "bytes": progress.bytes,
        "completed": progress.completed,
    }
    if failure is not None and not progress.completed:
        detail["ended_by"] = type(failure).__name__

    async def write() -> None:
        async with factory() as session:
            await record_event(session, plan.actor, "export", record_type="export", detail=detail)
            await session.commit()

    try:
        await asyncio.shield(write())
    except Exception:
        # The data has gone (or was never sent); losing the event must be loud, but must not mask the cause.
        log.exception("could not write the audit event for an export", extra={"detail": detail})
        if failure is None:
            raise


async def count_rows(factory: async_sessionmaker[AsyncSession], plan: ExportPlan, settings: Settings) -> int:
    """How many rows the export will have (for a progress bar; the export itself does not need it)."""
    async with factory() as session:
        raw = await _raw_connection(session, settings)
        count: int = await raw.fetchval(f"SELECT count(*) FROM ({plan.sql}) AS export", *plan.args)  # noqa: S608
        await session.rollback()
        return count
