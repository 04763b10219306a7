"""Module types of Cloudflare's WorkerLoaderModule: js, cjs, text, data, json, wasm."""

import pytest

import workerbox as wb

# (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
ADD_WASM = bytes.fromhex("0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b")


def test_text_data_json_imports(loader):
    modules = {
        "main.js": "import t from './greeting.txt'; import d from './blob.bin'; import j from './conf.json';"
        "export default { f() { return [t, d instanceof ArrayBuffer, [...new Uint8Array(d)], j] } }",
        "greeting.txt": {"text": "hello"},
        "blob.bin": {"data": b"\x00\x01\xff"},
        "conf.json": {"json": {"retries": 3, "hosts": ["a", "b"]}},
    }
    with loader.load(main_module="main.js", modules=modules) as w:
        assert w.get_entrypoint().f() == ["hello", True, [0, 1, 255], {"retries": 3, "hosts": ["a", "b"]}]


def test_wasm_module(loader):
    modules = {
        "main.js": "import mod from './add.wasm'; const { exports } = new WebAssembly.Instance(mod);"
        "export default { add(a, b) { return exports.add(a, b) } }",
        "add.wasm": {"wasm": ADD_WASM},
    }
    with loader.load(main_module="main.js", modules=modules) as w:
        assert w.get_entrypoint().add(2, 40) == 42


def test_invalid_wasm_is_a_js_error(loader):
    modules = {"main.js": "import m from './bad.wasm'; export default {}", "bad.wasm": {"wasm": b"not wasm"}}
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="main.js", modules=modules)
    assert info.value.name == "CompileError"


def test_commonjs_require_and_exports(loader):
    modules = {
        "main.js": "import lib from './lib.cjs'; export default { f() { return [lib.twice(4), lib.name, lib.conf.a] } }",
        "lib.cjs": "const util = require('./util.cjs'); module.exports = { twice: util.twice, name: __filename, conf: require('./c.json') }",
        "util.cjs": {"cjs": "exports.twice = (x) => x * 2"},
        "c.json": {"json": {"a": 1}},
    }
    with loader.load(main_module="main.js", modules=modules) as w:
        assert w.get_entrypoint().f() == [8, "lib.cjs", 1]


def test_commonjs_cycles_and_single_evaluation(loader):
    modules = {
        "main.js": "import a from './a.cjs'; import a2 from './a.cjs'; export default { f() { return [a.fromB, a === a2, globalThis.runs] } }",
        "a.cjs": "globalThis.runs = (globalThis.runs || 0) + 1; exports.early = 'a-early'; exports.fromB = require('./b.cjs').seen",
        "b.cjs": "exports.seen = require('./a.cjs').early",
    }
    with loader.load(main_module="main.js", modules=modules) as w:
        assert w.get_entrypoint().f() == ["a-early", True, 1]


@pytest.mark.parametrize(
    "spec, match",
    [("fs", "only the worker's own modules"), ("./esm.js", "ES module"), ("./missing.cjs", "only the worker's own modules")],
)
def test_require_refusals(loader, spec, match):
    modules = {
        "main.js": "import m from './m.cjs'; export default { f() { return m } }",
        "m.cjs": f"module.exports = require('{spec}')",
        "esm.js": "export default 1",
    }
    with pytest.raises(wb.JSError, match=match):
        loader.load(main_module="main.js", modules=modules)


def test_commonjs_main_module(loader):
    with loader.load(main_module="main.cjs", modules={"main.cjs": "module.exports = { f(x) { return x + 1 } }"}) as w:
        assert w.get_entrypoint().f(1) == 2


@pytest.mark.parametrize(
    "module, match",
    [
        ({"text": b"bytes"}, "must be str"),
        ({"data": "str"}, "must be bytes"),
        ({"wasm": 42}, "must be bytes"),
        ({"json": object()}, "cannot be passed"),
        ({"py": "x"}, "unknown module type"),
    ],
)
def test_bad_typed_modules(loader, module, match):
    with pytest.raises((wb.CodeError, wb.ConversionError), match=match):
        loader.load(main_module="main.js", modules={"main.js": "export default {}", "x": module})


def test_worker_code_modules_round_trip():
    code = wb.WorkerCode("m.js", {"m.js": "export default {}", "t": {"text": "x"}, "d": {"data": b"\x01"}, "j": {"json": [1]}})
    assert code.modules == {"m.js": {"js": "export default {}"}, "t": {"text": "x"}, "d": {"data": b"\x01"}, "j": {"json": [1]}}


def test_large_modules_of_equal_length_keep_their_own_code(loader):
    # Large sources go through the process-wide code cache; V8 checks a cache against only the
    # source's length, so the cache key must tell these two apart.
    filler = "// " + "x" * 8192 + "\n"
    first = filler + "export default { which() { return 'first' } }"
    second = filler + "export default { which() { return 'other' } }"
    assert len(first) == len(second)
    for _ in range(2):
        for src, expected in ((first, "first"), (second, "other")):
            with loader.load(main_module="big.js", modules={"big.js": src}) as w:
                assert w.get_entrypoint().which() == expected
