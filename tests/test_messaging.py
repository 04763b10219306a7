"""MessageChannel, MessagePort and MessageEvent within one worker: copies delivered in order after
the current job, once the receiving port is started."""

import workerbox as wb

CHANNEL = r"""export default {
  async pingPong() {
    const out = []
    const { port1, port2 } = new MessageChannel()
    port2.onmessage = (e) => { out.push(e.data); if (e.data < 3) port2.postMessage(e.data + 1) }
    port1.onmessage = (e) => { out.push(-e.data); if (e.data < 3) port1.postMessage(e.data + 1) }
    port1.postMessage(0)
    await new Promise((r) => setTimeout(r, 5))
    return out
  },
  async copies() {
    const { port1, port2 } = new MessageChannel()
    const got = new Promise((resolve) => { port2.onmessage = (e) => resolve(e) })
    const sent = { list: [1, 2], blob: new Blob(['b']) }
    port1.postMessage(sent)
    sent.list.push(3)
    const e = await got
    return [e.data.list, await e.data.blob.text(), e.data !== sent, e instanceof MessageEvent, e.isTrusted, e.ports.length, e.origin]
  },
  async startedExplicitly() {
    const { port1, port2 } = new MessageChannel()
    const seen = []
    port2.addEventListener('message', (e) => seen.push(e.data))
    port1.postMessage('a'); port1.postMessage('b')
    await new Promise((r) => setTimeout(r, 1))
    const before = seen.length
    port2.start()
    await new Promise((r) => setTimeout(r, 1))
    return [before, seen]
  },
  async closed() {
    const { port1, port2 } = new MessageChannel()
    const seen = []
    port2.onmessage = (e) => seen.push(e.data)
    port1.postMessage('in flight')
    port2.close()
    port1.postMessage('after close')
    await new Promise((r) => setTimeout(r, 1))
    return seen
  },
  errors() {
    const { port1 } = new MessageChannel()
    const name = (f) => { try { f(); return 'none' } catch (e) { return e.name } }
    return [
      name(() => port1.postMessage(() => 1)),
      name(() => port1.postMessage(1, [new ArrayBuffer(1)])),
      name(() => port1.postMessage(1, { transfer: [port1] })),
      name(() => new MessagePort()),
      name(() => MessagePort.prototype.postMessage.call({}, 1)),
    ]
  },
  event() {
    const e = new MessageEvent('message', { data: { k: 1 }, origin: 'o', lastEventId: '7' })
    return [e.type, e.data, e.origin, e.lastEventId, e.source, e.isTrusted]
  },
}"""


def test_ports_talk_both_ways_in_order(load):
    assert load(CHANNEL).get_entrypoint().pingPong() == [0, -1, 2, -3]


def test_a_message_is_a_structured_clone(load):
    assert load(CHANNEL).get_entrypoint().copies() == [[1, 2], "b", True, True, True, 0, ""]


def test_a_port_holds_messages_until_started(load):
    assert load(CHANNEL).get_entrypoint().startedExplicitly() == [0, ["a", "b"]]


def test_a_closed_port_receives_nothing(load):
    assert load(CHANNEL).get_entrypoint().closed() == []


def test_bad_messages_and_misuse_throw_the_specs_errors(load):
    assert load(CHANNEL).get_entrypoint().errors() == ["DataCloneError", "DataCloneError", "DataCloneError", "TypeError", "TypeError"]


def test_message_event_init(load):
    assert load(CHANNEL).get_entrypoint().event() == ["message", {"k": 1}, "o", "7", None, False]
