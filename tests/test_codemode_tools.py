"""Code Mode's tool model: namespaces, positional tools, schema-only tools, types from pydantic
and from the standard library, JSON Schema → TypeScript, and what a model's code may look like."""

import dataclasses
import datetime
import enum
import json
import shutil
import subprocess
from typing import Annotated, Literal, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workerbox import codemode
from workerbox.codemode import Provider, Tool, ToolAPI, ToolError, json_schema_to_typescript, normalize_code
from workerbox.codemode import _schema

pydantic = pytest.importorskip("pydantic")


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Size(pydantic.BaseModel):
    """How big, in centimetres."""

    width: Annotated[int, pydantic.Field(ge=1, le=500, description="at most five metres")]
    height: int = 10


class Order(pydantic.BaseModel):
    item: str
    color: Color
    size: Size
    deliver_on: datetime.date
    priority: Literal["low", "high"] = "low"


@dataclasses.dataclass
class Receipt:
    order_id: int
    color: Color
    deliver_on: datetime.date


def place_order(order: Order, note: Optional[str] = None) -> Receipt:
    """Place an order for a thing."""
    assert isinstance(order, Order) and isinstance(order.color, Color) and isinstance(order.deliver_on, datetime.date)
    return Receipt(7, order.color, order.deliver_on)


def paint(color: Color, when: datetime.date) -> str:
    """Paint the fence."""
    assert isinstance(color, Color) and isinstance(when, datetime.date)
    return f"{color.value} on {when.isoformat()}"


def test_pydantic_types_are_shown_and_checked():
    api = ToolAPI([place_order])
    ts = api.typescript()
    assert 'type Color = "red" | "green";' in ts
    assert "/** How big, in centimetres. */\ninterface Size { /** at most five metres */ width: number; height?: number }" in ts
    assert 'interface Order { item: string; color: Color; size: Size; deliver_on: string; priority?: "low" | "high" }' in ts
    assert "place_order(args: { order: Order; note?: string | null }): Promise<Receipt>;" in ts
    good = api.run(
        "return await codemode.place_order({ order: { item: 'fence', color: 'green', size: { width: 20 }, deliver_on: '2026-12-24' } })"
    )
    assert good.error is None, good.error
    assert good.value == {"order_id": 7, "color": "green", "deliver_on": "2026-12-24"}
    too_wide = api.run("return await codemode.place_order({ order: { item: 'x', color: 'red', size: { width: 900 }, deliver_on: '2026-01-01' } })")
    assert "argument 'order'.size.width: Input should be less than or equal to 500" in too_wide.error
    purple = api.run("return await codemode.place_order({ order: { item: 'x', color: 'purple', size: { width: 9 }, deliver_on: '2026-01-01' } })")
    assert "argument 'order'.color: Input should be 'red' or 'green'" in purple.error


@pytest.mark.parametrize("mode", ["pydantic", "builtin"])
def test_enums_and_dates_are_typed_and_validated_with_or_without_pydantic(mode, monkeypatch):
    monkeypatch.setattr(_schema, "USE_PYDANTIC", mode == "pydantic")
    api = ToolAPI([paint])
    assert "paint(args: { color: Color; when: string }): Promise<string>;" in api.typescript()
    assert 'type Color = "red" | "green";' in api.typescript()
    ok = api.run("return await codemode.paint({ color: 'red', when: '2026-05-01' })")
    assert (ok.error, ok.value) == (None, "red on 2026-05-01")
    # A JS Date crosses as a datetime; a date parameter takes its day.
    dated = api.run("return await codemode.paint({ color: 'red', when: new Date(Date.UTC(2026, 4, 1)) })")
    assert (dated.error, dated.value) == (None, "red on 2026-05-01")
    for bad in ("{ color: 'purple', when: '2026-05-01' }", "{ color: 'red', when: 42 }", "{ color: 'red', when: 'soon' }"):
        result = api.run(f"return await codemode.paint({bad})")
        assert result.error is not None and result.error.startswith("ToolError: codemode.paint: argument"), result.error


def lookup(sku: str, warehouse: int = 1) -> dict:
    """Stock of one product."""
    return {"sku": sku, "warehouse": warehouse, "count": 3}


def restock(sku: str, count: int) -> bool:
    """Order more of a product."""
    return count > 0


SEARCH = Tool(
    name="search",
    description="Full-text search over the docs.",
    parameters={
        "type": "object",
        "properties": {"q": {"type": "string", "description": "the words"}, "top": {"type": "integer"}},
        "required": ["q"],
    },
    call=lambda args: [f"{args['q']} #{i}" for i in range(args.get("top", 2))],
    returns={"type": "array", "items": {"type": "string"}},
)


@pytest.fixture
def shop():
    return ToolAPI(
        [
            paint,
            SEARCH,
            Provider("stock", [lookup, restock], positional_args=True, instructions="Inventory of the shop."),
            Provider("orders", [place_order]),
        ]
    )


def test_namespaces_are_declared_and_run(shop):
    ts = shop.typescript()
    assert "declare const codemode: {" in ts and "declare const orders: {" in ts
    assert "/** Inventory of the shop. */\ndeclare const stock: {" in ts
    assert "  lookup(sku: string, warehouse?: number): Promise<Record<string, unknown>>;" in ts
    assert "  restock(sku: string, count: number): Promise<boolean>;" in ts
    assert "  search(args: { /** the words */ q: string; top?: number }): Promise<string[]>;" in ts
    plan = """
    const hits = await codemode.search({ q: 'fence', top: 1 })
    const have = await stock.lookup('F-1')
    const other = await stock.lookup('F-2', 4)
    const more = await stock.restock('F-1', 5)
    return { hits, have, other, more }
    """
    result = shop.run(plan)
    assert result.error is None, result.error
    assert result.value == {
        "hits": ["fence #0"],
        "have": {"sku": "F-1", "warehouse": 1, "count": 3},
        "other": {"sku": "F-2", "warehouse": 4, "count": 3},
        "more": True,
    }
    assert [(c.namespace, c.name, c.args) for c in result.calls] == [
        ("codemode", "search", {"q": "fence", "top": 1}),
        ("stock", "lookup", {"sku": "F-1"}),
        ("stock", "lookup", {"sku": "F-2", "warehouse": 4}),
        ("stock", "restock", {"sku": "F-1", "count": 5}),
    ]
    assert set(shop.json_schemas()) == {"paint", "search", "stock.lookup", "stock.restock", "orders.place_order"}


@pytest.mark.parametrize(
    "call, message",
    [
        ("stock.lookup('a', 1, 2)", "stock.lookup takes at most 2 argument(s) (sku, warehouse), got 3"),
        ("stock.restock('a')", "stock.restock: missing required argument(s) count"),
        ("stock.lookup(42)", "stock.lookup: argument 'sku'"),
        ("orders.nope({})", "TypeError: orders.nope is not a function (at line 1, column"),
        ("codemode.search('fence')", "codemode.search takes one object of named arguments"),
    ],
)
def test_bad_calls_across_namespaces_are_explained(shop, call, message):
    result = shop.run(f"return await {call}")
    assert result.error is not None and message in result.error, result.error


def test_the_sandbox_cannot_rebind_a_namespace(shop):
    result = shop.run("stock.lookup = () => 'forged'; return await stock.lookup('F-1')")
    assert result.error.startswith("TypeError: Cannot assign to read only property 'lookup'")
    redefine = shop.run("Object.defineProperty(globalThis, 'stock', { value: {} }); return 1")
    assert redefine.error is not None and redefine.error.startswith("TypeError")


@pytest.mark.parametrize(
    "providers, match",
    [
        ([Provider("console", [paint])], "not a global of the runtime"),
        ([Provider("1x", [paint])], "JavaScript identifier"),
        ([Provider("a", [paint]), Provider("a", [lookup])], "unique"),
        ([paint, Provider("codemode", [lookup])], "unique"),
    ],
)
def test_bad_namespaces_are_refused(providers, match):
    with pytest.raises(ValueError, match=match):
        ToolAPI(providers)


def test_tool_names_must_be_identifiers_and_js_identifier_makes_them():
    with pytest.raises(ValueError, match="not a JavaScript identifier"):
        Tool("get-weather", "", {"type": "object"}, lambda a: None)
    assert codemode.js_identifier("get-weather.v2") == "get_weather_v2"
    assert codemode.js_identifier("2fa") == "_2fa"
    assert codemode.js_identifier("delete") == "_delete"


def test_a_failing_schema_only_tool_reaches_the_plan_as_an_error():
    def fail(args):
        raise ToolError("the index is rebuilding; try again in a minute")

    api = ToolAPI([Tool("search", "", {"type": "object", "properties": {}}, fail)])
    result = api.run("try { await codemode.search({}) } catch (e) { return String(e.message) }")
    assert result.value == "the index is rebuilding; try again in a minute"


def test_json_schema_to_typescript_covers_refs_recursion_and_odd_keys():
    schema = {
        "type": "object",
        "properties": {
            "tree": {"$ref": "#/$defs/Node"},
            "content-type": {"type": "string", "nullable": True},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
            "kind": {"oneOf": [{"const": "a"}, {"const": 1}]},
            "tags": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
            "any": {},
        },
        "required": ["tree"],
        "$defs": {
            "Node": {
                "type": "object",
                "description": "A node with children.",
                "properties": {"value": {"type": ["integer", "null"]}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                "required": ["value"],
            }
        },
    }
    ts = json_schema_to_typescript(schema, "Doc")
    assert "/** A node with children. */\ninterface Node { value: number | null; children?: Node[] }" in ts
    assert (
        'type Doc = { tree: Node; "content-type"?: string | null; pair?: [string, number]; kind?: "a" | 1; '
        "tags?: (string | null)[]; any?: unknown };"
    ) in ts


def test_same_name_different_schemas_get_distinct_types():
    a = Tool("a", "", {"type": "object", "properties": {"x": {"$ref": "#/$defs/Item"}}, "$defs": {"Item": {"type": "object", "properties": {"n": {"type": "number"}}}}}, lambda a: None)
    b = Tool("b", "", {"type": "object", "properties": {"x": {"$ref": "#/$defs/Item"}}, "$defs": {"Item": {"type": "object", "properties": {"s": {"type": "string"}}}}}, lambda a: None)
    ts = ToolAPI([a, b]).typescript()
    assert "interface Item { n?: number }" in ts and "interface Item2 { s?: string }" in ts
    assert "a(args: { x?: Item }): Promise<unknown>;" in ts and "b(args: { x?: Item2 }): Promise<unknown>;" in ts


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is needed to fetch tsc")
def test_namespaced_declarations_type_check_with_tsc(shop, tmp_path):
    subprocess.run(["npm", "install", "--silent", "--prefix", str(tmp_path), "typescript@5"], check=True, timeout=300)
    (tmp_path / "tools.d.ts").write_text(shop.typescript())
    (tmp_path / "use.ts").write_text(
        "async function plan() {\n"
        "  const n: number = (await stock.lookup('a'))['count'] as number\n"
        "  const r = await orders.place_order({ order: { item: 'x', color: 'red', size: { width: 1 }, deliver_on: '2026-01-01' } })\n"
        "  return [n, r.order_id, (await codemode.search({ q: 'x' }))[0]]\n"
        "}\n"
    )
    tsc = tmp_path / "node_modules" / ".bin" / "tsc"
    out = subprocess.run([str(tsc), "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022", str(tmp_path / "tools.d.ts"), str(tmp_path / "use.ts")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    "text, expected",
    [
        ("```ts\nreturn 1\n```", "export default async function () { return 1\n}\n"),
        ("```typescript\nasync () => { return 2 }\n```\n", "export default async () => { return 2 }"),
        ("async function main() { return 3 };", "export default async function main() { return 3 };"),
        ("async () => ({ a: 1 })", "export default async () => ({ a: 1 })"),
        ("export default async function () { return 4 }", "export default async function () { return 4 }"),
        ("async function h() { return 1 }\nreturn await h()", "export default async function () { async function h() { return 1 }\nreturn await h()\n}\n"),
        ("const s = '{'; return s", "export default async function () { const s = '{'; return s\n}\n"),
    ],
)
def test_normalize_code_takes_what_models_write(text, expected):
    assert normalize_code(text) == expected


def test_normalized_forms_run():
    api = ToolAPI([lookup])
    for code in ("```js\nreturn 5\n```", "async () => 5", "async function plan() { return 5 }", "() => 5"):
        assert api.run(code).value == 5, code


@given(st.text())
def test_normalize_code_always_exports_a_default_and_keeps_the_first_line(text):
    out = normalize_code(text)
    assert "export default" in out
    assert normalize_code(out) == out
    first = text.split("\n", 1)[0]
    if "```" not in text:
        assert first in out.split("\n", 1)[0]


def test_positional_tools_need_their_parameter_order():
    tool = Tool("t", "", {"type": "object", "properties": {}}, lambda a: None)
    with pytest.raises(ValueError, match="parameter order"):
        ToolAPI([Provider("p", [tool], positional_args=True)])


def test_results_cross_as_plain_data():
    def when() -> datetime.datetime:
        return datetime.datetime(2026, 1, 2, 3, 4, 5)

    def colour() -> Color:
        return Color.GREEN

    result = ToolAPI([when, colour]).run("return [await codemode.when({}), await codemode.colour({})]")
    assert result.value == ["2026-01-02T03:04:05", "green"]
    assert json.dumps(result.value)
