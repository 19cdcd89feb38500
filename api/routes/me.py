"""Who am I: the caller as the register sees them."""

import uuid
from enum import StrEnum
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.guards import ALL_ROLES, roles
from api.openapi import problems
from register.access import policy
from register.access.principal import Actor, Role
from register.subject_access import iter_file, spooled_zip, subject_access


class Me(BaseModel):
    """The authenticated caller."""

    sub: str = Field(description="Subject of the token.")
    role: Role
    org: str | None = Field(default=None, description="ODS code of a trust HR user's organisation.")
    director_id: uuid.UUID | None = Field(default=None, description="A director's own register id.")


class MeController(Controller):
    path = "/v1/me"
    tags = ["me"]

    @get("/", opt=roles(*ALL_ROLES), responses=problems(401))
    async def me(self, actor: NamedDependency[Actor]) -> Me:
        """Who the register takes you to be."""
        p = actor.principal
        return Me(sub=p.sub, role=p.role, org=p.org, director_id=p.director_id)


class SubjectAccessRecord(BaseModel):
    """Everything the register holds about you: each part as stored, every version, and who read your record."""

    director: dict[str, Any]
    registrations: list[dict[str, Any]]
    qualifications: list[dict[str, Any]]
    employment: list[dict[str, Any]]
    gap_explanations: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    attestations: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    appraisals: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    references: list[dict[str, Any]]
    reference_requests: list[dict[str, Any]]
    candidate_checks: list[dict[str, Any]] = Field(description="Every candidate check made on you.")
    versions: list[dict[str, Any]]
    events: list[dict[str, Any]] = Field(description="Changes announced to subscribing trusts (the change feed).")
    annual_returns: list[dict[str, Any]] = Field(description="Your line in each annual return that lists you.")
    access_log: list[dict[str, Any]] = Field(description="Who read or changed your record, when and why.")


class RecordFormat(StrEnum):
    """How the subject access record is sent."""

    JSON = "json"
    ZIP = "zip"


FormatQuery = Annotated[
    RecordFormat,
    QueryParameter(
        description="`json` (default), or `zip`: record.json and one CSV per section, as a download.",
    ),
]
ZIP_RESPONSE = {
    200: ResponseSpec(
        data_container=SubjectAccessRecord,
        description="Your record as JSON, or with `format=zip` as a zip file (application/zip).",
        generate_examples=False,
    )
}


class MyRecordController(Controller):
    path = "/v1/me/record"
    tags = ["me"]

    @get("/", opt=roles(Role.DIRECTOR), responses={**ZIP_RESPONSE, **problems(400, 401, 403, 404)})
    async def my_record(
        self,
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        format: FormatQuery = RecordFormat.JSON,
    ) -> Response[Any]:
        """Your whole record (subject access): every part, every version, and who read it; as JSON or a zip."""
        record = SubjectAccessRecord.model_validate(await subject_access(session, actor))
        if format is RecordFormat.JSON:
            return Response(record)
        filename = f"my-register-record-{policy.today().isoformat()}.zip"
        return Stream(
            iter_file(spooled_zip(record.model_dump(mode="json"))),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
