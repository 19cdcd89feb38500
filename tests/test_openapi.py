"""openapi.yaml is the contract: it matches the app, documents errors as problem details and asks for a token."""

import difflib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.openapi_document import render_openapi

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Paths that need no token and take no input worth refusing: the liveness probe and the problem-type pages.
NO_CLIENT_ERRORS = {"/health/live", "/problems", "/problems/{slug}"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The app's document (what openapi.yaml must equal), so new routes are checked before the file is regenerated."""
    doc: dict[str, Any] = yaml.safe_load(render_openapi())
    return doc


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_committed_openapi_matches_the_app() -> None:
    committed = (PROJECT_ROOT / "openapi.yaml").read_text()
    generated = render_openapi()
    diff = "".join(
        list(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "openapi.yaml (committed)",
                "openapi.yaml (from the app)",
            )
        )[:60]
    )
    assert committed == generated, (
        f"openapi.yaml is out of date with the app; run `make openapi` and commit it.\n{diff}"
    )


def test_document_is_the_same_in_every_process() -> None:
    # `make openapi` and the check run in different processes: set and dict orders that depend on string
    # hashing must not leak into the document, or the committed file flips back and forth.
    script = "import sys; from api.openapi_document import render_openapi; sys.stdout.write(render_openapi())"
    renders = {}
    for seed in ("0", "1", "2"):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        renders[seed] = done.stdout
    diff = "".join(
        difflib.unified_diff(renders["0"].splitlines(True), renders["1"].splitlines(True), "seed 0", "seed 1")
    )
    diff += "".join(
        difflib.unified_diff(renders["0"].splitlines(True), renders["2"].splitlines(True), "seed 0", "seed 2")
    )
    same = len(set(renders.values())) == 1
    assert same, f"render_openapi() depends on PYTHONHASHSEED:\n{diff}"


def test_document_describes_the_v1_api(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert {"/v1/me", "/v1/directors", "/v1/organisations", "/health/live", "/health/ready"} <= set(document["paths"])


def test_every_operation_documents_its_client_errors_as_problem_details(document: dict[str, Any]) -> None:
    missing = []
    for path, method, operation in _operations(document):
        if path in NO_CLIENT_ERRORS or path == "/health/ready":
            continue
        problem_4xx = [
            status
            for status, response in operation.get("responses", {}).items()
            if str(status).startswith("4") and "application/problem+json" in response.get("content", {})
        ]
        if not problem_4xx:
            missing.append(f"{method.upper()} {path}")
    assert missing == [], f"operations without a 4xx application/problem+json response: {missing}"


def test_readiness_probe_documents_its_failure_as_a_problem(document: dict[str, Any]) -> None:
    # The readiness probe takes no token or input, so its only error is the database being unreachable.
    unavailable = document["paths"]["/health/ready"]["get"]["responses"]["503"]
    assert "application/problem+json" in unavailable["content"]


def test_every_v1_operation_requires_the_bearer_token(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items() if scheme["type"] == "http" and scheme["scheme"] == "bearer"]
    assert bearer, "the document declares no bearer security scheme"
    v1 = [(p, m, op) for p, m, op in _operations(document) if p == "/v1" or p.startswith("/v1/")]
    assert v1, "the document has no /v1 operations"
    unprotected = []
    for path, method, operation in v1:
        # An operation's own `security` replaces the document's; an empty list would make it public.
        requirements = operation.get("security", document.get("security", []))
        if not any(name in requirement for requirement in requirements for name in bearer):
            unprotected.append(f"{method.upper()} {path}")
        elif "401" not in operation.get("responses", {}):
            unprotected.append(f"{method.upper()} {path} (no 401 response documented)")
    assert unprotected == [], f"/v1 operations that do not require the bearer token: {unprotected}"
