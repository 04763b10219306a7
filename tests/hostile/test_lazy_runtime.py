"""The runtime's globals are installed on first use (rust/bootstrap.rs, js/00_webidl.js): the file
behind a global runs when the tenant first reads it, after tenant code had every chance to replace
intrinsics and globals. These tests try to make that late install lie, fail half-way or look
different from an eager one. (The tampering cases in test_runtime_tampering.py also exercise it:
their checks are the first use of every global.)"""

import workerbox as wb

# Every global a lazily installed runtime file exposes, with its type.
LAZY_GLOBALS = {
    "console": "object", "setTimeout": "function", "clearTimeout": "function", "setInterval": "function",
    "clearInterval": "function", "queueMicrotask": "function", "Performance": "function", "performance": "object",
    "TextEncoder": "function", "TextDecoder": "function", "atob": "function", "btoa": "function",
    "Event": "function", "CustomEvent": "function", "EventTarget": "function", "AbortSignal": "function",
    "AbortController": "function", "URL": "function", "URLSearchParams": "function", "CryptoKey": "function", "SubtleCrypto": "function",
    "Crypto": "function", "crypto": "object", "Headers": "function", "Request": "function", "Response": "function",
    "structuredClone": "function", "Navigator": "function", "navigator": "object", "self": "object", "fetch": "function",
    "Blob": "function", "File": "function", "FormData": "function", "reportError": "function", "Scheduler": "function",
    "scheduler": "object", "URLPattern": "function",
    "ReadableStream": "function", "ReadableStreamDefaultReader": "function", "ReadableStreamBYOBReader": "function",
    "ReadableStreamDefaultController": "function", "ReadableByteStreamController": "function",
    "ReadableStreamBYOBRequest": "function", "WritableStream": "function", "WritableStreamDefaultWriter": "function",
    "WritableStreamDefaultController": "function", "TransformStream": "function",
    "TransformStreamDefaultController": "function", "ByteLengthQueuingStrategy": "function",
    "CountQueuingStrategy": "function", "TextEncoderStream": "function", "TextDecoderStream": "function",
    "CompressionStream": "function", "DecompressionStream": "function",
    "MessageChannel": "function", "MessagePort": "function", "MessageEvent": "function",
}


def test_lazy_globals_look_like_web_idl_data_properties_before_and_after_first_use(load):
    # Listed and described without being read first: V8 runs the file for the descriptor.
    w = load(r"""
      export default { f(names) {
        const own = Object.getOwnPropertyNames(globalThis), keys = Object.keys(globalThis), out = {}
        for (const n of names) {
          const listed = own.includes(n) && !keys.includes(n)
          const d = Object.getOwnPropertyDescriptor(globalThis, n)
          out[n] = [listed, typeof d.value, 'get' in d, d.writable, d.enumerable, d.configurable, typeof globalThis[n]]
        }
        return out
      } }
    """)
    got = w.get_entrypoint().f(list(LAZY_GLOBALS))
    assert got == {n: [True, t, False, True, False, True, t] for n, t in LAZY_GLOBALS.items()}


def test_replacing_globals_before_first_use_does_not_change_what_the_runtime_uses(load):
    # The runtime reads other runtime globals through its own registry, never from globalThis:
    # Response's headers are real Headers, atob throws a real DOMException, fetch builds a real
    # Request, though the tenant replaced or deleted each of them before anything installed.
    w = load(r"""
      const Res = Response
      globalThis.Headers = class FakeHeaders {}
      globalThis.DOMException = class FakeDOMException extends Error {}
      globalThis.Request = function () { throw new Error('fake Request called') }
      delete globalThis.setTimeout
      export default {
        async f() {
          const out = []
          const h = new Res('x', { headers: { a: 'b' } }).headers
          out.push(Object.prototype.toString.call(h), h.get('a'))
          try { atob('*') } catch (e) { out.push(e.name, e.code, e instanceof globalThis.DOMException) }
          try { await fetch('https://example.com/') } catch (e) { out.push(e.constructor.name, /outbound/.test(e.message)) }
          const c = new AbortController()
          out.push(AbortSignal.timeout(1) instanceof AbortSignal, typeof globalThis.setTimeout)
          return out
        },
        fetch(request) { return new Res(`${request.method} ${new URL(request.url).pathname}`) },
      }
    """)
    assert w.get_entrypoint().f() == [
        "[object Headers]", "b", "InvalidCharacterError", 5, False, "TypeError", True, True, "undefined",
    ]
    r = w.get_entrypoint().fetch(wb.Request("https://app.test/p", method="PUT", body="b"))
    assert (r.status, r.text()) == (200, "PUT /p")


def test_a_global_assigned_before_first_use_is_the_tenants_and_the_rest_of_its_file_installs(load):
    w = load(r"""
      globalThis.URL = 42
      export default { f() { return [URL, new URLSearchParams('a=1&a=2').getAll('a').join()] } }
    """)
    assert w.get_entrypoint().f() == [42, "1,2"]


def test_an_install_cut_short_by_the_stack_installs_on_next_use(load, check_alive):
    # Each frame reads URL only once the frames above it ran out of stack, so some read happens
    # with too little stack left for URL's file to finish installing. The failed install must not
    # leave a half-made URL behind: the next read installs it whole.
    w = load(r"""
      let failures = 0
      function deep(n) {
        try { return deep(n + 1) } catch (e) {
          try { return URL } catch (e2) { failures++; throw e2 }
        }
      }
      export default { f() {
        const U = deep(0)
        const u = new U('https://a.test/x?y=1')
        return [U === URL, u.pathname, u.searchParams.get('y'), new URLSearchParams('k=v').get('k'), failures > 0]
      } }
    """)
    assert w.get_entrypoint().f() == [True, "/x", "1", "v", True]


def test_a_tenant_setter_on_object_prototype_sees_nothing_of_an_install(load):
    # Runtime files hand values to each other through `hooks`, which has no prototype: a lazy
    # install never assigns through a setter the tenant put on Object.prototype.
    w = load(r"""
      const seen = []
      for (const key of ['http', 'headers', 'events', 'urlSearchParams', 'reportError', 'fireTimer', 'serviceFetch', 'webidl'])
        Object.defineProperty(Object.prototype, key, { set(v) { seen.push(key) }, get() { return undefined }, configurable: true })
      export default { async f() {
        new Response('x'); new Request('https://a.test/'); console.log('hi')
        await new Promise((r) => setTimeout(r, 1))
        return seen
      } }
    """)
    assert w.get_entrypoint().f() == []
