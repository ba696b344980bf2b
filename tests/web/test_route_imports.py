"""A feature package may use another's services, never another's routes: no route module
(`pages*.py`, `api*.py` in a feature package) imports another route module."""

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
FEATURES = ("customer", "inbox", "setup", "people", "accounts", "alerts")


def module_name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_route_module(name: str) -> bool:
    parts = name.split(".")
    return (
        len(parts) >= 3
        and parts[0] == "api"
        and parts[1] in FEATURES
        and parts[-1].startswith(("pages", "api"))
        and (API.parent / Path(*parts)).with_suffix(".py").is_file()
    )


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement in `path` names, including `from package import module`."""
    package = module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def route_modules() -> list[Path]:
    return [
        path
        for feature in FEATURES
        for path in sorted((API / feature).rglob("*.py"))
        if is_route_module(module_name(path))
    ]


def test_the_walk_finds_the_route_modules() -> None:
    found = {module_name(path) for path in route_modules()}
    assert {"api.customer.pages", "api.inbox.api", "api.customer.follow_up.pages"} <= found
    assert "api.setup.api_keys.pages" in found
    assert "api.inbox.inbox_page" not in found


def test_no_route_module_imports_another() -> None:
    offenders = [
        f"{module_name(path)} imports {name}"
        for path in route_modules()
        for name in sorted(imported_modules(path))
        if is_route_module(name) and name != module_name(path)
    ]
    assert offenders == []
