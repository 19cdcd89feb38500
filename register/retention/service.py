"""Erasing a director's record: at the 75th birthday (the retention rule), or when a regulator records an erasure.

Both take one path (``erase_director``), in one transaction: every part of the director's file, its versions, the
change-feed events about them and their search names are deleted; the director's row is deleted too unless
another person's signed record still points at it (then it is kept with every personal field blanked); a
tombstone keeps the register id, the date, the basis and the reason; and one audit event ``director.erased``
records the id and the basis. The audit trail itself is never changed: its rows hold ids, not names, so the
chain still verifies after an erasure.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

import register.models  # noqa: F401  (every table on the metadata: erasure walks them all)
from register.access import policy
from register.access.principal import Actor, Principal, Role
from register.audit.service import record_event
from register.base import metadata
from register.db import transaction
from register.directors.models import Director
from register.errors import Conflict, NotFound, RegisterError, RuleViolation
from register.findings.models import OPEN, Finding
from register.monitoring.models import WebhookDelivery
from register.retention.models import ErasureBasis, ErasureTombstone, RetentionRun
from register.search.models import DirectorName, NameTokenVariant
from register.settings import Settings

log = logging.getLogger(__name__)

RETENTION_AGE = 75
# A director's row that must stay (another person's signed record names them) keeps only its id: these
# placeholders satisfy the NOT NULL columns and describe nobody. 1900-01-01 is the earliest birth date the
# register accepts, so it never passes for a real one.
ERASED_NAME = ""
ERASED_BIRTH_DATE = dt.date(1900, 1, 1)
# Tables with a ``director_id`` column that are not part of the person's file: the audit trail (append-only,
# ids only) and the tombstones themselves.
KEPT_TABLES = frozenset({"audit_events", "erasure_tombstones"})
SYSTEM_ACTOR = Actor(Principal(sub="system:retention", role=Role.ADMIN), purpose="retention: 75th birthday")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(today: dt.date) -> dt.date:
    """The latest birth date whose 75th birthday has come by ``today``.

    Someone born on 29 February reaches an age on 1 March in a common year (as in UK law): on 28 February
    the cutoff is 28 February and they are not yet eligible; on 1 March it is 1 March and they are.
    """
    return years_before(today, RETENTION_AGE)


def open_finding(director_id: Any) -> sa.ColumnElement[bool]:
    """The director has a finding still in progress (reported, under investigation or appealed)."""
    return sa.exists().where(
        col(Finding.director_id) == director_id,
        col(Finding.status).in_(sorted(OPEN)),
        col(Finding.withdrawn_at).is_(None),
    )


def _not_erased(director_id: Any) -> sa.ColumnElement[bool]:
    return ~sa.exists().where(col(ErasureTombstone.director_id) == director_id)


async def eligible_directors(session: AsyncSession, today: dt.date | None = None) -> list[uuid.UUID]:
    """Directors past their 75th birthday with no open finding, not yet erased; oldest entry first."""
    today = today or policy.today()
    rows = await session.execute(
        sa.select(col(Director.id))
        .where(
            col(Director.date_of_birth) <= retention_cutoff(today),
            ~open_finding(col(Director.id)),
            _not_erased(col(Director.id)),
        )
        .order_by(col(Director.id))
    )
    return [d for d in rows.scalars() if d is not None]


def _personal_tables() -> list[sa.Table]:
    """Every table holding parts of a director's file (a ``director_id`` column), dependants first."""
    return [t for t in reversed(metadata.sorted_tables) if "director_id" in t.c and t.name not in KEPT_TABLES]


def _references_from_other_records() -> list[sa.Column[Any]]:
    """Columns of other people's records that point at a director (an assessment's signer, a return's submitter).

    Those records are kept under their own subject's retention, so the row they point at must stay.
    """
    return [
        fk.parent
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Director.__tablename__ and fk.parent.name != "director_id"
    ]


async def erase_director(
    session: AsyncSession, actor: Actor, director_id: uuid.UUID, *, basis: ErasureBasis, reason: str
) -> ErasureTombstone:
    """Erase everything personal held about one director and leave a tombstone (inside the caller's transaction)."""
    director = (
        await session.execute(sa.select(Director).where(col(Director.id) == director_id).with_for_update())
    ).scalar_one_or_none()
    tombstone = await session.get(ErasureTombstone, director_id)
    if tombstone is not None:
        raise Conflict(
            f"Director {director_id} was erased on {tombstone.erased_on.isoformat()}.",
            erased_on=tombstone.erased_on.isoformat(),
        )
    if director is None:
        raise NotFound(f"No director {director_id} is on the register.")
    today = policy.today()
    if basis is ErasureBasis.AGE_75 and director.date_of_birth > retention_cutoff(today):
        raise RuleViolation(f"Director {director_id} has not reached their {RETENTION_AGE}th birthday.")
    if (await session.execute(sa.select(open_finding(director_id)))).scalar_one():
        # A matter still in progress must be able to run its course (FPPT framework; Kark: no revolving door).
        raise Conflict(
            "This director has an open finding (reported, under investigation or appealed); "
            "the record cannot be erased until it is decided."
        )

    await _delete_file(session, director_id)
    anchored = await _referenced_by_others(session, director_id)
    if anchored:
        await session.execute(
            sa.update(Director)
            .where(col(Director.id) == director_id)
            .values(
                given_name=ERASED_NAME,
                family_name=ERASED_NAME,
                former_names=[],
                date_of_birth=ERASED_BIRTH_DATE,
                version=col(Director.version) + 1,
                updated_at=sa.func.now(),
            )
        )
    else:
        await session.execute(sa.delete(Director).where(col(Director.id) == director_id))
    session.expunge(director)

    tombstone = ErasureTombstone(
        director_id=director_id, erased_on=today, reason=reason, erased_by=actor.principal.sub, basis=basis
    )
    session.add(tombstone)
    await record_event(
        session,
        actor,
        "director.erased",
        record_type="director",
        record_id=str(director_id),
        director_id=director_id,
        detail={"basis": basis.value},
    )
    await session.flush()
    return tombstone


async def _delete_file(session: AsyncSession, director_id: uuid.UUID) -> None:
    """Delete every part of the file, its versions, the events about it and its search names."""
    tokens = (
        await session.execute(
            sa.select(sa.func.unnest(col(DirectorName.tokens))).where(col(DirectorName.director_id) == director_id)
        )
    ).scalars()
    words = sorted(set(tokens))
    outbound = metadata.tables["outbound_events"]
    # Deliveries of events about the director go with the events (they hold no payload of their own).
    await session.execute(
        sa.delete(WebhookDelivery).where(
            col(WebhookDelivery.event_id).in_(sa.select(outbound.c.id).where(outbound.c.director_id == director_id))
        )
    )
    for table in _personal_tables():
        await session.execute(sa.delete(table).where(table.c.director_id == director_id))
    if words:
        # Words of the erased names that no other name uses leave the one-typo index too.
        still_used = sa.exists().where(col(NameTokenVariant.token) == sa.any_(col(DirectorName.tokens)))
        await session.execute(sa.delete(NameTokenVariant).where(col(NameTokenVariant.token).in_(words), ~still_used))


async def _referenced_by_others(session: AsyncSession, director_id: uuid.UUID) -> bool:
    checks = [sa.exists().where(column == director_id) for column in _references_from_other_records()]
    if not checks:
        return False
    return bool((await session.execute(sa.select(sa.or_(*checks)))).scalar_one())


@dataclass
class RetentionReport:
    """What one run found and did."""

    today: dt.date
    dry_run: bool
    eligible: list[uuid.UUID] = field(default_factory=list)
    erased: list[uuid.UUID] = field(default_factory=list)
    skipped: dict[uuid.UUID, str] = field(default_factory=dict)


async def run_retention(
    session_factory: async_sessionmaker[AsyncSession], *, dry_run: bool = False, actor: Actor = SYSTEM_ACTOR
) -> RetentionReport:
    """Erase every eligible director, each in their own transaction (one failure does not hold up the rest)."""
    today = policy.today()
    async with session_factory() as session:
        eligible = await eligible_directors(session, today)
        await session.rollback()
    report = RetentionReport(today=today, dry_run=dry_run, eligible=eligible)
    if dry_run:
        return report
    reason = f"Retention: FPPT records are kept until the {RETENTION_AGE}th birthday."
    for director_id in eligible:
        try:
            async with transaction(session_factory) as session:
                await erase_director(session, actor, director_id, basis=ErasureBasis.AGE_75, reason=reason)
        except RegisterError as exc:  # e.g. a finding was opened, or the birth date corrected, since the listing
            report.skipped[director_id] = exc.detail
            continue
        report.erased.append(director_id)
    return report


class DailyRetention:
    """Runs retention at most once a day: a process asks the database once per calendar day, and the day's
    ``retention_runs`` row is claimed by one worker only, however many run."""

    def __init__(self) -> None:
        self._asked_on: dt.date | None = None

    async def __call__(self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> int:
        """Run today's retention if nobody has; returns how many directors were erased. Never raises."""
        today = policy.today()
        if not settings.retention_daily or self._asked_on == today:
            return 0
        self._asked_on = today
        try:
            async with transaction(session_factory) as session:
                claimed = (
                    await session.execute(
                        pg_insert(RetentionRun)
                        .values(run_on=today)
                        .on_conflict_do_nothing()
                        .returning(col(RetentionRun.run_on))
                    )
                ).first()
            if claimed is None:
                return 0
            report = await run_retention(session_factory)
            async with transaction(session_factory) as session:
                await session.execute(
                    sa.update(RetentionRun)
                    .where(col(RetentionRun.run_on) == today)
                    .values(finished_at=sa.func.now(), erased=len(report.erased))
                )
        except Exception:
            log.exception("daily retention run failed; it is tried again tomorrow")
            return 0
        log.info("retention: %d erased, %d skipped", len(report.erased), len(report.skipped))
        return len(report.erased)


daily_retention = DailyRetention()
