"""`node:assert` and `node:assert/strict` under nodejs_compat: each assertion passes and fails
where Node's does, failing with an AssertionError carrying Node's code, actual, expected and
operator."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body):
    src = (
        "import assert, { AssertionError } from 'node:assert'\nimport strict from 'node:assert/strict'\n"
        "const failure = (f) => { try { f(); return 'passed' } catch (e) { return e instanceof AssertionError ? [e.code, e.operator, e.generatedMessage] : [e.name, e.code] } }\n"
        f"export default {{ async f() {{ {body} }} }}"
    )
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


CASES = [
    ("assert(1)", "passed"),
    ("assert(0)", ["ERR_ASSERTION", "==", True]),
    ("assert.ok('')", ["ERR_ASSERTION", "==", True]),
    ("assert.equal(1, '1')", "passed"),
    ("assert.equal(NaN, NaN)", "passed"),
    ("assert.equal(1, 2)", ["ERR_ASSERTION", "==", True]),
    ("assert.notEqual(1, '1')", ["ERR_ASSERTION", "!=", True]),
    ("assert.strictEqual(1, '1')", ["ERR_ASSERTION", "strictEqual", True]),
    ("assert.strictEqual(NaN, NaN)", "passed"),
    ("assert.notStrictEqual(1, 2)", "passed"),
    ("assert.deepEqual({ a: [1, '2'] }, { a: ['1', 2] })", "passed"),
    ("assert.deepStrictEqual({ a: [1, '2'] }, { a: ['1', 2] })", ["ERR_ASSERTION", "deepStrictEqual", True]),
    ("assert.deepStrictEqual(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]]))", "passed"),
    ("assert.notDeepStrictEqual({ a: 1 }, { a: 1 })", ["ERR_ASSERTION", "notDeepStrictEqual", True]),
    ("strict.equal(1, '1')", ["ERR_ASSERTION", "strictEqual", True]),
    ("strict.deepEqual([1], ['1'])", ["ERR_ASSERTION", "deepStrictEqual", True]),
    ("assert.strict === strict && strict.strict === strict ? 0 : assert.fail('not the same')", "passed"),
    ("assert.match('abc', /b/)", "passed"),
    ("assert.match('abc', /x/)", ["ERR_ASSERTION", "match", True]),
    ("assert.doesNotMatch('abc', /x/)", "passed"),
    ("assert.match('abc', 'b')", ["TypeError", "ERR_INVALID_ARG_TYPE"]),
    ("assert.throws(() => { throw new TypeError('bad') }, TypeError)", "passed"),
    ("assert.throws(() => { throw new TypeError('bad') }, /bad/)", "passed"),
    ("assert.throws(() => { throw new TypeError('bad') }, { name: 'TypeError', message: /ba/ })", "passed"),
    ("assert.throws(() => { throw new TypeError('bad') }, { message: 'good' })", ["ERR_ASSERTION", "throws", True]),
    ("assert.throws(() => {})", ["ERR_ASSERTION", "throws", False]),
    ("assert.throws(() => { throw new TypeError('x') }, RangeError)", ["TypeError", None]),
    ("assert.doesNotThrow(() => { throw new Error('x') })", ["ERR_ASSERTION", "doesNotThrow", False]),
    ("assert.fail('boom')", ["ERR_ASSERTION", "fail", False]),
    ("assert.ifError(null)", "passed"),
    ("assert.ifError(new Error('e'))", ["ERR_ASSERTION", "ifError", False]),
    ("assert.strictEqual(1, 2, new RangeError('mine'))", ["RangeError", None]),
]


@pytest.mark.parametrize("expr, expected", CASES)
def test_assertions_pass_and_fail_as_node(loader, expr, expected):
    assert run(loader, f"return failure(() => {expr})") == expected


def test_messages(loader):
    body = """
const message = (f) => { try { f() } catch (e) { return e.message } }
return [message(() => assert.strictEqual(1, 2)), message(() => assert.equal(1, 2, 'custom')), message(() => assert.throws(() => {}, TypeError)),
  new AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }).name]
"""
    assert run(loader, body) == [
        "Expected values to be strictly equal:\n\n1 !== 2\n", "custom", "Missing expected exception (TypeError).", "AssertionError",
    ]


def test_rejects_and_does_not_reject(loader):
    body = """
const out = []
await assert.rejects(Promise.reject(new TypeError('no')), TypeError)
out.push('rejected')
try { await assert.rejects(Promise.resolve(1)) } catch (e) { out.push(e.operator) }
await assert.doesNotReject(async () => 1)
try { await assert.doesNotReject(async () => { throw new Error('x') }) } catch (e) { out.push(e.operator) }
try { await assert.rejects(() => 5) } catch (e) { out.push(e.code) }
return out
"""
    assert run(loader, body) == ["rejected", "rejects", "doesNotReject", "ERR_INVALID_RETURN_VALUE"]
