"""worker-bundler against the real npm registry (registry.npmjs.org): the Dynamic Workers guide's
Hono app with `hono/cors`, zod validation, a `hono/jsx` page, and a package that needs
`node:buffer` under `nodejs_compat`, each built by `create_worker`, cached with `get(id,
factory)` and served through `fetch`. Skipped when the registry cannot be reached; CI reaches it."""

import json
import socket
import urllib.request

import pytest

import workerbox as wb
from workerbox import bundler


def _registry_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://registry.npmjs.org/hono", timeout=5) as r:
            return r.status == 200
    except (OSError, socket.timeout):
        return False


pytestmark = [
    pytest.mark.skipif(not _registry_reachable(), reason="registry.npmjs.org is not reachable"),
    pytest.mark.timeout(300),
]

HONO_APP = {
    "package.json": json.dumps({"name": "hono-app", "main": "src/index.ts", "dependencies": {"hono": "^4.0.0"}}),
    "src/index.ts": """
import { Hono } from 'hono'
import { cors } from 'hono/cors'

const app = new Hono()
app.use('/api/*', cors())
app.get('/', (c) => c.text('Hello from Hono!'))
app.get('/api/users/:id', (c) => c.json({ id: c.req.param('id'), name: 'Ada' }))
app.post('/api/echo', async (c) => c.json({ got: await c.req.json() }, 201))
export default app
""",
}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("npm-cache")


def fetch(worker, path, method="GET", body=None, headers=None):
    request = wb.Request(f"https://app.test{path}", method=method, headers=headers or {}, body=body)
    return worker.get_entrypoint().fetch(request)


def test_the_guides_hono_app_builds_and_serves(loader, cache):
    worker = loader.get("hono-app-v1", lambda: bundler.create_worker(HONO_APP, cache_dir=cache))
    assert fetch(worker, "/").text() == "Hello from Hono!"
    r = fetch(worker, "/api/users/7", headers={"origin": "https://x.test"})
    assert r.status == 200 and r.json() == {"id": "7", "name": "Ada"}
    assert r.headers["access-control-allow-origin"] == "*"
    r = fetch(worker, "/api/echo", "POST", json.dumps({"a": 1}), {"content-type": "application/json"})
    assert r.status == 201 and r.json() == {"got": {"a": 1}}
    assert fetch(worker, "/nowhere").status == 404


def test_a_second_build_uses_the_cache_and_the_lock(cache):
    first = bundler.build(HONO_APP, cache_dir=cache)
    again = bundler.build(HONO_APP, cache_dir=cache, lock=first.lock, offline=True)
    assert again.code.modules == first.code.modules


ZOD_APP = {
    "package.json": json.dumps({"dependencies": {"zod": "^3.23.0"}}),
    "index.ts": """
import { z } from 'zod'
const User = z.object({ name: z.string().min(1), age: z.number().int().nonnegative() })
export default {
  check(input: unknown) {
    const r = User.safeParse(input)
    return r.success ? { ok: r.data } : { errors: r.error.issues.map((i) => i.path.join('.')) }
  },
}
""",
}


def test_zod_validates_inside_the_sandbox(loader, cache):
    with loader.load(bundler.create_worker(ZOD_APP, cache_dir=cache)) as w:
        ep = w.get_entrypoint()
        assert ep.check({"name": "Ada", "age": 36}) == {"ok": {"name": "Ada", "age": 36}}
        assert ep.check({"name": "", "age": -1}) == {"errors": ["name", "age"]}


JSX_APP = {
    "package.json": json.dumps({"dependencies": {"hono": "^4.0.0"}}),
    "src/index.tsx": """
import { Hono } from 'hono'
const Page = (props: { items: string[] }) => (
  <html><body><ul>{props.items.map((i) => <li>{i}</li>)}</ul></body></html>
)
const app = new Hono()
app.get('/', (c) => c.html(<Page items={['tea', 'cake']} />))
export default app
""",
}


def test_a_hono_jsx_page_renders(loader, cache):
    code = bundler.create_worker(JSX_APP, cache_dir=cache, jsx_import_source="hono/jsx")
    with loader.load(code) as w:
        html = fetch(w, "/").text()
    assert "<ul><li>tea</li><li>cake</li></ul>" in html


BUFFER_APP = {
    "package.json": json.dumps({"dependencies": {"safe-buffer": "^5.2.1"}}),
    "wrangler.jsonc": '{ "main": "index.js", "compatibility_date": "2025-01-01", // nodejs_compat for Buffer\n "compatibility_flags": ["nodejs_compat"] }',
    "index.js": """
import { Buffer } from 'safe-buffer'
export default { b64(s) { return Buffer.from(s, 'utf8').toString('base64') } }
""",
}


def test_a_package_that_needs_node_buffer_runs_under_nodejs_compat(loader, cache):
    code = bundler.create_worker(BUFFER_APP, cache_dir=cache)
    assert "nodejs_compat" in code.compatibility_flags
    with loader.load(code) as w:
        assert w.get_entrypoint().b64("hello") == "aGVsbG8="
