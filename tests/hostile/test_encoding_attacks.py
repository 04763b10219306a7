"""TextDecoder keeps the state of a streaming decode of a legacy encoding natively between calls:
a tenant opening streams and never finishing them must run into its own memory limit, not the
host's."""

import workerbox as wb


def test_abandoned_streaming_decoders_are_charged_to_the_tenants_memory(loader, check_alive):
    src = r"""export default {
      open() {
        const kept = []
        try {
          for (;;) { const d = new TextDecoder('shift_jis'); d.decode(new Uint8Array([0x82]), { stream: true }); kept.push(d) }
        } catch (e) { return [e.name, kept.length] }
      },
      after() { return new TextDecoder('shift_jis').decode(new Uint8Array([0x82, 0xa0])) },
    }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=16)) as w:
        name, count = w.get_entrypoint().open()
        assert name == "RangeError" and 1000 < count < 100_000
        # Dropping the tenant's references frees nothing natively (no finalizers), but a
        # finished stream gives its charge back, and one-shot decodes need none.
        assert w.get_entrypoint().after() == "あ"


def test_finished_streams_give_their_charge_back(loader):
    src = r"""export default { f() {
      for (let i = 0; i < 200000; i++) {
        const d = new TextDecoder('utf-16le')
        d.decode(new Uint8Array([0x68]), { stream: true }); d.decode(new Uint8Array([0]))
      }
      return 'done'
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=16)) as w:
        assert w.get_entrypoint().f() == "done"
