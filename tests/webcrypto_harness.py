"""A small driver for crypto.subtle from Python: a worker runs a list of steps (one SubtleCrypto
call each), keeps keys by name, and returns each result (bytes for buffers, a plain description
for keys, `{"error": name, "message": ...}` for a rejection)."""

import base64

import pytest

RUNNER = r"""
const present = (v) => {
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  if (v instanceof CryptoKey) {
    const alg = { ...v.algorithm }
    if (alg.hash) alg.hash = { ...alg.hash }
    return { type: v.type, extractable: v.extractable, algorithm: alg, usages: [...v.usages] }
  }
  if (v && v.publicKey instanceof CryptoKey) return { publicKey: present(v.publicKey), privateKey: present(v.privateKey) }
  return v
}
const resolve = (env, v) => {
  if (Array.isArray(v)) return v.map((x) => resolve(env, x))
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    if ('$' in v) return v['$'].split('.').reduce((o, k) => o[k], env)
    const out = {}
    for (const k of Object.keys(v)) out[k] = resolve(env, v[k])
    return out
  }
  return v
}
export default {
  async run(steps) {
    const env = {}
    const out = []
    for (const step of steps) {
      try {
        const args = resolve(env, step.args)
        const v = step.op === 'timingSafeEqual' ? crypto.subtle.timingSafeEqual(...args) : await crypto.subtle[step.op](...args)
        if (step.as) env[step.as] = v
        out.push(present(v))
      } catch (e) {
        out.push({ error: e.name, message: e.message, isDOMException: e instanceof DOMException })
      }
    }
    return out
  },
}
"""


def step(op, *args, as_=None):
    s = {"op": op, "args": list(args)}
    if as_:
        s["as"] = as_
    return s


def ref(name):
    return {"$": name}


def run(worker, *steps):
    return worker.get_entrypoint().run(list(steps))


def one(worker, *steps):
    """The last step's result."""
    return run(worker, *steps)[-1]


@pytest.fixture(scope="module")
def w(loader):
    """A worker running RUNNER, shared by a test module."""
    worker = loader.load(main_module="main.js", modules={"main.js": RUNNER})
    yield worker
    worker.close()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
