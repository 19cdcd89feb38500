"""The audit trail as auditors read it, and the result of verifying its hash chain."""

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import Field

from register.audit.chain import BreakReason, ChainReport
from register.audit.service import SealedEvent
from schemas.common import Response


class AuditEventRead(Response):
    """One read of personal data or one change: who, when, what, and the stated purpose."""

    id: int = Field(description="Event id (increasing in the order events were written, not committed).")
    occurred_at: dt.datetime = Field(description="When the request's transaction began.")
    actor_sub: str = Field(description="Who acted (the token's `sub`).")
    actor_role: str = Field(description="The role they acted in.")
    actor_org: str | None = Field(default=None, description="Their organisation (trust HR).")
    action: str = Field(description="What was done, e.g. `director.read`, `director.created`.")
    record_type: str | None = Field(default=None, description="Kind of record acted on.")
    record_id: str | None = Field(default=None, description="Id of the record acted on.")
    director_id: uuid.UUID | None = Field(default=None, description="The director the record is about.")
    purpose: str | None = Field(default=None, description="The purpose stated in `X-Purpose`.")
    request_id: str | None = Field(default=None, description="The request that wrote the event.")
    detail: dict[str, Any] = Field(default_factory=dict, description="Further facts about the action.")
    chain_seq: int | None = Field(default=None, description="Position in the hash chain; absent until sealed.")
    chain_hash: str | None = Field(default=None, description="The chain hash up to and including this event.")

    @classmethod
    def from_sealed(cls, item: SealedEvent) -> Self:
        e = item.event
        return cls(
            id=e.id or 0,
            occurred_at=e.occurred_at or dt.datetime.min.replace(tzinfo=dt.UTC),
            actor_sub=e.actor_sub,
            actor_role=e.actor_role,
            actor_org=e.actor_org,
            action=e.action,
            record_type=e.record_type,
            record_id=e.record_id,
            director_id=e.director_id,
            purpose=e.purpose,
            request_id=e.request_id,
            detail=e.detail,
            chain_seq=item.seq,
            chain_hash=item.hash,
        )


class ChainBreakRead(Response):
    """The first place where the chain does not hold."""

    seq: int = Field(description="The chain position that fails (0: an event outside the chain).")
    event_id: int | None = Field(default=None, description="The audit event at that position, when known.")
    reason: BreakReason = Field(
        description=(
            "content_changed: the event was altered after sealing; event_missing: the event was deleted; "
            "order_changed: events were moved; chain_row_missing / chain_row_changed: the chain table itself was "
            "altered; event_outside_chain: an event sorts before the head but was never sealed."
        )
    )
    detail: str = Field(description="What was found, in words.")


class AuditVerification(Response):
    """The outcome of walking the whole hash chain and recomputing every hash."""

    intact: bool = Field(description="True when every sealed event is present, unchanged and in order.")
    summary: str = Field(description="`intact, N events, head hash H`, or where and why the chain breaks.")
    events: int = Field(description="Sealed events verified before the end of the chain or the first break.")
    head_seq: int = Field(description="Position of the last link verified.")
    head_hash: str = Field(description="Hash of the last link verified; record it to compare with later runs.")
    unsealed: int = Field(
        description="Events written after the head, not yet sealed (their transactions were still running)."
    )
    broken: ChainBreakRead | None = Field(default=None, description="The first break, when the chain is not intact.")

    @classmethod
    def from_report(cls, report: ChainReport) -> Self:
        b = report.broken
        return cls(
            intact=report.intact,
            summary=report.summary,
            events=report.events,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            unsealed=report.unsealed,
            broken=ChainBreakRead(seq=b.seq, event_id=b.event_id, reason=b.reason, detail=b.detail) if b else None,
        )
