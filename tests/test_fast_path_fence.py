"""The fast path is fenced: only the modules listed in docs/benchmarks.md prepare or run a prepared statement."""

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT

MACHINERY = "register/records/prepared.py"
# The modules that run prepared statements, each for the endpoints docs/benchmarks.md lists with its figure.
FAST_PATH = {
    "register/directors/service.py",
    "register/candidates/service.py",
    "register/records/history.py",
    "register/records/visible.py",
}
# Where those statements are built: beside their aggregate.
BUILDERS = {"register/directors/queries.py", "register/candidates/queries.py"}
FENCED = {"prepare", "fetch_row"}


def uses_of_the_fast_path(path: Path) -> list[str]:
    """Where a module calls ``prepare`` or ``fetch_row`` of register/records/prepared.py."""
    tree = ast.parse(path.read_text())
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "register.records":
            modules |= {a.asname or a.name for a in node.names if a.name == "prepared"}
        elif isinstance(node, ast.ImportFrom) and node.module == "register.records.prepared":
            names |= {a.asname or a.name for a in node.names if a.name in FENCED}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "register.records.prepared"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FENCED and ast.unparse(node.value) in modules:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Name) and node.id in names:
            found.append(f"{node.lineno}: {node.id}")
    return found


def python_files() -> list[Path]:
    return [p for top in ("register", "api", "schemas", "bench") for p in sorted((PROJECT_ROOT / top).rglob("*.py"))]


def test_only_the_listed_modules_prepare_or_run_statements() -> None:
    users = {
        str(p.relative_to(PROJECT_ROOT)): uses
        for p in python_files()
        if str(p.relative_to(PROJECT_ROOT)) != MACHINERY and (uses := uses_of_the_fast_path(p))
    }
    assert {m: u for m, u in users.items() if m not in FAST_PATH} == {}, (
        "a prepared statement only for an endpoint listed in docs/benchmarks.md with its figure"
    )
    assert set(users) == FAST_PATH, "a module listed here no longer uses the fast path: take it off the list"


def test_each_module_of_the_fast_path_is_listed_in_the_benchmarks_page() -> None:
    page = (PROJECT_ROOT / "docs" / "benchmarks.md").read_text()
    section = page.split("## Endpoints on the fast path", 1)[1].split("\n## ", 1)[0]
    missing = sorted(m for m in FAST_PATH | BUILDERS | {MACHINERY} if m not in section)
    assert missing == []


def test_the_fence_sees_each_way_of_importing_the_machinery(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from register.records import prepared as p\n"
        "from register.records.prepared import fetch_row as run\n"
        "import register.records.prepared\n"
        "p.prepare(None, build)\nrun(db, x, {})\nregister.records.prepared.fetch_row(db, x, {})\np.audit_values(a)\n"
    )
    assert uses_of_the_fast_path(module) == ["4: p.prepare", "5: run", "6: register.records.prepared.fetch_row"]
