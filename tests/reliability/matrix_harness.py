"""The access matrix's machinery: a committed world in its own database, callers, and one cell per request.

Each cell runs in a transaction that is rolled back, so a write in one cell never changes what the next sees.
"""

import datetime as dt
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from register import migrate
from register.audit.models import AuditEvent
from register.audit.service import REFUSED_ACTION
from register.base import metadata
from register.db import create_engine, drop_database, ensure_database
from register.settings import Settings
from tests.reliability.world import Headers, Tokens, World, add_organisations, build_world

# Routes outside the matrix: open to anyone by design (health probes, problem pages, the OpenAPI document).
UNGUARDED_PREFIXES = ("/health", "/problems", "/docs", "/schema")
CALLERS = (
    "hr",
    "hr_other",
    "hr_candidate",
    "chair",
    "sid",
    "regulator",
    "auditor",
    "self",
    "other_director",
    "admin",
    "anonymous",
)


def route_table(app: Litestar) -> list[str]:
    """Every guarded (method, path) of the app as ``"GET /v1/directors/{director_id}"``, from its route table."""
    keys: list[str] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(UNGUARDED_PREFIXES):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            keys.extend(f"{m} {path}" for m in sorted(handler.http_methods) if m not in ("HEAD", "OPTIONS"))
    return sorted(set(keys))


@dataclass
class Caller:
    name: str
    headers: Headers
    target: str  # the director the caller's requests are about
    principal: tuple[str, str | None, str | None] = ("", None, None)  # role, org, director id: all but the sub


# One person may hold tokens for several roles, organisations or director records under one identity (`sub`):
# the matrix runs a second time with every caller's token carrying this same `sub`.
SHARED_SUB = "one-person-many-hats"


def callers(w: World, shared_sub: str | None = None) -> dict[str, Caller]:
    """The eleven callers; with ``shared_sub`` all their tokens carry that one `sub`."""
    t = w.tokens

    def caller(name: str, target: str, role: str, sub: str, org: str | None = None, who: str | None = None) -> Caller:
        director_id = w.ids[who] if who else None
        headers = t(role, sub=shared_sub or sub, org=org, director_id=director_id)
        return Caller(name, headers, target, (role, org, director_id))

    return {
        "hr": caller("hr", "D", "trust_hr", "hr-rj1", org="RJ1"),
        "hr_other": caller("hr_other", "D", "trust_hr", "hr-rrv", org="RRV"),
        "hr_candidate": caller("hr_candidate", "K", "trust_hr", "hr-rj1-hiring", org="RJ1"),
        "chair": caller("chair", "D", "director", "director-c", who="C"),
        "sid": caller("sid", "D", "director", "director-s", who="S"),
        "regulator": caller("regulator", "D", "regulator", "nhse-london"),
        "auditor": caller("auditor", "D", "auditor", "auditor-1"),
        "self": caller("self", "D", "director", "director-d", who="D"),
        "other_director": caller("other_director", "D", "director", "director-o", who="O"),
        "admin": caller("admin", "D", "admin", "admin-1"),
        "anonymous": Caller("anonymous", {}, "D"),
    }


# Which world record fills ``{part_id}`` on each part route.
PART_OF_SEGMENT = {
    "registrations": "registration",
    "qualifications": "qualification",
    "employment": "employment",
    "gap-explanations": "gap_explanation",
    "findings": "finding",
    "statements": "statement",
}


def record(w: World, target: str, name: str) -> str:
    """The target director's record called ``name`` if the world has one, else D's."""
    return w.ids.get(f"{target}.{name}") or w.ids[f"D.{name}"]


def fill_path(template: str, method: str, w: World, caller: Caller) -> str:
    """A concrete URL for ``template`` as ``caller`` would call it, with ids from the world."""
    segments = template.split("/")
    assessment = "assessment.draft"
    if template.endswith(("/sign-off", "/return")):
        assessment = "assessment.waiting"
    check = "concern_check" if template.endswith("/mitigation") else "check"
    values = {
        "director_id": w.ids[caller.target],
        "finding_id": record(w, caller.target, "finding"),
        "check_id": record(w, caller.target, check),
        "attestation_id": record(w, caller.target, "attestation"),
        "assessment_id": record(w, caller.target, assessment),
        "appraisal_id": record(w, caller.target, "appraisal"),
        "request_id": w.ids["reference_request"],
        "candidate_check_id": w.ids["candidate_check"],
        "reference_id": w.ids["D.reference"],
        "subscription_id": w.ids["subscription"],
        "ods_code": "RJ1",
        "year": str(dt.date.today().year),
        "name": "directors.csv",
        "slug": "not-found",
    }
    out = []
    for i, segment in enumerate(segments):
        m = re.fullmatch(r"\{(\w+)\}", segment)
        if not m:
            out.append(segment)
        elif m.group(1) == "part_id":
            out.append(record(w, caller.target, PART_OF_SEGMENT[segments[i - 1]]))
        else:
            out.append(values[m.group(1)])
    return "/".join(out)


@dataclass
class MatrixEnv:
    """The committed world and an app whose sessions run inside ``conn``'s per-cell transactions."""

    world: World
    conn: AsyncConnection
    client: httpx.AsyncClient
    callers: dict[str, Caller]
    shared: dict[str, Caller]  # the same callers, every token with one `sub`

    async def fingerprint(self) -> tuple[int, ...]:
        """Row counts of every table: unchanged means nothing was written.

        The security event a 404 leaves in the audit trail (docs/audit.md) is the one write a refusal makes, and is
        not counted; every other audit event is.
        """
        counts = []
        for table in metadata.sorted_tables:
            query = sa.select(sa.func.count()).select_from(table)
            if table.name == AuditEvent.__tablename__:
                query = query.where(table.c.action != REFUSED_ACTION)
            counts.append(query.scalar_subquery())
        row = (await self.conn.execute(sa.select(*counts))).one()
        return tuple(row)


def matrix_settings(settings: Settings) -> Settings:
    """The tests' settings with rate limiting off: the matrix makes a thousand requests in seconds."""
    return settings.model_copy(update={"rate_limit_per_minute": 0})


@pytest.fixture(scope="module")
async def matrix_env(admin_url: URL, settings: Settings, keys_dir: Path) -> AsyncIterator[MatrixEnv]:
    name = f"register_matrix_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    server = admin_url.set(database="postgres")
    await ensure_database(server, name, recreate=True)
    engine: AsyncEngine = create_engine(admin_url.set(database=name), pool_size=2)
    try:
        await migrate.upgrade(engine)
        await add_organisations(engine)
        app_settings = matrix_settings(settings)
        tokens = Tokens(settings, keys_dir)
        builder = create_app(app_settings, engine=engine)
        transport = httpx.ASGITransport(app=builder)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as c:
            world = await build_world(c, tokens)
        await builder.state.connections.close()
        async with engine.connect() as conn:
            factory = async_sessionmaker(
                bind=conn, class_=AsyncSession, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            app = create_app(app_settings, engine=engine, session_factory=factory)
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as client:
                yield MatrixEnv(
                    world=world,
                    conn=conn,
                    client=client,
                    callers=callers(world),
                    shared=callers(world, shared_sub=SHARED_SUB),
                )
    finally:
        await engine.dispose()
        await drop_database(server, name)
