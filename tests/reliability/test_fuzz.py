"""Fuzzing: schemathesis generates requests for every operation of the app's OpenAPI document, valid and invalid,
sent in-process over ASGI to the real app on a real (throw-away) PostgreSQL database, as each kind of caller.

Every response must be no server error and conform to the document: a documented status code, its content type
and its body schema. The suite runs a bounded, derandomized number of examples per operation;
``make fuzz`` (FUZZ_EXAMPLES=60) runs more.
"""

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import URL

from api.app import create_app
from register import migrate
from register.db import create_engine, drop_database, ensure_database
from register.settings import Settings
from tests.reliability.matrix_harness import Caller, callers, fill_path, matrix_settings
from tests.reliability.world import Tokens, World, add_organisations, build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Rotated case by case, so that each operation is called as each of them.
ROLES = ("regulator", "hr", "self", "auditor", "admin", "chair", "hr_other", "anonymous")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class FuzzEnv:
    world: World
    client: httpx.AsyncClient
    callers: dict[str, Caller]
    schema: Any


@pytest.fixture(scope="module")
async def fuzz_env(admin_url: URL, settings: Settings, keys_dir: Path) -> AsyncIterator[FuzzEnv]:
    """The real app on its own committed database, with the matrix's world in it."""
    name = f"register_fuzz_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    server = admin_url.set(database="postgres")
    await ensure_database(server, name, recreate=True)
    engine = create_engine(admin_url.set(database=name), pool_size=3)
    try:
        await migrate.upgrade(engine)
        await add_organisations(engine)
        app = create_app(matrix_settings(settings), engine=engine)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as client:
            world = await build_world(client, Tokens(settings, keys_dir))
            schema = schemathesis.openapi.from_dict(app.openapi_schema.to_schema())
            yield FuzzEnv(world=world, client=client, callers=callers(world), schema=schema)
        await app.state.connections.close()
    finally:
        await engine.dispose()
        await drop_database(server, name)


def operations() -> list[str]:
    """``"METHOD path"`` of every operation in openapi.yaml (the drift test keeps it equal to the app's)."""
    import yaml

    document = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    return sorted(f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item if m != "parameters")


def draw(operation: Any, mode: GenerationMode, n: int) -> list[Any]:
    """``n`` derandomized cases for ``operation`` (generated up front: hypothesis runs synchronously)."""
    cases: list[Any] = []

    @given(operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=n, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    def collect(case: Any) -> None:
        cases.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to negate (an operation without parameters or body)
        collect()
    return cases[:n]


def with_world_ids(case: Any, env: FuzzEnv, caller: Caller) -> None:
    """Point the case's path at records that exist, so that handlers run past their 404s."""
    template = case.operation.path
    filled = fill_path(template, case.method.upper(), env.world, caller).split("/")
    for segment, value in zip(template.split("/"), filled, strict=True):
        m = re.fullmatch(r"\{(\w+)\}", segment)
        if m and m.group(1) in (case.path_parameters or {}) and m.group(1) not in ("name", "slug"):
            case.path_parameters[m.group(1)] = value


@pytest.mark.parametrize("key", operations())
async def test_fuzz_operation(fuzz_env: FuzzEnv, key: str) -> None:
    method, path = key.split(" ", 1)
    operation = fuzz_env.schema[path][method]
    failures: list[str] = []
    cases = draw(operation, GenerationMode.POSITIVE, EXAMPLES)
    cases += draw(operation, GenerationMode.NEGATIVE, max(2, EXAMPLES // 2))
    for i, case in enumerate(cases):
        caller = fuzz_env.callers[ROLES[i % len(ROLES)]]
        if i % 2 == 0 and case.path_parameters:
            with_world_ids(case, fuzz_env, caller)
        kwargs = case.as_transport_kwargs(base_url="http://register.test", headers=caller.headers)
        kwargs.pop("cookies", None)
        request: dict[str, Any] = {k: kwargs[k] for k in ("method", "url", "headers", "params")}
        if "json" in kwargs:
            request["json"] = kwargs["json"]
        elif kwargs.get("data") is not None:
            request["content"] = kwargs["data"]
        response = await fuzz_env.client.request(**request)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # schemathesis reports every failed check in one exception
            summary = str(exc).strip().splitlines()
            failures.append(
                f"{caller.name} {request['method']} {response.request.url} -> {response.status_code}: "
                + " | ".join(summary[:6])
            )
    assert not failures, f"{key}\n" + "\n".join(failures)
