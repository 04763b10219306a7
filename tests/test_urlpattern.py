"""URLPattern as routers use it, and its bad input."""

import pytest

import workerbox as wb


def test_urlpattern_routes_and_groups(load):
    w = load(r"""export default { f() {
      const p = new URLPattern({ pathname: '/users/:id(\\d+)/:tab?' })
      const hit = p.exec('https://example.com/users/42/posts?x=1')
      const ci = new URLPattern('https://*.example.com/Books/*', { ignoreCase: true })
      return [p.test('https://a.test/users/42'), p.test('https://a.test/users/abc'), hit.pathname.groups, hit.inputs,
              p.pathname, p.hasRegExpGroups, ci.test('https://api.example.com/books/x'), ci.hostname,
              new URLPattern('/a/:b', 'https://x.test').exec({ pathname: '/a/c', protocol: 'https', hostname: 'x.test' }).pathname.groups,
              Object.prototype.toString.call(p)]
    } }""")
    assert w.get_entrypoint().f() == [
        True, False, {"id": "42", "tab": "posts"}, ["https://example.com/users/42/posts?x=1"], "/users/:id(\\d+)/:tab?", True,
        True, "*.example.com", {"b": "c"}, "[object URLPattern]",
    ]


@pytest.mark.parametrize(
    "construct",
    ["new URLPattern('/relative')", "new URLPattern({ pathname: '/(' })", "new URLPattern({ pathname: '/:a/:a' })",
     "new URLPattern({ pathname: '/x' }, 'https://base.test')", "new URLPattern('https://a.test/', 'not a url')",
     "new URLPattern({}).exec({}, 'https://base.test')"],
)
def test_bad_patterns_and_inputs_are_type_errors(load, construct):
    w = load(f"export default {{ f() {{ try {{ {construct}; return 'no error' }} catch (e) {{ return e.name }} }} }}")
    assert w.get_entrypoint().f() == "TypeError"


def test_a_catastrophic_pattern_stays_within_the_cpu_budget(loader, check_alive):
    # Exponential backtracking on 40 characters would take hours; V8 switches such a regexp to
    # its linear engine, and the CPU limit bounds whatever is left.
    src = r"""export default { f() {
      const p = new URLPattern({ pathname: '/(a+)+b' })
      return p.test({ pathname: '/' + 'a'.repeat(40) + 'c' })
    } }"""
    with loader.load(main_module="m.js", modules={"m.js": src}, limits=wb.Limits(cpu_ms=200)) as w:
        assert w.get_entrypoint().f() is False
