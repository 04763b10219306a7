"""Text that fits in a JS string until native code quotes it, percent-encodes it or turns it into
UTF-8, and then no longer fits in one: V8 makes strings of at most 2**29 - 24 bytes of UTF-8, and
a failed string creation inside a native function once aborted the process. Each case is a JS
error now, and the worker's neighbours live on. They run in a fresh interpreter."""

import ast

from conftest import run_isolated

# 90 M Latin-1 characters (90 MiB of heap) are 180 MiB as UTF-8 and 540 MiB once escaped as
# "\u{85}" or percent-encoded as "%C2%85": past V8's limit.
HUGE = "'\\x85'.repeat(90e6)"


def outcome(modules, main="m.js", limits="wb.Limits(memory_mb=512)", env=""):
    """What `f()` of the worker made of `modules` gives, then whether a neighbour still answers."""
    proc = run_isolated(
        f"""
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            env = {{{env}}}
            w = loader.load(main_module={main!r}, modules={modules!r}, limits={limits}, env=env or None)
            try:
                print("returned", w.get_entrypoint().f())
            except wb.WorkerError as e:
                print("raised", type(e).__name__)
            ok = loader.load(main_module="ok.js", modules={{"ok.js": "export default {{ f() {{ return 1 }} }}"}})
            print("neighbour", ok.get_entrypoint().f())
        """,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "panicked" not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout.splitlines()


def catching(body, export="export default"):
    """A module whose `f()` runs `body` and returns the name of what it threw and its length."""
    return f"{export} {{ f() {{ try {{ {body} }} catch (e) {{ return [e.name, e.message.length] }} }} }}"


def test_an_invalid_request_method_quoted_past_the_string_limit():
    lines = outcome({"m.js": catching(f"new Request('https://x.test/', {{ method: {HUGE} }})")})
    assert lines[1:] == ["neighbour 1"]
    name, length = ast.literal_eval(lines[0].removeprefix("returned "))
    assert name == "TypeError" and length < 1000


def test_a_require_specifier_quoted_past_the_string_limit():
    lines = outcome({"m.cjs": catching(f"require({HUGE})", export="module.exports =")}, main="m.cjs")
    assert lines[1:] == ["neighbour 1"]
    name, length = ast.literal_eval(lines[0].removeprefix("returned "))
    assert name == "Error" and length < 1000


def test_a_url_percent_encoded_past_the_string_limit():
    # Still a URL, but its href no longer fits in a JS string: not one JavaScript can hold.
    lines = outcome({"m.js": catching(f"new URL('https://x.test/' + {HUGE})")})
    assert lines[0].startswith("returned ['TypeError', ") and lines[1:] == ["neighbour 1"]


def test_a_service_binding_method_named_past_the_string_limit_once_utf8():
    # 2**28 Latin-1 characters fit in the caller's heap; as UTF-8 the name is 2**29 bytes, which
    # the callee's V8 would not make into a string to look the method up with.
    src = "export default { async f(env) { try { await env.svc['\\x85'.repeat(2 ** 28)]() } catch (e) { return e.name } } }"
    lines = outcome(
        {"m.js": src},
        limits="wb.Limits(memory_mb=1536)",
        env='"svc": loader.load(main_module="s.js", modules={"s.js": "export default {}"}).get_entrypoint()',
    )
    # Names past any real method's length are not looked up at all: the binding has no such
    # method, so the call is a TypeError in the caller.
    assert lines == ["returned TypeError", "neighbour 1"]


def test_a_class_named_past_the_string_limit_is_refused_without_copying_its_name():
    src = "export default { f() { const C = { ['\\x85'.repeat(2 ** 28)]: class {} }['\\x85'.repeat(2 ** 28)]; return new C() } }"
    proc = run_isolated(
        f"""
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            w = loader.load(main_module="m.js", modules={{"m.js": {src!r}}}, limits=wb.Limits(memory_mb=1536))
            try:
                w.get_entrypoint().f()
            except wb.ConversionError as e:
                print("refused:", str(e)[:120])
        """,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("refused: ") and "(long-named class)" in proc.stdout, proc.stdout
