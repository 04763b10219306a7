"""A tiny multi-tenant platform: each tenant's fetch handler is loaded once with Loader.get()
and served warm afterwards; tenants are isolated from each other."""

import functools

import workerbox as wb

TENANTS = {
    "acme": "export default { fetch(req, env) { return Response.json({ tenant: env.name, path: new URL(req.url).pathname, hits: ++globalThis.hits || (globalThis.hits = 1) }) } }",
    "globex": "export default { fetch(req) { return new Response('globex says hi', { headers: { 'content-type': 'text/plain' } }) } }",
}
loads: list[str] = []


def factory_for(tenant: str) -> wb.WorkerCode:
    loads.append(tenant)
    return wb.WorkerCode("app.js", {"app.js": TENANTS[tenant]}, env={"name": tenant}, limits=wb.Limits(cpu_ms=50))


with wb.Loader() as loader:
    for tenant, path in [("acme", "/a"), ("globex", "/"), ("acme", "/b"), ("acme", "/c")]:
        worker = loader.get(tenant, functools.partial(factory_for, tenant))
        response = worker.get_entrypoint().fetch(wb.Request(f"https://{tenant}.example/{path.lstrip('/')}"))
        print(tenant, response.status, response.text())
print("factories run:", loads)
