"""FPPT assessments: trust HR prepares and submits; the chair (the SID for the chair's) signs off."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.pagination import Cursor, Limit, page_response
from api.params import READERS, AsOf, aware
from register.access.principal import Actor, Role
from register.assessments import service
from register.assessments.models import AssessmentKind, AssessmentStatus
from register.assessments.service import AssessmentView
from schemas.assessments import AssessmentCreate, AssessmentRead, AssessmentUpdate, SignOff
from schemas.common import Page

CHANGE_PROBLEMS = problems(400, 401, 403, 404, 409, 412, 415, 422, 428)


def _respond(view: AssessmentView, status_code: int = 200) -> Response[AssessmentRead]:
    body = AssessmentRead.from_view(view)
    return Response(body, status_code=status_code, headers={"ETag": etag(body.version)})


class AssessmentController(Controller):
    path = "/v1/directors/{director_id:uuid}/assessments"
    tags = ["assessments"]

    @get("/", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def list_assessments(
        self,
        request: Request[Any, Any, Any],
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        cursor: Cursor = None,
        kind: Annotated[AssessmentKind | None, QueryParameter(description="Only this kind.")] = None,
        status: Annotated[AssessmentStatus | None, QueryParameter(description="Only this status.")] = None,
    ) -> Response[Page[AssessmentRead]]:
        """List a director's FPPT assessments, newest first."""
        rows, next_cursor = await service.list_assessments(
            session, actor, director_id, limit=limit, cursor=cursor, kind=kind, status=status
        )
        items = [AssessmentRead.from_view(AssessmentView(r)) for r in rows]
        return page_response(request, items, next_cursor)

    @post("/", opt=roles(Role.TRUST_HR), responses=problems(400, 401, 403, 404, 409, 415, 422))
    async def create_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentCreate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[AssessmentRead]:
        """Start a draft assessment (trust HR). A correction is a triggered assessment naming `corrects_id`."""
        view = await service.create_assessment(session, actor, director_id, **data.model_dump())
        response = _respond(view, 201)
        response.headers["Location"] = f"/v1/directors/{director_id}/assessments/{view.data['id']}"
        return response

    @get("/{assessment_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404))
    async def get_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        assessment_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        as_of: AsOf = None,
    ) -> Response[AssessmentRead]:
        """Read an assessment; until it is signed off, `blocking_checks` lists what would stop the sign-off."""
        return _respond(await service.get_assessment(session, actor, director_id, assessment_id, as_of=aware(as_of)))

    @patch("/{assessment_id:uuid}", opt=roles(Role.TRUST_HR), responses=CHANGE_PROBLEMS)
    async def update_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentUpdate],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AssessmentRead]:
        """Change a draft assessment (trust HR, If-Match). Anything past draft is 409."""
        view = await service.update_assessment(
            session, actor, director_id, assessment_id, expected_version=expected_version, changes=data.changes()
        )
        return _respond(view)

    @post("/{assessment_id:uuid}/submit", status_code=200, opt=roles(Role.TRUST_HR), responses=CHANGE_PROBLEMS)
    async def submit_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        assessment_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AssessmentRead]:
        """Send a draft for sign-off: draft → awaiting_sign_off (trust HR, If-Match)."""
        view = await service.submit_assessment(
            session, actor, director_id, assessment_id, expected_version=expected_version
        )
        return _respond(view)

    @post(
        "/{assessment_id:uuid}/return",
        status_code=200,
        opt=roles(Role.TRUST_HR, Role.DIRECTOR),
        responses=CHANGE_PROBLEMS,
    )
    async def return_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        assessment_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AssessmentRead]:
        """Send an assessment back to draft: awaiting_sign_off → draft (preparer or signer, If-Match)."""
        view = await service.return_to_draft(
            session, actor, director_id, assessment_id, expected_version=expected_version
        )
        return _respond(view)

    @post(
        "/{assessment_id:uuid}/sign-off",
        status_code=200,
        opt=roles(
            Role.DIRECTOR,
            refused="An FPPT assessment is signed off by the organisation's chair (the senior independent director "
            "for the chair's own), signed in with their own director token: send it to them once it is awaiting "
            "sign-off.",
        ),
        responses=CHANGE_PROBLEMS,
    )
    async def sign_off_assessment(
        self,
        director_id: FromPath[uuid.UUID],
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[SignOff],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        expected_version: NamedDependency[int],
    ) -> Response[AssessmentRead]:
        """Sign off with the outcome: the chair; for the chair's own, the SID; never your own (If-Match).

        Refused with 422 and `missing_checks` while a required check is missing, not done or overdue, or (for
        fit_and_proper) a concern has no recorded mitigation.
        """
        view = await service.sign_off_assessment(
            session,
            actor,
            director_id,
            assessment_id,
            expected_version=expected_version,
            outcome=data.outcome,
            outcome_reason=data.outcome_reason,
        )
        return _respond(view)
