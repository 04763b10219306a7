"""Fuzzing where bytes cross: every type of the README's conversion table both ways, and values
built in JavaScript to be awkward (Proxies, throwing getters, sparse arrays, huge objects,
detached and resizable buffers, Symbols, functions, Map/Set, invalid Dates). Each example either
comes back equal to what the table promises, or raises `ConversionError` (a `JSError` where
JavaScript itself threw while being read); never a crash, a hang or a silently changed value."""

import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import workerbox as wb

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_SAFE = 2**53 - 1
MIN_MS, MAX_MS = -62_135_596_800_000, 253_402_300_799_999


class Refused:
    """Expected outcome: ConversionError."""


class Throws:
    """Expected outcome: JSError (JavaScript threw while the value was read)."""


def same(a, b):
    """Equal, with the same types, NaN equal to NaN and -0.0 told from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        # JavaScript puts integer-like keys first, whatever the insertion order.
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, datetime):
        return a == b and b.tzinfo == UTC
    return a == b


def number_back(x):
    """What a JS number becomes in Python: int when integral and safe (not -0), else float."""
    if math.isfinite(x) and x == int(x) and abs(x) <= MAX_SAFE and not (x == 0 and math.copysign(1, x) < 0):
        return int(x)
    return float(x)


def datetime_back(d):
    """Naive means UTC; JS keeps whole milliseconds."""
    if d.utcoffset() is None:
        d = d.replace(tzinfo=UTC)
    return (d - timedelta(microseconds=d.microsecond % 1000)).astimezone(UTC)


def expected_from_python(v):
    if v is None or isinstance(v, (bool, str, bytes)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return number_back(v)
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, datetime):
        return datetime_back(v)
    if isinstance(v, (list, tuple)):
        return [expected_from_python(x) for x in v]
    return {k: expected_from_python(x) for k, x in v.items()}


offsets = st.builds(
    lambda m: timezone(timedelta(minutes=m)), st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)
)
# Aware datetimes whose UTC instant stays in years 1-9999, so they can come back.
datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)) | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats()
    | st.text()
    | st.binary(max_size=64)
    | st.binary(max_size=64).map(bytearray)
    | st.binary(max_size=64).map(memoryview)
    | datetimes
)
python_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=5)
    | st.lists(inner, max_size=5).map(tuple)
    | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@pytest.fixture(scope="module")
def echo(loader):
    with loader.load(main_module="echo.js", modules={"echo.js": "export default { echo(x) { return x } }"}) as w:
        yield w.get_entrypoint()


@given(python_values)
def test_python_values_round_trip(echo, value):
    assert same(echo.echo(value), expected_from_python(value))


# Strings with lone surrogates anywhere: refused, never replaced.
broken_text = st.builds(
    lambda head, s, tail: head + s + tail, st.text(max_size=5), st.characters(categories=["Cs"]), st.text(max_size=5)
)


@given(st.one_of(broken_text, broken_text.map(lambda s: [s]), broken_text.map(lambda s: {s: 1})))
def test_python_strings_with_lone_surrogates_are_refused(echo, value):
    with pytest.raises(wb.ConversionError):
        echo.echo(value)


# A JS recipe: source of an expression, and what Python should get for it.
def leaf(src, expected):
    return st.just((src, expected))


def js_string(s):
    return json.dumps(s)  # \uXXXX escapes keep every string, even a lone surrogate, in ASCII source


js_numbers = st.floats().map(lambda x: (repr(x) if math.isfinite(x) else ("NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")), number_back(x)))
js_numbers = js_numbers.map(lambda p: (f"({p[0]})", p[1]))
js_bigints = st.integers(min_value=-(2**200), max_value=2**200).map(lambda i: (f"({i}n)", i))
js_strings = st.text().map(lambda s: (js_string(s), s))
js_broken_strings = broken_text.map(lambda s: (js_string(s), Refused))
js_dates = st.integers(min_value=-8_640_000_000_000_000, max_value=8_640_000_000_000_000).map(
    lambda ms: (f"new Date({ms})", EPOCH + timedelta(milliseconds=ms) if MIN_MS <= ms <= MAX_MS else Refused)
)
js_sparse = st.integers(min_value=0, max_value=2000).map(
    lambda n: (f"(() => {{ const a = []; a.length = {n}; return a }})()", [None] * n)
)
js_many_keys = st.sampled_from([10, 1000, 100_000]).map(
    lambda n: (f"Object.fromEntries(Array.from({{ length: {n} }}, (_, i) => ['k' + i, i]))", {f"k{i}": i for i in range(n)})
)
js_hostile_leaves = st.one_of(
    leaf("undefined", None),
    leaf("null", None),
    leaf("true", True),
    leaf("Symbol('s')", Refused),
    leaf("(() => 1)", Refused),
    leaf("(class {})", Refused),
    leaf("new Map([[1, 2]])", Refused),
    leaf("new Set([1])", Refused),
    leaf("new WeakMap()", Refused),
    leaf("new Date(NaN)", Refused),
    leaf("new (class Point { constructor() { this.x = 1 } })()", Refused),
    leaf("Promise.resolve(1)", Refused),
    leaf("new Error('e')", Refused),
    leaf("/re/g", Refused),
    leaf("new Proxy({}, { get() { throw new Error('trap') }, ownKeys() { throw new Error('trap') } })", Refused),
    leaf("new Proxy([1, 2], { get() { return 'lie' }, has() { return false } })", Refused),
    leaf("new Proxy(Object.create(null), { getPrototypeOf() { return Array.prototype } })", Refused),
    leaf("({ get x() { throw new Error('getter') } })", Throws),
    leaf("({ a: 1, get b() { return 2 } })", {"a": 1, "b": 2}),
    leaf("Object.assign(Object.create(null), { n: 1 })", {"n": 1}),
    leaf("JSON.parse('{\"__proto__\": 1}')", {"__proto__": 1}),
    leaf("({ [Symbol('hidden')]: 1, shown: 2 })", {"shown": 2}),
    leaf("Object.defineProperty({ v: 1 }, 'hidden', { value: 2, enumerable: false })", {"v": 1}),
    leaf("(() => { const a = [1, 2]; a.extra = 3; return a })()", [1, 2]),
    # Dictionary-mode, so cheap in JS however often it appears (`a.length = 2 ** 24` on an
    # empty array allocates its holes: two of those are past the default heap by themselves).
    leaf("(() => { const a = []; a[2 ** 24 - 1] = 0; return a })()", Refused),
    leaf("new Uint8Array([1, 2, 255])", b"\x01\x02\xff"),
    leaf("new Uint8Array(new ArrayBuffer(8), 2, 3)", b"\x00\x00\x00"),
    leaf("new Int16Array(2)", Refused),
    leaf("new DataView(new ArrayBuffer(2))", Refused),
    leaf("new SharedArrayBuffer(4)", Refused),
    leaf("new ArrayBuffer(3)", b"\x00\x00\x00"),
    leaf("(() => { const b = new ArrayBuffer(8); b.transfer(); return b })()", b""),
    leaf("(() => { const b = new ArrayBuffer(8); const u = new Uint8Array(b); b.transfer(); return u })()", b""),
    leaf("new ArrayBuffer(4, { maxByteLength: 1 << 30 })", b"\x00" * 4),
    leaf("(() => { const b = new ArrayBuffer(2, { maxByteLength: 64 }); const u = new Uint8Array(b); b.resize(5); return u })()", b"\x00" * 5),
    leaf("(() => { const b = new ArrayBuffer(8, { maxByteLength: 64 }); const u = new Uint8Array(b, 4); b.resize(2); return u })()", b""),
)
js_leaves = st.one_of(js_numbers, js_bigints, js_strings, js_broken_strings, js_dates, js_sparse, js_many_keys, js_hostile_leaves)


def first_failure(expected_items):
    """The walk goes in order; the first child that fails decides the outcome."""
    return next((e for e in expected_items if e in (Refused, Throws)), None)


def js_array(items):
    failed = first_failure([e for _, e in items])
    return "[" + ", ".join(src for src, _ in items) + "]", failed or [e for _, e in items]


def js_object(entries):
    entries = dict(entries)  # later keys win, as in a JS object literal
    failed = first_failure([e for _, e in entries.values()])
    src = "({" + ", ".join(f"{js_string(k)}: {v[0]}" for k, v in entries.items()) + "})"
    return src, failed or {k: e for k, (_, e) in entries.items()}


js_values = st.recursive(
    js_leaves,
    lambda inner: st.lists(inner, max_size=4).map(js_array)
    | st.lists(st.tuples(st.text(alphabet="abcxyz_", min_size=1, max_size=4), inner), max_size=4).map(js_object),
    max_leaves=12,
)


@given(js_values)
def test_js_values_cross_as_the_table_says(loader, recipe):
    src, expected = recipe
    # Wrapped, because a returned value itself is awaited first (a Proxy's `then` trap runs).
    module = f"export default {{ f() {{ return [{src}] }}, ok() {{ return 'ok' }} }}"
    with loader.load(main_module="m.js", modules={"m.js": module}) as w:
        ep = w.get_entrypoint()
        if expected is Refused:
            with pytest.raises(wb.ConversionError):
                ep.f()
        elif expected is Throws:
            with pytest.raises(wb.JSError):
                ep.f()
        else:
            assert same(ep.f(), [expected])
        assert ep.ok() == "ok"
