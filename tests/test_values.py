"""Values crossing the boundary in both directions."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import workerbox as wb

ECHO = "export default { echo(x) { return x }, type(x) { return typeof x }, make(src) { return globalThis[src]() } }"

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def same(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, (list, tuple)):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b and type(a) in (type(b), int, float) and (not isinstance(a, bool) or isinstance(b, bool))


@pytest.fixture(scope="module")
def echo(loader):
    with loader.load(main_module="echo.js", modules={"echo.js": ECHO}) as w:
        yield w.get_entrypoint()


@given(json_like)
def test_round_trip(echo, value):
    assert same(value, echo.echo(value))


@pytest.mark.parametrize(
    "value, js_type",
    [(None, "object"), (True, "boolean"), (1, "number"), (2**53 - 1, "number"), (2**53, "bigint"), (-(2**70), "bigint"),
     (1.5, "number"), ("s", "string"), ([1], "object"), ({"a": 1}, "object"), ((1, 2), "object")],
)
def test_python_types_map_to_js_types(echo, value, js_type):
    assert echo.type(value) == js_type


def test_integral_numbers_come_back_as_int_and_others_as_float(echo):
    assert type(echo.echo(3.0)) is int
    assert type(echo.echo(0.5)) is float
    assert math.copysign(1, echo.echo(-0.0)) == -1
    assert echo.echo(float("inf")) == float("inf")


def test_dunder_proto_key_stays_data(echo):
    assert echo.echo({"__proto__": {"x": 1}}) == {"__proto__": {"x": 1}}


@pytest.mark.parametrize("bad", [object(), {1: "int key"}, {1, 2}, complex(1, 2), range(3)])
def test_unsupported_python_values_raise_conversion_error(echo, bad):
    with pytest.raises(wb.ConversionError):
        echo.echo(bad)


def test_python_cycle_is_refused(echo):
    a = []
    a.append(a)
    with pytest.raises(wb.ConversionError, match="cycle"):
        echo.echo(a)


def test_too_deep_python_value_is_refused(echo):
    v = []
    for _ in range(200):
        v = [v]
    with pytest.raises(wb.ConversionError, match="deeper"):
        echo.echo(v)


@pytest.mark.parametrize(
    "expr, match",
    [
        ("() => 1", "function"),
        ("Symbol('s')", "Symbol"),
        ("new Map()", "Map"),
        ("(() => { const a = []; a.push(a); return a })()", "cycle"),
        ("new Proxy({}, {})", "Proxy"),
        ("[Promise.resolve(1)]", "Promise"),
    ],
)
def test_unsupported_js_values_raise_conversion_error(loader, expr, match):
    src = f"export default {{ f() {{ return {expr} }}, ok() {{ return 'still fine' }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        with pytest.raises(wb.ConversionError, match=match):
            w.get_entrypoint().f()
        # A value that cannot cross is the caller's problem, not the worker's.
        assert w.get_entrypoint().ok() == "still fine"


def test_too_deep_js_value_is_refused(load):
    ep = load("export default { f() { let v = []; for (let i = 0; i < 500; i++) v = [v]; return v } }").get_entrypoint()
    with pytest.raises(wb.ConversionError, match="deeper"):
        ep.f()


def test_throwing_getter_during_conversion_is_a_js_error(load):
    ep = load("export default { f() { return { get x() { throw new Error('getter') } } } }").get_entrypoint()
    with pytest.raises(wb.JSError, match="getter"):
        ep.f()


def test_null_prototype_objects_convert(load):
    ep = load("export default { f() { const o = Object.create(null); o.a = 1; return o } }").get_entrypoint()
    assert ep.f() == {"a": 1}
