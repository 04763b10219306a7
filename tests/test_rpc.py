"""env bindings: Python objects handed to the sandbox as RPC capabilities, and Workers' call shape."""

import asyncio
import datetime
import threading
import time

import pytest

import workerbox as wb


class Tools(wb.RpcTarget):
    def __init__(self):
        self.calls = []
        self.secret = "s3cret"

    def search(self, q):
        self.calls.append(q)
        return [f"result for {q}"]

    async def double_later(self, x):
        await asyncio.sleep(0.01)
        return x * 2

    def fail(self):
        raise LookupError("nothing found")

    def give_back(self):
        return object()

    def _private(self):
        return "never reachable"


def load_agent(loader, source, **env):
    return loader.load(main_module="agent.js", modules={"agent.js": source}, env=env)


def test_rpc_target_method_call(loader):
    tools = Tools()
    w = load_agent(loader, "export default { async run(q, env) { return await env.tools.search(q) } }", tools=tools)
    assert w.get_entrypoint().run("cats") == ["result for cats"]
    assert tools.calls == ["cats"]
    w.close()


def test_only_public_methods_of_the_class_are_exposed(loader):
    src = """export default { probe(env) {
        const t = env.tools
        return { keys: Object.keys(t).sort(), secret: typeof t.secret, calls: typeof t.calls,
                 priv: typeof t._private, init: typeof t.__init__, dict: typeof t.__dict__,
                 frozen: Object.isFrozen(t), proto: Object.getPrototypeOf(t) === null }
    } }"""
    w = load_agent(loader, src, tools=Tools())
    assert w.get_entrypoint().probe() == {
        "keys": ["double_later", "fail", "give_back", "search"],
        "secret": "undefined",
        "calls": "undefined",
        "priv": "undefined",
        "init": "undefined",
        "dict": "undefined",
        "frozen": True,
        "proto": True,
    }
    w.close()


def test_async_binding_method(loader):
    w = load_agent(loader, "export default { async f(x, env) { return await env.tools.double_later(x) } }", tools=Tools())
    assert w.get_entrypoint().f(21) == 42
    w.close()


def test_exception_in_binding_rejects_with_type_name_and_message_only(loader):
    src = """export default { async f(env) {
        try { await env.tools.fail() } catch (e) {
            return [e instanceof Error, e.name, e.message, String(e.stack).includes('Traceback'), String(e.stack).includes('.py')]
        }
    } }"""
    w = load_agent(loader, src, tools=Tools())
    assert w.get_entrypoint().f() == [True, "LookupError", "nothing found", False, False]
    w.close()


def test_uncaught_binding_exception_surfaces_as_js_error(loader):
    w = load_agent(loader, "export default { async f(env) { await env.tools.fail() } }", tools=Tools())
    with pytest.raises(wb.JSError) as info:
        w.get_entrypoint().f()
    assert (info.value.name, info.value.message) == ("LookupError", "nothing found")
    w.close()


def test_unserialisable_values_across_a_binding(loader):
    src = """export default {
        async arg(env) { try { await env.tools.search(() => 1) } catch (e) { return [e.name, e.message] } },
        async ret(env) { try { await env.tools.give_back() } catch (e) { return [e.name, e.message] } },
    }"""
    w = load_agent(loader, src, tools=Tools())
    ep = w.get_entrypoint()
    name, message = ep.arg()
    assert name == "TypeError" and "function" in message
    name, message = ep.ret()
    assert name == "ConversionError" and "object" in message
    w.close()


def test_callables_in_env_and_as_arguments(loader):
    seen = []
    src = "export default { async f(items, cb, env) { for (const i of items) await cb(i); return await env.add(2, 3) } }"
    w = load_agent(loader, src, add=lambda a, b: a + b)
    assert w.get_entrypoint().f([1, 2, 3], seen.append) == 5
    assert seen == [1, 2, 3]
    w.close()


def test_slow_binding_does_not_block_other_isolates_on_the_same_thread():
    with wb.Loader(threads=1) as loader:
        slow = load_agent(loader, "export default { async f(env) { return await env.wait(0.5) } }", wait=lambda s: time.sleep(s) or "slept")
        fast = load_agent(loader, "export default { f() { return 'fast' } }")
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("slow", slow.get_entrypoint().f()))
        t.start()
        time.sleep(0.1)
        start = time.monotonic()
        assert fast.get_entrypoint().f() == "fast"
        assert time.monotonic() - start < 0.3
        t.join()
        assert out["slow"] == "slept"


def test_worker_entrypoint_class_gets_env_and_ctx_props(loader):
    src = """import { WorkerEntrypoint } from 'cloudflare:workers'
    export default class extends WorkerEntrypoint {
        greet(name) { return `${this.env.greeting}, ${name} (for ${this.ctx.props.user})` }
    }"""
    w = load_agent(loader, src, greeting="hi")
    assert w.get_entrypoint(props={"user": "ada"}).greet("bob") == "hi, bob (for ada)"
    w.close()


def test_named_entrypoint_class(loader):
    src = """import { WorkerEntrypoint } from 'cloudflare:workers'
    export class Admin extends WorkerEntrypoint { whoami() { return 'admin' } }
    export default { whoami() { return 'default' } }"""
    w = load_agent(loader, src)
    assert w.get_entrypoint().whoami() == "default"
    assert w.get_entrypoint("Admin").whoami() == "admin"
    w.close()


def test_object_methods_receive_env_and_ctx(loader):
    w = load_agent(loader, "export default { f(a, env, ctx) { return [a, env.k, ctx.props.p, typeof ctx.waitUntil] } }", k="v")
    assert w.get_entrypoint(props={"p": 1}).f("a") == ["a", "v", 1, "function"]
    w.close()


def test_cloudflare_workers_env_export(loader):
    w = load_agent(loader, "import { env, RpcTarget } from 'cloudflare:workers'; export default { f() { return [env.k, typeof RpcTarget] } }", k=7)
    assert w.get_entrypoint().f() == [7, "function"]
    w.close()


@pytest.mark.parametrize("method", ["constructor", "toString", "hasOwnProperty", "valueOf"])
def test_object_prototype_methods_are_not_entrypoint_methods(loader, method):
    w = load_agent(loader, "export default { f() { return 1 } }")
    with pytest.raises(wb.WorkerError, match="no method"):
        getattr(w.get_entrypoint(), method)()
    w.close()


@pytest.mark.parametrize(
    "env, match",
    [("not a dict", "env: must be a dict"), ({1: "x"}, "env: keys must be str")],
)
def test_bad_env(loader, env, match):
    with pytest.raises(wb.CodeError, match=match):
        loader.load(main_module="m.js", modules={"m.js": "export default {}"}, env=env)


def test_oversized_env(loader):
    with pytest.raises(wb.CodeError, match="env: its size"):
        loader.load(main_module="m.js", modules={"m.js": "export default {}"}, env={"big": "x" * (2 << 20)})


def test_unsupported_env_value(loader):
    with pytest.raises(wb.ConversionError):
        loader.load(main_module="m.js", modules={"m.js": "export default {}"}, env={"o": object()})


def test_bytes_and_dates_cross_both_ways(loader):
    src = "export default { f(b, d) { return [b instanceof Uint8Array, b.length, d instanceof Date, d.getUTCFullYear(), new Uint8Array([1, 2]), new Date(0)] } }"
    w = loader.load(main_module="m.js", modules={"m.js": src})
    when = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
    is_u8, n, is_date, year, back, epoch = w.get_entrypoint().f(b"abc", when)
    assert (is_u8, n, is_date, year) == (True, 3, True, 2024)
    assert back == b"\x01\x02"
    assert epoch == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    w.close()


def test_rpc_target_in_async_loader():
    tools = Tools()

    async def main():
        async with wb.AsyncLoader(threads=1) as loader:
            w = await loader.load(
                main_module="a.js",
                modules={"a.js": "export default { async f(x, env) { return [await env.tools.search(x), await env.tools.double_later(2)] } }"},
                env={"tools": tools},
            )
            return await w.get_entrypoint().f("q")

    assert asyncio.run(main()) == [["result for q"], 4]


def test_service_binding_calls_go_isolate_to_isolate():
    with wb.Loader(threads=1) as loader:
        math = loader.load(main_module="math.js", modules={"math.js": "export default { add(a, b) { return a + b }, boom() { throw new RangeError('math broke') } }"})
        src = """export default { async f(env) {
            const sum = await env.math.add(1, 2)
            let err
            try { await env.math.boom() } catch (e) { err = [e.name, e.message] }
            return [sum, err, typeof env.math.then]
        } }"""
        app = loader.load(main_module="app.js", modules={"app.js": src}, env={"math": math.get_entrypoint()})
        assert app.get_entrypoint().f() == [3, ["RangeError", "math broke"], "undefined"]
        math.close()
        with pytest.raises(wb.JSError, match="closed"):
            app.get_entrypoint().f()


def test_service_binding_fetch_reaches_the_other_workers_fetch_handler():
    with wb.Loader(threads=2) as loader:
        api_src = """export default {
            async fetch(req) {
                if (req.method !== 'POST') return new Response('no', { status: 405 })
                return Response.json({ path: new URL(req.url).pathname, got: await req.text(), token: req.headers.get('x-token') })
            },
        }"""
        api = loader.load(main_module="api.js", modules={"api.js": api_src})
        plain = loader.load(main_module="p.js", modules={"p.js": "export default { add(a, b) { return a + b } }"})
        src = """export default { async f(env) {
            const r = await env.api.fetch('https://api.internal/items', { method: 'POST', headers: { 'x-token': 't1' }, body: 'hello' })
            const get = await env.api.fetch(new Request('https://api.internal/'))
            let missing
            try { await env.plain.fetch('https://p/') } catch (e) { missing = e.name }
            return [r.status, r.headers.get('content-type'), await r.json(), get.status, missing]
        } }"""
        app = loader.load(main_module="app.js", modules={"app.js": src}, env={"api": api.get_entrypoint(), "plain": plain.get_entrypoint()})
        status, ctype, body, get_status, missing = app.get_entrypoint().f()
        assert (status, ctype) == (200, "application/json")
        assert body == {"path": "/items", "got": "hello", "token": "t1"}
        assert get_status == 405
        assert missing == "Error"


def test_service_binding_fetch_counts_as_a_subrequest():
    with wb.Loader(threads=1) as loader:
        api = loader.load(main_module="api.js", modules={"api.js": "export default { fetch() { return new Response('ok') } }"})
        src = "export default { async f(env) { for (let i = 0; i < 3; i++) await env.api.fetch('https://a/') } }"
        app = loader.load(main_module="app.js", modules={"app.js": src}, env={"api": api.get_entrypoint()}, limits=wb.Limits(sub_requests=2))
        with pytest.raises(wb.SubrequestLimitExceeded):
            app.get_entrypoint().f()
