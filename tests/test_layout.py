"""The import rule of the README's Architecture: a module imports only from its own stage or a lower one, and
never another module's private names."""
from __future__ import annotations

import ast
from pathlib import Path

import assistant

PACKAGE = Path(assistant.__file__).parent
# Lower numbers are lower stages; a module may import its own level and below.
LEVELS = {"types": 0, "errors": 0, "settings": 0, "checks": 0, "dates": 0, "ingest": 1, "search": 2, "answer": 3,
          "core": 4, "similar": 4, "draft": 4, "duplicates": 4, "examples": 4, "fit": 4, "fit_lists": 4, "auth": 5,
          "apps": 6, "__main__": 7, "__init__": 0}


def level(dotted: str) -> int:
    return LEVELS[dotted.split(".")[1]]


def imports() -> list[tuple[str, str, list[str]]]:
    """(importing module, imported module, names) for every relative import of the package."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("assistant", *path.relative_to(PACKAGE).with_suffix("").parts))
        package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1]
                names = [a.name for a in node.names]
                target = ".".join([*base, node.module] if node.module else [*base, names[0]])
                out.append((module, target, names))
    return out


def test_every_module_has_a_stage() -> None:
    assert {m.split(".")[1] for m, _, _ in imports()} <= set(LEVELS)


def test_imports_run_downward() -> None:
    upward = [(m, t) for m, t, _ in imports() if len(t.split(".")) > 1 and level(t) > level(m)]
    assert upward == []


def test_no_module_imports_another_modules_private_names() -> None:
    private = [(m, t, n) for m, t, names in imports() for n in names if n.startswith("_") and not n.startswith("__")]
    assert private == []
