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


# Computed import() in code built by workerbox.bundler: the glob of a specifier is matched against
# the tenant's files only, it is capped, and at run time only the files it matched can load.


def test_a_computed_import_climbing_out_of_the_project_globs_no_host_file(loader, tmp_path):
    from workerbox import bundler

    secret = "workerbox-host-secret-5d1e"
    (tmp_path / "secret.js").write_text(f"export default '{secret}'")
    climb = "../" * 30 + str(tmp_path).lstrip("/")
    src = f"export default {{ async f(x) {{ try {{ return (await import(`{climb}/${{x}}.js`)).default }} catch (e) {{ return e.name }} }} }}"
    built = bundler.build({"src/index.js": src})
    assert any("matches no file of the project" in w for w in built.warnings), built.warnings
    assert secret not in repr(built.code.modules)
    with loader.load(built.code) as w:
        assert w.get_entrypoint().f("secret") == "TypeError"


def test_a_computed_import_matching_thousands_of_files_is_refused():
    from workerbox import bundler

    files = {f"pages/{i}.js": "export default 1" for i in range(3000)}
    files["index.js"] = "export default { f: (n) => import(`./pages/${n}.js`) }"
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker(files)
    assert e.value.kind == "build"
    assert "index.js:1: a computed import() matches more than" in str(e.value)


@pytest.mark.parametrize("bundle", [True, False])
def test_a_computed_import_cannot_reach_a_file_outside_its_glob_at_run_time(loader, bundle):
    from workerbox import bundler

    files = {
        "index.js": "import './public.js'\nexport default { async f(n) { try { return (await import(`./pages/${n}.js`)).default } catch (e) { return [e.name, e.message] } } }",
        "pages/home.js": "export default 'home'",
        "secret.js": "export default 'the secret'",
        "public.js": "export default 'public'",
    }
    ep_code = bundler.create_worker(files, bundle=bundle)
    assert "secret.js" not in ep_code.modules
    with loader.load(ep_code) as w:
        ep = w.get_entrypoint()
        assert ep.f("home") == "home"
        for name in ["../secret", "../public", "home.js?", "/../../secret"]:
            err_name, message = ep.f(name)
            assert err_name == "TypeError", name
            assert "only the worker's own modules can be imported" in message
