"""Twins: each body built in SQL on the fast path is the body the schemas build for the same record.

The full read (``GET /v1/directors/{id}``) is compared with ``DirectorRead`` built from the ORM path
(``directors.service.get_director``) and with the as-of read of the same moment; the summary view and the candidate
check with their pydantic models (validated from the SQL body and dumped again) and with each other. Shapes: a bar in
force, statements about the file, an appointment and a registration, former names, registrations of two bodies, no
appointment left (withdrawn), a director with nothing but the appointment, and a whole FPPT file.
"""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from register.access.principal import Actor, Principal, Role
from register.directors import service as directors
from schemas.candidates import CandidateCheckResult, CandidateSummary
from schemas.directors import DirectorRead
from tests.conftest import TokenFactory
from tests.retention.full_file import make_full_file

TODAY = dt.date.today()
REGULATOR = Actor(Principal(sub="regulator-user", role=Role.REGULATOR))
Shape = Callable[[httpx.AsyncClient, TokenFactory, Callable[..., Any], AsyncSession], Awaitable[str]]


def _created(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


async def everything_on_the_read(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any], db: AsyncSession
) -> str:
    """Former names, a GMC and an NMC registration, statements about the file, the appointment and a registration,
    and a bar in force."""
    director = await create_director(
        "RJ1",
        given_name="Søren",
        family_name="Łukasz-Hale",
        former_names=[{"given_name": "Soren", "family_name": "Hale"}, {"given_name": "S.", "family_name": "Lukasz"}],
        registrations=[{"body": "GMC", "number": "7654321"}, {"body": "NMC", "number": "01A2345N"}],
    )
    did = director["id"]
    me = auth("director", director_id=did, sub=f"director-{did[-6:]}")
    base = f"/v1/directors/{did}/statements"
    _created(await client.post(base, json={"text": "About my whole file."}, headers=me))
    appointment = director["appointments"][0]["id"]
    _created(
        await client.post(
            base,
            json={"about_record_type": "employment", "about_record_id": appointment, "text": "Interim at first."},
            headers=me,
        )
    )
    for registration in director["registrations"]:
        _created(
            await client.post(
                base,
                json={"about_record_type": "registration", "about_record_id": registration["id"], "text": "Renewed."},
                headers=me,
            )
        )
    _created(
        await client.post(
            f"/v1/directors/{did}/findings",
            json={
                "finding_type": "barring_decision",
                "status": "upheld",
                "summary": "Serious misconduct found at a hearing.",
                "reported_on": (TODAY - dt.timedelta(days=60)).isoformat(),
                "decided_on": (TODAY - dt.timedelta(days=1)).isoformat(),
                "decision_reference": "BAR-2026-007",
                "bar_start": (TODAY - dt.timedelta(days=1)).isoformat(),
            },
            headers=auth("regulator"),
        )
    )
    return str(did)


async def no_appointment_left(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any], db: AsyncSession
) -> str:
    """The only appointment withdrawn (entered in error)."""
    director = await create_director("RJ1", registrations=[{"body": "GMC", "number": "2345678"}])
    appointment = director["appointments"][0]
    _created(
        await client.post(
            f"/v1/directors/{director['id']}/employment/{appointment['id']}/withdraw",
            json={"reason": "entered for the wrong person"},
            headers={**auth("trust_hr", org="RJ1"), "If-Match": f'"{appointment["version"]}"'},
        ),
        200,
    )
    return str(director["id"])


async def only_the_appointment(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any], db: AsyncSession
) -> str:
    """Nothing but the identity and the appointment the director was added with."""
    return str((await create_director("RJ1"))["id"])


async def a_whole_file(
    client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any], db: AsyncSession
) -> str:
    """One of every part: past appointment, gap explanation, qualification, checks, assessment, finding, BMR."""
    return str((await make_full_file(client, auth, create_director, db))["id"])


SHAPES: list[Shape] = [everything_on_the_read, no_appointment_left, only_the_appointment, a_whole_file]
# What each shape must show on the full read, so that a twin compares the parts it is meant to.
SHOWS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "everything_on_the_read": lambda r: (
        r["barred"]
        and r["bar"] is not None
        and len(r["former_names"]) == 2
        and {g["body"] for g in r["registrations"]} == {"GMC", "NMC"}
        and all(g["statements"] for g in r["registrations"])
        and r["appointments"][0]["statements"] != []
        and len(r["statements"]) == 1
    ),
    "no_appointment_left": lambda r: r["appointments"] == [] and len(r["registrations"]) == 1,
    "only_the_appointment": lambda r: (
        len(r["appointments"]) == 1 and r["registrations"] == r["former_names"] == r["statements"] == []
    ),
    "a_whole_file": lambda r: len(r["appointments"]) == 2 and r["statements"] != [] and not r["barred"],
}


@pytest.fixture(params=SHAPES, ids=[s.__name__ for s in SHAPES])
async def shaped(
    request: pytest.FixtureRequest,
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: Callable[..., Any],
    db: AsyncSession,
) -> tuple[str, str]:
    shape: Shape = request.param
    return shape.__name__, await shape(client, auth, create_director, db)


@pytest.fixture
def director_id(shaped: tuple[str, str]) -> str:
    return shaped[1]


async def test_the_full_read_built_in_sql_is_the_schema_paths_body(
    client: httpx.AsyncClient, auth: TokenFactory, db: AsyncSession, shaped: tuple[str, str]
) -> None:
    shape, director_id = shaped
    response = await client.get(f"/v1/directors/{director_id}", headers=auth("regulator"))
    assert response.status_code == 200, response.text
    from_sql = response.json()
    assert SHOWS[shape](from_sql), from_sql
    file = await directors.get_director(db, REGULATOR, uuid.UUID(director_id))
    assert from_sql == DirectorRead.from_file(file).model_dump(mode="json")
    assert response.headers["ETag"] == f'"{from_sql["version"]}"'


async def test_the_full_read_built_in_sql_is_the_as_of_read_of_the_same_moment(
    client: httpx.AsyncClient, auth: TokenFactory, director_id: str
) -> None:
    from_sql = (await client.get(f"/v1/directors/{director_id}", headers=auth("regulator"))).json()
    now = dt.datetime.now(dt.UTC).isoformat()
    as_of = await client.get(f"/v1/directors/{director_id}", params={"as_of": now}, headers=auth("regulator"))
    assert as_of.status_code == 200, as_of.text
    assert from_sql == as_of.json()


async def test_the_summary_built_in_sql_is_the_schemas_body(
    client: httpx.AsyncClient, auth: TokenFactory, director_id: str
) -> None:
    response = await client.get(f"/v1/directors/{director_id}/summary", headers=auth("regulator"))
    assert response.status_code == 200, response.text
    assert CandidateSummary.model_validate_json(response.content).model_dump(mode="json") == response.json()


async def test_the_candidate_checks_body_is_the_schemas_and_its_summary_the_summary_view(
    client: httpx.AsyncClient, auth: TokenFactory, director_id: str
) -> None:
    response = await client.post(
        "/v1/candidate-checks",
        json={"director_id": director_id, "purpose": "Shortlisting for chair", "vacancy": {"board_role": "chair"}},
        headers=auth("trust_hr", org="RTH", sub="hr-rth"),
    )
    assert response.status_code == 201, response.text
    assert CandidateCheckResult.model_validate_json(response.content).model_dump(mode="json") == response.json()
    summary = await client.get(f"/v1/directors/{director_id}/summary", headers=auth("regulator"))
    assert response.json()["summary"] == summary.json()
