"""Hiring: candidate checks, the summary view, and the Board Member Reference workflow."""

import uuid
from typing import Annotated, Any, Literal, cast

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import OdsPath
from register.access.principal import Actor, Role
from register.candidates import service as candidates
from register.db import Database
from register.records.history import attach_statements
from register.references import service as references
from register.references.models import RequestStatus
from register.settings import Settings
from register.versions.service import snapshot
from schemas.candidates import CandidateCheckCreate, CandidateCheckRead, CandidateCheckResult, CandidateSummary
from schemas.common import Page
from schemas.references import (
    BmrContent,
    LeaverReferenceCreate,
    Reason,
    ReferenceCorrection,
    ReferenceDue,
    ReferenceRead,
    ReferenceRequestCreate,
    ReferenceRequestRead,
)

Direction = Annotated[
    Literal["incoming", "outgoing"] | None,
    QueryParameter(description="incoming: you are asked for a reference; outgoing: you asked."),
]
StatusFilter = Annotated[RequestStatus | None, QueryParameter(description="Only requests in this state.")]


async def request_reads(session: AsyncSession, rows: list[Any]) -> list[ReferenceRequestRead]:
    """Requests as shown: an open request past its answer-by date as expired, with who and which role."""
    return [ReferenceRequestRead.model_validate(v) for v in await references.request_views(session, rows)]


async def request_read(session: AsyncSession, row: Any) -> ReferenceRequestRead:
    [shown] = await request_reads(session, [row])
    return shown


class AnsweredRequest(BaseModel):
    """The answered request and the BMR it produced."""

    request: ReferenceRequestRead
    reference: ReferenceRead


class CandidateController(Controller):
    path = "/v1"
    tags = ["hiring"]

    @post("/candidate-checks", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 409, 415))
    async def check_candidate(
        self,
        data: JSONBody[CandidateCheckCreate],
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        state: State,
    ) -> Response[CandidateCheckResult]:
        """Check a candidate before appointment: records the check and returns their summary view."""
        # The check, its audit event and the summary view are written and built in one statement, as JSON in the
        # CandidateCheckResult shape (documented above).
        answer = await candidates.check_candidate_json(
            db,
            actor,
            state.settings,
            who=data.identifier(),
            purpose=data.purpose,
            vacancy_board_role=data.vacancy.board_role,
            vacancy_title=data.vacancy.title,
        )
        return cast(
            "Response[CandidateCheckResult]",
            Response(
                content=answer.body,
                status_code=201,
                media_type=MediaType.JSON,
                headers={"Location": candidates.check_path(answer.check_id)},
            ),
        )

    @get(
        "/candidate-checks/{candidate_check_id:uuid}",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        responses=problems(400, 401, 403, 404),
    )
    async def get_candidate_check(
        self,
        candidate_check_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> CandidateCheckRead:
        """One candidate check (the trust that made it, the director it is about, regulators and auditors)."""
        return CandidateCheckRead.model_validate(await candidates.get_check(session, actor, candidate_check_id))

    @get(
        "/directors/{director_id:uuid}/summary",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        responses=problems(400, 401, 403, 404),
    )
    async def summary(
        self,
        director_id: FromPath[uuid.UUID],
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        state: State,
    ) -> Response[CandidateSummary]:
        """The summary view of a director (a trust sees it for a candidate it checked, within the window)."""
        content = await candidates.read_summary_json(db, actor, state.settings, director_id)
        return cast("Response[CandidateSummary]", Response(content=content, media_type=MediaType.JSON))

    @get("/me/candidate-checks", opt=roles(Role.DIRECTOR), responses=problems(401, 403))
    async def my_candidate_checks(
        self, session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> list[CandidateCheckRead]:
        """Every candidate check made on you: which organisation, who, why and when."""
        assert actor.principal.director_id is not None
        rows = await candidates.checks_on(session, actor.principal.director_id)
        return [CandidateCheckRead.model_validate(r) for r in rows]


class ReferenceRequestController(Controller):
    path = "/v1/reference-requests"
    tags = ["hiring"]

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 409, 415, 422))
    async def request_reference(
        self,
        data: JSONBody[ReferenceRequestCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> Response[ReferenceRequestRead]:
        """Ask a checked candidate's previous employer for a Board Member Reference."""
        row = await references.request_reference(
            session, actor, settings, director_id=data.director_id, employment_id=data.employment_id, note=data.note
        )
        return Response(await request_read(session, row), status_code=201, headers={"ETag": etag(row.version)})

    @get(
        "/",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        responses=problems(400, 401, 403, 422),
    )
    async def list_requests(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        direction: Direction = None,
        status: StatusFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Response[Page[ReferenceRequestRead]]:
        """Reference requests you made (outgoing) or must answer (incoming)."""
        rows, next_cursor = await references.list_requests(
            session, actor, direction=direction, status=status, limit=limit, cursor=cursor
        )
        return page_response(request, await request_reads(session, rows), next_cursor)

    @get(
        "/{request_id:uuid}",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        responses=problems(400, 401, 403, 404),
    )
    async def get_request(
        self, request_id: FromPath[uuid.UUID], session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> Response[ReferenceRequestRead]:
        """One reference request and its state."""
        row = await references.get_request(session, actor, request_id)
        return Response(await request_read(session, row), headers={"ETag": etag(row.version)})

    @post(
        "/{request_id:uuid}/answer",
        opt=roles(Role.TRUST_HR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 412, 415, 428),
    )
    async def answer(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[BmrContent],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> AnsweredRequest:
        """Answer a request with a signed BMR (the organisation asked only)."""
        row, reference = await references.answer_request(
            session, actor, request_id, expected_version=expected_version, bmr=data.stored()
        )
        return AnsweredRequest(
            request=await request_read(session, row), reference=ReferenceRead.model_validate(reference)
        )

    @post(
        "/{request_id:uuid}/decline",
        opt=roles(Role.TRUST_HR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 412, 415, 428),
    )
    async def decline(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> ReferenceRequestRead:
        """Decline a request, saying why (the organisation asked only)."""
        row = await references.decline_request(
            session, actor, request_id, expected_version=expected_version, reason=data.reason
        )
        return await request_read(session, row)

    @post(
        "/{request_id:uuid}/withdraw",
        opt=roles(Role.TRUST_HR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 409, 412, 415, 428),
    )
    async def withdraw(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[Reason],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> ReferenceRequestRead:
        """Withdraw a request you made."""
        row = await references.withdraw_request(
            session, actor, request_id, expected_version=expected_version, reason=data.reason
        )
        return await request_read(session, row)


class ReferenceController(Controller):
    path = "/v1"
    tags = ["hiring"]

    @get(
        "/organisations/{ods_code:str}/references/due",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR),
        responses=problems(400, 401, 403),
    )
    async def references_due(
        self, ods_code: OdsPath, session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> list[ReferenceDue]:
        """Leaver references your organisation owes: ended board appointments with no BMR on file."""
        rows = await references.references_due(session, actor, ods_code.upper())
        return [
            ReferenceDue(
                employment_id=r.id,
                director_id=r.director_id,
                role_title=r.role_title,
                start_date=r.start_date,
                end_date=r.end_date,
            )
            for r in rows
        ]

    @post(
        "/organisations/{ods_code:str}/references",
        opt=roles(Role.TRUST_HR),
        responses=problems(400, 401, 403, 404, 409, 415, 422),
    )
    async def write_leaver_reference(
        self,
        ods_code: OdsPath,
        data: JSONBody[LeaverReferenceCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[ReferenceRead]:
        """Write the BMR owed for a board appointment at your organisation that has ended."""
        bmr = data.stored()
        bmr.pop("employment_id")
        reference = await references.write_leaver_reference(
            session, actor, ods_code.upper(), employment_id=data.employment_id, bmr=bmr
        )
        return Response(ReferenceRead.model_validate(reference), status_code=201, headers={"ETag": etag(1)})

    @get(
        "/directors/{director_id:uuid}/references",
        opt=roles(Role.TRUST_HR, Role.REGULATOR, Role.AUDITOR, Role.DIRECTOR),
        responses=problems(400, 401, 403, 404),
    )
    async def director_references(
        self, director_id: FromPath[uuid.UUID], session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
    ) -> list[ReferenceRead]:
        """Every BMR about a director, with the director's statements beside each."""
        rows = [snapshot(r) for r in await references.list_references(session, actor, director_id)]
        await attach_statements(session, director_id, "reference", rows)
        return [ReferenceRead.model_validate(r) for r in rows]

    @post(
        "/references/{reference_id:uuid}/corrections",
        opt=roles(Role.TRUST_HR),
        status_code=200,
        responses=problems(400, 401, 403, 404, 412, 415, 428),
    )
    async def correct_reference(
        self,
        reference_id: FromPath[uuid.UUID],
        data: JSONBody[ReferenceCorrection],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[ReferenceRead]:
        """Correct a BMR your organisation signed: a new version with its reason; the old one stays in history."""
        bmr = data.stored()
        reason = bmr.pop("reason")
        corrected = await references.correct_reference(
            session, actor, reference_id, expected_version=expected_version, bmr=bmr, reason=reason
        )
        return Response(ReferenceRead.model_validate(corrected), headers={"ETag": etag(corrected.version)})


HIRING_ROUTES: list[ControllerRouterHandler] = [CandidateController, ReferenceRequestController, ReferenceController]
