"""One way to turn a domain object into a response schema: a classmethod ``from_<thing>`` on the schema, named
after what it converts (``DirectorRead.from_file``, ``DeliveryRead.from_delivery``), never a generic word, and
no free function that builds schemas in the schemas or the routes. (The other way, a request schema into a domain
dataclass, is ``to_domain()``; an async helper that loads more before converting is a service call.)"""

import ast
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GENERIC = {"data", "model", "domain", "item", "row", "obj", "object", "orm", "dict", "any", "value"}


def modules(root: Path) -> list[Path]:
    return sorted(
        [*(root / "schemas").glob("*.py"), *(root / "api" / "routes").glob("*.py"), root / "api" / "parts.py"]
    )


def schema_names(trees: list[ast.Module]) -> set[str]:
    """The classes the schemas and routes define, and the module-level unions of them (``AnyCheckRead``)."""
    names: set[str] = set()
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def named_in(annotation: ast.expr | None) -> Iterator[str]:
    if annotation is None:
        return
    wrapper = annotation.value if isinstance(annotation, ast.Subscript) else None
    if isinstance(wrapper, ast.Name) and wrapper.id in ("type", "Response"):
        return  # a class made on the fly, or a whole HTTP response (status, headers), is not a conversion
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from named_in(ast.parse(node.value, mode="eval").body)


def misnamed_conversions(root: Path) -> list[str]:
    parsed = [(path, ast.parse(path.read_text())) for path in modules(root) if path.exists()]
    schemas = schema_names([tree for _, tree in parsed])
    found = []
    for path, tree in parsed:
        where = path.relative_to(root)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and schemas & set(named_in(node.returns)):
                found.append(f"{where}: {node.name}() builds a schema outside the schema")
            if not isinstance(node, ast.ClassDef):
                continue
            for method in node.body:
                if not isinstance(method, ast.FunctionDef):
                    continue
                decorators = [d.id for d in method.decorator_list if isinstance(d, ast.Name)]
                if decorators != ["classmethod"] or len(method.decorator_list) != 1:
                    continue  # validators and plain methods
                thing = method.name.removeprefix("from_")
                if not method.name.startswith("from_") or thing in GENERIC:
                    found.append(f"{where}: {node.name}.{method.name}")
    return found


def test_schemas_convert_domain_objects_with_from_classmethods_named_after_them() -> None:
    assert misnamed_conversions(PROJECT_ROOT) == []


def test_the_check_sees_generic_names_and_free_functions(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "api" / "routes").mkdir(parents=True)
    (tmp_path / "schemas" / "things.py").write_text(
        "class ThingRead:\n"
        "    @classmethod\n    def from_model(cls, row): ...\n"
        "    @classmethod\n    def of(cls, row): ...\n"
        "    @classmethod\n    def from_thing(cls, thing): ...\n"
        "    @field_validator('x')\n    @classmethod\n    def _check(cls, v): ...\n"
        "class OtherRead(ThingRead): ...\n"
        "AnyRead = ThingRead | OtherRead\n"
        "def any_read(data) -> AnyRead: ...\n"
        "def kind(read: type[BaseModel]) -> type[BaseModel]: ...\n"
    )
    (tmp_path / "api" / "routes" / "things.py").write_text("def _describe(slug) -> 'list[ThingRead]': ...\n")

    assert misnamed_conversions(tmp_path) == [
        "api/routes/things.py: _describe() builds a schema outside the schema",
        "schemas/things.py: ThingRead.from_model",
        "schemas/things.py: ThingRead.of",
        "schemas/things.py: any_read() builds a schema outside the schema",
    ]
