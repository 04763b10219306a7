"""`node:util` and `node:process` under nodejs_compat: format and inspect as Node prints, promisify
and callbackify, isDeepStrictEqual, the type checks from V8's internal slots, and the process
parts a worker has."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body, is_async=False):
    src = (
        "import util, { inspect, format, promisify, callbackify, isDeepStrictEqual, types, inherits } from 'node:util'\n"
        "import utilTypes from 'node:util/types'\nimport process from 'node:process'\n"
        f"export default {{ {'async ' if is_async else ''}f() {{ {body} }} }}"
    )
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


INSPECT_CASES = [
    ("{ a: 1, b: 'x', c: [1, 2], d: { e: null } }", "{ a: 1, b: 'x', c: [ 1, 2 ], d: { e: null } }"),
    ("{ a: { b: { c: { d: 1 } } } }", "{ a: { b: { c: [Object] } } }"),
    ("[]", "[]"),
    ("{}", "{}"),
    ("-0", "-0"),
    ("10n", "10n"),
    ("'it\\'s'", '"it\'s"'),
    ("Symbol('s')", "Symbol(s)"),
    ("function foo() {}", "[Function: foo]"),
    ("class Bar {}", "[class Bar]"),
    ("new Map([['k', 1]])", "Map(1) { 'k' => 1 }"),
    ("new Set([1, 2])", "Set(2) { 1, 2 }"),
    ("new Uint8Array([1, 2])", "Uint8Array(2) [ 1, 2 ]"),
    ("Object.create(null)", "[Object: null prototype] {}"),
    ("new (class Foo { constructor() { this.x = 1 } })()", "Foo { x: 1 }"),
    ("/ab+c/gi", "/ab+c/gi"),
    ("new Date(0)", "1970-01-01T00:00:00.000Z"),
    ("{ 'a-b': 1, [Symbol('k')]: 2 }", "{ 'a-b': 1, [Symbol(k)]: 2 }"),
    ("Object.defineProperty({}, 'g', { get() { throw 1 }, enumerable: true })", "{ g: [Getter] }"),
    ("Promise.resolve(4)", "Promise { 4 }"),
    ("new Promise(() => {})", "Promise { <pending> }"),
    ("new Proxy({ a: 1 }, { ownKeys() { throw new Error('trap ran') } })", "{ a: 1 }"),
    ("{ [Symbol.for('nodejs.util.inspect.custom')]() { return 'custom!' } }", "custom!"),
    ("Array.from({ length: 102 }, () => 0).length", "102"),
    ("new Array(1e7)", "[ <10000000 empty items> ]"),
    ("[1, , 3]", "[ 1, <1 empty item>, 3 ]"),
    ("[, , 1, , ]", "[ <2 empty items>, 1, <1 empty item> ]"),
    ("(() => { const a = []; a[150] = 1; return a })()", "[ <150 empty items>, 1 ]"),
]


@pytest.mark.parametrize("expr, expected", INSPECT_CASES)
def test_inspect_prints_as_node(loader, expr, expected):
    assert run(loader, f"return inspect({expr})") == expected


def test_inspect_bounds_long_arrays_and_cycles(loader):
    body = "const a = Array.from({ length: 102 }, (_, i) => i); const o = { name: 'o' }; o.self = o; return [inspect(a), inspect(o)]"
    long_array, cyclic = run(loader, body)
    rows = [", ".join(f"{n:>2}" for n in range(start, min(start + 12, 100))) for start in range(0, 100, 12)]
    assert long_array == "[\n  " + ",\n  ".join(rows + ["... 2 more items"]) + "\n]"
    assert cyclic == "<ref *1> { name: 'o', self: [Circular *1] }"


def test_inspect_breaks_long_objects_over_lines(loader):
    body = "return inspect({ alpha: 'a'.repeat(30), beta: 'b'.repeat(30), gamma: 'c'.repeat(30) })"
    assert run(loader, body) == "{\n  alpha: '" + "a" * 30 + "',\n  beta: '" + "b" * 30 + "',\n  gamma: '" + "c" * 30 + "'\n}"


FORMAT_CASES = [
    ("format('%s:%d:%i:%f', 'a', 42.5, 42.5, '1.5')", "a:42.5:42:1.5"),
    ("format('%j', { a: [1] })", '{"a":[1]}'),
    ("format('%o', [1])", "[ 1, [length]: 1 ]"),
    ("format('%O', { a: 1 })", "{ a: 1 }"),
    ("format('100%% %s', 'sure')", "100% sure"),
    ("format('%s', 5n)", "5n"),
    ("format('a', 'b', 1, { c: 2 })", "a b 1 { c: 2 }"),
    ("format(1, 'x')", "1 x"),
    ("format('%s %s', 'only')", "only %s"),
    ("(() => { const o = {}; o.o = o; return format('%j', o) })()", "[Circular]"),
]


@pytest.mark.parametrize("expr, expected", FORMAT_CASES)
def test_format_matches_node(loader, expr, expected):
    assert run(loader, f"return {expr}") == expected


def test_promisify_and_callbackify(loader):
    body = """
const cb = (a, b, done) => setTimeout(() => done(null, a + b), 1)
const fails = (done) => done(new Error('no'))
const sum = await promisify(cb)(1, 2)
let error
try { await promisify(fails)() } catch (e) { error = e.message }
const custom = () => {}
custom[promisify.custom] = () => 'mine'
const back = await new Promise((resolve) => callbackify(async (x) => x * 2)(21, (err, v) => resolve([err, v])))
const rejected = await new Promise((resolve) => callbackify(async () => { throw new Error('r') })((err) => resolve(err.message)))
return [sum, error, promisify(custom)(), back, rejected, promisify.custom === Symbol.for('nodejs.util.promisify.custom')]
"""
    assert run(loader, body, is_async=True) == [3, "no", "mine", [None, 42], "r", True]


def test_is_deep_strict_equal(loader):
    body = """
const o = { a: 1 }; o.self = o
const p = { a: 1 }; p.self = p
return [isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), isDeepStrictEqual([1], ['1']),
  isDeepStrictEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]])), isDeepStrictEqual(new Set([1]), new Set([2])),
  isDeepStrictEqual(o, p), isDeepStrictEqual(0, -0), isDeepStrictEqual(NaN, NaN), isDeepStrictEqual(new Date(1), new Date(2)),
  isDeepStrictEqual({ a: 1 }, Object.assign(Object.create(null), { a: 1 })), isDeepStrictEqual(new Uint8Array([1]), new Uint8Array([1]))]
"""
    assert run(loader, body) == [True, False, True, False, True, False, True, False, False, True]


def test_types_read_internal_slots(loader):
    body = """
const fake = { [Symbol.toStringTag]: 'Promise', then() {} }
return [types.isPromise(Promise.resolve()), types.isPromise(fake), types.isDate(new Date()), types.isRegExp(/x/),
  types.isUint8Array(new Uint8Array()), types.isUint8Array(new Int8Array()), types.isAnyArrayBuffer(new ArrayBuffer(1)),
  types.isProxy(new Proxy({}, {})), types.isAsyncFunction(async () => {}), types.isNativeError(new TypeError()),
  utilTypes === types, types.isBoxedPrimitive(Object(1))]
"""
    assert run(loader, body) == [True, False, True, True, True, False, True, True, True, True, True, True]


def test_inherits_and_the_rest(loader):
    body = """
function A() {} A.prototype.hi = () => 'hi'
function B() {}
inherits(B, A)
return [new B().hi(), B.super_ === A, util.isArray([]), typeof util.TextEncoder, util.stripVTControlCharacters('\\u001b[31mred\\u001b[0m')]
"""
    assert run(loader, body) == ["hi", True, True, "function", "red"]


def test_process(loader):
    body = """
const order = []
process.nextTick((x) => order.push(x), 'tick')
await null
const t = process.hrtime()
const d = process.hrtime(t)
let exit
try { process.exit(1) } catch (e) { exit = e.code }
return [order, process.platform, process.cwd(), process.argv, Object.keys(process.env), typeof process.version,
  t.length, d[0] >= 0, typeof process.hrtime.bigint(), exit, typeof process.on]
"""
    assert run(loader, body, is_async=True) == [["tick"], "linux", "/", [], [], "string", 2, True, "bigint", "ERR_METHOD_NOT_IMPLEMENTED", "function"]


def test_bad_arguments(loader):
    body = """
const out = []
for (const f of [() => promisify(1), () => callbackify('x'), () => inherits(1, Object), () => process.nextTick(1), () => util.formatWithOptions(1)]) {
  try { f() } catch (e) { out.push(e.code) }
}
return out
"""
    assert run(loader, body) == ["ERR_INVALID_ARG_TYPE"] * 5
