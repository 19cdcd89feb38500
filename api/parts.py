"""The parts of a director's file: registrations, qualifications, employment and gap explanations.

Each part has the same five operations (list, read, add, change under If-Match, withdraw with a reason);
``part_router`` builds them from the part's schemas and service calls so that every part behaves alike.
"""

import uuid

from litestar import Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import etag
from api.guards import roles
from api.openapi import problems
from api.params import READERS, PartAsOf, aware
from register.access.principal import Actor, Role
from register.records.history import PartChange, PartKind, PartWithdrawal, get_part, list_parts, withdraw_from_file
from register.settings import Settings
from schemas.common import Withdrawal, withdrawn_view


def part_router(
    *,
    segment: str,
    kind: PartKind,
    create: type[BaseModel],
    update: type[BaseModel] | None,
    read: type[BaseModel],
    writers: tuple[Role, ...] = (Role.TRUST_HR,),
) -> Router:
    """A router for ``/v1/directors/{director_id}/<segment>`` with the five part operations: the kind's own
    service functions do the work, so every part behaves alike (``update`` None: the part is never changed, only
    withdrawn)."""
    add, change = kind.add, kind.change
    assert add is not None and (update is None) == (change is None), kind.record_type
    label = kind.label
    withdrawn_read = withdrawn_view(read)
    plural = f"{label}s" if not label.endswith("y") else f"{label[:-1]}ies"

    @get(
        "/",
        opt=roles(*READERS),
        responses=problems(400, 401, 403, 404),
        summary=f"List {plural}",
        description=f"The current {plural} in the director's file, or as they stood at `as_of`.",
    )
    async def list_items(
        director_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        as_of: PartAsOf = None,
    ) -> list[read]:  # type: ignore[valid-type]
        rows = await list_parts(session, actor, kind, director_id, as_of=aware(as_of))
        return [read.model_validate(r) for r in rows]

    @get("/{part_id:uuid}", opt=roles(*READERS), responses=problems(400, 401, 403, 404), summary=f"Read a {label}")
    async def read_item(
        director_id: FromPath[uuid.UUID],
        part_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[read]:  # type: ignore[valid-type]
        part = await get_part(session, actor, kind, director_id, part_id)
        return Response(read.model_validate(part), headers={"ETag": etag(part["version"])})

    @post("/", opt=roles(*writers), responses=problems(400, 401, 403, 404, 409, 415, 422), summary=f"Add a {label}")
    async def add_item(
        director_id: FromPath[uuid.UUID],
        data: JSONBody[create],  # type: ignore[valid-type]
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> Response[read]:  # type: ignore[valid-type]
        part = await add(session, actor, settings, director_id, data.to_domain())  # type: ignore[attr-defined]
        return Response(
            read.model_validate(part),
            status_code=201,
            headers={"ETag": etag(part.version), "Location": f"/v1/directors/{director_id}/{segment}/{part.id}"},
        )

    @patch(
        "/{part_id:uuid}",
        opt=roles(*writers),
        responses=problems(400, 401, 403, 404, 412, 415, 422, 428),
        summary=f"Change a {label}",
        description="Needs `If-Match` with the ETag of your last read.",
    )
    async def change_item(
        director_id: FromPath[uuid.UUID],
        part_id: FromPath[uuid.UUID],
        data: JSONBody[update or Withdrawal],  # type: ignore[valid-type]
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        expected_version: NamedDependency[int],
    ) -> Response[read]:  # type: ignore[valid-type]
        assert change is not None
        changes = PartChange(part_id, expected_version, data.model_dump(exclude_unset=True))
        part = await change(session, actor, settings, director_id, changes)
        return Response(read.model_validate(part), headers={"ETag": etag(part.version)})

    @post(
        "/{part_id:uuid}/withdraw",
        opt=roles(*writers),
        status_code=200,
        responses=problems(400, 401, 403, 404, 412, 415, 428),
        summary=f"Withdraw a {label}",
        description="For an entry recorded in error: it leaves current views and stays in the history. The answer "
        "is the withdrawn record with `withdrawn: true`, `withdrawn_at` and `withdrawn_reason`.",
    )
    async def withdraw_item(
        director_id: FromPath[uuid.UUID],
        part_id: FromPath[uuid.UUID],
        data: JSONBody[Withdrawal],
        session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        expected_version: NamedDependency[int],
    ) -> Response[withdrawn_read]:  # type: ignore[valid-type]
        request = PartWithdrawal(part_id, expected_version, data.reason)
        if kind.withdraw is not None:
            withdrawn = await kind.withdraw(session, actor, settings, director_id, request)
        else:
            withdrawn = await withdraw_from_file(session, actor, kind, director_id, request)
        return Response(withdrawn_read.model_validate(withdrawn), headers={"ETag": etag(withdrawn.version)})

    handlers = [list_items, read_item, add_item, withdraw_item]
    if change is not None:
        handlers.append(change_item)
    return Router(
        path=f"/v1/directors/{{director_id:uuid}}/{segment}",
        tags=["director's file"],
        route_handlers=handlers,
    )
