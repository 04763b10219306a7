"""import() of the worker's own modules, resolved when it runs: computed specifiers, every module
type, top-level await, cycles, and clear errors for what the bundle does not have."""

import pytest

import workerbox as wb

MAIN = """
export default {
  async page(name) { const m = await import(`./pages/${name}.js`); return [m.default(), m.title] },
  async attempt(specifier) {
    try { await import(specifier); return "imported" } catch (e) { return [e.name, e.message] }
  },
  async kinds() {
    const [text, data, json, cjs] = await Promise.all(
      ["./a.txt", "./b.bin", "./c.json", "./d.cjs"].map((s) => import(s)))
    return [text.default, data.default.byteLength, json.default.k, cjs.default.v]
  },
  async tla() { return (await import("./slow.js")).value },
  async same() { return (await import("./pages/home.js")) === (await import("/pages/home.js")) },
  async cycle() { return (await import("./cyc-a.js")).a() },
  async fromCjs() { return await (await import("./loader.cjs")).default.load("home") },
  async syntax() {
    try { await import("./broken.js"); return "imported" } catch (e) { return e.name }
  },
  async throwsAtTop() {
    const first = await import("./throws.js").catch((e) => e.message)
    const second = await import("./throws.js").catch((e) => e.message)
    return [first, second]
  },
}
"""

MODULES = {
    "main.js": MAIN,
    "pages/home.js": "export default () => 'home'; export const title = 'Home'",
    "pages/about.js": "import { shared } from '../lib/shared.js'; export default () => shared('about'); export const title = 'About'",
    "lib/shared.js": "export const shared = (s) => `<${s}>`",
    "a.txt": {"text": "plain text"},
    "b.bin": {"data": b"\x00\x01\x02"},
    "c.json": {"json": {"k": [1, 2]}},
    "d.cjs": {"cjs": "module.exports = { v: 'cjs' }"},
    "slow.js": "await new Promise((r) => setTimeout(r, 20)); export const value = 'after await'",
    "cyc-a.js": "import { b } from './cyc-b.js'; export const a = () => 'a' + b(); export const name = 'a'",
    "cyc-b.js": "import { name } from './cyc-a.js'; export const b = () => 'b' + name",
    "loader.cjs": {"cjs": "module.exports = { load: async (n) => (await import(`./pages/${n}.js`)).title }"},
    "broken.js": "export const = 1",
    "throws.js": "throw new Error('at the top')",
}


@pytest.fixture
def ep(loader):
    with loader.load(main_module="main.js", modules=MODULES) as w:
        yield w.get_entrypoint()


@pytest.mark.parametrize("name, expected", [("home", ["home", "Home"]), ("about", ["<about>", "About"])])
def test_a_computed_specifier_is_resolved_when_import_runs(ep, name, expected):
    assert ep.page(name) == expected


def test_every_module_type_can_be_imported(ep):
    assert ep.kinds() == ["plain text", 3, [1, 2], "cjs"]


def test_import_waits_for_top_level_await(ep):
    assert ep.tla() == "after await"


def test_a_module_is_imported_once_whatever_the_spelling(ep):
    assert ep.same() is True


def test_cycles_resolve(ep):
    assert ep.cycle() == "aba"


def test_commonjs_modules_can_import(ep):
    assert ep.fromCjs() == "Home"


@pytest.mark.parametrize(
    "specifier",
    ["./missing.js", "../../etc/passwd", "/../../x.js", "https://example.com/x.js", "data:text/javascript,1", "fs"],
)
def test_a_specifier_outside_the_bundle_rejects_with_a_type_error(ep, specifier):
    name, message = ep.attempt(specifier)
    assert name == "TypeError"
    assert "only the worker's own modules can be imported" in message


def test_a_syntax_error_rejects_with_the_syntax_error(ep):
    assert ep.syntax() == "SyntaxError"


def test_a_module_that_throws_rejects_every_import_with_its_error(ep):
    assert ep.throwsAtTop() == ["at the top", "at the top"]


def test_the_main_module_can_import_at_its_top_level(loader):
    src = "const m = await import('./x.js'); export default { f: () => m.x }"
    with loader.load(main_module="m.js", modules={"m.js": src, "x.js": "export const x = 7"}) as w:
        assert w.get_entrypoint().f() == 7


def test_typescript_modules_are_imported_transpiled(loader):
    ts = "export const twice = (n: number): number => n * 2"
    src = "export default { async f() { return (await import('./t.ts')).twice(21) } }"
    with loader.load(main_module="m.js", modules={"m.js": src, "t.ts": {"ts": ts}}) as w:
        assert w.get_entrypoint().f() == 42


def test_an_import_left_pending_does_not_outlive_its_worker(loader):
    src = "export default { f() { import('./never.js'); return 'returned' } }"
    never = "await new Promise(() => {})"
    with loader.load(main_module="m.js", modules={"m.js": src, "never.js": never}) as w:
        assert w.get_entrypoint().f() == "returned"


def test_import_does_not_use_the_tenants_promise_machinery(loader):
    # While `then` and `constructor` are spoiled, the import runs to its end; a timer (which needs
    # no promise) puts them back before the tenant looks at the result.
    src = """export default { f() {
      const saved = Promise.prototype.then
      Promise.prototype.then = function () { throw new Error('tampered then') }
      Object.defineProperty(Promise.prototype, 'constructor', { get() { throw new Error('tampered ctor') }, configurable: true })
      const imported = import('./x.js')
      return new Promise((ok) => setTimeout(() => {
        Promise.prototype.then = saved
        Object.defineProperty(Promise.prototype, 'constructor', { value: Promise, writable: true, configurable: true })
        ok(imported.then((m) => m.x, (e) => e.message))
      }, 50))
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src, "x.js": "export const x = 1"}) as w:
        assert w.get_entrypoint().f() == 1
