"""The audit trail: who read or changed what, when and for what stated purpose; and the hash chain sealing it."""

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# The id of the transaction that wrote the row, as a plain bigint (xid8 has no direct cast to bigint).
CURRENT_TXID = sa.text("(pg_current_xact_id()::text)::bigint")
# Every transaction with a smaller id than this has finished: its rows, if committed, are all visible now.
SNAPSHOT_XMIN = sa.literal_column("(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint", sa.BigInteger)


class AuditEvent(SQLModel, table=True):
    """One read of personal data or one change, written in the same transaction as the work itself."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_director_id_occurred_at", "director_id", "occurred_at"),
        sa.Index("ix_audit_events_actor_sub_occurred_at", "actor_sub", "occurred_at"),
        sa.Index("ix_audit_events_txid_id", "txid", "id"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    occurred_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    actor_sub: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    actor_role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    actor_org: str | None = Field(default=None, sa_column=sa.Column(sa.String(5), nullable=True))
    action: str = Field(sa_column=sa.Column(sa.String(60), nullable=False))
    record_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True))
    record_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))
    director_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    purpose: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    request_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))
    detail: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=sa.Column(JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    # The writing transaction: the sealer chains events in (txid, id) order once that transaction has ended.
    txid: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=CURRENT_TXID)
    )


class AuditChainLink(SQLModel, table=True):
    """One sealed event: its place in the chain, the previous link's hash and its own (insert-only)."""

    __tablename__ = "audit_chain"
    __table_args__ = (
        sa.UniqueConstraint("event_id"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint("hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$'", name="hex_hashes"),
    )

    seq: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    event_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    # The event's transaction id when sealed: where the next sealing round starts, even if the event is tampered with.
    event_txid: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    prev_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    sealed_at: dt.datetime | None = Field(
        default=None,
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
