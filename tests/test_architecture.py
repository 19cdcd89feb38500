"""The shape of the code: every access decision is made in ``register/access/`` (DESIGN.md §4: one policy module).

Building a principal with a role (demo data, tokens, the CLI) or declaring the roles a route admits
(``roles(Role.TRUST_HR)``) is not a decision; comparing a caller's role is, and only ``register/access/`` does it.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("register", "api", "schemas")
ACCESS = Path("register/access")


COLLECTIONS = ("frozenset", "set", "tuple", "list")


def _is_role_member(node: ast.expr) -> bool:
    """``Role.X`` (or ``module.Role.X``)."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "Role") or (
        isinstance(owner, ast.Attribute) and owner.attr == "Role"
    )


def _is_role_value(node: ast.expr) -> bool:
    """``role``, ``principal.role`` or something read from it (``principal.role.value``)."""
    while isinstance(node, ast.Attribute):
        if node.attr == "role":
            return True
        node = node.value
    return isinstance(node, ast.Name) and node.id == "role"


def _is_role_collection(node: ast.expr) -> bool:
    """A tuple, list or set of ``Role.X`` members, or ``frozenset(...)`` / ``set(...)`` of one."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role_member(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in COLLECTIONS:
        return any(_is_role_collection(a) for a in node.args)
    return False


def _about_roles(node: ast.expr) -> bool:
    return _is_role_member(node) or _is_role_value(node) or _is_role_collection(node)


def _patterns_name_a_role(case: ast.match_case) -> bool:
    return any(
        isinstance(p, ast.MatchValue) and _is_role_member(p.value)
        for p in ast.walk(case.pattern)
        if isinstance(p, ast.pattern)
    )


def role_decisions(source: str) -> Iterator[tuple[int, str]]:
    """Each comparison of a role, or ``match`` over roles, in ``source``: its line and its text."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(_about_roles(x) for x in (node.left, *node.comparators)):
            yield node.lineno, ast.unparse(node)
        elif isinstance(node, ast.Match) and (
            _about_roles(node.subject) or any(_patterns_name_a_role(c) for c in node.cases)
        ):
            yield node.lineno, f"match {ast.unparse(node.subject)}"


def _modules() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if not relative.is_relative_to(ACCESS):
                yield relative


@pytest.mark.parametrize(
    "source",
    [
        "if principal.role is Role.ADMIN: pass",
        "if actor.principal.role is not Role.TRUST_HR: pass",
        "ok = p.role == 'auditor'",
        "ok = Role.DIRECTOR != p.role",
        "ok = role in (Role.REGULATOR, Role.AUDITOR)",
        "ok = p.role not in OWN_ROLES",
        "ok = kind in frozenset({Role.AUDITOR})",
        "ok = col(AuditEvent.actor_role) == p.role.value",
        "match principal.role:\n    case _: pass",
        "match who:\n    case Role.AUDITOR: pass",
    ],
)
def test_a_role_comparison_is_found(source: str) -> None:
    assert [line for line, _ in role_decisions(source)] == [1]


@pytest.mark.parametrize(
    "source",
    [
        "p = Principal(sub='demo', role=Role.TRUST_HR, org='RJ1')",
        "opt = roles(Role.TRUST_HR, Role.REGULATOR)",
        "READERS = (Role.TRUST_HR, Role.AUDITOR)",
        "ok = entry.board_role is BoardRole.CHAIR",
        "ok = policy.can_see_personal_data(principal)",
        "detail = {'actor_role': p.role.value}",
    ],
)
def test_building_or_declaring_a_role_is_not_a_decision(source: str) -> None:
    assert list(role_decisions(source)) == []


def test_roles_are_compared_only_in_register_access() -> None:
    found = {path: sorted(role_decisions((ROOT / path).read_text(encoding="utf-8"))) for path in _modules()}
    outside = [f"{path}:{line}: {text}" for path, decisions in found.items() for line, text in decisions]
    assert not outside, (
        "These compare a caller's role outside register/access/; write the rule there as a can_* predicate or a "
        "visible_* scope (with its DESIGN.md §4 or FPPT reason) and call it:\n" + "\n".join(outside)
    )
