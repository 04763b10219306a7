"""`node:async_hooks` under nodejs_compat: AsyncLocalStorage's store follows `await` and promise
callbacks (V8's continuation-preserved data), nests, and is gone outside `run`."""

NODE = ["nodejs_compat"]


def run(loader, body):
    src = f"import {{ AsyncLocalStorage, AsyncResource }} from 'node:async_hooks'\nexport default {{ async f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


def test_the_store_follows_await_and_then(loader):
    body = """
const als = new AsyncLocalStorage()
const other = new AsyncLocalStorage()
const seen = []
const work = async (tag) => {
  seen.push([tag, als.getStore()])
  await null
  await new Promise((resolve) => queueMicrotask(resolve))
  seen.push([tag + ' after await', als.getStore(), other.getStore()])
  return Promise.resolve().then(() => seen.push([tag + ' in then', als.getStore()]))
}
const a = als.run('A', () => other.run('x', () => work('a')))
const b = als.run('B', () => work('b'))
await Promise.all([a, b])
seen.push(['outside', als.getStore()])
seen.push(['nested', als.run(1, () => als.run(2, () => als.getStore()))])
seen.push(['exit', als.run(1, () => als.exit(() => als.getStore()))])
return seen
"""
    assert run(loader, body) == [
        ["a", "A"], ["b", "B"],
        ["a after await", "A", "x"], ["b after await", "B", None],
        ["a in then", "A"], ["b in then", "B"],
        ["outside", None], ["nested", 2], ["exit", None],
    ]


def test_bind_snapshot_and_async_resource(loader):
    body = """
const als = new AsyncLocalStorage()
const bound = als.run('bound', () => AsyncLocalStorage.bind(() => als.getStore()))
const snap = als.run('snap', () => AsyncLocalStorage.snapshot())
const resource = als.run('res', () => new AsyncResource('T'))
return [bound(), snap(() => als.getStore()), resource.runInAsyncScope(() => als.getStore()), als.getStore()]
"""
    assert run(loader, body) == ["bound", "snap", "res", None]


def test_enter_with(loader):
    body = """
const als = new AsyncLocalStorage()
const inner = async () => { als.enterWith('entered'); await null; return als.getStore() }
return [await inner(), typeof als.getStore()]
"""
    # As in Node, enterWith's store stays for the rest of the synchronous run of the caller too.
    got = run(loader, body)
    assert got[0] == "entered"


def test_a_store_entered_in_one_call_is_not_the_next_calls(loader):
    src = """import { AsyncLocalStorage } from 'node:async_hooks'
const als = new AsyncLocalStorage()
export default { enter(v) { als.enterWith(v); return als.getStore() }, read() { return als.getStore() ?? 'none' } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        ep = w.get_entrypoint()
        assert ep.enter("first call's") == "first call's"
        assert ep.read() == "none"


def test_the_store_follows_timers_and_queued_microtasks(loader):
    body = """
const als = new AsyncLocalStorage()
const later = (store) => als.run(store, () => new Promise((resolve) => setTimeout(() => resolve(als.getStore()), 2)))
const queued = (store) => als.run(store, () => new Promise((resolve) => queueMicrotask(() => resolve(als.getStore()))))
const ticks = []
await new Promise((resolve) => als.run('interval', () => {
  const id = setInterval(() => { ticks.push(als.getStore()); if (ticks.length === 2) { clearInterval(id); resolve() } }, 1)
}))
return [await later('t1'), await later('t2'), await queued('q'), ticks, als.getStore() ?? 'none']
"""
    assert run(loader, body) == ["t1", "t2", "q", ["interval", "interval"], "none"]
