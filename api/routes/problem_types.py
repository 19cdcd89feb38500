"""Documentation of each problem ``type`` URI, so that the URIs in problem details resolve."""

from litestar import Controller, get
from litestar.params import FromPath
from pydantic import BaseModel

from api.openapi import problems
from api.problems import PROBLEM_TYPES, TYPE_PREFIX
from register.errors import NotFound


class ProblemType(BaseModel):
    type: str
    status: int
    title: str
    description: str

    @classmethod
    def from_slug(cls, slug: str) -> "ProblemType":
        status, title, description = PROBLEM_TYPES[slug]
        return cls(type=TYPE_PREFIX + slug, status=status, title=title, description=description)


class ProblemTypeController(Controller):
    path = "/problems"
    tags = ["problems"]

    @get("/", exclude_from_auth=True)
    async def list_problem_types(self) -> list[ProblemType]:
        """Every problem type this API sends."""
        return [ProblemType.from_slug(slug) for slug in sorted(PROBLEM_TYPES)]

    @get("/{slug:str}", exclude_from_auth=True, responses=problems(404))
    async def get_problem_type(self, slug: FromPath[str]) -> ProblemType:
        """What one problem type means."""
        if slug not in PROBLEM_TYPES:
            raise NotFound(f"There is no problem type {slug!r}.")
        return ProblemType.from_slug(slug)
