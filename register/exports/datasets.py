"""What each export holds, for whom: the datasets, their columns per role, and the rows each role may have.

This is the one place to review what leaves the register in a bulk export (DESIGN.md §4):

- regulators and auditors: every row, with every column a regulator may see (withdrawn entries included,
  flagged by ``withdrawn_at``); auditors alone export the audit trail;
- trust HR: only its own directors' rows (a current board appointment at its organisation), current
  entries only, and the annual returns of its own organisation;
- a director: only their own rows, current entries only;
- administrators: nothing (the route refuses them; they see no personal data).

Column rules that hold for every role:

- DBS and medical-clearance checks are criminal-offence and special-category data (UK GDPR Arts. 10, 9): their
  rows carry the outcome and dates only; evidence pointer, notes, who performed them and any mitigation are
  blanked in the query itself, whatever is stored;
- draft assessments go only to the trust preparing them (a draft is not yet an assessment of anyone);
- references are metadata (who, when, kind, role, dates): never the BMR answers or competence comments;
- annual returns are the declaration and the counts, not the per-director contents.

Filters combine with AND: ``ods_code``, ``region`` and ``board_role`` select directors with a current board
appointment as in search; ``updated_since`` applies to the row's own time stamp; ``limit`` caps the rows.
"""

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, col

from register.access import policy
from register.access.principal import Principal, Role
from register.appraisals.models import Appraisal
from register.assessments.models import Assessment, AssessmentStatus
from register.audit.models import AuditEvent
from register.checks.models import OUTCOME_ONLY_TYPES, FpptCheck
from register.directors.models import Director
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord
from register.errors import Forbidden, InvalidInput, NotFound
from register.findings.models import Finding
from register.identifiers import Region, check_ods_code
from register.organisations.models import Organisation
from register.qualifications.models import Qualification
from register.references.models import BoardMemberReference
from register.returns.models import AnnualReturn

MAX_LIMIT = 100_000_000


class ExportFormat(enum.StrEnum):
    """The file formats an export is written in."""

    CSV = "csv"
    NDJSON = "ndjson"
    PARQUET = "parquet"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.NDJSON: "application/x-ndjson",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
}


class Kind(enum.Enum):
    """How a column is typed in Parquet and rendered in CSV."""

    TEXT = "text"
    UUID = "uuid"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOL = "bool"
    INT = "int"
    JSON = "json"


FULL = frozenset({Role.REGULATOR, Role.AUDITOR})  # every row and column a regulator may see
FILE_READERS = frozenset({Role.REGULATOR, Role.AUDITOR, Role.TRUST_HR, Role.DIRECTOR})


@dataclass(frozen=True)
class Column:
    """One exported column: its name in the file, the expression it reads, and who may have it."""

    name: str
    expr: Callable[[], ColumnElement[Any]]
    kind: Kind
    roles: frozenset[Role] = FILE_READERS


@dataclass(frozen=True)
class ExportFilters:
    """What the caller asked for; every field is optional."""

    ods_code: str | None = None
    region: Region | None = None
    board_role: BoardRole | None = None
    updated_since: dt.datetime | None = None
    limit: int | None = None

    def terms(self) -> dict[str, Any]:
        """The filters given, JSON-ready (for the audit trail)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, dt.datetime):
                value = value.isoformat()
            out[key] = value
        return out

    def checked(self) -> "ExportFilters":
        """Normalised filters, or ``InvalidInput`` saying what is wrong."""
        ods_code = self.ods_code
        if ods_code is not None:
            try:
                ods_code = check_ods_code(ods_code)
            except ValueError as exc:
                raise InvalidInput(f"ods_code: {exc}.") from None
        since = self.updated_since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)  # a time without a zone is read as UTC, as elsewhere
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
        return ExportFilters(ods_code, self.region, self.board_role, since, self.limit)


@dataclass(frozen=True)
class Dataset:
    """A table as exported: its columns, who may export it, and how its rows are scoped and filtered."""

    name: str
    model: type[SQLModel]
    columns: tuple[Column, ...]
    roles: frozenset[Role]
    stamp: str  # the column ``updated_since`` compares with
    director_column: str | None = "director_id"  # rows belong to this director (None: not a director's row)
    board_filters: bool = True  # ods_code / region / board_role select the director (else see ``rows``)
    rows: Callable[[Principal, ExportFilters], list[ColumnElement[bool]]] | None = None  # extra row rules
    withdrawable: bool = False  # has withdrawn_at: withdrawn entries only to regulators and auditors
    notes: str = ""
    supported_filters: frozenset[str] = field(
        default_factory=lambda: frozenset({"ods_code", "region", "board_role", "updated_since", "limit"})
    )

    def columns_for(self, role: Role) -> list[Column]:
        """The columns this role receives, in file order."""
        return [c for c in self.columns if role in c.roles]


def _c(model: Any, name: str, kind: Kind, roles: frozenset[Role] = FILE_READERS) -> Column:
    def expr() -> ColumnElement[Any]:
        column: ColumnElement[Any] = getattr(model, name).expression
        return column

    return Column(name, expr, kind, roles)


def _common_tail(model: Any, *, withdrawable: bool) -> tuple[Column, ...]:
    tail: tuple[Column, ...] = (
        _c(model, "version", Kind.INT),
        _c(model, "created_at", Kind.TIMESTAMP),
        _c(model, "updated_at", Kind.TIMESTAMP),
    )
    if withdrawable:
        tail += (_c(model, "withdrawn_at", Kind.TIMESTAMP, FULL), _c(model, "withdrawn_reason", Kind.TEXT, FULL))
    return tail


def _outcome_only(name: str, kind: Kind) -> Column:
    """A check column blanked on DBS and medical-clearance rows (outcome and date only)."""

    def expr() -> ColumnElement[Any]:
        value = col(getattr(FpptCheck, name))
        restricted = col(FpptCheck.check_type).in_(sorted(t.value for t in OUTCOME_ONLY_TYPES))
        return sa.case((restricted, sa.null()), else_=value).label(name)

    return Column(name, expr, kind)


def _assessment_rows(principal: Principal, _filters: ExportFilters) -> list[ColumnElement[bool]]:
    """Draft assessments only to the trust preparing them."""
    not_draft = col(Assessment.status) != AssessmentStatus.DRAFT
    if principal.role is Role.TRUST_HR and principal.org:
        return [sa.or_(not_draft, col(Assessment.ods_code) == principal.org)]
    return [not_draft]


def _return_rows(principal: Principal, filters: ExportFilters) -> list[ColumnElement[bool]]:
    """A trust sees its own organisation's returns; the filters name the organisation or its region."""
    out: list[ColumnElement[bool]] = []
    if principal.role is Role.TRUST_HR:
        out.append(col(AnnualReturn.ods_code) == principal.org)
    elif principal.role not in FULL:
        out.append(sa.false())
    if filters.ods_code:
        out.append(col(AnnualReturn.ods_code) == filters.ods_code)
    if filters.region:
        out.append(
            col(AnnualReturn.ods_code).in_(
                sa.select(col(Organisation.ods_code)).where(col(Organisation.region) == filters.region)
            )
        )
    return out


_EMPLOYMENT = EmploymentRecord
_DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="directors",
        model=Director,
        director_column="id",
        stamp="updated_at",
        columns=(
            _c(Director, "id", Kind.UUID),
            _c(Director, "given_name", Kind.TEXT),
            _c(Director, "family_name", Kind.TEXT),
            _c(Director, "former_names", Kind.JSON),
            _c(Director, "date_of_birth", Kind.DATE),
            *_common_tail(Director, withdrawable=False),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="employment",
        model=EmploymentRecord,
        stamp="updated_at",
        withdrawable=True,
        columns=(
            _c(_EMPLOYMENT, "id", Kind.UUID),
            _c(_EMPLOYMENT, "director_id", Kind.UUID),
            _c(_EMPLOYMENT, "kind", Kind.TEXT),
            _c(_EMPLOYMENT, "employer_name", Kind.TEXT),
            _c(_EMPLOYMENT, "ods_code", Kind.TEXT),
            _c(_EMPLOYMENT, "role_title", Kind.TEXT),
            _c(_EMPLOYMENT, "start_date", Kind.DATE),
            _c(_EMPLOYMENT, "end_date", Kind.DATE),
            _c(_EMPLOYMENT, "reason_for_leaving", Kind.TEXT),
            _c(_EMPLOYMENT, "board_role", Kind.TEXT),
            _c(_EMPLOYMENT, "portfolio", Kind.TEXT),
            _c(_EMPLOYMENT, "appointment_type", Kind.TEXT),
            _c(_EMPLOYMENT, "senior_independent_director", Kind.BOOL),
            _c(_EMPLOYMENT, "deputy_chair", Kind.BOOL),
            _c(_EMPLOYMENT, "voting", Kind.BOOL),
            *_common_tail(_EMPLOYMENT, withdrawable=True),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="qualifications",
        model=Qualification,
        stamp="updated_at",
        withdrawable=True,
        columns=(
            _c(Qualification, "id", Kind.UUID),
            _c(Qualification, "director_id", Kind.UUID),
            _c(Qualification, "title", Kind.TEXT),
            _c(Qualification, "awarding_body", Kind.TEXT),
            _c(Qualification, "level", Kind.TEXT),
            _c(Qualification, "awarded_on", Kind.DATE),
            _c(Qualification, "verified", Kind.BOOL),
            _c(Qualification, "verified_by", Kind.TEXT),
            _c(Qualification, "verified_on", Kind.DATE),
            _c(Qualification, "evidence_reference", Kind.TEXT),
            *_common_tail(Qualification, withdrawable=True),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="checks",
        model=FpptCheck,
        stamp="updated_at",
        notes="DBS and medical clearance: outcome and dates only.",
        columns=(
            _c(FpptCheck, "id", Kind.UUID),
            _c(FpptCheck, "director_id", Kind.UUID),
            _c(FpptCheck, "ods_code", Kind.TEXT),
            _c(FpptCheck, "check_type", Kind.TEXT),
            _c(FpptCheck, "result", Kind.TEXT),
            _c(FpptCheck, "performed_on", Kind.DATE),
            _outcome_only("performed_by", Kind.TEXT),
            _outcome_only("evidence_reference", Kind.TEXT),
            _outcome_only("notes", Kind.TEXT),
            _c(FpptCheck, "next_due", Kind.DATE),
            _outcome_only("mitigation", Kind.TEXT),
            _outcome_only("mitigated_on", Kind.DATE),
            _outcome_only("mitigated_by", Kind.TEXT),
            _c(FpptCheck, "recorded_by", Kind.TEXT),
            *_common_tail(FpptCheck, withdrawable=False),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="assessments",
        model=Assessment,
        stamp="updated_at",
        rows=_assessment_rows,
        notes="Drafts only to the preparing trust.",
        columns=(
            _c(Assessment, "id", Kind.UUID),
            _c(Assessment, "director_id", Kind.UUID),
            _c(Assessment, "ods_code", Kind.TEXT),
            _c(Assessment, "kind", Kind.TEXT),
            _c(Assessment, "status", Kind.TEXT),
            _c(Assessment, "year", Kind.INT),
            _c(Assessment, "trigger_reason", Kind.TEXT),
            _c(Assessment, "summary", Kind.TEXT),
            _c(Assessment, "mitigations", Kind.TEXT),
            _c(Assessment, "corrects_id", Kind.UUID),
            _c(Assessment, "relied_on_check_ids", Kind.JSON),
            _c(Assessment, "outcome", Kind.TEXT),
            _c(Assessment, "outcome_reason", Kind.TEXT),
            _c(Assessment, "prepared_by", Kind.TEXT),
            _c(Assessment, "submitted_at", Kind.TIMESTAMP),
            _c(Assessment, "submitted_by", Kind.TEXT),
            _c(Assessment, "signed_off_at", Kind.TIMESTAMP),
            _c(Assessment, "signed_off_by", Kind.TEXT),
            _c(Assessment, "signed_off_by_director_id", Kind.UUID),
            _c(Assessment, "signed_off_as", Kind.TEXT),
            *_common_tail(Assessment, withdrawable=False),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="appraisals",
        model=Appraisal,
        stamp="updated_at",
        columns=(
            _c(Appraisal, "id", Kind.UUID),
            _c(Appraisal, "director_id", Kind.UUID),
            _c(Appraisal, "ods_code", Kind.TEXT),
            _c(Appraisal, "year", Kind.INT),
            _c(Appraisal, "appraiser_name", Kind.TEXT),
            _c(Appraisal, "appraiser_role", Kind.TEXT),
            _c(Appraisal, "rating_high_quality_outcomes", Kind.TEXT),
            _c(Appraisal, "rating_strategy_and_transformation", Kind.TEXT),
            _c(Appraisal, "rating_equality_and_inclusion", Kind.TEXT),
            _c(Appraisal, "rating_governance_and_assurance", Kind.TEXT),
            _c(Appraisal, "rating_compassionate_culture", Kind.TEXT),
            _c(Appraisal, "rating_partners_and_communities", Kind.TEXT),
            _c(Appraisal, "objectives", Kind.JSON),
            _c(Appraisal, "multi_source_feedback", Kind.BOOL),
            _c(Appraisal, "submitted_to_nhse_on", Kind.DATE),
            _c(Appraisal, "recorded_by", Kind.TEXT),
            *_common_tail(Appraisal, withdrawable=False),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="findings",
        model=Finding,
        stamp="updated_at",
        withdrawable=True,
        columns=(
            _c(Finding, "id", Kind.UUID),
            _c(Finding, "director_id", Kind.UUID),
            _c(Finding, "finding_type", Kind.TEXT),
            _c(Finding, "status", Kind.TEXT),
            _c(Finding, "recorded_by_role", Kind.TEXT),
            _c(Finding, "recording_org", Kind.TEXT),
            _c(Finding, "summary", Kind.TEXT),
            _c(Finding, "decision_reference", Kind.TEXT),
            _c(Finding, "reported_on", Kind.DATE),
            _c(Finding, "investigation_started_on", Kind.DATE),
            _c(Finding, "decided_on", Kind.DATE),
            _c(Finding, "appealed_on", Kind.DATE),
            _c(Finding, "appeal_decided_on", Kind.DATE),
            _c(Finding, "bar_start", Kind.DATE),
            _c(Finding, "bar_end", Kind.DATE),
            *_common_tail(Finding, withdrawable=True),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="references",
        model=BoardMemberReference,
        stamp="updated_at",
        withdrawable=True,
        notes="Metadata only: never the BMR answers or competence comments.",
        columns=(
            _c(BoardMemberReference, "id", Kind.UUID),
            _c(BoardMemberReference, "director_id", Kind.UUID),
            _c(BoardMemberReference, "employment_id", Kind.UUID),
            _c(BoardMemberReference, "providing_org", Kind.TEXT),
            _c(BoardMemberReference, "kind", Kind.TEXT),
            _c(BoardMemberReference, "request_id", Kind.UUID),
            _c(BoardMemberReference, "role_title", Kind.TEXT),
            _c(BoardMemberReference, "start_date", Kind.DATE),
            _c(BoardMemberReference, "end_date", Kind.DATE),
            _c(BoardMemberReference, "signatory_name", Kind.TEXT),
            _c(BoardMemberReference, "signatory_role", Kind.TEXT),
            _c(BoardMemberReference, "signed_on", Kind.DATE),
            *_common_tail(BoardMemberReference, withdrawable=True),
        ),
        roles=FILE_READERS,
    ),
    Dataset(
        name="returns",
        model=AnnualReturn,
        stamp="submitted_at",
        director_column=None,
        board_filters=False,
        rows=_return_rows,
        notes="The declaration and the counts; not the per-director contents.",
        supported_filters=frozenset({"ods_code", "region", "updated_since", "limit"}),
        columns=(
            _c(AnnualReturn, "id", Kind.UUID),
            _c(AnnualReturn, "ods_code", Kind.TEXT),
            _c(AnnualReturn, "year", Kind.INT),
            _c(AnnualReturn, "version", Kind.INT),
            _c(AnnualReturn, "declaration", Kind.TEXT),
            _c(AnnualReturn, "submitted_by", Kind.TEXT),
            _c(AnnualReturn, "submitted_by_director_id", Kind.UUID),
            _c(AnnualReturn, "submitted_at", Kind.TIMESTAMP),
            _c(AnnualReturn, "members", Kind.INT),
            _c(AnnualReturn, "signed_off", Kind.INT),
            _c(AnnualReturn, "fit_and_proper", Kind.INT),
            _c(AnnualReturn, "not_fit_and_proper", Kind.INT),
            _c(AnnualReturn, "pending_investigation", Kind.INT),
        ),
        roles=frozenset({Role.REGULATOR, Role.AUDITOR, Role.TRUST_HR}),
    ),
    Dataset(
        name="audit-events",
        model=AuditEvent,
        stamp="occurred_at",
        director_column=None,
        board_filters=False,
        notes="Auditors only (DESIGN.md §4: read, export, verify).",
        supported_filters=frozenset({"updated_since", "limit"}),
        columns=(
            _c(AuditEvent, "id", Kind.INT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "occurred_at", Kind.TIMESTAMP, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "actor_sub", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "actor_role", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "actor_org", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "action", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "record_type", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "record_id", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "director_id", Kind.UUID, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "purpose", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "request_id", Kind.TEXT, frozenset({Role.AUDITOR})),
            _c(AuditEvent, "detail", Kind.JSON, frozenset({Role.AUDITOR})),
        ),
        roles=frozenset({Role.AUDITOR}),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in _DATASETS}


def dataset_for(name: str, principal: Principal) -> Dataset:
    """The dataset called ``name`` if this caller may export it: 404 if there is none, 403 if not theirs."""
    dataset = DATASETS.get(name)
    if dataset is None:
        raise NotFound(f"There is no export called {name!r}; the datasets are {', '.join(DATASETS)}.")
    if principal.role not in dataset.roles:
        allowed = ", ".join(sorted(r.value for r in dataset.roles))
        raise Forbidden(f"The {name} export is for {allowed}.")
    return dataset


def check_filters(dataset: Dataset, filters: ExportFilters) -> ExportFilters:
    """Refuse filters the dataset does not have; normalise the rest."""
    given = set(filters.terms())
    unsupported = sorted(given - dataset.supported_filters)
    if unsupported:
        raise InvalidInput(
            f"The {dataset.name} export cannot be filtered by {', '.join(unsupported)}; "
            f"it takes {', '.join(sorted(dataset.supported_filters))}."
        )
    return filters.checked()


def board_member(filters: ExportFilters) -> ColumnElement[bool] | None:
    """Directors with a current board appointment at the organisation / in the region / in the role (as search)."""
    if not (filters.ods_code or filters.region or filters.board_role):
        return None
    e = aliased(EmploymentRecord)
    where = [
        col(e.director_id) == col(Director.id),
        col(e.kind) == EmploymentKind.BOARD_APPOINTMENT,
        col(e.withdrawn_at).is_(None),
        sa.or_(col(e.end_date).is_(None), col(e.end_date) >= policy.today()),
    ]
    if filters.ods_code:
        where.append(col(e.ods_code) == filters.ods_code)
    if filters.region:
        where.append(
            col(e.ods_code).in_(sa.select(col(Organisation.ods_code)).where(col(Organisation.region) == filters.region))
        )
    if filters.board_role:
        where.append(col(e.board_role) == filters.board_role)
    return sa.exists().where(*where)


def build_select(
    dataset: Dataset,
    principal: Principal,
    filters: ExportFilters,
    *,
    render: Callable[[Column], ColumnElement[Any]] | None = None,
) -> sa.Select[Any]:
    """The scoped, filtered query of ``dataset`` for ``principal``; ``render`` adapts a column to the file format."""
    model: Any = dataset.model
    columns = dataset.columns_for(principal.role)
    exprs = [(render(c) if render else c.expr()).label(c.name) for c in columns]
    query = sa.select(*exprs).select_from(model)
    conditions: list[ColumnElement[bool]] = []
    if dataset.director_column is not None:
        director_conditions: list[ColumnElement[bool]] = []
        if principal.role not in FULL:
            director_conditions.append(policy.visible_directors(principal))
        if dataset.board_filters and (board := board_member(filters)) is not None:
            director_conditions.append(board)
        if director_conditions:
            if model is Director:
                conditions.extend(director_conditions)
            else:
                owner = col(getattr(model, dataset.director_column))
                conditions.append(owner.in_(sa.select(col(Director.id)).where(*director_conditions)))
    if dataset.withdrawable and principal.role not in FULL:
        conditions.append(col(model.withdrawn_at).is_(None))
    if dataset.rows is not None:
        conditions.extend(dataset.rows(principal, filters))
    if filters.updated_since is not None:
        conditions.append(col(getattr(model, dataset.stamp)) >= filters.updated_since)
    if conditions:
        query = query.where(*conditions)
    if filters.limit is not None:
        query = query.limit(filters.limit)
    return query


def column_kinds(dataset: Dataset, role: Role) -> Sequence[tuple[str, Kind]]:
    """(name, kind) of the columns this role receives."""
    return [(c.name, c.kind) for c in dataset.columns_for(role)]
