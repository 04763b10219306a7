"""Every failure surfaces as a typed workerbox exception, and nothing breaks for the next call."""

import pytest

import workerbox as wb


def test_exception_hierarchy():
    for cls in (wb.JSError, wb.CodeError, wb.ConversionError, wb.ClosedError, wb.TerminatedError, wb.LimitExceeded):
        assert issubclass(cls, wb.WorkerError)
    assert issubclass(wb.ConversionError, TypeError)
    assert issubclass(wb.CodeError, ValueError)
    for cls in (wb.MemoryLimitExceeded, wb.CpuLimitExceeded, wb.WallTimeExceeded, wb.SubrequestLimitExceeded):
        assert issubclass(cls, wb.LimitExceeded)
    assert issubclass(wb.CpuLimitExceeded, TimeoutError) and issubclass(wb.WallTimeExceeded, TimeoutError)
    assert not issubclass(wb.MemoryLimitExceeded, MemoryError)


def test_js_exception_carries_name_message_stack(load):
    ep = load("export default {\n  boom() {\n    throw new RangeError('too far')\n  }\n}", name="agent.js").get_entrypoint()
    with pytest.raises(wb.JSError) as info:
        ep.boom()
    err = info.value
    assert err.name == "RangeError"
    assert err.message == "too far"
    assert "agent.js:3" in err.stack
    assert "RangeError: too far" in str(err)


def test_custom_error_class_name(load):
    ep = load("class AgentError extends Error { name = 'AgentError' }\nexport default { f() { throw new AgentError('nope') } }").get_entrypoint()
    with pytest.raises(wb.JSError) as info:
        ep.f()
    assert (info.value.name, info.value.message) == ("AgentError", "nope")


def test_thrown_non_error_value(load):
    ep = load("export default { f() { throw 42 } }").get_entrypoint()
    with pytest.raises(wb.JSError) as info:
        ep.f()
    assert info.value.message == "42"


def test_rejected_promise_is_a_js_error(load):
    ep = load("export default { async f() { throw new TypeError('async nope') } }").get_entrypoint()
    with pytest.raises(wb.JSError) as info:
        ep.f()
    assert (info.value.name, info.value.message) == ("TypeError", "async nope")


def test_syntax_error_in_module(loader):
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="bad.js", modules={"bad.js": "export default {\n  f() { return 1 +* 2 }\n}"})
    assert info.value.name == "SyntaxError"
    assert "bad.js:2" in info.value.stack


def test_syntax_error_in_imported_module(loader):
    modules = {"main.js": "import './lib.js'; export default {}", "lib.js": "let let = 1"}
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="main.js", modules=modules)
    assert info.value.name == "SyntaxError"
    assert "lib.js" in info.value.stack


def test_top_level_throw(loader):
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="m.js", modules={"m.js": "throw new Error('at load')"})
    assert info.value.message == "at load"


def test_unknown_main_module_is_named(loader):
    with pytest.raises(wb.WorkerError, match="'?\"?nope.js"):
        loader.load(main_module="nope.js", modules={"agent.js": "export default {}"})


@pytest.mark.parametrize("spec", ["fs", "node:fs", "https://example.com/x.js", "./missing.js", "../../etc/passwd"])
def test_imports_outside_the_bundle_are_refused(loader, spec):
    # A node: module is the runtime's or nothing: the error says which node modules there are.
    with pytest.raises(wb.CodeError, match="only the worker's own modules|workerbox does not provide"):
        loader.load(main_module="m.js", modules={"m.js": f"import x from '{spec}'; export default {{}}"})


@pytest.mark.parametrize(
    "modules, match",
    [
        ({"m.js": {"ruby": "puts 1"}}, "unknown module type .ruby."),
        ({"m.js": {"python": "print(1)"}}, "a Python worker's main module must be named as a Python module"),
        ({"m.js": {"js": "1", "text": "2"}}, "exactly one key"),
        ({"m.js": 42}, "must be str or a one-key dict"),
        ({"m.txt": "export default {}"}, r"\.js, \.mjs"),
        ({}, "at least one module"),
    ],
)
def test_bad_module_specs(loader, modules, match):
    with pytest.raises(wb.CodeError, match=match):
        loader.load(main_module="m.js", modules=modules)


def test_load_argument_errors(loader):
    with pytest.raises(TypeError, match="main_module"):
        loader.load(modules={"m.js": ""})
    with pytest.raises(TypeError):
        loader.load(main_module="m.js", modules={"m.js": ""}, bogus=1)
    with pytest.raises(TypeError, match="not both"):
        loader.load(wb.WorkerCode("m.js", {"m.js": ""}), main_module="m.js")


def test_missing_export_or_method(load):
    ep = load("export default { f() {} }; export const n = 1")
    with pytest.raises(wb.WorkerError, match="no method 'g'|no method \"g\""):
        ep.get_entrypoint().g()
    with pytest.raises(wb.WorkerError, match="no export named"):
        ep.get_entrypoint("n").f()


def test_promise_that_can_never_settle(load):
    ep = load("export default { f() { return new Promise(() => {}) } }").get_entrypoint()
    with pytest.raises(wb.WorkerError, match="never settled"):
        ep.f()


def test_eval_is_disabled(load):
    ep = load("export default { f() { return eval('1+1') }, g() { return new Function('return 1')() } }").get_entrypoint()
    for call in (ep.f, ep.g):
        with pytest.raises(wb.JSError) as info:
            call()
        assert info.value.name == "EvalError"


def test_deep_recursion_is_a_catchable_range_error(load):
    ep = load("function r(n) { return r(n + 1) + 1 }\nexport default { f() { return r(0) }, g() { try { r(0) } catch (e) { return e.name } } }").get_entrypoint()
    with pytest.raises(wb.JSError) as info:
        ep.f()
    assert info.value.name == "RangeError"
    assert ep.g() == "RangeError"


def test_closed_worker_and_loader():
    loader = wb.Loader(threads=1)
    w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
    ep = w.get_entrypoint()
    w.close()
    w.close()
    assert w.closed
    with pytest.raises(wb.ClosedError):
        ep.f()
    with pytest.raises(wb.ClosedError):
        w.get_entrypoint()
    w2 = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 2 } }"})
    ep2 = w2.get_entrypoint()
    loader.close()
    loader.close()
    assert loader.closed
    with pytest.raises(wb.ClosedError):
        ep2.f()
    with pytest.raises(wb.ClosedError):
        loader.load(main_module="m.js", modules={"m.js": ""})


def test_errors_leave_the_worker_usable(load):
    ep = load("let n = 0; export default { f() { n++; throw new Error('x') }, n() { return n } }").get_entrypoint()
    for _ in range(3):
        with pytest.raises(wb.JSError):
            ep.f()
    assert ep.n() == 3


def test_loader_threads_must_be_positive():
    with pytest.raises(wb.WorkerError, match="at least 1"):
        wb.Loader(threads=0)


def test_compatibility_fields_are_validated_and_kept(loader):
    code = wb.WorkerCode("m.js", {"m.js": "export default { f() { return 1 } }"}, compatibility_date="2026-11-01", compatibility_flags=["nodejs_compat"])
    assert (code.compatibility_date, code.compatibility_flags) == ("2026-11-01", ["nodejs_compat"])
    with loader.load(code) as w:
        assert w.get_entrypoint().f() == 1
    for bad in ("2026-13-01", "yesterday", "2026-1-1"):
        with pytest.raises(wb.CodeError, match="compatibility_date"):
            wb.WorkerCode("m.js", {"m.js": ""}, compatibility_date=bad)
    with pytest.raises(TypeError):
        wb.WorkerCode("m.js", {"m.js": ""}, compatibility_flags="nodejs_compat")
