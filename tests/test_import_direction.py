"""DESIGN.md's one-way imports: cases → meetings → duties → members, and nothing imports jiuzhu.

The test reads every module of the four apps (function-level imports included, since those are
how a cycle usually sneaks in) and fails on an import against the direction.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["members", "duties", "meetings", "cases"]
FORBIDDEN = {
    "members": {"duties", "meetings", "cases", "jiuzhu"},
    "duties": {"meetings", "cases", "jiuzhu"},
    "meetings": {"cases", "jiuzhu"},
    "cases": {"jiuzhu"},
}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def test_the_walk_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from cases.models import Case\n    import jiuzhu.views\n")
    assert imported_packages(module) == {(2, "cases"), (3, "jiuzhu")}


@pytest.mark.parametrize("app", APPS)
def test_imports_follow_the_one_way_direction(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, package in sorted(imported_packages(path))
        if package in FORBIDDEN[app]
    ]
    assert wrong == []
