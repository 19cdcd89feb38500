"""Directors: trusts add and keep their own; regulators and auditors read all; a director reads their own."""

import uuid
from typing import Annotated, Any, cast

from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS, DirectorAsOf, OdsCodeParam, aware
from register.access.principal import Actor, Role
from register.assessments.models import AssessmentOutcome
from register.db import Database
from register.directors import service
from register.employment.models import BoardRole
from register.identifiers import Region, RegistrationBody
from register.search.service import BoardStatus, SearchCriteria, search_directors
from schemas.common import Page
from schemas.directors import (
    DirectorCreate,
    DirectorCreated,
    DirectorHit,
    DirectorRead,
    DirectorUpdate,
)

OdsFilter = Annotated[
    OdsCodeParam | None, QueryParameter(description="Only directors with a board appointment at this organisation.")
]
NameQuery = Annotated[
    str | None,
    QueryParameter(
        min_length=2,
        max_length=100,
        description="Name search over current and former names, tolerant of one typo per word; closest first.",
    ),
]
RegionFilter = Annotated[Region | None, QueryParameter(description="Board appointment in this NHS England region.")]
RoleFilter = Annotated[BoardRole | None, QueryParameter(description="Board appointment in this role.")]
StatusFilter = Annotated[
    BoardStatus | None,
    QueryParameter(description="Current (default when filtering by appointment), former or any board member."),
]
BodyFilter = Annotated[RegistrationBody | None, QueryParameter(description="Registered with this body.")]
NumberFilter = Annotated[
    str | None, QueryParameter(max_length=30, description="Exact registration number (needs registration_body).")
]
UpheldFilter = Annotated[bool | None, QueryParameter(description="Has (true) or has no (false) upheld finding.")]
BarredFilter = Annotated[bool | None, QueryParameter(description="Is (true) or is not (false) barred today.")]
OutcomeFilter = Annotated[
    AssessmentOutcome | None, QueryParameter(description="Outcome of the newest signed-off FPPT assessment.")
]
OverdueFilter = Annotated[
    bool | None, QueryParameter(description="Has (true) or has no (false) FPPT check past its next-due date.")
]


class DirectorController(Controller):
    path = "/v1/directors"
    tags = ["directors"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403))
    async def list_directors(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        q: NameQuery = None,
        ods_code: OdsFilter = None,
        region: RegionFilter = None,
        board_role: RoleFilter = None,
        board_status: StatusFilter = None,
        registration_body: BodyFilter = None,
        registration_number: NumberFilter = None,
        has_upheld_finding: UpheldFilter = None,
        barred: BarredFilter = None,
        assessment_outcome: OutcomeFilter = None,
        overdue_checks: OverdueFilter = None,
    ) -> Response[Page[DirectorHit]]:
        """List or search the directors you may see (a trust: its own; regulators and auditors: everyone)."""
        criteria = SearchCriteria(
            q=q,
            ods_code=ods_code,
            region=region,
            board_role=board_role,
            board_status=board_status,
            registration_body=registration_body,
            registration_number=registration_number,
            has_upheld_finding=has_upheld_finding,
            barred=barred,
            assessment_outcome=assessment_outcome,
            overdue_checks=overdue_checks,
        )
        hits, next_cursor = await search_directors(session, actor, criteria, limit=limit, cursor=cursor)
        return page_response(request, [DirectorHit.from_hit(h) for h in hits], next_cursor)

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 409, 415, 422))
    async def create_director(
        self,
        data: JSONBody[DirectorCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[DirectorCreated]:
        """Add a director with their board appointment at your trust (trust HR); warns of possible duplicates."""
        created = await service.create_director(
            session,
            actor,
            given_name=data.given_name,
            family_name=data.family_name,
            date_of_birth=data.date_of_birth,
            former_names=[n.model_dump() for n in data.former_names],
            registrations=data.registrations_domain(),
            appointment=data.appointment.to_domain(),
        )
        body = DirectorCreated.from_created(created)
        return Response(
            body, status_code=201, headers={"ETag": etag(body.version), "Location": f"{self.path}/{body.id}"}
        )

    @get("/{director_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def get_director(
        self,
        director_id: FromPath[uuid.UUID],
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        as_of: DirectorAsOf = None,
    ) -> Response[DirectorRead]:
        """Read a director's record, now or as of a past time."""
        if as_of is None:
            # The current file is built as JSON in PostgreSQL, in the DirectorRead shape (documented above).
            content, version = await service.read_director_json(db, actor, director_id)
            return cast(
                "Response[DirectorRead]",
                Response(content=content, media_type=MediaType.JSON, headers={"ETag": etag(version)}),
            )
        file = await service.get_director(await db.session(), actor, director_id, as_of=aware(as_of))
        body = DirectorRead.from_file(file)
        return Response(body, headers={"ETag": etag(body.version)})

    @patch(
        "/{director_id:uuid}",
        opt=roles(Role.TRUST_HR),
        responses=problems(400, 401, 403, 404, 412, 415, 422, 428),
    )
    async def update_director(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[DirectorUpdate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[DirectorRead]:
        """Correct a director's names or date of birth (needs If-Match with the ETag of your last read)."""
        file = await service.update_director(
            session, actor, director_id, expected_version=expected_version, changes=data.changes()
        )
        body = DirectorRead.from_file(file)
        return Response(body, headers={"ETag": etag(body.version)})
