"""The layout keeps its promises: no import circle in bot/ or retrieval/, no module over 400
lines, the ingest flow apart from the answer flow (and both from evaluation), the engine apart
from the front ends, and the terminal chat and the Discord bot apart from each other.

Imports are read with `ast`, at module level AND inside functions: the lazy imports that keep
`--help` fast are still dependencies, and a circle through them (chat importing the CLI that
imports chat) is the knot this check exists to catch. Imports under `if TYPE_CHECKING:` never
run and do not count; that is how a cog names its bot's type without importing the bot.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "retrieval")
MAX_LINES = 400


def module_files(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the packages (a package is its __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST):
    """Every import statement under node, skipping the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that `name` imports; `from a import b` counts a.b when it is one."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    files = module_files(root, packages)
    return {name: imported_modules(name, path, set(files)) for name, path in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def long_modules(root: Path, packages=PACKAGES, limit: int = MAX_LINES) -> dict[str, int]:
    counts = {name: len(path.read_text(encoding="utf-8").splitlines())
              for name, path in module_files(root, packages).items()}
    return {name: n for name, n in counts.items() if n > limit}


# The ingest flow stands alone, answering builds on it, evaluation on both (never upwards).
FLOWS = ["retrieval.index", "retrieval.answering", "retrieval.evaluation"]
FRONT_ENDS = ["bot.chat", "bot.discord"]


def _part(module: str, parts: list[str]) -> int | None:
    return next((i for i, p in enumerate(parts) if module == p or module.startswith(p + ".")),
                None)


def upward_imports(graph: dict[str, set[str]], order: list[str]) -> set[tuple[str, str]]:
    """Imports from a part of `order` into a later part."""
    return {(a, b) for a, deps in graph.items() for b in deps
            if _part(a, order) is not None and _part(b, order) is not None
            and _part(b, order) > _part(a, order)}


def cross_imports(graph: dict[str, set[str]], parts: list[str]) -> set[tuple[str, str]]:
    """Imports between two different parts (front ends that should not know each other)."""
    return {(a, b) for a, deps in graph.items() for b in deps
            if _part(a, parts) is not None and _part(b, parts) is not None
            and _part(a, parts) != _part(b, parts)}


def test_no_import_circle_in_bot_or_retrieval():
    assert import_cycles(import_graph(REPO)) == []


def test_no_module_over_400_lines():
    assert long_modules(REPO) == {}


def test_the_engine_never_imports_a_front_end():
    graph = import_graph(REPO)
    assert {(a, b) for a, deps in graph.items() if a.startswith("retrieval")
            for b in deps if b.startswith("bot")} == set()


def test_each_flow_imports_only_the_flows_before_it():
    assert upward_imports(import_graph(REPO), FLOWS) == set()


def test_the_front_ends_do_not_import_each_other():
    assert cross_imports(import_graph(REPO), FRONT_ENDS) == set()


# The checker itself, on a planted tree: it must see what it is there to see.
def _plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_checker_finds_a_circle_through_a_function_level_import(tmp_path):
    _plant(tmp_path, {
        "bot/__init__.py": "",
        "bot/cli.py": "def chat():\n    from bot.chat import run\n",
        "bot/chat.py": "from bot import cli\n",
        "bot/alone.py": "import bot.cli\n",
    })
    assert import_cycles(import_graph(tmp_path, ("bot",))) == [["bot.chat", "bot.cli"]]


def test_checker_ignores_type_checking_imports_and_resolves_relative_ones(tmp_path):
    _plant(tmp_path, {
        "bot/__init__.py": "",
        "bot/discord/__init__.py": "",
        "bot/discord/bot.py": "def setup():\n    from .cog import Cog\n",
        "bot/discord/cog.py": ("from typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from bot.discord.bot import Bot\n"
                               "else:\n    from . import limits\n"),
        "bot/discord/limits.py": "",
    })
    graph = import_graph(tmp_path, ("bot",))
    assert graph["bot.discord.bot"] == {"bot.discord.cog"}
    assert graph["bot.discord.cog"] == {"bot.discord.limits"}
    assert import_cycles(graph) == []


def test_checker_counts_lines(tmp_path):
    _plant(tmp_path, {"retrieval/__init__.py": "", "retrieval/big.py": "x = 1\n" * 401,
                      "retrieval/fits.py": "x = 1\n" * 400})
    assert long_modules(tmp_path, ("retrieval",)) == {"retrieval.big": 401}


def test_checker_sees_an_upward_import_and_a_front_end_importing_another():
    graph = {
        "retrieval.index.ingest": {"retrieval.answering.safety", "retrieval.text"},
        "retrieval.answering.answerer": {"retrieval.index.store"},
        "bot.chat.loop": {"bot.discord.render", "bot.render"},
        "bot.discord.cog": {"bot.discord.render"},
    }
    assert upward_imports(graph, FLOWS) == {
        ("retrieval.index.ingest", "retrieval.answering.safety")}
    assert cross_imports(graph, FRONT_ENDS) == {("bot.chat.loop", "bot.discord.render")}
