"""Idempotency keys: serialise retries of one key, find the stored response, record a new one, purge old ones.

Everything here runs in the caller's transaction: the record of a response is written in the same
transaction as the request's own changes, so either both are committed or neither is.
"""

import asyncio
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access.principal import Principal
from register.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidInput
from register.idempotency.models import IdempotencyRecord

KEY_TTL = dt.timedelta(hours=24)
# 1 to 255 printable ASCII characters (UUIDs, ULIDs and most client libraries' keys fit).
KEY_PATTERN = re.compile(r"^[\x20-\x7e]{1,255}$")
# First half of the two-int advisory lock key: keeps these locks apart from any other advisory lock.
_LOCK_CLASS = 0x1D3A
_LOCK_WAIT_SECONDS = 10.0
_LOCK_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Fingerprint:
    """What makes two requests "the same": method, path and body."""

    method: str
    path: str
    body_hash: str


def principal_scope(principal: Principal) -> str:
    """Everything of the principal beside its ``sub`` that decides what it may see: role, organisation, director."""
    return f"{principal.role.value}|{principal.org or ''}|{principal.director_id or ''}"


def validate_key(key: str) -> str:
    """The key as given, or 400 when it is not 1 to 255 printable ASCII characters."""
    if not KEY_PATTERN.match(key):
        raise InvalidInput("Idempotency-Key must be 1 to 255 printable ASCII characters.")
    return key


def fingerprint(method: str, path: str, body: bytes) -> Fingerprint:
    """The request's fingerprint; a JSON body is canonicalised so that spacing and key order do not matter."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):  # the app refuses such a body with its own 400
        canonical = body
    return Fingerprint(method=method.upper(), path=path, body_hash=hashlib.sha256(canonical).hexdigest())


async def lock_key(session: AsyncSession, sub: str, key: str) -> None:
    """Take a transaction-scoped advisory lock on (caller, key), so that concurrent retries run one at a time.

    Polled rather than waited on, so that a retry arriving while the first request is still running gets a
    409 after a bounded wait instead of a statement timeout.
    """
    digest = hashlib.sha256(f"{sub}\x00{key}".encode()).digest()
    object_id = int.from_bytes(digest[:4], "big", signed=True)
    statement = sa.select(sa.func.pg_try_advisory_xact_lock(_LOCK_CLASS, object_id))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _LOCK_WAIT_SECONDS
    while not await session.scalar(statement):
        if loop.time() >= deadline:
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still being processed; retry it shortly.", retry_after=1
            )
        await asyncio.sleep(_LOCK_POLL_SECONDS)


async def find_response(
    session: AsyncSession, principal: Principal, key: str, request: Fingerprint, *, now: dt.datetime | None = None
) -> IdempotencyRecord | None:
    """The stored response for this caller's key, if it has not expired; 422 if it was for another request or
    another principal of the same ``sub`` (never that principal's response: it may show what this one may not see)."""
    now = now or dt.datetime.now(dt.UTC)
    record = await session.scalar(
        sa.select(IdempotencyRecord).where(
            col(IdempotencyRecord.principal_sub) == principal.sub,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.expires_at) > now,
        )
    )
    if record is None:
        return None
    if record.principal_scope != principal_scope(principal):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used by your sign-in with another role, organisation or director "
            "record; use a new key for this request.",
            first_used_at=record.created_at.isoformat(),
        )
    if (record.request_method, record.request_path, record.request_hash) != (
        request.method,
        request.path,
        request.body_hash,
    ):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            first_used_at=record.created_at.isoformat(),
        )
    return record


async def record_response(
    session: AsyncSession,
    principal: Principal,
    key: str,
    request: Fingerprint,
    *,
    status: int,
    headers: dict[str, str],
    body: bytes,
    now: dt.datetime | None = None,
) -> None:
    """Store the response to replay; an expired record of the same key is replaced."""
    now = now or dt.datetime.now(dt.UTC)
    values = {
        "principal_sub": principal.sub,
        "key": key,
        "principal_scope": principal_scope(principal),
        "request_method": request.method,
        "request_path": request.path,
        "request_hash": request.body_hash,
        "response_status": status,
        "response_headers": headers,
        "response_body": body,
        "created_at": now,
        "expires_at": now + KEY_TTL,
    }
    statement = insert(IdempotencyRecord).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[col(IdempotencyRecord.principal_sub), col(IdempotencyRecord.key)],
        set_={k: statement.excluded[k] for k in values if k not in ("principal_sub", "key")},
    )
    await session.execute(statement)


async def purge_expired(session: AsyncSession, *, now: dt.datetime | None = None) -> int:
    """Delete the records whose 24 hours are over; returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    result = await session.execute(sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)
