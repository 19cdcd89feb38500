"""What each export holds, for whom: the datasets and the columns each role receives.

This is the one place to review what leaves the register in a bulk export (DESIGN.md §4). Each dataset lists
its columns by name, in file order; how a column is written (its kind) follows from its SQL type in the model.
The rows each role may have are the rules of register/access/exports.py:

- regulators and auditors: every row, with every column a regulator may see (withdrawn entries included,
  flagged by ``withdrawn_at``); auditors alone export the audit trail;
- trust HR: only its own directors' rows (a current board appointment at its organisation), current
  entries only, and the annual returns of its own organisation;
- a director: only their own rows (a chair or senior independent director also their board's), current
  entries only;
- administrators: nothing (the route refuses them; they see no personal data).

Column rules that hold for every role:

- DBS and medical-clearance checks are criminal-offence and special-category data (UK GDPR Arts. 10, 9): their
  rows carry the outcome and dates only; evidence pointer, notes, who performed them and any mitigation are
  blanked in the query itself, whatever is stored (``outcome_only``);
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
from sqlalchemy.types import TypeEngine
from sqlmodel import SQLModel, col

from register.access import exports as access
from register.access import policy
from register.access.exports import FILE_READERS, READ_ALL
from register.access.principal import Principal, Role
from register.appraisals.models import Appraisal
from register.assessments.models import Assessment
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


@dataclass(frozen=True)
class Column:
    """One exported column: its name in the file, the expression it reads, its kind, and who may have it."""

    name: str
    expr: Callable[[], ColumnElement[Any]]
    kind: Kind
    roles: frozenset[Role] | None = None  # None: whoever may export the dataset


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


Conditions = list[ColumnElement[bool]]
WITHDRAWN = "withdrawn_at withdrawn_reason"


@dataclass(frozen=True)
class Dataset:
    """A table as exported: its columns, who may export it, and how its rows are scoped and filtered."""

    name: str
    model: type[SQLModel]
    names: str  # the columns that leave the register, in file order
    roles: frozenset[Role]
    stamp: str = "updated_at"  # the column ``updated_since`` compares with
    director_column: str | None = "director_id"  # rows belong to this director (None: not a director's row)
    board_filters: bool = True  # ods_code / region / board_role select the director (else see ``filter_rows``)
    rows: Callable[[Principal], Conditions] | None = None  # the rows this caller may have, besides the director's
    filter_rows: Callable[[ExportFilters], Conditions] | None = None  # the filters, on rows not about one director
    withdrawable: bool = False  # withdrawn entries, and the columns saying so, only to regulators and auditors
    outcome_only: str = ""  # columns blanked on DBS and medical-clearance rows
    notes: str = ""
    supported_filters: frozenset[str] = field(
        default_factory=lambda: frozenset({"ods_code", "region", "board_role", "updated_since", "limit"})
    )
    columns: tuple[Column, ...] = field(init=False)

    def __post_init__(self) -> None:
        withdrawn = WITHDRAWN if self.withdrawable else ""
        built = columns(self.model, self.names, read_all_only=withdrawn, outcome_only=self.outcome_only)
        object.__setattr__(self, "columns", built)

    def columns_for(self, role: Role) -> list[Column]:
        """The columns this role receives, in file order."""
        return [c for c in self.columns if access.receives_column(role, c.roles)]


# How each SQL type is written to the files (the first that matches; an Enum is a String, JSONB a JSON).
_KINDS: tuple[tuple[type[TypeEngine[Any]], Kind], ...] = (
    (sa.Boolean, Kind.BOOL),
    (sa.Integer, Kind.INT),
    (sa.DateTime, Kind.TIMESTAMP),
    (sa.Date, Kind.DATE),
    (sa.Uuid, Kind.UUID),
    (sa.JSON, Kind.JSON),
    (sa.String, Kind.TEXT),
)


def kind_of(model: Any, name: str) -> Kind:
    """The export kind of the model's column ``name``, from its SQL type."""
    table: sa.Table = model.__table__
    if name not in table.c:
        raise ValueError(f"{table.name} has no column {name!r} to export")
    sql_type = table.c[name].type
    for sql_class, kind in _KINDS:
        if isinstance(sql_type, sql_class):
            return kind
    raise TypeError(f"{table.name}.{name} is {sql_type!r}, which no export format knows how to write")


def _read(model: Any, name: str) -> Callable[[], ColumnElement[Any]]:
    def expr() -> ColumnElement[Any]:
        column: ColumnElement[Any] = getattr(model, name).expression
        return column

    return expr


def _outcome_only(model: Any, name: str) -> Callable[[], ColumnElement[Any]]:
    """A check column blanked on DBS and medical-clearance rows (outcome and date only)."""

    def expr() -> ColumnElement[Any]:
        restricted = col(model.check_type).in_(sorted(t.value for t in OUTCOME_ONLY_TYPES))
        return sa.case((restricted, sa.null()), else_=col(getattr(model, name))).label(name)

    return expr


def columns(model: Any, names: str, *, read_all_only: str = "", outcome_only: str = "") -> tuple[Column, ...]:
    """The model's columns ``names`` (in file order), typed from the model, for whoever may export the dataset.

    ``read_all_only`` names those of them only regulators and auditors have; ``outcome_only`` those blanked on
    DBS and medical-clearance rows, whatever is stored.
    """
    listed = names.split()
    restricted, blanked = set(read_all_only.split()), set(outcome_only.split())
    if stray := sorted((restricted | blanked) - set(listed)):
        raise ValueError(f"{', '.join(stray)} must be listed among the exported columns")
    return tuple(
        Column(
            name,
            (_outcome_only if name in blanked else _read)(model, name),
            kind_of(model, name),
            READ_ALL if name in restricted else None,
        )
        for name in listed
    )


def _return_filters(filters: ExportFilters) -> Conditions:
    """Annual returns of the organisation named, or of the organisations in the region."""
    out: Conditions = []
    if filters.ods_code:
        out.append(col(AnnualReturn.ods_code) == filters.ods_code)
    if filters.region:
        out.append(
            col(AnnualReturn.ods_code).in_(
                sa.select(col(Organisation.ods_code)).where(col(Organisation.region) == filters.region)
            )
        )
    return out


_DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="directors",
        model=Director,
        roles=FILE_READERS,
        names="id given_name family_name former_names date_of_birth version created_at updated_at",
        director_column="id",
    ),
    Dataset(
        name="employment",
        model=EmploymentRecord,
        roles=FILE_READERS,
        names="""
            id director_id kind employer_name ods_code role_title start_date end_date reason_for_leaving board_role
            portfolio appointment_type senior_independent_director deputy_chair voting
            version created_at updated_at withdrawn_at withdrawn_reason
        """,
        withdrawable=True,
    ),
    Dataset(
        name="qualifications",
        model=Qualification,
        roles=FILE_READERS,
        names="""
            id director_id title awarding_body level awarded_on verified verified_by verified_on evidence_reference
            version created_at updated_at withdrawn_at withdrawn_reason
        """,
        withdrawable=True,
    ),
    Dataset(
        name="checks",
        model=FpptCheck,
        roles=FILE_READERS,
        names="""
            id director_id ods_code check_type result performed_on performed_by evidence_reference notes next_due
            mitigation mitigated_on mitigated_by recorded_by version created_at updated_at
        """,
        outcome_only="performed_by evidence_reference notes mitigation mitigated_on mitigated_by",
        notes="DBS and medical clearance: outcome and dates only.",
    ),
    Dataset(
        name="assessments",
        model=Assessment,
        roles=FILE_READERS,
        names="""
            id director_id ods_code kind status year trigger_reason summary mitigations corrects_id
            relied_on_check_ids outcome outcome_reason prepared_by submitted_at submitted_by signed_off_at
            signed_off_by signed_off_by_director_id signed_off_as version created_at updated_at
        """,
        rows=access.visible_assessment_rows,
        notes="Drafts only to the preparing trust.",
    ),
    Dataset(
        name="appraisals",
        model=Appraisal,
        roles=FILE_READERS,
        names="""
            id director_id ods_code year appraiser_name appraiser_role rating_high_quality_outcomes
            rating_strategy_and_transformation rating_equality_and_inclusion rating_governance_and_assurance
            rating_compassionate_culture rating_partners_and_communities objectives multi_source_feedback
            submitted_to_nhse_on recorded_by version created_at updated_at
        """,
    ),
    Dataset(
        name="findings",
        model=Finding,
        roles=FILE_READERS,
        names="""
            id director_id finding_type status recorded_by_role recording_org summary decision_reference
            reported_on investigation_started_on decided_on appealed_on appeal_decided_on bar_start bar_end
            version created_at updated_at withdrawn_at withdrawn_reason
        """,
        withdrawable=True,
    ),
    Dataset(
        name="references",
        model=BoardMemberReference,
        roles=FILE_READERS,
        names="""
            id director_id employment_id providing_org kind request_id role_title start_date end_date
            signatory_name signatory_role signed_on version created_at updated_at withdrawn_at withdrawn_reason
        """,
        withdrawable=True,
        notes="Metadata only: never the BMR answers or competence comments.",
    ),
    Dataset(
        name="returns",
        model=AnnualReturn,
        roles=access.BOARD_READERS,
        names="""
            id ods_code year version declaration submitted_by submitted_by_director_id submitted_at members
            signed_off fit_and_proper not_fit_and_proper pending_investigation
        """,
        stamp="submitted_at",
        director_column=None,
        board_filters=False,
        rows=access.visible_return_rows,
        filter_rows=_return_filters,
        supported_filters=frozenset({"ods_code", "region", "updated_since", "limit"}),
        notes="The declaration and the counts; not the per-director contents.",
    ),
    Dataset(
        name="audit-events",
        model=AuditEvent,
        roles=access.AUDITORS,
        names="""
            id occurred_at actor_sub actor_role actor_org action record_type record_id director_id purpose
            request_id detail
        """,
        stamp="occurred_at",
        director_column=None,
        board_filters=False,
        supported_filters=frozenset({"updated_since", "limit"}),
        notes="Auditors only (DESIGN.md §4: read, export, verify).",
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in _DATASETS}


def dataset_for(name: str, principal: Principal) -> Dataset:
    """The dataset called ``name`` if this caller may export it: 404 if there is none, 403 if not theirs."""
    dataset = DATASETS.get(name)
    if dataset is None:
        raise NotFound(f"There is no export called {name!r}; the datasets are {', '.join(DATASETS)}.")
    if not access.can_export(principal, dataset.roles):
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
    exprs = [(render(c) if render else c.expr()).label(c.name) for c in dataset.columns_for(principal.role)]
    query = sa.select(*exprs).select_from(model)
    conditions: Conditions = []
    if dataset.director_column is not None:
        director_conditions: Conditions = []
        if (visible := access.visible_export_directors(principal)) is not None:
            director_conditions.append(visible)
        if dataset.board_filters and (board := board_member(filters)) is not None:
            director_conditions.append(board)
        if director_conditions:
            if model is Director:
                conditions.extend(director_conditions)
            else:
                owner = col(getattr(model, dataset.director_column))
                conditions.append(owner.in_(sa.select(col(Director.id)).where(*director_conditions)))
    if dataset.withdrawable and not access.can_export_withdrawn(principal):
        conditions.append(col(model.withdrawn_at).is_(None))
    if dataset.rows is not None:
        conditions.extend(dataset.rows(principal))
    if dataset.filter_rows is not None:
        conditions.extend(dataset.filter_rows(filters))
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
