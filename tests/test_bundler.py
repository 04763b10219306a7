"""workerbox.bundler: projects of TypeScript/JSX files (and vendored packages) built natively into
WorkerCode, then loaded and called in real workers."""

import asyncio

import pytest

import workerbox as wb
from workerbox import bundler

APP = {
    "src/index.ts": """
import { render } from './page'
import { greet, type Who } from './lib/greet'
import config from 'virtual:config'
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/page') return new Response(render(greet({ name: 'jsx' })), { headers: { 'content-type': 'text/html' } })
    const who: Who = { name: url.searchParams.get('name') ?? 'world' }
    return Response.json({ hello: greet(who), version: __VERSION__, app: config.app })
  },
}
""",
    "src/lib/greet.ts": "export interface Who { name: string }\nexport function greet(w: Who): string { return `hi ${w.name}` }\n",
    "src/page.tsx": """
import * as React from './h'
export function render(text: string): string {
  return <>
    <h1 class="t">{text}</h1>
  </>
}
""",
    "src/h.ts": """
export function createElement(tag: any, props: any, ...children: any[]): string {
  if (typeof tag === 'function') return tag({ ...props, children })
  const attrs = Object.entries(props ?? {}).map(([k, v]) => ` ${k}="${v}"`).join('')
  return `<${tag}${attrs}>${children.flat().join('')}</${tag}>`
}
export function Fragment(props: { children: string[] }): string { return props.children.flat().join('') }
""",
}

APP_OPTIONS = dict(
    jsx="classic",
    define={"__VERSION__": '"1.0.0"'},
    virtual_modules={"virtual:config": "export default { app: 'demo' }"},
)


def fetch(loader, code, url):
    with loader.load(code) as w:
        return w.get_entrypoint().fetch(wb.Request(url))


def test_typescript_jsx_app_bundles_into_one_module_and_serves(loader):
    built = bundler.build(APP, **APP_OPTIONS)
    code = built.code
    assert isinstance(code, wb.WorkerCode)
    assert code.main_module == "index.js"
    assert list(code.modules) == ["index.js"]
    assert set(built.timings) == {"install_ms", "bundle_ms", "total_ms"} and built.timings["bundle_ms"] > 0
    assert built.lock is None
    assert built.lock is None
    r = fetch(loader, code, "https://app.test/?name=py")
    assert r.json() == {"hello": "hi py", "version": "1.0.0", "app": "demo"}
    assert fetch(loader, code, "https://app.test/page").text() == '<h1 class="t">hi jsx</h1>'


def test_bundle_false_keeps_each_file_a_module(loader):
    code = bundler.create_worker(APP, bundle=False, **APP_OPTIONS)
    assert code.main_module == "src/index.js"
    assert {"src/index.js", "src/lib/greet.js", "src/page.js", "src/h.js"} <= set(code.modules)
    assert fetch(loader, code, "https://app.test/?name=graph").json()["hello"] == "hi graph"


def test_automatic_jsx_imports_the_runtime_from_jsx_import_source(loader):
    files = {
        "index.jsx": "export default { render() { return <p id='x'>{1 + 1}</p> } }",
        "node_modules/tiny-jsx/package.json": '{"name":"tiny-jsx","exports":{"./jsx-runtime":"./rt.js"}}',
        "node_modules/tiny-jsx/rt.js": "export function jsx(t, p) { return `<${t} id=${p.id}>${p.children}</${t}>` }\nexport const jsxs = jsx",
    }
    code = bundler.create_worker(files, jsx_import_source="tiny-jsx")
    with loader.load(code) as w:
        assert w.get_entrypoint().render() == "<p id=x>2</p>"


def test_entry_detection_order():
    base = {"src/index.ts": "export default { who: () => 'src' }", "index.js": "export default { who: () => 'root' }"}
    assert bundler.create_worker(base).main_module == "index.js"  # built from src/index.ts
    assert '"src"' in bundler.create_worker(base).modules["index.js"]["js"]
    pkg = {**base, "lib.js": "export default { who: () => 'pkg' }", "package.json": '{"main": "lib.js"}'}
    assert bundler.create_worker(pkg).main_module == "lib.js"
    wr = {**pkg, "w.js": "export default { who: () => 'wrangler' }", "wrangler.jsonc": '{ // the worker\n "main": "w.js" }'}
    assert bundler.create_worker(wr).main_module == "w.js"
    assert bundler.create_worker(wr, entry_point="index.js").main_module == "index.js"


def test_wrangler_compatibility_settings_are_carried(loader):
    files = {
        "wrangler.toml": 'main = "src/worker.ts"\ncompatibility_date = "2025-04-01"\ncompatibility_flags = ["nodejs_compat"]\n',
        "src/worker.ts": "export default { ok(): boolean { return true } }",
    }
    code = bundler.create_worker(files)
    assert (code.compatibility_date, code.compatibility_flags) == ("2025-04-01", ["nodejs_compat"])
    with loader.load(code) as w:
        assert w.get_entrypoint().ok() is True


def test_externals_and_builtins_stay_imports():
    files = {
        "index.js": "import { env } from 'cloudflare:workers'\nimport { Buffer } from 'buffer'\nimport x from 'my-ext/sub'\nexport default { env, Buffer, x }",
    }
    src = bundler.create_worker(files, externals=["my-ext"]).modules["index.js"]["js"]
    for spec in ['"cloudflare:workers"', '"node:buffer"', '"my-ext/sub"']:
        assert spec in src


def test_text_data_and_wasm_files_become_their_own_modules(loader):
    wasm = bytes.fromhex("0061736d01000000")
    files = {
        "index.js": "import t from './a.txt'\nimport d from './b.bin'\nimport m from './c.wasm'\n"
        "export default { info() { return [t, d.byteLength, m instanceof WebAssembly.Module] } }",
        "a.txt": "hello text",
        "b.bin": b"\x00\x01\x02",
        "c.wasm": wasm,
    }
    code = bundler.create_worker(files)
    assert code.modules["a.txt"] == {"text": "hello text"}
    assert code.modules["b.bin"] == {"data": b"\x00\x01\x02"}
    assert code.modules["c.wasm"] == {"wasm": wasm}
    with loader.load(code) as w:
        assert w.get_entrypoint().info() == ["hello text", 3, True]


def test_loader_option_maps_extensions():
    files = {"index.js": "import s from './q.graphql'\nexport default { s }", "q.graphql": "{ a }"}
    code = bundler.create_worker(files, loader={".graphql": "text"})
    assert code.modules["q.graphql"] == {"text": "{ a }"}
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker(files, loader={"graphql": "yaml"})
    assert e.value.kind == "options"


def test_vendored_packages_resolve_with_worker_conditions_and_cjs(loader):
    files = {
        "index.js": "import { where } from 'cond'\nimport cjs from 'legacy'\nexport default { run() { return [where, cjs.answer, cjs.twice(4)] } }",
        "node_modules/cond/package.json": '{"name":"cond","exports":{".":{"node":"./node.js","workerd":"./worker.js","default":"./default.js"}}}',
        "node_modules/cond/node.js": "export const where = 'node'",
        "node_modules/cond/worker.js": "export const where = 'workerd'",
        "node_modules/cond/default.js": "export const where = 'default'",
        "node_modules/legacy/package.json": '{"name":"legacy","main":"lib/index.js"}',
        "node_modules/legacy/lib/index.js": "const h = require('./helper')\nmodule.exports = { answer: 42, twice: h.twice }",
        "node_modules/legacy/lib/helper.js": "exports.twice = (n) => n * 2",
    }
    with loader.load(bundler.create_worker(files)) as w:
        assert w.get_entrypoint().run() == ["workerd", 42, 8]
    with loader.load(bundler.create_worker(files, conditions=["custom"])) as w:
        assert w.get_entrypoint().run()[0] == "default"


def test_unresolved_import_names_file_and_line():
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"src/index.ts": "// one\n// two\nimport x from './missing'\nexport default x\n"})
    err = e.value
    assert isinstance(err, wb.CodeError)
    assert (err.kind, err.file, err.line, err.specifier) == ("unresolved", "src/index.ts", 3, "./missing")
    assert "src/index.ts:3:" in str(err)


def test_syntax_error_in_a_dependency_names_file_line_column():
    files = {
        "index.js": "import x from 'broken'\nexport default x",
        "node_modules/broken/package.json": '{"name":"broken","main":"index.js"}',
        "node_modules/broken/index.js": "export default 1\nconst = 2\n",
    }
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker(files)
    assert (e.value.kind, e.value.file, e.value.line) == ("syntax", "node_modules/broken/index.js", 2)
    assert e.value.column is not None


def test_bad_options_are_build_errors():
    files = {"index.js": "export default {}"}
    for kwargs in [dict(target="es3"), dict(jsx="preact"), dict(define={"not valid": "1"}), dict(externals=[""])]:
        with pytest.raises(wb.BuildError) as e:
            bundler.create_worker(files, **kwargs)
        assert e.value.kind == "options", kwargs
    with pytest.raises(TypeError):
        bundler.create_worker({"index.js": 3})
    with pytest.raises(TypeError):
        bundler.create_worker(files, externals="my-ext")


def test_minify_and_sourcemap(loader):
    plain = bundler.create_worker(APP, **APP_OPTIONS).modules["index.js"]["js"]
    small = bundler.create_worker(APP, minify=True, **APP_OPTIONS)
    assert len(small.modules["index.js"]["js"]) < len(plain)
    assert fetch(loader, small, "https://app.test/").json()["hello"] == "hi world"
    mapped = bundler.create_worker(APP, sourcemap=True, **APP_OPTIONS).modules["index.js"]["js"]
    assert "sourceMappingURL=data:application/json" in mapped


def test_async_twins(loader):
    async def main():
        built = await bundler.build_async(APP, **APP_OPTIONS)
        code = await bundler.create_worker_async(APP, **APP_OPTIONS)
        return built, code

    built, code = asyncio.run(main())
    assert built.code.main_module == code.main_module == "index.js"
    assert fetch(loader, code, "https://app.test/").json()["app"] == "demo"


def test_concurrent_builds(loader):
    from concurrent.futures import ThreadPoolExecutor

    def one(i):
        return bundler.create_worker(APP, **{**APP_OPTIONS, "define": {"__VERSION__": f'"{i}"'}})

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(32)))
    assert [fetch(loader, c, "https://app.test/").json()["version"] for c in codes[:4]] == ["0", "1", "2", "3"]


def test_tsconfig_paths_and_base_url_resolve(loader):
    files = {
        "tsconfig.json": '{"extends": "./tsconfig.base.json", "compilerOptions": {"paths": {"@/*": ["src/*"]}}}',
        "tsconfig.base.json": '{"compilerOptions": {"baseUrl": "."}}',
        "src/index.ts": "import { a } from '@/lib/a'\nimport { b } from 'src/lib/b'\nexport default { f: (): string => a + b }",
        "src/lib/a.ts": "export const a: string = 'paths '",
        "src/lib/b.ts": "export const b: string = 'baseUrl'",
    }
    with loader.load(bundler.create_worker(files)) as w:
        assert w.get_entrypoint().f() == "paths baseUrl"
