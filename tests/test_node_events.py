"""`node:events` under nodejs_compat: EventEmitter as Node's (order, once, prepend, removal,
the unheard 'error' that throws) and the `once`/`on` helpers."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body, is_async=False):
    src = f"import EventEmitter, {{ once, on, errorMonitor }} from 'node:events'\nexport default {{ {'async ' if is_async else ''}f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


def test_listeners_run_in_order_with_once_and_prepend(loader):
    body = """
const e = new EventEmitter()
const log = []
e.on('x', (a, b) => log.push(['on', a, b]))
e.once('x', (a) => log.push(['once', a]))
e.prependListener('x', () => log.push(['first']))
const heard = e.emit('x', 1, 2)
e.emit('x', 3)
return [heard, e.emit('nothing'), log, e.listenerCount('x'), e.eventNames()]
"""
    assert run(loader, body) == [
        True, False, [["first"], ["on", 1, 2], ["once", 1], ["first"], ["on", 3, None]], 2, ["x"],
    ]


def test_removal_and_meta_events(loader):
    body = """
const e = new EventEmitter()
const log = []
e.on('newListener', (name) => log.push('new:' + name))
e.on('removeListener', (name) => log.push('removed:' + name))
const f = () => log.push('f')
e.on('y', f)
e.once('z', f)
e.off('y', f)
e.removeListener('z', f)
e.emit('y'); e.emit('z')
e.on('w', f); e.on('w', f)
e.removeAllListeners('w')
return [log, e.listeners('y').length, e.getMaxListeners(), e.setMaxListeners(1).getMaxListeners()]
"""
    log, n, default_max, new_max = run(loader, body)
    assert log == ["new:removeListener", "new:y", "new:z", "removed:y", "removed:z", "new:w", "new:w", "removed:w", "removed:w"]
    assert [n, default_max, new_max] == [0, 10, 1]


def test_an_unheard_error_throws(loader):
    body = """
const e = new EventEmitter()
const out = []
try { e.emit('error', new RangeError('boom')) } catch (err) { out.push(err.name, err.message) }
try { e.emit('error', 'text') } catch (err) { out.push(err.code) }
e.on(errorMonitor, (err) => out.push('monitor:' + err))
e.on('error', (err) => out.push('heard:' + err))
e.emit('error', 'x')
return out
"""
    assert run(loader, body) == ["RangeError", "boom", "ERR_UNHANDLED_ERROR", "monitor:x", "heard:x"]


def test_subclassing_and_statics(loader):
    body = """
class Thing extends EventEmitter { constructor() { super(); this.n = 0 } }
function Old() { EventEmitter.call(this) }
Object.setPrototypeOf(Old.prototype, EventEmitter.prototype)
const t = new Thing(); const o = new Old()
t.on('a', () => t.n++); t.emit('a'); o.on('b', () => {})
return [t.n, o.listenerCount('b'), EventEmitter.EventEmitter === EventEmitter, typeof EventEmitter.once, EventEmitter.defaultMaxListeners]
"""
    assert run(loader, body) == [1, 1, True, "function", 10]


def test_once_and_on_helpers(loader):
    body = """
const e = new EventEmitter()
setTimeout(() => e.emit('ready', 1, 2), 1)
const args = await once(e, 'ready')
setTimeout(() => e.emit('error', new Error('bad')), 1)
let failed
try { await once(e, 'never') } catch (err) { failed = err.message }
const seen = []
setTimeout(() => { e.emit('tick', 1); e.emit('tick', 2); e.emit('tick', 3) }, 1)
for await (const [n] of on(e, 'tick')) { seen.push(n); if (n === 3) break }
return [args, failed, seen, e.listenerCount('tick'), e.listenerCount('error')]
"""
    assert run(loader, body, is_async=True) == [[1, 2], "bad", [1, 2, 3], 0, 0]


def test_listener_must_be_a_function(loader):
    assert run(loader, "try { new EventEmitter().on('x', 1) } catch (e) { return [e.name, e.code] }") == [
        "TypeError", "ERR_INVALID_ARG_TYPE",
    ]


def test_named_import_of_the_class(loader):
    src = "import { EventEmitter } from 'events'; export default { f: () => typeof new EventEmitter().on }"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        assert w.get_entrypoint().f() == "function"
