"""The stored first response of every POST sent with an ``Idempotency-Key``."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class IdempotencyRecord(SQLModel, table=True):
    """One caller's key, the request it was first used for, and the response to replay for 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.Index("ix_idempotency_keys_expires_at", "expires_at"),)

    # Keys are scoped per caller: two callers may pick the same key without seeing each other's responses.
    principal_sub: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True))
    # The rest of the principal the response was made for (role, organisation, director id): one `sub` may hold
    # tokens for several organisations, and a response is replayed only to the very principal it was made for.
    # Empty on records stored before it was kept: those are replayed to nobody.
    principal_scope: str | None = Field(default=None, sa_column=sa.Column(sa.String(300), nullable=True))
    request_method: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    request_path: str = Field(sa_column=sa.Column(sa.String(2000), nullable=False))
    # SHA-256 (hex) of the request body, JSON canonicalised: a retry must send the same body.
    request_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    response_status: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    # Only the headers worth replaying: Location, ETag, Content-Type.
    response_headers: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))
    )
    response_body: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    created_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    expires_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
