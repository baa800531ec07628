"""The layout's rules, checked on the import graph: domain modules never load the web layer
(nor Pillow, outside the pipeline and the ingest step that runs it), nothing imports a
handler but handlers and route tables, and packages do not import each other in a circle.

Only module-level imports count: an import inside a function runs when it is called, and
one under `if TYPE_CHECKING:` never runs.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The web layer: Tornado handlers, the application factory and what only serves HTTP.
WEB = ("app.web", "app.forms", "app.application", "app.health", "app.metrics", "app.logs",
       "app.static", "app.compression", "app.api.handlers",
       "app.auth.handlers", "app.images.handlers", "app.admin.handlers", "app.commands.serve")
PILLOW_ALLOWED = ("app.images.processing", "app.images.ingest", "app.images.rendering",
                  "app.commands.importer")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> set[str]:
    """The modules `path` imports when it is imported."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in [node] if not isinstance(node, ast.If) else ast.walk(node):
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
    return found


GRAPH = {module_name(path): runtime_imports(path) for path in (ROOT / "app").rglob("*.py")}


def closure(module: str) -> set[str]:
    """Every module (of ours or not) that importing `module` loads."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        # Importing a.b.c runs a and a.b first.
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo.extend(parents + sorted(GRAPH.get(name, ())))
    return seen


def is_web(module: str) -> bool:
    return any(module == web or module.startswith(web + ".") for web in WEB)


DOMAIN = sorted(name for name in GRAPH if name.startswith("app") and not is_web(name)
                and not name.startswith("app.commands"))


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_do_not_load_the_web_layer(module):
    loaded = closure(module)
    assert not {"tornado.web", "tornado.httpserver"} & loaded
    assert not [name for name in loaded if is_web(name)]
    if not module.startswith(PILLOW_ALLOWED):
        assert not [name for name in loaded if name == "PIL" or name.startswith("PIL.")]


def test_only_handlers_and_route_tables_import_handlers():
    for module, imports in GRAPH.items():
        if is_web(module):
            continue
        assert not [name for name in imports if is_web(name)], module


def test_packages_do_not_import_each_other_in_a_circle():
    def package(name: str) -> str:
        """A package, its handlers apart: `app.auth.handlers` may use `app.web`, which
        loads users through `app.auth`, without that being a circle of layers."""
        parts = name.split(".")
        return ".".join(parts[:3] if parts[2:3] == ["handlers"] else parts[:2])

    edges: dict[str, set[str]] = {}
    for module, imports in GRAPH.items():
        for name in imports:
            if name.startswith("app.") and name in GRAPH and package(name) != package(module):
                edges.setdefault(package(module), set()).add(package(name))

    def reaches(start: str, goal: str, seen=()) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt)))
                   for nxt in edges.get(start, ()))

    assert not [p for p in edges if reaches(p, p)], edges


@pytest.mark.parametrize("statement", [
    "from app.images import gc",
    "import app.api.schemas",
    "import app.config",
])
def test_light_imports_stay_light_in_a_real_interpreter(statement):
    check = (f"import sys; {statement}; "
             "print('app.web' in sys.modules, 'tornado.web' in sys.modules, 'PIL' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.split() == ["False", "False", "False"]
