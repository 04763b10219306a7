"""A Python plan made runnable, with `ast` so that every line keeps the model's own number.

Models write a whole script, a notebook cell whose last expression is the answer, the body of a
function (``return`` and ``await`` at the top level), or a module defining ``main``. Compiled
here, in the sandbox, by the guest's own Python, so its grammar decides what parses."""

from __future__ import annotations

import ast
import dataclasses
import types

ENTRY = "__plan__"


@dataclasses.dataclass(frozen=True)
class Plan:
    code: types.CodeType
    """Run it in the plan's globals: it defines `entry`."""
    entry: str
    """The function to call (no arguments) for the plan's result; a coroutine is awaited."""


def compile_plan(source: str, filename: str) -> Plan:
    """`source` compiled. Raises SyntaxError (and nothing else) for code that cannot run."""
    try:
        tree = ast.parse(source, filename)
        entry = "main" if _defines_main(tree) and not _top_level(tree, (ast.Return, ast.Await)) else ENTRY
        module = _main_module(tree) if entry == "main" else _wrapped(tree)
        return Plan(compile(module, filename, "exec", dont_inherit=True), entry)
    except (ValueError, RecursionError, MemoryError) as e:  # a NUL byte; nesting too deep
        raise SyntaxError(f"{type(e).__name__}: {e}", (filename, 1, 1, None)) from None


def _defines_main(tree: ast.Module) -> bool:
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "main" for s in tree.body)


def _main_module(tree: ast.Module) -> ast.Module:
    """The module without its trailing ``main()`` / ``asyncio.run(main())`` / ``print(main())``
    line: the plan's caller calls main itself."""
    body = list(tree.body)
    while body and isinstance(body[-1], ast.Expr) and _calls_main(body[-1].value):
        body.pop()
    return ast.Module(body=body, type_ignores=tree.type_ignores)


def _calls_main(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "main" for n in ast.walk(node))


def _wrapped(tree: ast.Module) -> ast.Module:
    """The statements as the body of a function, the last expression returned; ``async def``
    when the body awaits. ``from __future__`` imports stay at the top, where they must be."""
    future = [s for s in tree.body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    body: list[ast.stmt] = [s for s in tree.body if s not in future]
    if body and isinstance(body[-1], ast.Expr):
        body[-1] = ast.copy_location(ast.Return(value=body[-1].value), body[-1])
    if not body:
        body = [ast.Pass(lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)]
    awaits = _top_level(tree, (ast.Await, ast.AsyncFor, ast.AsyncWith)) or _async_comprehension(tree)
    # Made by the parser, so the node has whatever fields this Python's grammar gives it.
    fn = ast.parse(f"{'async ' if awaits else ''}def {ENTRY}():\n    pass\n").body[0]
    assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
    fn.body = body
    fn.lineno, fn.col_offset = body[0].lineno, 0
    fn.end_lineno, fn.end_col_offset = body[-1].end_lineno, body[-1].end_col_offset
    module = ast.Module(body=[*future, fn], type_ignores=tree.type_ignores)
    return ast.fix_missing_locations(module)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _top_level(tree: ast.Module, kinds: tuple[type[ast.AST], ...]) -> bool:
    """Whether a node of `kinds` appears outside any function or class the plan defines."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, kinds):
            return True
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _async_comprehension(tree: ast.Module) -> bool:
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.comprehension) and node.is_async:
            return True
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return False
