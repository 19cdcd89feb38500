"""Fuzzing: schemathesis generates requests for every operation of the app's OpenAPI document, valid and invalid,
sent in-process over ASGI to the real app on a real (throw-away) PostgreSQL database, as each kind of caller.

Every response must be no server error and conform to the document: a documented status code, its content type
and its body schema. The suite runs a bounded, derandomized number of examples per operation;
``make fuzz`` (FUZZ_EXAMPLES=60) runs more.

Random generation seldom produces the inputs attackers send on purpose, so each valid case is also sent in hostile
variants: a control character put into one of its strings (body or query), and JSON nested far deeper than any
request needs (the whole body, and the value of its first field). These must be refused with a 4xx.
"""

import contextlib
import functools
import json
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
CONTROL_CHARACTERS = ("\x01", "\x1b", "\x7f", "\x85", "\x08", "\x0b")
DEEP = 1000
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


@functools.cache
def document() -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    return loaded


def operations() -> list[str]:
    """``"METHOD path"`` of every operation in openapi.yaml (the drift test keeps it equal to the app's)."""
    return sorted(f"{m.upper()} {p}" for p, item in document()["paths"].items() for m in item if m != "parameters")


def free_text_query_parameters(key: str) -> list[str]:
    """Query parameters of the operation documented as plain strings (no enum, format or pattern)."""
    method, path = key.split(" ", 1)
    names = []
    for parameter in document()["paths"][path][method.lower()].get("parameters", []):
        schema = parameter.get("schema", {})
        options = [schema, *schema.get("oneOf", [])]
        plain = any(o.get("type") == "string" and not {"enum", "format", "pattern"} & set(o) for o in options)
        if parameter["in"] == "query" and plain and "pattern" not in schema:
            names.append(parameter["name"])
    return names


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


def _string_leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_leaves(v, (*path, i))]
    return []


def _with_control_character(value: Any, path: tuple[Any, ...], character: str) -> Any:
    """A copy of ``value`` whose string at ``path`` holds ``character`` (after its first character)."""
    if not path:
        return value[:1] + character + value[1:]
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _with_control_character(value[head], tuple(rest), character)
    return copy


def hostile_variants(request: dict[str, Any], n: int, free_text: list[str]) -> list[dict[str, Any]]:
    """Control characters and deep nesting made from one valid request (``n`` picks which string gets which);
    ``free_text`` query parameters are also sent alone, holding a NUL."""
    variants: list[dict[str, Any]] = [{**request, "params": {name: "Smi\x00th"}} for name in free_text]
    body = request.get("json")
    leaves = _string_leaves(body)
    params = request.get("params") or {}
    # NUL every time (PostgreSQL refuses it), and one other control character in turn.
    for k, character in enumerate(("\x00", CONTROL_CHARACTERS[n % len(CONTROL_CHARACTERS)])):
        if leaves:
            path = leaves[(n + k) % len(leaves)]
            variants.append({**request, "json": _with_control_character(body, path, character)})
        if any(isinstance(v, str) for v in params.values()):  # every string parameter at once
            poisoned = {
                name: _with_control_character(v, (), character) if isinstance(v, str) else v
                for name, v in params.items()
            }
            variants.append({**request, "params": poisoned})
    if "json" in request:
        headers = {**request["headers"], "Content-Type": "application/json"}
        nested = b"[" * DEEP + b"]" * DEEP
        without_json = {k: v for k, v in request.items() if k != "json"}
        variants.append({**without_json, "headers": headers, "content": nested})
        if isinstance(body, dict) and body:
            first = json.dumps(next(iter(body))).encode()
            variants.append({**without_json, "headers": headers, "content": b"{" + first + b": " + nested + b"}"})
    return variants


@pytest.mark.parametrize("key", operations())
async def test_fuzz_operation(fuzz_env: FuzzEnv, key: str) -> None:
    method, path = key.split(" ", 1)
    operation = fuzz_env.schema[path][method]
    failures: list[str] = []
    cases = draw(operation, GenerationMode.POSITIVE, EXAMPLES)
    positive = len(cases)  # hostile variants are made from these
    free_text = free_text_query_parameters(key)
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
        sent = [(request, False)] + [
            (v, True) for v in (hostile_variants(request, i, free_text if i == 0 else []) if i < positive else [])
        ]
        for one, hostile in sent:
            response = await fuzz_env.client.request(**one)
            problem = ""
            if hostile and not 400 <= response.status_code < 500:
                problem = "a hostile variant (control character or deep nesting) was not refused with a 4xx"
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # schemathesis reports every failed check in one exception
                problem = " | ".join([problem, *str(exc).strip().splitlines()[:6]]).strip(" |")
            if problem:
                failures.append(
                    f"{caller.name} {one['method']} {response.request.url} -> {response.status_code}: {problem}"
                )
    assert not failures, f"{key}\n" + "\n".join(failures)
