"""The director's file: its parts, employment coverage and the history of every record."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS
from api.parts import part_router
from register.access.principal import Actor, Role
from register.directors import registrations
from register.directors.service import list_versions
from register.employment import service as employment
from register.qualifications import service as qualifications
from register.settings import Settings
from schemas.common import Page
from schemas.employment import (
    CoverageRead,
    EmploymentCreate,
    EmploymentRead,
    EmploymentUpdate,
    GapExplanationCreate,
    GapExplanationRead,
)
from schemas.qualifications import QualificationCreate, QualificationRead, QualificationUpdate
from schemas.registrations import RegistrationCreate, RegistrationRead, RegistrationUpdate
from schemas.versions import VersionRead

Years = Annotated[int, QueryParameter(ge=1, le=50, description="Length of the window in years (FPPT: six).")]
RecordTypeFilter = Annotated[
    str | None, QueryParameter(max_length=40, pattern=r"^[a-z_]+$", description="Only this kind of record.")
]


registration_routes = part_router(
    segment="registrations",
    kind=registrations.REGISTRATIONS,
    create=RegistrationCreate,
    update=RegistrationUpdate,
    read=RegistrationRead,
)
qualification_routes = part_router(
    segment="qualifications",
    kind=qualifications.QUALIFICATIONS,
    create=QualificationCreate,
    update=QualificationUpdate,
    read=QualificationRead,
)
employment_routes = part_router(
    segment="employment",
    kind=employment.EMPLOYMENT,
    create=EmploymentCreate,
    update=EmploymentUpdate,
    read=EmploymentRead,
    writers=(Role.TRUST_HR, Role.REGULATOR),
)
gap_explanation_routes = part_router(
    segment="employment/gap-explanations",
    kind=employment.GAP_EXPLANATIONS,
    create=GapExplanationCreate,
    update=None,
    read=GapExplanationRead,
)


class DirectorFileController(Controller):
    path = "/v1/directors/{director_id:uuid}"
    tags = ["director's file"]

    @get("/employment/coverage", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def employment_coverage(
        self,
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        years: Years = 6,
    ) -> CoverageRead:
        """Covered periods and gaps in the last `years` years, and whether each gap is explained."""
        threshold = settings.coverage_gap_threshold_days
        coverage = await employment.employment_coverage(
            session, actor, director_id, years=years, threshold_days=threshold
        )
        return CoverageRead.from_coverage(coverage, years=years, threshold_days=threshold)

    @get("/versions", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def versions(
        self,
        request: Request[Any, Any, Any],
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        record_type: RecordTypeFilter = None,
    ) -> Response[Page[VersionRead]]:
        """Every version of every record in the director's file, oldest first."""
        rows, next_cursor = await list_versions(
            session, actor, director_id, limit=limit, cursor=cursor, record_type=record_type
        )
        return page_response(request, [VersionRead.model_validate(r) for r in rows], next_cursor)


FILE_ROUTES: list[ControllerRouterHandler] = [
    DirectorFileController,
    registration_routes,
    qualification_routes,
    employment_routes,
    gap_explanation_routes,
]
