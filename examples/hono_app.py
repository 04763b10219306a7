"""The Dynamic Workers guide's second example in Python: an LLM-authored Hono app whose
package.json asks for `hono`, built natively by workerbox.bundler (npm resolution, TypeScript,
bundling; no Node), cached with `get(id, factory)`, and called through its fetch handler."""

import json

import workerbox as wb
from workerbox import bundler

FILES = {
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


def main() -> None:
    with wb.Loader() as loader:
        worker = loader.get("hono-app-v1", lambda: bundler.create_worker(FILES))
        app = worker.get_entrypoint()
        print(app.fetch(wb.Request("https://app.example/")).text())
        print(app.fetch(wb.Request("https://app.example/api/users/7")).json())
        posted = app.fetch(
            wb.Request("https://app.example/api/echo", method="POST", headers={"content-type": "application/json"}, body='{"x": 1}')
        )
        print(posted.status, posted.json())
        print(app.fetch(wb.Request("https://app.example/missing")).status)


if __name__ == "__main__":
    main()
