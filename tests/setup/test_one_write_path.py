"""One write path: locations, employees and codes are added only by their tenant-scoped services.

The CLI, the demo, the test factories and the benchmarks build an organisation through the
same services an owner's request goes through, so their rules (owner only, unique names,
this organisation's locations only) hold for every row, and the tests build data by the
path a user takes. This walk fails where any other module constructs such a row itself.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
# The only module that may construct each kind of row: its service.
OWNERS = {
    "Location": "api/setup/locations.py",
    "Employee": "api/setup/employees.py",
    "EmployeeLocation": "api/setup/employees.py",
    "Code": "api/setup/codes.py",
}
TABLES = re.compile(r"\bINSERT\s+INTO\s+\"?(location|employee|employee_location|code)\b", re.I)
EXCLUDED = ("api/migrations/", "api/models/")


def walked_modules() -> list[Path]:
    modules = [*(ROOT / "api").rglob("*.py"), ROOT / "tests/factories.py"]
    modules += (ROOT / "bench").rglob("*.py")
    return [path for path in modules if not path.relative_to(ROOT).as_posix().startswith(EXCLUDED)]


def row_writes(path: Path) -> set[tuple[str, int]]:
    """(model or table, line) for each row this module builds: `Model(...)`, `insert(Model)`,
    or an `INSERT INTO` in a string, whatever name the model was imported under."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {model: model for model in OWNERS}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.update({alias.asname: alias.name for alias in node.names if alias.name in OWNERS})
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
            if name in names:
                found.add((names[name], node.lineno))
            elif name == "insert" and node.args:
                target = node.args[0]
                inserted = target.id if isinstance(target, ast.Name) else ""
                if inserted in names:
                    found.add((names[inserted], node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update((table, node.lineno) for table in TABLES.findall(node.value))
    return found


def test_only_the_services_construct_locations_employees_and_codes() -> None:
    strays = []
    for path in walked_modules():
        module = path.relative_to(ROOT).as_posix()
        for model, line in sorted(row_writes(path)):
            if OWNERS.get(model) != module:
                strays.append(f"{module}:{line} builds {model} rows")
    assert not strays, "add them through api.setup's services instead:\n" + "\n".join(strays)


def test_the_walk_sees_the_services_own_writes() -> None:
    """A walk that found nothing would pass for the wrong reason."""
    for model, module in OWNERS.items():
        assert model in {found for found, _ in row_writes(ROOT / module)}, module


def test_the_walk_sees_every_way_of_writing_a_row(tmp_path: Path) -> None:
    module = tmp_path / "stray.py"
    module.write_text(
        "from api import models\n"
        "from api.models import Code as Badge, Employee\n"
        "models.Location(name='Counter')\n"
        "Badge(token='x')\n"
        "insert(Employee)\n"
        "text('insert into employee_location (employee_id) values (1)')\n"
    )
    assert row_writes(module) == {
        ("Location", 3),
        ("Code", 4),
        ("Employee", 5),
        ("employee_location", 6),
    }
