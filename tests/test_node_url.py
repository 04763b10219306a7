"""`node:url` under nodejs_compat: file URL conversions and the legacy parse/format/resolve as
Node gives them; URL and URLSearchParams are the worker's own."""

import pytest

NODE = ["nodejs_compat"]


def run(loader, body):
    src = f"import url, {{ URL as NodeURL, URLSearchParams as NodeParams, fileURLToPath, pathToFileURL, parse, format, resolve, urlToHttpOptions }} from 'node:url'\nexport default {{ f() {{ {body} }} }}"
    with loader.load(main_module="m.js", modules={"m.js": src}, compatibility_flags=NODE) as w:
        return w.get_entrypoint().f()


CASES = [
    ("NodeURL === URL && NodeParams === URLSearchParams", True),
    ("fileURLToPath('file:///a/b%20c.txt')", "/a/b c.txt"),
    ("fileURLToPath(new URL('file:///x/'))", "/x/"),
    ("pathToFileURL('/a/b c#%.txt').href", "file:///a/b%20c%23%25.txt"),
    ("pathToFileURL('/tmp/').href", "file:///tmp/"),
    ("pathToFileURL('rel/x').href", "file:///rel/x"),
    ("(() => { const u = parse('http://user:pw@Example.com:8080/p/a?x=1&y=2#h'); return [u.protocol, u.slashes, u.auth, u.host, u.port, u.hostname, u.hash, u.search, u.query, u.pathname, u.path, u.href] })()",
     ["http:", True, "user:pw", "example.com:8080", "8080", "example.com", "#h", "?x=1&y=2", "x=1&y=2", "/p/a", "/p/a?x=1&y=2", "http://user:pw@example.com:8080/p/a?x=1&y=2#h"]),
    ("JSON.stringify(parse('/p?a=1&a=2', true).query)", '{"a":["1","2"]}'),
    ("parse('http://example.com').pathname", "/"),
    ("parse('mailto:a@b.c').href", "mailto:a@b.c"),
    ("format({ protocol: 'https', hostname: 'example.com', pathname: '/x', query: { a: 1, b: 'c d' } })", "https://example.com/x?a=1&b=c%20d"),
    ("format(new URL('http://a.com/b?c'))", "http://a.com/b?c"),
    ("resolve('/one/two/three', 'four')", "/one/two/four"),
    ("resolve('http://example.com/', '/one')", "http://example.com/one"),
    ("resolve('http://example.com/one', '/two')", "http://example.com/two"),
    ("JSON.stringify(urlToHttpOptions(new URL('https://a:b@h.com:81/p?q')))", '{"protocol":"https:","hostname":"h.com","hash":"","search":"?q","pathname":"/p","path":"/p?q","href":"https://a:b@h.com:81/p?q","port":81,"auth":"a:b"}'),
]


@pytest.mark.parametrize("expr, expected", CASES)
def test_url_matches_node(loader, expr, expected):
    assert run(loader, f"return {expr}") == expected


BAD = [
    ("fileURLToPath('http://x/')", "TypeError", "ERR_INVALID_URL_SCHEME"),
    ("fileURLToPath('file://host/x')", "TypeError", "ERR_INVALID_FILE_URL_HOST"),
    ("fileURLToPath('file:///a%2fb')", "TypeError", "ERR_INVALID_FILE_URL_PATH"),
    ("fileURLToPath(5)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("pathToFileURL(5)", "TypeError", "ERR_INVALID_ARG_TYPE"),
    ("parse(5)", "TypeError", "ERR_INVALID_ARG_TYPE"),
]


@pytest.mark.parametrize("expr, name, code", BAD)
def test_bad_arguments(loader, expr, name, code):
    assert run(loader, f"try {{ {expr} }} catch (e) {{ return [e.name, e.code] }}") == [name, code]
