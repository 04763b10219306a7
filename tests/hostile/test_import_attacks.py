"""import() attacked from inside the sandbox: floods, self-waiting top-level awaits, giant and
hostile specifiers, and imports reaching for what the bundle does not have."""

import pytest

import workerbox as wb


def load(loader, modules, limits=None):
    return loader.load(main_module="m.js", modules=modules, limits=limits)


def test_an_import_flood_ends_at_a_limit_and_the_process_is_fine(loader, check_alive):
    src = "export default { f() { for (;;) import('./x.js') } }"
    with load(loader, {"m.js": src, "x.js": "export const x = 1"}, wb.Limits(cpu_ms=300, memory_mb=64)) as w:
        with pytest.raises((wb.CpuLimitExceeded, wb.MemoryLimitExceeded)):
            w.get_entrypoint().f()


def test_a_module_awaiting_its_own_import_does_not_hang_the_load(loader, check_alive):
    src = "await import('./m.js'); export default {}"
    with pytest.raises(wb.WorkerError, match="never settled|cycle|itself"):
        load(loader, {"m.js": src})


def test_a_giant_specifier_is_refused_with_a_short_message(loader):
    src = "export default { async f() { try { await import('./' + 'a'.repeat(50_000_000)) } catch (e) { return [e.name, e.message.length] } } }"
    with load(loader, {"m.js": src}, wb.Limits(memory_mb=256)) as w:
        name, length = w.get_entrypoint().f()
    assert name == "TypeError" and length < 2000


@pytest.mark.parametrize(
    "specifier",
    ["'\\0'", "'./\\ud800.js'", "{ toString() { return './x.js' } }", "Symbol('x')", "'workerbox:runtime/12_fetch.js'", "'cloudflare:sockets'"],
)
def test_odd_specifiers_reject_or_resolve_inside_the_bundle(loader, specifier):
    src = f"export default {{ async f() {{ try {{ const m = await import({specifier}); return m.x ?? 'imported' }} catch (e) {{ return e.name }} }} }}"
    with load(loader, {"m.js": src, "x.js": "export const x = 'x'"}) as w:
        assert w.get_entrypoint().f() in ("TypeError", "x")


def test_runtime_files_are_not_importable(loader):
    src = "export default { async f() { try { await import('workerbox:runtime/00_primordials.js'); return 'leaked' } catch (e) { return e.name } } }"
    with load(loader, {"m.js": src}) as w:
        assert w.get_entrypoint().f() == "TypeError"
