"""Imports point one way: ``api`` → ``schemas`` → ``register``; ``bench`` sits above them all.

The domain never imports the HTTP side or the benchmarks, the schemas never import the HTTP side, and a route
module takes what it shares with other routes from ``api/params.py`` (or another ``api`` module), never from a
sibling route module. Every import counts, including those inside functions.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file; ``from a import b`` yields both ``a`` and ``a.b``."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(root: Path, folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for line, module in imported_modules(path, root):
            if any(within(module, f) for f in forbidden):
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return sorted(set(found))


def sibling_route_imports(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "api" / "routes").glob("*.py")):
        if path.name == "__init__.py":
            continue
        own = module_name(path, root)
        for line, module in imported_modules(path, root):
            if within(module, "api.routes") and module != "api.routes" and not within(module, own):
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return sorted(set(found))


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [("register", ("api", "bench")), ("schemas", ("api", "bench"))],
)
def test_lower_layers_do_not_import_the_ones_above(folder: str, forbidden: tuple[str, ...]) -> None:
    assert violations(PROJECT_ROOT, folder, forbidden) == []


def test_no_route_module_imports_a_sibling_route_module() -> None:
    assert sibling_route_imports(PROJECT_ROOT) == []


def test_the_checks_see_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    (tmp_path / "register" / "things").mkdir(parents=True)
    (tmp_path / "api" / "routes").mkdir(parents=True)
    (tmp_path / "register" / "things" / "service.py").write_text(
        "def go():\n    from api.openapi_document import render_openapi\n    import bench.generate\n"
    )
    (tmp_path / "api" / "routes" / "a.py").write_text("from .b import READERS\nfrom api.routes import c\n")
    (tmp_path / "api" / "routes" / "b.py").write_text("import api.routes.b\nfrom api.params import READERS\n")

    assert violations(tmp_path, "register", ("api", "bench")) == [
        "register/things/service.py:2 imports api.openapi_document",
        "register/things/service.py:2 imports api.openapi_document.render_openapi",
        "register/things/service.py:3 imports bench.generate",
    ]
    assert sibling_route_imports(tmp_path) == [
        "api/routes/a.py:1 imports api.routes.b",
        "api/routes/a.py:1 imports api.routes.b.READERS",
        "api/routes/a.py:2 imports api.routes.c",
    ]
