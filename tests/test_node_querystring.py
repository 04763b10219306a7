"""`node:querystring` under nodejs_compat: parse and stringify as Node's."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body):
    src = f"import qs, {{ parse, stringify, escape, unescape }} from 'node:querystring'\nexport default {{ f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


CASES = [
    ("JSON.stringify(parse('a=1&b=2&a=3&c'))", '{"a":["1","3"],"b":"2","c":""}'),
    ("JSON.stringify(parse('x=a+b%20c&y=%E2%82%AC'))", '{"x":"a b c","y":"€"}'),
    ("JSON.stringify(parse('bad=%E2%82&pct=100%'))", '{"bad":"\ufffd","pct":"100%"}'),
    ("JSON.stringify(parse('a:1;b:2', ';', ':'))", '{"a":"1","b":"2"}'),
    ("Object.getPrototypeOf(parse('a=1'))", None),
    ("Object.keys(parse('a=1&b=2&c=3', null, null, { maxKeys: 2 })).length", 2),
    ("stringify({ a: [1, 2], b: 'x y', c: true, d: null, e: NaN, f: '€' })", "a=1&a=2&b=x%20y&c=true&d=&e=&f=%E2%82%AC"),
    ("stringify({ a: 1, b: 2 }, ';', ':')", "a:1;b:2"),
    ("stringify('nope')", ""),
    ("escape('a b&c/')", "a%20b%26c%2F"),
    ("unescape('a%20b%zz')", "a b%zz"),
    ("qs.decode === parse && qs.encode === stringify", True),
]


@pytest.mark.parametrize("expr, expected", CASES)
def test_querystring_matches_node(loader, expr, expected):
    assert run(loader, f"return {expr}") == expected
