"""`compatibility_flags=["nodejs_compat"]` makes the runtime's `node:*` modules importable (by
`import`, `import()` and `require`, with or without the `node:` prefix where the bundle has no
module of that name); without the flag, or for a module the runtime lacks, the error names what
is missing."""

import pytest

import workerbox as wb

NODE = ["nodejs_compat"]


def load(loader, source, flags=NODE, **modules):
    return loader.load(main_module="m.js", modules={"m.js": source, **modules}, compatibility_flags=flags)


def test_node_modules_import_by_every_route(loader):
    src = """
import path, { join } from 'node:path'
import bare from 'path'
import posix from 'node:path/posix'
export default { async f() {
  const dynamic = await import('node:path')
  return [join('a', 'b'), path === bare, posix === path, dynamic.default === path, dynamic.sep, require_()]
} }
import req from './r.cjs'
const require_ = () => req
"""
    with load(loader, src, **{"r.cjs": {"cjs": "module.exports = require('node:path').basename('/x/y.js')"}}) as w:
        assert w.get_entrypoint().f() == ["a/b", True, True, True, "/", "y.js"]


@pytest.mark.parametrize("specifier", ["node:path", "path"])
def test_without_the_flag_the_error_names_it(loader, specifier):
    with pytest.raises(wb.CodeError, match="nodejs_compat"):
        load(loader, f"import p from '{specifier}'; export default {{}}", flags=[])


def test_a_module_of_the_bundle_wins_over_a_bare_node_name(loader):
    with load(loader, "import p from 'path'; export default { f: () => p }", path={"js": "export default 'mine'"}) as w:
        assert w.get_entrypoint().f() == "mine"


@pytest.mark.parametrize("specifier", ["node:fs", "node:child_process", "node:worker_threads", "node:path/win32x"])
def test_a_node_module_the_runtime_lacks_is_named(loader, specifier):
    with pytest.raises(wb.CodeError, match="does not provide") as e:
        load(loader, f"import x from '{specifier}'; export default {{}}")
    assert specifier in str(e.value)


def test_the_flags_are_kept_on_the_code(loader):
    code = wb.WorkerCode(main_module="m.js", modules={"m.js": "export default {}"}, compatibility_flags=NODE)
    assert code.compatibility_flags == NODE


PATH_CASES = [
    ("join('/a/b', '../c', './d')", "/a/c/d"),
    ("join('')", "."),
    ("join('a', '', 'b/')", "a/b/"),
    ("normalize('/a//b/../c/.')", "/a/c"),
    ("normalize('../../a')", "../../a"),
    ("normalize('')", "."),
    ("resolve('a', 'b')", "/a/b"),
    ("resolve('/x', '/y', 'z')", "/y/z"),
    ("relative('/data/a/b', '/data/c')", "../../c"),
    ("relative('/a', '/a/b/c')", "b/c"),
    ("relative('/a/b', '/a/b')", ""),
    ("dirname('/a/b/c')", "/a/b"),
    ("dirname('a')", "."),
    ("dirname('/')", "/"),
    ("basename('/a/b.html', '.html')", "b"),
    ("basename('/a/b/')", "b"),
    ("extname('index.coffee.md')", ".md"),
    ("extname('.index')", ""),
    ("extname('a.')", "."),
    ("JSON.stringify(parse('/home/u/file.txt'))", '{"root":"/","dir":"/home/u","base":"file.txt","ext":".txt","name":"file"}'),
    ("format({ dir: '/home/u', base: 'f.txt' })", "/home/u/f.txt"),
    ("format({ root: '/', name: 'f', ext: 'txt' })", "/f.txt"),
    ("String(isAbsolute('/x')) + isAbsolute('x')", "truefalse"),
]


@pytest.mark.parametrize("expr, expected", PATH_CASES)
def test_path_matches_node(loader, expr, expected):
    src = f"import {{ join, normalize, resolve, relative, dirname, basename, extname, parse, format, isAbsolute }} from 'node:path'\nexport default {{ f: () => {expr} }}"
    with load(loader, src) as w:
        assert w.get_entrypoint().f() == expected


def test_path_checks_its_arguments_as_node_does(loader):
    src = "import { join } from 'node:path'; export default { f() { try { join('a', 1) } catch (e) { return [e.name, e.code] } } }"
    with load(loader, src) as w:
        assert w.get_entrypoint().f() == ["TypeError", "ERR_INVALID_ARG_TYPE"]


def test_the_exports_are_frozen(loader):
    src = "import path from 'node:path'; export default { f() { 'use strict'; try { path.join = null } catch (e) { return e.name } } }"
    with load(loader, src) as w:
        assert w.get_entrypoint().f() == "TypeError"
