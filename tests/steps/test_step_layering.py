"""The step library's own layering: step modules hold step definitions over the actions layer.

No step module imports another step module, the modules below them
(``actions/``, ``cleanup``, ``waiting``) import no step module, nothing in
``steps/`` imports inside a function (the old way of dodging cycles), and no
step function calls another step function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mimedi_qual.steps

STEPS_DIR = Path(mimedi_qual.steps.__file__).parent
STEP_DECORATORS = {"given", "when", "then", "step"}


def _modules() -> dict[str, ast.Module]:
    return {".".join(("mimedi_qual", "steps", *path.relative_to(STEPS_DIR).with_suffix("").parts)):
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for path in sorted(STEPS_DIR.rglob("*.py"))}


def _is_step_module(name: str) -> bool:
    return name.endswith("_steps")


def _imported(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a function?) for every import of the module."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.module:
                found.extend((f"{child.module}.{a.name}", child.lineno, in_function) for a in child.names)
                found.append((child.module, child.lineno, in_function))
            elif isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def _step_functions(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Name) and call.id in STEP_DECORATORS:
                    names.add(node.name)
    return names


def test_no_step_module_imports_another_and_nothing_below_imports_a_step_module():
    modules = _modules()
    step_modules = {name for name in modules if _is_step_module(name)}
    wrong = [f"{name}:{line} imports {target}" for name, tree in modules.items()
             for target, line, _ in _imported(tree) if target in step_modules and target != name]
    assert not wrong, wrong


def test_nothing_in_steps_imports_inside_a_function():
    wrong = [f"{name}:{line} imports {target} inside a function" for name, tree in _modules().items()
             for target, line, inside in _imported(tree) if inside and target.startswith("mimedi_qual")]
    assert not wrong, wrong


def test_no_step_function_calls_a_step_function():
    modules = _modules()
    steps = {name for tree in modules.values() for name in _step_functions(tree)}
    wrong = []
    for module, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in steps:
                wrong.append(f"{module}:{node.lineno} calls the step {node.func.id}")
    assert not wrong, wrong


def test_the_checks_see_the_whole_library():
    modules = _modules()
    assert sum(_is_step_module(name) for name in modules) >= 18
    assert "mimedi_qual.steps.actions.operator" in modules
    assert len({name for tree in modules.values() for name in _step_functions(tree)}) >= 80
