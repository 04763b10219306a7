"""Text and binary bodies under attack. TextDecoder keeps the state of a streaming decode of a legacy encoding natively between calls:
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


def test_blobs_and_form_bodies_past_the_memory_limit_end_in_a_limit_error(loader, check_alive):
    src = r"""export default { async f() {
      const kept = [], part = new Uint8Array(1 << 20)
      for (;;) { const fd = new FormData(); fd.append('f', new Blob([part, part])); kept.push(await new Response(fd).formData()) }
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(memory_mb=32)) as w:
        try:
            w.get_entrypoint().f()
        except (wb.MemoryLimitExceeded, wb.JSError) as e:
            assert "memory" in str(e).lower() or "allocation" in str(e).lower()
        else:
            raise AssertionError("an endless loop of 2 MiB form bodies returned")


def test_a_multipart_body_of_many_empty_parts_parses_in_bounded_time(loader):
    parts = "".join(f"--b\r\nContent-Disposition: form-data; name=\"k{i}\"\r\n\r\n\r\n" for i in range(20000)) + "--b--"
    src = r"""export default { async f(body) {
      const fd = await new Response(body, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData()
      return [...fd.keys()].length
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(cpu_ms=5000)) as w:
        assert w.get_entrypoint().f(parts) == 20000
