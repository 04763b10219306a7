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


# Bundled by workerbox.bundler: the bundler turns a computed import() into a lookup among the
# project files its glob matches, so bundle=True still has every page a request may ask for.

ROUTER = """
export default {
  async fetch(request) {
    const name = new URL(request.url).pathname.slice(1)
    try {
      const page = await import(`./pages/${name}.js`)
      return new Response(page.render())
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`, { status: 404 })
    }
  },
  async concat(name) { return (await import("./pages/" + name + ".js")).render() },
}
"""

ROUTED = {
    "src/index.js": ROUTER,
    "src/pages/home.js": "export const render = () => 'home page'",
    "src/pages/about.js": "import { shout } from '../lib/shout.js'\nexport const render = () => shout('about')",
    "src/lib/shout.js": "export const shout = (s) => s.toUpperCase()",
}


def serve(loader, code, path):
    with loader.load(code) as w:
        r = w.get_entrypoint().fetch(wb.Request(f"https://app.test/{path}"))
        return r.status, r.text()


@pytest.mark.parametrize("bundle", [True, False])
@pytest.mark.parametrize("path, expected", [("home", (200, "home page")), ("about", (200, "ABOUT"))])
def test_a_bundled_worker_imports_the_page_a_request_names(loader, bundle, path, expected):
    from workerbox import bundler

    assert serve(loader, bundler.create_worker(ROUTED, bundle=bundle), path) == expected


@pytest.mark.parametrize("bundle", [True, False])
def test_a_bundled_page_outside_the_glob_rejects_with_a_type_error(loader, bundle):
    from workerbox import bundler

    status, text = serve(loader, bundler.create_worker(ROUTED, bundle=bundle), "missing")
    assert status == 404
    assert text.startswith("TypeError: ") and "only the worker's own modules can be imported" in text
    assert '"./pages/missing.js"' in text


def test_a_bundled_concatenated_specifier_is_resolved_too(loader):
    from workerbox import bundler

    with loader.load(bundler.create_worker(ROUTED)) as w:
        assert w.get_entrypoint().concat("about") == "ABOUT"


def test_a_bundled_typescript_import_matches_typescript_files(loader):
    from workerbox import bundler

    files = {
        "src/index.ts": "export default { async f(n: string): Promise<number> { return (await import(`./n/${n}.ts`)).v } }",
        "src/n/one.ts": "export const v: number = 1",
        "src/n/two.ts": "export const v: number = 2",
    }
    with loader.load(bundler.create_worker(files)) as w:
        assert [w.get_entrypoint().f("one"), w.get_entrypoint().f("two")] == [1, 2]


def test_a_bundled_import_of_a_package_subpath_with_a_static_string(loader):
    from workerbox import bundler

    files = {
        "index.js": "export default { async f() { return (await import('pkg/sub')).where } }",
        "node_modules/pkg/package.json": '{"name":"pkg","exports":{".":"./i.js","./sub":"./sub.js"}}',
        "node_modules/pkg/i.js": "export const where = 'root'",
        "node_modules/pkg/sub.js": "export const where = 'sub'",
    }
    for bundle in (True, False):
        with loader.load(bundler.create_worker(files, bundle=bundle)) as w:
            assert w.get_entrypoint().f() == "sub", bundle


def test_a_fully_dynamic_import_is_left_to_the_module_map(loader):
    from workerbox import bundler

    files = {
        "index.js": "export default { warm: () => import('./x.js'), async f(s) { try { return (await import(s)).x } catch (e) { return e.name } } }",
        "x.js": "export const x = 'x'",
    }
    built = bundler.build(files, bundle=False)
    with loader.load(built.code) as w:
        assert [w.get_entrypoint().f("./x.js"), w.get_entrypoint().f("./y.js")] == ["x", "TypeError"]
