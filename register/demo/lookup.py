"""Finding the demo's showcase records: a trust, its chair, a director with an unexplained gap, a barred director,
an upheld finding with the director's statement, and a board appointment whose leaver reference is owed."""

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from register.access import policy
from register.demo.reference_data import TRUSTS
from register.directors.models import Director
from register.employment.coverage import compute_coverage
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord, GapExplanation
from register.findings.models import UPHELD, Finding
from register.findings.service import active_bar_on
from register.organisations.models import Organisation
from register.references.models import BoardMemberReference
from register.settings import Settings
from register.statements.models import Statement


@dataclass(frozen=True)
class DemoIds:
    """Ids of demo records worth showing, all at or about ``trust`` where the record allows it."""

    trust: str  # an ODS code whose HR token sees the directors below that sit on its board
    chair_id: uuid.UUID  # the trust's chair (signs in as a director to sign off assessments and the return)
    sid_id: uuid.UUID  # the trust's senior independent director (signs off the chair's assessment)
    gap_director_id: uuid.UUID  # a director of the trust with an unexplained gap in six years of employment
    finding_director_id: uuid.UUID  # a director of the trust with an upheld finding
    upheld_finding_id: uuid.UUID  # that finding; the director has answered it with a statement
    barred_director_id: uuid.UUID  # a former board member barred by a regulator (regulators and auditors see them)
    owed_reference_trust: str  # a trust that owes a leaver's Board Member Reference
    owed_reference_employment_id: uuid.UUID  # the ended board appointment it is owed for

    def as_environment(self) -> dict[str, str]:
        """The ids as shell variables, ``DEMO_TRUST=RJ1`` and so on."""
        return {f"DEMO_{name.upper()}".removesuffix("_ID"): str(value) for name, value in asdict(self).items()}


class DemoNotLoaded(LookupError):
    """The database does not hold the demo data (or not all of it)."""


async def is_empty(factory: async_sessionmaker[AsyncSession]) -> bool:
    """No organisation yet: the database has never been loaded."""
    async with factory() as session:
        return (await session.execute(sa.select(sa.func.count()).select_from(Organisation))).scalar_one() == 0


async def lookup(factory: async_sessionmaker[AsyncSession], trust: str | None = None) -> DemoIds:
    """The showcase records of a loaded demo database, for docs, screenshots and browser tests.

    ``trust`` defaults to the first demo trust (RJ1). Reads ids only, as the register's own tooling, and writes
    nothing (no audit event: no personal data is shown). Raises :class:`DemoNotLoaded` when a record is missing,
    e.g. on a database that is not the demo's or was loaded with ``--directors``.
    """
    code = trust or TRUSTS[0][0]
    today = policy.today()
    async with factory() as session:
        members = await _board(session, code, today)
        chair = next((d for d, board_role, _ in members if board_role is BoardRole.CHAIR), None)
        sid = next((d for d, _, sid in members if sid), None)
        ids = [d for d, _, _ in members]
        gap = await _with_unexplained_gap(session, ids, today)
        finding = (
            await session.execute(
                sa.select(col(Finding.id), col(Finding.director_id))
                .where(
                    col(Finding.director_id).in_(ids),
                    col(Finding.status).in_(UPHELD),
                    col(Finding.withdrawn_at).is_(None),
                    sa.exists().where(
                        col(Statement.about_record_type) == "finding",
                        col(Statement.about_record_id) == sa.cast(col(Finding.id), sa.String),
                    ),
                )
                .order_by(col(Finding.reported_on), col(Finding.id))
                .limit(1)
            )
        ).first()
        barred = (
            await session.execute(
                sa.select(col(Finding.director_id)).where(active_bar_on(today)).order_by(col(Finding.id)).limit(1)
            )
        ).scalar_one_or_none()
        written = sa.select(col(BoardMemberReference.employment_id)).where(
            col(BoardMemberReference.withdrawn_at).is_(None)
        )
        owed = (
            await session.execute(
                sa.select(col(EmploymentRecord.ods_code), col(EmploymentRecord.id))
                .join(Director, col(Director.id) == col(EmploymentRecord.director_id))
                .where(
                    col(Director.synthetic),
                    col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
                    col(EmploymentRecord.withdrawn_at).is_(None),
                    col(EmploymentRecord.end_date) < today,
                    col(EmploymentRecord.id).not_in(written),
                )
                .order_by(col(EmploymentRecord.ods_code), col(EmploymentRecord.end_date), col(EmploymentRecord.id))
                .limit(1)
            )
        ).first()
    if chair is None or sid is None or gap is None or finding is None or barred is None or owed is None:
        raise DemoNotLoaded(
            f"The database does not hold the whole demo at {code}; load it into an empty database with `register demo`."
        )
    return DemoIds(
        trust=code,
        chair_id=chair,
        sid_id=sid,
        gap_director_id=gap,
        finding_director_id=finding[1],
        upheld_finding_id=uuid.UUID(str(finding[0])),
        barred_director_id=barred,
        owed_reference_trust=str(owed[0]),
        owed_reference_employment_id=uuid.UUID(str(owed[1])),
    )


async def _board(session: AsyncSession, code: str, today: dt.date) -> list[tuple[uuid.UUID, BoardRole, bool]]:
    """The synthetic directors with a current appointment at ``code``: id, board role, senior independent director."""
    rows = await session.execute(
        sa.select(
            col(EmploymentRecord.director_id),
            col(EmploymentRecord.board_role),
            col(EmploymentRecord.senior_independent_director),
        )
        .join(Director, col(Director.id) == col(EmploymentRecord.director_id))
        .where(
            col(Director.synthetic),
            col(EmploymentRecord.ods_code) == code,
            col(EmploymentRecord.kind) == EmploymentKind.BOARD_APPOINTMENT,
            col(EmploymentRecord.withdrawn_at).is_(None),
            col(EmploymentRecord.start_date) <= today,
            sa.or_(col(EmploymentRecord.end_date).is_(None), col(EmploymentRecord.end_date) >= today),
        )
        .order_by(col(Director.family_name), col(Director.given_name), col(Director.id))
    )
    return [(d, r, bool(s)) for d, r, s in rows if r is not None]


async def _with_unexplained_gap(session: AsyncSession, ids: list[uuid.UUID], today: dt.date) -> uuid.UUID | None:
    """The first of ``ids`` whose last six years of employment have a gap nobody has explained."""
    threshold = Settings().coverage_gap_threshold_days
    entries = await session.execute(
        sa.select(
            col(EmploymentRecord.director_id), col(EmploymentRecord.start_date), col(EmploymentRecord.end_date)
        ).where(col(EmploymentRecord.director_id).in_(ids), col(EmploymentRecord.withdrawn_at).is_(None))
    )
    explanations = await session.execute(
        sa.select(
            col(GapExplanation.director_id),
            col(GapExplanation.id),
            col(GapExplanation.start_date),
            col(GapExplanation.end_date),
        ).where(col(GapExplanation.director_id).in_(ids), col(GapExplanation.withdrawn_at).is_(None))
    )
    spans: dict[uuid.UUID, list[tuple[dt.date, dt.date | None]]] = {d: [] for d in ids}
    for director_id, start, end in entries:
        spans[director_id].append((start, end))
    explained: dict[uuid.UUID, list[tuple[uuid.UUID, dt.date, dt.date]]] = {d: [] for d in ids}
    for director_id, explanation_id, start, end in explanations:
        if explanation_id is not None:
            explained[director_id].append((explanation_id, start, end))
    for director_id in ids:
        coverage = compute_coverage(
            spans[director_id], explained[director_id], today=today, years=6, threshold_days=threshold
        )
        if coverage.unexplained_gaps:
            return director_id
    return None
