"""The hash chain over the audit trail: sealing finished events in order, and verifying the chain.

Request transactions only insert events. :func:`seal_pending` (one sealer at a time, by advisory lock) chains the
events whose transactions have ended, in (txid, id) order, into the insert-only ``audit_chain`` table:
``hash = sha256(prev_hash || canonical JSON of the event)``. :func:`verify_chain` walks the chain and recomputes
every hash. See docs/audit.md for why it is built this way and what a verification does and does not prove.
"""

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.audit.models import SNAPSHOT_XMIN, AuditChainLink, AuditEvent

GENESIS_HASH = "0" * 64
# Key of the transaction-scoped advisory lock that makes sealing single-file (any constant unique to this use).
SEAL_LOCK_KEY = 0x6175646974_636861  # "audit" "cha"
VERIFY_BATCH = 5000

_events = AuditEvent.__table__  # type: ignore[attr-defined]
_chain = AuditChainLink.__table__  # type: ignore[attr-defined]

# The columns that make up an event's content: everything it says, plus its id and transaction (its place).
CONTENT_COLUMNS = (
    "id",
    "txid",
    "occurred_at",
    "actor_sub",
    "actor_role",
    "actor_org",
    "action",
    "record_type",
    "record_id",
    "director_id",
    "purpose",
    "request_id",
    "detail",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("audit timestamps carry a time zone")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def canonical(event: Mapping[Any, Any]) -> bytes:
    """The event's content as canonical JSON: sorted keys, no whitespace, UTC ISO timestamps, UUIDs as strings."""
    content = {name: _plain(event[name]) for name in CONTENT_COLUMNS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def link_hash(prev_hash: str, event: Mapping[Any, Any]) -> str:
    """sha256(prev_hash || canonical(event)), in hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(event)).hexdigest()


@dataclass(frozen=True, slots=True)
class SealResult:
    """What one sealing call did."""

    sealed: int
    head_seq: int
    head_hash: str


async def _head(session: AsyncSession) -> tuple[int, str, int, int]:
    """(seq, hash, event_txid, event_id) of the newest link, or the genesis values."""
    row = (
        await session.execute(
            sa.select(_chain.c.seq, _chain.c.hash, _chain.c.event_txid, _chain.c.event_id)
            .order_by(_chain.c.seq.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return 0, GENESIS_HASH, -1, -1
    return int(row.seq), str(row.hash), int(row.event_txid), int(row.event_id)


async def seal_pending(session: AsyncSession, *, batch: int = 5000, max_batches: int | None = None) -> SealResult:
    """Chain every event whose transaction has ended and that is not sealed yet; returns how many were sealed.

    Runs inside the caller's transaction and holds the sealer lock until it ends, so two sealers never fork the
    chain (the chain's primary key and unique ``event_id`` would refuse a fork anyway). Events of transactions
    still running (``txid`` not below the snapshot's xmin) wait for a later round: once a transaction id is below
    xmin no earlier event can still commit, so sealing in (txid, id) order never has to insert behind the head.
    """
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEAL_LOCK_KEY)))
    seq, prev, head_txid, head_id = await _head(session)
    sealed = 0
    rounds = 0
    while max_batches is None or rounds < max_batches:
        rounds += 1
        rows = (
            (
                await session.execute(
                    sa.select(*(_events.c[name] for name in CONTENT_COLUMNS))
                    .where(
                        sa.tuple_(_events.c.txid, _events.c.id) > _key(head_txid, head_id),
                        _events.c.txid < SNAPSHOT_XMIN,
                    )
                    .order_by(_events.c.txid, _events.c.id)
                    .limit(batch)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        links = []
        for event in rows:
            seq += 1
            digest = link_hash(prev, event)
            links.append(
                {"seq": seq, "event_id": event["id"], "event_txid": event["txid"], "prev_hash": prev, "hash": digest}
            )
            prev = digest
        await session.execute(sa.insert(_chain), links)
        sealed += len(links)
        head_txid, head_id = int(rows[-1]["txid"]), int(rows[-1]["id"])
        if len(rows) < batch:
            break
    return SealResult(sealed=sealed, head_seq=seq, head_hash=prev)


class BreakReason(enum.StrEnum):
    """Why the chain stops being trustworthy at a link."""

    CONTENT_CHANGED = "content_changed"
    EVENT_MISSING = "event_missing"
    ORDER_CHANGED = "order_changed"
    CHAIN_ROW_MISSING = "chain_row_missing"
    CHAIN_ROW_CHANGED = "chain_row_changed"
    EVENT_OUTSIDE_CHAIN = "event_outside_chain"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place the chain does not hold."""

    seq: int
    event_id: int | None
    reason: BreakReason
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of walking the whole chain."""

    events: int
    head_seq: int
    head_hash: str
    unsealed: int
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def summary(self) -> str:
        """One line: 'intact, N events, head hash H' or where and why the chain breaks."""
        if self.broken is None:
            return f"intact, {self.events} events, head hash {self.head_hash}"
        b = self.broken
        event = f"event {b.event_id}" if b.event_id is not None else "no event"
        return f"broken at seq {b.seq} ({event}): {b.reason.value}: {b.detail}"


def _classify(
    event: Mapping[Any, Any], previous: Mapping[Any, Any] | None, following: Mapping[Any, Any] | None
) -> BreakReason:
    """A link whose hash fails: its event sorts out of place (reordered) or its content was changed."""
    key = (event["txid"], event["id"])
    if previous is not None and previous["txid"] is not None and (previous["txid"], previous["id"]) >= key:
        return BreakReason.ORDER_CHANGED
    if following is not None and following["txid"] is not None and key >= (following["txid"], following["id"]):
        return BreakReason.ORDER_CHANGED
    return BreakReason.CONTENT_CHANGED


async def verify_chain(session: AsyncSession, *, batch: int = VERIFY_BATCH) -> ChainReport:
    """Walk ``audit_chain`` in seq order joined to its events, recompute every hash, report the first break.

    Call :func:`seal_pending` first in the same transaction: it takes the sealer lock, so nothing is appended
    while the walk runs and the head reported is the head walked.
    """
    columns = [_events.c[name] for name in CONTENT_COLUMNS]
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    last: Mapping[Any, Any] | None = None
    head_hash = GENESIS_HASH
    broken: ChainBreak | None = None
    after = 0
    while broken is None:
        rows = (
            (
                await session.execute(
                    sa.select(
                        _chain.c.seq,
                        _chain.c.event_id.label("link_event_id"),
                        _chain.c.event_txid,
                        _chain.c.prev_hash,
                        _chain.c.hash,
                        *columns,
                    )
                    .select_from(_chain.outerjoin(_events, _events.c.id == _chain.c.event_id))
                    .where(_chain.c.seq > after)
                    .order_by(_chain.c.seq)
                    .limit(batch + 1)  # one look-ahead row, to tell a moved event from a changed one
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        page = rows[:batch]
        for i, row in enumerate(page):
            following = rows[i + 1] if i + 1 < len(rows) else None
            broken = _check(row, expected_seq, expected_prev, last, following)
            if broken is not None:
                break
            count += 1
            expected_seq += 1
            expected_prev = head_hash = str(row["hash"])
            last = row
        after = int(page[-1]["seq"])
        if len(rows) <= batch:
            break

    head_txid, head_id = (int(last["event_txid"]), int(last["link_event_id"])) if last is not None else (-1, -1)
    if broken is None and last is not None:
        broken = await _event_outside_chain(session, head_txid, head_id, count)
    elif broken is not None and broken.reason is BreakReason.CHAIN_ROW_MISSING:
        # The removed link's event is the first one after the last good link that is not in the chain.
        stray = await _first_unsealed(session, sa.tuple_(_events.c.txid, _events.c.id) > _key(head_txid, head_id))
        broken = ChainBreak(broken.seq, stray, broken.reason, broken.detail)
    unsealed = await session.scalar(
        sa.select(sa.func.count())
        .select_from(_events)
        .where(sa.tuple_(_events.c.txid, _events.c.id) > _key(head_txid, head_id))
    )
    return ChainReport(
        events=count, head_seq=expected_seq - 1, head_hash=head_hash, unsealed=int(unsealed or 0), broken=broken
    )


def _check(
    row: Mapping[Any, Any],
    expected_seq: int,
    expected_prev: str,
    last: Mapping[Any, Any] | None,
    following: Mapping[Any, Any] | None,
) -> ChainBreak | None:
    seq, event_id = int(row["seq"]), int(row["link_event_id"])
    if seq != expected_seq:
        return ChainBreak(
            expected_seq, None, BreakReason.CHAIN_ROW_MISSING, f"chain link {expected_seq} has been removed"
        )
    if row["prev_hash"] != expected_prev:
        return ChainBreak(
            seq, event_id, BreakReason.CHAIN_ROW_CHANGED, "the link does not carry the previous link's hash"
        )
    if row["id"] is None:
        return ChainBreak(seq, event_id, BreakReason.EVENT_MISSING, f"audit event {event_id} has been removed")
    if link_hash(expected_prev, row) != row["hash"]:
        reason = _classify(row, last, following)
        what = "is out of its sealed order" if reason is BreakReason.ORDER_CHANGED else "was changed after sealing"
        return ChainBreak(seq, event_id, reason, f"audit event {event_id} {what}")
    if row["txid"] != row["event_txid"]:
        return ChainBreak(seq, event_id, BreakReason.CHAIN_ROW_CHANGED, "the link's transaction id was changed")
    return None


def _key(txid: int, event_id: int) -> Any:
    return sa.tuple_(sa.literal(txid), sa.literal(event_id))


async def _first_unsealed(session: AsyncSession, where: Any) -> int | None:
    """The first event, in chain order, that matches ``where`` and has no link."""
    found = await session.scalar(
        sa.select(col(AuditEvent.id))
        .where(where, ~sa.exists().where(_chain.c.event_id == _events.c.id))
        .order_by(_events.c.txid, _events.c.id)
        .limit(1)
    )
    return int(found) if found is not None else None


async def _event_outside_chain(session: AsyncSession, head_txid: int, head_id: int, sealed: int) -> ChainBreak | None:
    """An event that sorts before the head but is not in the chain was slipped in (or its link removed)."""
    head = _key(head_txid, head_id)
    behind = await session.scalar(
        sa.select(sa.func.count()).select_from(_events).where(sa.tuple_(_events.c.txid, _events.c.id) <= head)
    )
    if int(behind or 0) == sealed:
        return None
    stray = await _first_unsealed(session, sa.tuple_(_events.c.txid, _events.c.id) <= head)
    return ChainBreak(
        0,
        int(stray) if stray is not None else None,
        BreakReason.EVENT_OUTSIDE_CHAIN,
        f"audit event {stray} sorts before the chain head but is not in the chain: slipped in, or its link removed",
    )
