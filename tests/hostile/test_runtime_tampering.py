"""Tenant code that replaces intrinsics (Math, Array.prototype, Promise, getters on Object.prototype…)
before using the globals: the runtime's JS captured what it needs at bootstrap (rust/js/00_primordials.js)
and every limit is decided in Rust, so each global still gives the right answer, limits hold and nothing
of the host leaks."""

import logging
import pathlib
import re

import pytest

import workerbox as wb

# Everything the harness itself needs is captured before any tampering; `spoil(o)` replaces every
# own method and getter of `o` with one that throws, so a runtime still using it fails loudly.
PRELUDE = r"""
const { Error, Map, Set, TypeError, Uint8Array } = globalThis
const mapSet = Map.prototype.set
const setAdd = Set.prototype.add
const includes = String.prototype.includes
const NativePromise = Promise
const { apply, defineProperty, getOwnPropertyDescriptor, ownKeys } = Reflect
const create = Object.create
const getPrototypeOf = Object.getPrototypeOf
const TALength = getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype), 'length').get
const lengthOf = (u) => apply(TALength, u, [])
const ABLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get
const byteLengthOf = (b) => apply(ABLength, b, [])
const HEX = '0123456789abcdef'
const hex = (u) => { let s = ''; for (let i = 0; i < lengthOf(u); i++) s += HEX[u[i] >> 4] + HEX[u[i] & 15]; return s }
function evil() { throw new Error('tampered intrinsic called') }
function spoil(o) {
  const keys = ownKeys(o)
  for (let i = 0; i < keys.length; i++) {
    const d = getOwnPropertyDescriptor(o, keys[i])
    if (keys[i] === 'constructor' || keys[i] === 'prototype' || !d.configurable) continue
    if (typeof d.value === 'function') defineProperty(o, keys[i], { __proto__: null, value: evil, writable: true, configurable: true })
    else if (d.get) defineProperty(o, keys[i], { __proto__: null, get: evil, set: evil, configurable: true })
  }
}
"""

TAMPERS = {
    "none": "",
    "Math": "spoil(Math)",
    "Number": "spoil(Number); spoil(Number.prototype); globalThis.Number = evil",
    "Object": "spoil(Object); spoil(Object.prototype)",
    "Object.prototype getters": r"""
      // Names the runtime reads from objects of its own (records, descriptors, iterator results);
      // dictionary members read from the tenant's own arguments (`signal`, `status`…) follow the
      // prototype chain by spec, so they are left out.
      const keys = ['length', '0', '1', '2', 'get', 'set', 'value', 'done', 'next', 'href', 'host', 'port',
                    'pathname', 'search', 'hash', 'url', 'bytes', 'used', 'stream', 'callback', 'removed', 'query']
      for (let i = 0; i < keys.length; i++) defineProperty(Object.prototype, keys[i], { __proto__: null, get: () => evil, set: evil, configurable: true })
    """,
    "Array.prototype": r"""
      spoil(Array.prototype)
      for (let i = 0; i < 4; i++) defineProperty(Array.prototype, i, { __proto__: null, get: () => 'injected', set: evil, configurable: true })
    """,
    "Function.prototype": "spoil(Function.prototype)",
    "Promise": r"""
      spoil(Promise); spoil(Promise.prototype)
      defineProperty(Promise, Symbol.species, { get: evil, configurable: true })
    """,
    "Reflect": "spoil(Reflect)",
    "JSON": "spoil(JSON)",
    "Map and Set": "spoil(Map.prototype); spoil(Set.prototype); spoil(WeakMap.prototype); spoil(WeakSet.prototype)",
    "Symbol.iterator": r"""
      const arrayIterator = getPrototypeOf([][Symbol.iterator]())
      const generator = getPrototypeOf(getPrototypeOf((function* () {})()))
      arrayIterator.next = evil; generator.next = evil
      Array.prototype[Symbol.iterator] = evil; String.prototype[Symbol.iterator] = evil
      Map.prototype[Symbol.iterator] = evil; Set.prototype[Symbol.iterator] = evil
    """,
    "String and RegExp": "spoil(String.prototype); spoil(RegExp.prototype); spoil(String)",
    "typed arrays": r"""
      spoil(getPrototypeOf(Uint8Array.prototype)); spoil(ArrayBuffer.prototype); spoil(ArrayBuffer); spoil(DataView.prototype)
      Uint8Array.prototype.constructor = { [Symbol.species]: evil }
    """,
    "WebAssembly": "spoil(WebAssembly.Module); WebAssembly.validate = evil",
    "global constructors": r"""
      for (const name of ['TypeError', 'RangeError', 'Error', 'Uint8Array', 'ArrayBuffer', 'Map', 'Set', 'WeakMap',
                          'Promise', 'Symbol', 'String', 'Number', 'Boolean', 'Object', 'Array', 'JSON', 'Math',
                          'Reflect', 'encodeURIComponent', 'parseInt', 'DOMException', 'globalThis'])
        globalThis[name] = evil
    """,
}

# Each check returns a string. Promises the platform resolves with an object (arrayBuffer(),
# digest()) read its `then` as the spec says, so Object.prototype.then is not among the tampers.
CHECKS = r"""
const checks = {
  async console() {
    const m = new Map(); apply(mapSet, m, ['k', [1, { d: 2 }]])
    const s = new Set(); apply(setAdd, s, ['v'])
    console.log('%s=%d', 'x', 42, { a: [1, , 3], s: "q'" }, m, s, new Uint8Array(2), new Headers({ a: 'b' }))
    console.table({ r1: { c: 1 }, r2: { c: 2 } })
    console.count(); console.group('g'); console.warn('in'); console.groupEnd(); console.error(new TypeError('te'))
    return 'logged'
  },
  async timers() {
    let order = ''
    await new NativePromise((done) => {
      const id = setInterval(() => { order += 'i'; if (order.length > 2) { clearInterval(id); done() } }, 1)
      setTimeout((x) => { order += x }, 0, 't')
      queueMicrotask(() => { order += 'm' })
    })
    return `${order}|${typeof performance.now()}`
  },
  async encoding() {
    const bytes = new TextEncoder().encode('h\u00e9\ud800!')
    const into = new Uint8Array(4)
    const r = new TextEncoder().encodeInto('\u00e9\u00e9\u00e9', into)
    const d = new TextDecoder('utf-8', { fatal: false })
    return `${hex(bytes)}|${r.read},${r.written}|${d.decode(bytes)}|${d.decode(bytes, { stream: true })}`
  },
  async base64() {
    let bad
    try { atob('a') } catch (e) { bad = e.name }
    return `${btoa('hello\u00ff')}|${atob(' aGVs bG8= ')}|${bad}`
  },
  async url() {
    const u = new URL('/p?q=1&r=2#h', 'https://user@example.com:8080')
    u.pathname = '/a b'; u.searchParams.append('s', 't u'); u.hash = 'x'; u.port = '99'
    const p = new URLSearchParams({ b: '2', a: '1' }); p.sort(); p.set('a', '3')
    // A string pattern: a dictionary's members are read through the prototype chain, by spec.
    const route = new URLPattern('https://x.test/items/:id(\\d+)').exec('https://x.test/items/7')
    return `${u.href}|${u.host}|${u.searchParams.get('q')}|${p}|${p.getAll('a')[0]}|${URL.canParse('nope')}|${route.pathname.groups.id}`
  },
  async headersAndBodies() {
    const h = new Headers({ 'X-B': '2', 'x-a': '1' }); h.append('x-a', '3')
    const req = new Request('https://example.com/', { method: 'post', headers: h, body: new URLSearchParams('k=v') })
    const res = new Response('r\u00e9sum\u00e9', { status: 201, headers: { 'content-type': 'text/x' } })
    const json = await Response.json({ a: [1] }).text()
    const buf = await req.clone().arrayBuffer()
    return `${h.get('x-a')}|${req.method}|${req.headers.get('content-type')}|${await req.text()}|${hex(new Uint8Array(buf))}|${res.status}|${await res.text()}|${json}|${res.bodyUsed}`
  },
  async crypto() {
    const s = crypto.subtle
    const digest = await s.digest('sha-256', new TextEncoder().encode('abc'))
    const random = crypto.getRandomValues(new Uint8Array(8))
    // Every member the algorithm dictionaries have is given, so none is read from a prototype.
    const mac = await s.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify'])
    const tag = await s.sign('HMAC', mac, new Uint8Array(3))
    const ok = await s.verify('HMAC', mac, tag, new Uint8Array(3))
    const aes = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt', 'decrypt'])
    const ct = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, aes, new Uint8Array(5))
    const pt = await s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, aes, ct)
    const seed = new Uint8Array(32)
    const pkcs8 = new Uint8Array(48)
    const prefix = [48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]
    for (let i = 0; i < 16; i++) pkcs8[i] = prefix[i]
    const ed = await s.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign'])
    const sig = await s.sign('Ed25519', ed, seed)
    return `${hex(new Uint8Array(digest))}|${lengthOf(random)}|${crypto.randomUUID().length}|${hex(new Uint8Array(tag))}|${ok}|${hex(new Uint8Array(ct))}|${lengthOf(new Uint8Array(pt))}|${hex(new Uint8Array(sig))}`
  },
  async blobsAndForms() {
    const fd = new FormData()
    fd.append('t', 'a\nb'); fd.append('f', new File(['x\u00e9'], 'n "1".txt', { type: 'text/plain' }))
    const back = await new Response(fd).formData(), file = back.get('f')
    const c = new Uint8Array(1); c[0] = 99
    const blob = new Blob(['ab', c], { type: 'T/X' })
    return `${back.get('t')}|${file.name}|${file.type}|${await file.text()}|${blob.size}|${blob.type}|${await blob.slice(1).text()}`
  },
  async structuredClone() {
    const c = structuredClone({ a: [1, { b: 'x' }], u: new Uint8Array(3) })
    return `${c.a[1].b}|${lengthOf(c.u)}`
  },
  async events() {
    const t = new EventTarget(); let seen = ''
    t.addEventListener('x', (e) => { seen += e.type }, { once: true })
    t.dispatchEvent(new Event('x')); t.dispatchEvent(new Event('x'))
    const c = new AbortController(); c.signal.onabort = () => { seen += '!' }; c.abort()
    const any = AbortSignal.any([c.signal])
    return `${seen}|${c.signal.aborted}|${any.aborted}|${c.signal.reason.name}`
  },
  async webassembly() {
    // (module (memory (export "mem") 1 65536))
    const bytes = new Uint8Array(25)
    const src = [0, 97, 115, 109, 1, 0, 0, 0, 5, 6, 1, 1, 1, 128, 128, 4, 7, 7, 1, 3, 109, 101, 109, 2, 0]
    for (let i = 0; i < 25; i++) bytes[i] = src[i]
    // A module's memories are limited to the room left when it is compiled, so the small memory comes first.
    const small = new WebAssembly.Memory({ initial: 1, maximum: 64 })
    const compiled = await WebAssembly.compile(bytes)
    const mems = [small, new WebAssembly.Instance(compiled).exports.mem]
    let total = 0
    for (let i = 0; i < 2; i++) {
      try { for (;;) mems[i].grow(16) } catch (e) {}
      total += byteLengthOf(mems[i].buffer)
    }
    return `${total <= 32 << 20}`
  },
  async streams() {
    // A TextEncoderStream piped through into a reader: chunks, backpressure, closing.
    const source = new ReadableStream({ start(c) { c.enqueue('h\u00e9'); c.enqueue('\ud83d'); c.enqueue('\ude00'); c.close() } })
    const reader = source.pipeThrough(new TextEncoderStream()).getReader()
    let out = ''
    for (;;) {
      const step = await reader.read()
      if (step.done) break
      out += hex(step.value) + ','
    }
    return `${out}|${source.locked}`
  },
  async errors() {
    // Errors from the globals carry runtime frames (workerbox:runtime/…), never a host path.
    let stacks = ''
    const fails = [() => new URL('nope'), () => atob('*'), () => new Headers({ 'a b': '' }), () => structuredClone(() => 1),
                   () => new Response('', { status: 99 }), () => new WebAssembly.Memory({ initial: 4096 }), () => fetch('https://x.test/')]
    for (let i = 0; i < fails.length; i++) {
      try { await fails[i]() } catch (e) { stacks += `${e.name}: ${e.stack}\n` }
    }
    const leaks = ['/work/', '/root/', '/usr/', '.rs:', '.py', 'Traceback']
    let found = ''
    for (let i = 0; i < leaks.length; i++) if (apply(includes, stacks, [leaks[i]])) found += leaks[i]
    return `${apply(includes, stacks, ['workerbox:runtime/'])}|leaks:${found}`
  },
}
const names = ['console', 'timers', 'encoding', 'base64', 'url', 'headersAndBodies', 'blobsAndForms', 'crypto', 'structuredClone', 'events', 'webassembly', 'streams', 'errors']
"""


def run_checks(loader, tamper):
    # The tampering comes last, so stack traces in the console output keep their line numbers.
    src = PRELUDE + CHECKS + r"""
    export default { async f() {
      const results = create(null)
      for (let i = 0; i < names.length; i++) {
        try { results[names[i]] = await checks[names[i]]() } catch (e) { results[names[i]] = `threw ${e && e.name}: ${e && e.message}` }
      }
      return results
    } }
    """ + tamper
    with loader.load(main_module="t.js", modules={"t.js": src}, limits=wb.Limits(memory_mb=32)) as w:
        return w.get_entrypoint().f()


@pytest.fixture(scope="module")
def untouched(loader):
    return run_checks(loader, "")


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_globals_work_after_the_tenant_tampers_with_intrinsics(loader, untouched, tamper):
    assert all("threw" not in v for v in untouched.values()), untouched
    assert untouched["webassembly"] == "true"
    assert untouched["errors"] == "true|leaks:"
    assert run_checks(loader, TAMPERS[tamper]) == untouched


def test_console_output_is_the_same_after_tampering(loader, caplog):
    caplog.set_level(logging.DEBUG, logger="workerbox.console")

    def lines(tamper):
        caplog.clear()
        run_checks(loader, tamper)
        return [r.getMessage() for r in caplog.records if r.name == "workerbox.console"]

    expected = lines("")
    for name in ("Array.prototype", "Object.prototype getters", "Map and Set", "String and RegExp", "typed arrays"):
        assert lines(TAMPERS[name]) == expected, name


# --- item 8: the WebAssembly memory charge is Rust's, whatever Math/Number/valueOf do ----------

def test_webassembly_memory_charge_ignores_tampered_math_and_value_of(loader):
    # The old JS charge read Math.min/max/floor and Number at call time: a Math.min returning an
    # object whose valueOf changes between reads got 1 page charged and 4 x 128 MiB grown.
    src = r"""export default { f() {
      let reads = 0
      const shifty = { valueOf() { return reads++ % 2 === 0 ? 1 : 2048 } }
      Math.min = () => shifty; Math.max = () => shifty; Math.floor = () => shifty; Math.ceil = () => shifty
      globalThis.Number = () => shifty
      const keep = []
      let total = 0
      for (let i = 0; i < 4; i++) {
        try {
          const m = new WebAssembly.Memory(i % 2 ? { initial: 1 } : { initial: shifty, maximum: shifty })
          keep.push(m)
          try { for (;;) m.grow(16) } catch (e) {}
          total += m.buffer.byteLength
        } catch (e) { if (e.name !== 'RangeError') throw e }
      }
      return total
    } }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=16)) as w:
        assert w.get_entrypoint().f() <= 16 << 20


def test_webassembly_memory_descriptor_fields_are_read_once(loader):
    src = r"""export default { f() {
      let reads = 0
      const counted = (n) => ({ valueOf() { reads++; return n } })
      const d = { get initial() { reads++; return counted(1) }, get maximum() { reads++; return counted(2) } }
      const m = new WebAssembly.Memory(d)
      let refused
      try { m.grow(2) } catch (e) { refused = e.name }
      return [reads, m.buffer.byteLength, refused]
    } }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=16)) as w:
        assert w.get_entrypoint().f() == [4, 65536, "RangeError"]  # each getter and valueOf once


# --- item 7: buffers the runtime hands the sandbox count against its memory limit ---------------

BUFFER_MAKERS = {
    "TextEncoder.encode": "new TextEncoder().encode(big)",
    "Response.arrayBuffer": "await new Response(big).arrayBuffer()",
    "Request.bytes": "await new Request('https://x.test/', { method: 'POST', body: big }).bytes()",
    "structuredClone": "structuredClone(new Uint8Array(16 << 20))",
}


@pytest.mark.parametrize("make", sorted(BUFFER_MAKERS))
def test_buffers_made_for_the_sandbox_are_charged(loader, make):
    # Before, TextEncoder.encode's output sat outside the budget: 16 x 16 MiB kept with
    # memory_mb=64 grew RSS by 1.3 GB and no limit fired.
    src = f"""export default {{ async f() {{
      const big = 'x'.repeat(16 << 20)
      const keep = []
      try {{ for (let i = 0; i < 16; i++) keep.push({BUFFER_MAKERS[make]}) }}
      catch (e) {{ return [e.name, keep.length] }}
      return ['none', keep.length]
    }} }}"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64, cpu_ms=20_000)) as w:
        try:
            name, kept = w.get_entrypoint().f()
        except wb.MemoryLimitExceeded:
            return
    assert name in ("RangeError", "Error") and kept <= 4  # 4 x 16 MiB fill the 64 MiB budget


@pytest.mark.parametrize("make", sorted(BUFFER_MAKERS))
def test_buffers_the_sandbox_dropped_do_not_refuse_new_ones(loader, make):
    # The same makers, each result dropped at once: garbage holds the budget only until a GC,
    # which a refusal runs first, so 1 GiB passes through a 64 MiB budget in 8 MiB buffers.
    # (With 16 MiB ones, the 16 MiB string and two live buffers at a time leave V8's heap too
    # little room, and the heap limit, not the budget, ends the worker.)
    src = f"""export default {{ async f() {{
      const big = 'x'.repeat(8 << 20)
      let total = 0
      for (let i = 0; i < 128; i++) total += ({BUFFER_MAKERS[make].replace("16 << 20", "8 << 20")}).byteLength
      return total
    }} }}"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64, cpu_ms=60_000)) as w:
        assert w.get_entrypoint().f() == 128 * (8 << 20)


def test_a_refused_encode_is_a_catchable_range_error_and_the_worker_goes_on(loader):
    src = """export default {
      f() {
        const big = 'x'.repeat(40 << 20)
        const keep = [new Uint8Array(40 << 20)]
        try { new TextEncoder().encode(big) } catch (e) { return [e.name, new TextEncoder().encode('ok').length] }
      },
    }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, limits=wb.Limits(memory_mb=64)) as w:
        assert w.get_entrypoint().f() == ["RangeError", 2]


# --- the rule itself, checked on the source -------------------------------------------------------

RUNTIME_JS = pathlib.Path(__file__).resolve().parents[2] / "rust" / "js"
LATE_READS = re.compile(
    r"\.(push|pop|map|filter|forEach|some|every|find|findIndex|slice|splice|concat|join|indexOf|includes|replace|"
    r"split|test|exec|then|catch|finally|startsWith|toLowerCase|toUpperCase|padStart|charCodeAt|apply|call|bind|"
    r"reduce|sort|subarray)\("  # a method looked up when called
    r"|for \((const|let) [^;]* of "  # the iterator protocol
    r"|\[\.\.\."  # array spread, the same
    r"|\b(const|let|var) \["  # array destructuring, the same
    r"|\binstanceof\b"  # Symbol.hasInstance, a Proxy's getPrototypeOf
    r"|\b(Object|Array|Math|JSON|Reflect|Promise|Number|String|Symbol|ArrayBuffer)\.[a-zA-Z]"  # a static read late
)


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(RUNTIME_JS))
        for p in RUNTIME_JS.rglob("*.js")
        if p.name not in ("00_primordials.js", "12_fetch.js")
    ),
)
def test_runtime_js_reads_no_intrinsic_late(path):
    # Everything goes through hooks.primordials; 12_fetch.js belongs to the outbound layer.
    code = [line for line in (RUNTIME_JS / path).read_text().splitlines() if not line.lstrip().startswith("//")]
    assert [line for line in code if LATE_READS.search(line)] == []


def test_a_setter_on_error_prototype_does_not_run_inside_host_answers(loader):
    # Errors the host makes (a binding's exception, structuredClone's DataCloneError) get their
    # name as an own property: a setter the tenant planted on Error.prototype never sees them.
    def boom():
        raise KeyError("nope")

    src = """export default { async f(env) {
      const seen = []
      Object.defineProperty(Error.prototype, 'name', { set(v) { seen.push(v) }, get() { return 'planted' }, configurable: true })
      const names = []
      try { await env.boom() } catch (e) { names.push(e.name) }
      try { structuredClone(() => 1) } catch (e) { names.push(e.name) }
      return { seen, names }
    } }"""
    with loader.load(main_module="h.js", modules={"h.js": src}, env={"boom": boom}) as w:
        assert w.get_entrypoint().f() == {"seen": [], "names": ["KeyError", "DataCloneError"]}


def test_structured_clone_of_blobs_ignores_a_tampered_blob_prototype(loader):
    # The copy is made from the Blob's internal state; a tenant's getters and a Blob subclass
    # that lies about its contents change nothing, and a Proxy of a Blob is not a Blob.
    src = r"""export default { async f() {
      class Liar extends Blob { get size() { return 99 } text() { return 'lie' } }
      Object.defineProperty(Blob.prototype, 'type', { get() { return 'tampered' } })
      Blob.prototype.slice = () => { throw new Error('slice called') }
      Blob.prototype.arrayBuffer = () => { throw new Error('arrayBuffer called') }
      const c = structuredClone([new Liar(['truth'])])[0]
      let proxy
      try { structuredClone(new Proxy(new Blob(['x']), {})); proxy = 'cloned' } catch (e) { proxy = e.name }
      return [Object.getPrototypeOf(c) === Blob.prototype, c.size, await Blob.prototype.text.call(c), proxy]
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == [True, 5, "truth", "DataCloneError"]


def test_structured_clone_of_many_blobs_is_bounded_by_the_limits(loader):
    # Each Blob met is copied while serializing; a graph of them stops at the CPU limit like any
    # other JavaScript, and the worker's neighbours are unaffected.
    src = r"""export default { f() {
      const b = new Blob(['x'])
      const list = []
      for (let i = 0; i < 2_000_000; i++) list.push(b)
      for (;;) structuredClone(list)
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(cpu_ms=300, memory_mb=256)) as w:
        with pytest.raises((wb.CpuLimitExceeded, wb.MemoryLimitExceeded)):
            w.get_entrypoint().f()
    with loader.load(main_module="n.js", modules={"n.js": "export default { f() { return structuredClone([1]) } }"}) as w:
        assert w.get_entrypoint().f() == [1]


def test_message_ports_deliver_after_the_tenant_spoils_events_and_promises(loader):
    src = r"""
      EventTarget.prototype.dispatchEvent = () => { throw new Error('dispatchEvent called') }
      EventTarget.prototype.addEventListener = () => { throw new Error('addEventListener called') }
      Promise.prototype.then = () => { throw new Error('then called') }
      Object.defineProperty(Array.prototype, '0', { set() { throw new Error('index setter called') }, configurable: true })
      globalThis.structuredClone = () => { throw new Error('structuredClone called') }
      export default { f() {
        const { port1, port2 } = new MessageChannel()
        let seen = 0
        port2.onmessage = (e) => { seen += e.data.n }
        port1.postMessage({ n: 1 })
        const c = new MessageChannel()
        c.port2.postMessage({ n: 10 })
        c.port1.onmessage = (e) => { seen += e.data.n }
        return new Promise((resolve) => setTimeout(() => resolve(seen), 5))
      } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == 11


def test_messages_queued_on_a_port_never_started_hit_the_memory_limit(loader):
    src = r"""export default { f() {
      const { port1 } = new MessageChannel()
      for (;;) port1.postMessage('x'.repeat(1 << 16) + Math.random())
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=32, cpu_ms=20_000)) as w:
        with pytest.raises(wb.MemoryLimitExceeded):
            w.get_entrypoint().f()


def test_endless_ping_pong_between_ports_hits_the_cpu_limit(loader):
    src = r"""export default { f() {
      const { port1, port2 } = new MessageChannel()
      port1.onmessage = () => port1.postMessage(1)
      port2.onmessage = () => port2.postMessage(1)
      port1.postMessage(1)
      return new Promise(() => {})
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(cpu_ms=200)) as w:
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()


def test_pair_iterators_end_where_the_list_ends_whatever_array_prototype_holds(loader):
    # An index getter on Array.prototype past the list's end must not become an extra pair.
    src = r"""
      for (let i = 0; i < 8; i++) Object.defineProperty(Array.prototype, i, { get() { return ['fake', 'pair'] }, configurable: true })
      export default { f() {
        const h = new Headers(); h.append('a', '1')
        const p = new URLSearchParams(); p.append('b', '2')
        const fd = new FormData(); fd.append('c', '3')
        const count = (it) => { let n = 0; for (let s = it.next(); !s.done; s = it.next()) n++; return n }
        return [count(h.entries()), count(p.entries()), count(fd.entries())]
      } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}) as w:
        assert w.get_entrypoint().f() == [1, 1, 1]
