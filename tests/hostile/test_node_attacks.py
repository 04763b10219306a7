"""Tenant code against the node:* modules: buffers past the memory limit, encodings of huge
strings, intrinsics replaced before a module installs, inspect of deep, cyclic and trapping
values, hashing past the CPU limit. Each ends in a catchable error or the worker's own limit,
with the process and later workers fine."""

import pytest

import workerbox as wb

NODE = ["nodejs_compat"]


def node_worker(loader, source, limits=None):
    return loader.load(main_module="h.js", modules={"h.js": source}, compatibility_flags=NODE, limits=limits)


@pytest.mark.parametrize("make", ["Buffer.alloc(256 << 20)", "Buffer.allocUnsafe(256 << 20)", "Buffer.alloc(64 << 20, 'ab')"])
def test_buffer_alloc_past_memory_mb_ends_in_a_range_error_or_the_workers_limit(loader, make):
    src = f"""import {{ Buffer }} from 'node:buffer'
export default {{ f() {{ try {{ {make}; return 'made' }} catch (e) {{ return e.name }} }} }}"""
    with node_worker(loader, src, wb.Limits(memory_mb=32)) as w:
        try:
            assert w.get_entrypoint().f() == "RangeError"
        except wb.MemoryLimitExceeded:
            pass
    with node_worker(loader, "import { Buffer } from 'node:buffer'; export default { f: () => Buffer.alloc(1024, 1).length }") as w:
        assert w.get_entrypoint().f() == 1024


def test_encoding_a_huge_string_is_charged_to_the_worker(loader):
    src = """import { Buffer } from 'node:buffer'
export default { f() {
  const s = 'x'.repeat(48 << 20)
  const out = []
  for (const enc of ['latin1', 'utf8', 'utf16le', 'hex', 'base64']) {
    try { Buffer.from(s, enc); out.push('made') } catch (e) { out.push(e.name) }
  }
  return out
} }"""
    with node_worker(loader, src, wb.Limits(memory_mb=32, cpu_ms=20_000)) as w:
        try:
            out = w.get_entrypoint().f()
        except wb.MemoryLimitExceeded:
            return  # the string itself may take the heap past the limit: the worker's own limit
    assert out[:3] == ["RangeError", "RangeError", "RangeError"]


def test_decoding_past_the_string_limit_is_a_range_error(loader):
    src = """import { Buffer } from 'node:buffer'
export default { f() {
  const b = Buffer.alloc(300 << 20)
  try { b.toString('hex') } catch (e) { return e.name }
  return 'decoded'
} }"""
    with node_worker(loader, src, wb.Limits(memory_mb=1024, cpu_ms=30_000)) as w:
        try:
            assert w.get_entrypoint().f() == "RangeError"
        except wb.MemoryLimitExceeded:
            pass


# Every method and getter of the prototypes the modules could use replaced with one that throws,
# and getters on Object.prototype for names they read from their own records; the harness keeps
# what it needs first and uses index loops.
TAMPER = r"""
const { defineProperty, getOwnPropertyDescriptor, ownKeys } = Reflect
const getPrototypeOf = Object.getPrototypeOf
const evil = () => { throw new Error('tampered intrinsic called') }
const protos = [Array.prototype, getPrototypeOf(Uint8Array.prototype), Uint8Array.prototype, Map.prototype, Set.prototype,
  String.prototype, Function.prototype, Promise.prototype, RegExp.prototype, Object]
const names = ['0', '1', 'value', 'get', 'set', 'done', 'length', 'listener', 'newListener', 'readUInt8', 'from', 'custom']
for (let p = 0; p < protos.length; p++) {
  const keys = ownKeys(protos[p])
  for (let i = 0; i < keys.length; i++) {
    const d = getOwnPropertyDescriptor(protos[p], keys[i])
    if (keys[i] === 'constructor' || keys[i] === 'prototype' || !d.configurable) continue
    if (typeof d.value === 'function') defineProperty(protos[p], keys[i], { __proto__: null, value: evil, writable: true, configurable: true })
    else if (d.get) defineProperty(protos[p], keys[i], { __proto__: null, get: evil, set: evil, configurable: true })
  }
}
for (let i = 0; i < names.length; i++) defineProperty(Object.prototype, names[i], { __proto__: null, get: evil, set: evil, configurable: true })
"""


def test_modules_installed_after_tampering_work_unchanged(loader):
    # The modules install on first import(), after the tenant replaced every method they could
    # have read late; the results are the same as untouched ones.
    src = """export default { async f(tamper) {
  const map = new Map([[1, 2]]), set = new Set([3])
  if (tamper) { %TAMPER% }
  const { Buffer } = await import('node:buffer')
  const { default: EventEmitter } = await import('node:events')
  const util = await import('node:util')
  const crypto = await import('node:crypto')
  const b = Buffer.from('héllo wörld')
  const c = Buffer.concat([b.subarray(0, 2), Buffer.alloc(2, 0x41)])
  const e = new EventEmitter()
  let heard = ''
  e.on('x', (v) => { heard += v }); e.prependOnceListener('x', (v) => { heard += v + v })
  e.emit('x', 'a'); e.emit('x', 'b')
  return [b.toString('base64'), c.toString('hex'), b.indexOf('w'), b.readUInt16BE(0), b.readDoubleLE(1), heard,
    util.format('%s=%d %j', 'n', 7, { k: [1] }), util.inspect({ a: [1, { b: map }], s: set }),
    util.isDeepStrictEqual({ a: [1] }, { a: [1] }), crypto.createHash('sha256').update(b).digest('hex'),
    crypto.createHmac('md5', 'k').update('x').digest('base64')]
} }""".replace("%TAMPER%", TAMPER)
    with node_worker(loader, src) as w:
        expected = w.get_entrypoint().f(False)
    with node_worker(loader, src) as w:
        assert w.get_entrypoint().f(True) == expected


def test_inspect_of_deep_cyclic_and_trapping_values_is_bounded(loader):
    src = """import { inspect } from 'node:util'
export default { f() {
  let deep = {}
  for (let i = 0; i < 100000; i++) deep = { next: deep }
  const cyclic = { a: [] }; cyclic.a.push(cyclic, cyclic.a)
  let traps = 0
  const trapping = new Proxy({ x: 1 }, new Proxy({}, { get() { traps++; return () => { throw new Error('trap') } } }))
  const getter = { get g() { traps++; return 1 } }
  const big = new Array(1e7)
  const out = [inspect(deep).length < 200, inspect(cyclic), inspect(trapping), inspect(getter), traps,
    inspect(big).length < 2000, inspect('x'.repeat(20000)).length < 10100]
  try { inspect(deep, { depth: Infinity }); out.push('printed') } catch (e) { out.push(e.name) }
  return out
} }"""
    with node_worker(loader, src, wb.Limits(cpu_ms=20_000)) as w:
        assert w.get_entrypoint().f() == [
            True, "<ref *1> { a: <ref *2> [ [Circular *1], [Circular *2] ] }", "{ x: 1 }", "{ g: [Getter] }", 0, True, True,
            "RangeError",
        ]


def test_a_listener_flood_ends_in_the_workers_memory_limit(loader):
    src = """import { EventEmitter } from 'node:events'
export default { f() { const e = new EventEmitter(); for (;;) e.on('x', () => {}) } }"""
    with node_worker(loader, src, wb.Limits(memory_mb=32, cpu_ms=20_000)) as w:
        with pytest.raises((wb.MemoryLimitExceeded, wb.CpuLimitExceeded)):
            w.get_entrypoint().f()
    with node_worker(loader, "import { Buffer } from 'node:buffer'; export default { f: () => Buffer.from('ok').toString() }") as w:
        assert w.get_entrypoint().f() == "ok"


def test_process_exit_cannot_end_the_process(loader):
    src = """import process from 'node:process'
export default { f() { try { process.exit(0) } catch (e) { return e.code } } }"""
    with node_worker(loader, src) as w:
        assert w.get_entrypoint().f() == "ERR_METHOD_NOT_IMPLEMENTED"


def test_hashing_100_mib_under_a_small_cpu_limit_ends_in_cpu_limit_exceeded(loader):
    src = """import { createHash } from 'node:crypto'
export default { f() {
  const chunk = new Uint8Array(1 << 20)
  const h = createHash('sha512')
  for (let i = 0; i < 100; i++) h.update(chunk)
  return h.digest('hex')
} }"""
    with node_worker(loader, src, wb.Limits(cpu_ms=20)) as w:
        with pytest.raises(wb.CpuLimitExceeded):
            w.get_entrypoint().f()


def test_abandoned_hashes_are_charged_until_the_memory_limit(loader):
    src = """import { createHash, createHmac } from 'node:crypto'
export default { f() {
  const keep = []
  try { for (;;) keep.push(createHash('md5'), createHmac('sha256', 'k')) } catch (e) { return [e.name, keep.length > 1000] }
} }"""
    with node_worker(loader, src, wb.Limits(memory_mb=16, cpu_ms=20_000)) as w:
        try:
            assert w.get_entrypoint().f() == ["RangeError", True]
        except wb.MemoryLimitExceeded:
            pass


def test_pushing_past_backpressure_forever_ends_in_the_memory_limit(loader):
    src = """import { Readable } from 'node:stream'
export default { f() { const r = new Readable({ read() {} }); for (;;) r.push(new Uint8Array(1 << 20)) } }"""
    with node_worker(loader, src, wb.Limits(memory_mb=32, cpu_ms=20_000)) as w:
        with pytest.raises((wb.MemoryLimitExceeded, wb.JSError)) as info:
            w.get_entrypoint().f()
        if isinstance(info.value, wb.JSError):
            assert info.value.name == "RangeError"
    with node_worker(loader, "import { PassThrough } from 'node:stream'; export default { f: () => typeof new PassThrough().pipe }") as w:
        assert w.get_entrypoint().f() == "function"


def test_a_setter_on_error_prototype_code_never_runs_for_node_errors(loader):
    # Node's coded errors define `code` on the error: a setter the tenant put on the prototype
    # would otherwise see (and could replace) every error the runtime throws.
    src = """export default { async f() {
  let seen = 0
  Object.defineProperty(Error.prototype, 'code', { configurable: true, set() { seen++ }, get() { return 'spoofed' } })
  const path = await import('node:path')
  const { Buffer } = await import('node:buffer')
  const codes = []
  for (const bad of [() => path.join(1), () => path.format(null), () => path.basename(null), () => Buffer.alloc(-1)]) {
    try { bad() } catch (e) { codes.push(e.code) }
  }
  return [seen, codes]
} }"""
    with node_worker(loader, src) as w:
        seen, codes = w.get_entrypoint().f()
    assert seen == 0
    assert codes == ["ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE", "ERR_OUT_OF_RANGE"]
