"""Modules shaped to break the native code that loads them: CommonJS that escapes its function,
`require` of what only `import` can load, stack text that claims impossible TypeScript
positions. Each once aborted the process or killed an isolate thread; they run in a fresh
interpreter, where a crash fails the test."""

import pytest

from conftest import run_isolated

NEIGHBOUR = '{"ok.js": "export default { f() { return 1 } }"}'


def outcome(main, modules):
    """What loading `modules` and calling `f()` gives, then whether a neighbour still answers."""
    proc = run_isolated(
        f"""
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            try:
                w = loader.load(main_module={main!r}, modules={modules!r})
                print("returned", w.get_entrypoint().f())
            except wb.JSError as e:
                print("raised", e.name, e.message)
            print("neighbour", loader.load(main_module="ok.js", modules={NEIGHBOUR}).get_entrypoint().f())
        """
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "panicked" not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout.splitlines()


def test_commonjs_require_of_a_typescript_module():
    modules = {"m.cjs": "module.exports = { f() { return require('./t.ts') } }", "t.ts": "export const a: number = 1"}
    lines = outcome("m.cjs", modules)
    assert lines == ['raised Error require() cannot load the ES module "t.ts"; use import instead', "neighbour 1"]


# Pasted between "(function (exports, ...) {" and "\n})", this closed the function early: the
# script made an object instead, and the module's evaluation failed with no exception pending,
# which V8 CHECKs (a fatal error).
ESCAPE = "}, 1, {"


@pytest.mark.parametrize(
    "main, modules",
    [
        ("e.cjs", {"e.cjs": ESCAPE}),
        ("m.js", {"m.js": "import e from './e.cjs'; export default { f() { return typeof e } }", "e.cjs": ESCAPE}),
        ("m.cjs", {"m.cjs": "module.exports = { f() { return typeof require('./e.cjs') } }", "e.cjs": ESCAPE}),
    ],
    ids=["main", "imported", "required"],
)
def test_commonjs_source_that_closes_its_function_early(main, modules):
    lines = outcome(main, modules)
    assert lines[0].startswith("raised SyntaxError") and lines[1:] == ["neighbour 1"]


def test_typescript_stack_text_with_a_malformed_position():
    # A leading zero and a two-byte separator once cut the text inside a character.
    src = "export default { f(): number { throw { message: 'm', stack: 'at m.ts:01\\u00e95' } } }"
    lines = outcome("m.ts", {"m.ts": src})
    assert lines == ["raised Error m", "neighbour 1"]


# The shapes that recurse deepest in the type stripper, each far past an 8 MiB stack, as
# Python expressions the child process evaluates (the sources are too long for its command line).
NESTINGS = {
    "parentheses": "'(' * 20_000 + '1' + ')' * 20_000",
    "generics": "'null as unknown as ' + 'A<' * 20_000 + 'B' + '>' * 20_000",
    "assignments": "'x=' * 40_000 + '1'",
    "arrows": "'x=>' * 40_000 + '1'",
    "negations": "'!' * 300_000 + '1'",
    "a whole module of parentheses": "'(' * 524_000 + '1' + ')' * 524_000",
    # Quadratic, not deep: each unclosed `A<` is tried as type arguments and re-parsed.
    "unclosed type arguments": "'A<' * 20_000",
}


@pytest.mark.parametrize("shape", NESTINGS)
def test_typescript_nested_deeper_than_a_thread_stack(shape):
    # The type stripper recurses per nesting level with no guard; a stack overflow would kill
    # the process. It runs on a thread whose stack is sized from the source instead.
    proc = run_isolated(
        f"""
        import workerbox as wb
        source = "type A<T> = T\\nlet x: any\\nexport const a: unknown = " + {NESTINGS[shape]} + "\\nexport default {{ f() {{ return 1 }} }}"
        with wb.Loader(threads=1) as loader:
            try:
                print("returned", loader.load(main_module="m.ts", modules={{"m.ts": source}}).get_entrypoint().f())
            except wb.JSError as e:
                print("raised", e.name)
            print("neighbour", loader.load(main_module="ok.js", modules={NEIGHBOUR}).get_entrypoint().f())
        """,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(("raised ", "returned ")) and lines[1:] == ["neighbour 1"], lines


def test_a_typescript_module_past_its_size_limit_is_a_code_error():
    proc = run_isolated(
        """
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            try:
                loader.load(main_module="m.ts", modules={"m.ts": "export default {}\\n" + " " * (1 << 20)})
            except wb.CodeError as e:
                print("refused:", "bundle it to JavaScript" in str(e))
        """
    )
    assert proc.stdout.strip() == "refused: True", proc.stderr[-2000:]
