"""A client (or a tenant's project) attacking workerbox.asgi.Assets: paths that try to climb out
of the assets directory, symbolic links leading out of it, open redirects, header injection,
absurd paths and headers, and methods that are not for assets. Most cases drive the ASGI
interface directly, so the raw path is exactly what an attacker sends; a few go through a real
uvicorn over a raw socket to show the server passes them through unchanged."""

import asyncio
import os
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workerbox.asgi import App, Assets

SECRET = b"the secret beside the site"


def run(app, path, method="GET", headers=(), query=b""):
    """One exchange through the ASGI interface; returns (status, headers dict, body)."""

    async def main():
        sent = []
        done = asyncio.Event()
        messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive():
            message = next(messages, None)
            if message is not None:
                return message
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": method,
            "path": path.decode("latin-1") if isinstance(path, bytes) else path,
            "raw_path": path if isinstance(path, bytes) else path.encode(),
            "query_string": query,
            "headers": list(headers),
            "scheme": "http",
            "server": ("127.0.0.1", 8000),
        }
        try:
            await asyncio.wait_for(app(scope, receive, send), 20)
        finally:
            done.set()
        return sent

    sent = asyncio.run(main())
    start = sent[0]
    return start["status"], {k.decode(): v.decode("latin-1") for k, v in start["headers"]}, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def site(tmp_path):
    (tmp_path / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "site"
    (root / "folder").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "folder" / "index.html").write_text("<h1>folder</h1>")
    (root / "a.txt").write_text("a")
    return root


TRAVERSALS = [
    b"/../secret.txt",
    b"/folder/../../secret.txt",
    b"/%2e%2e/secret.txt",
    b"/%2E%2E/secret.txt",
    b"/.%2e/secret.txt",
    b"/folder/%2e%2e%2f%2e%2e%2fsecret.txt",
    b"/..%2fsecret.txt",
    b"/..%5csecret.txt",
    b"/..\\secret.txt",
    b"/folder\\..\\..\\secret.txt",
    b"/a.txt%00.html",
    b"/a.txt\x00",
    b"/%ff%fe/secret.txt",
    b"//secret.txt",
    b"/./a.txt",
    b"/%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_names_no_asset(site, path):
    status, _, body = run(App(assets=Assets(site, not_found_handling="404-page")), path)
    assert status == 404 and SECRET not in body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_with_a_worker_goes_to_the_worker(site, loader, path):
    with loader.load(main_module="w.js", modules={"w.js": "export default { fetch: () => new Response('worker') }"}) as w:
        status, _, body = run(App(w, assets=Assets(site, not_found_handling="single-page-application")), path, headers=[(b"sec-fetch-mode", b"navigate")])
    assert (status, body) == (200, b"worker")


def test_path_traversal_over_a_real_server(site):
    pytest.importorskip("uvicorn")
    from tests._uvicorn import Server

    server = Server(App(assets=Assets(site)))
    port = server.port
    try:
        for path in [b"/../secret.txt", b"/%2e%2e/secret.txt", b"/..%2fsecret.txt", b"/..%5csecret.txt"]:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := c.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 404") and SECRET not in answer, path
    finally:
        server.stop()


def test_symlink_out_of_the_directory_is_refused(site, caplog):
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "up").symlink_to(site.parent, target_is_directory=True)
    (site / "inside.txt").symlink_to(site / "a.txt")
    assets = Assets(site)
    assert "leak.txt" not in assets and "up/secret.txt" not in assets and "inside.txt" in assets
    for path in ["/leak.txt", "/up/secret.txt"]:
        status, _, body = run(App(assets=assets), path)
        assert status == 404 and SECRET not in body
    assert run(App(assets=assets), "/inside.txt")[2] == b"a"
    assert "leak.txt" in caplog.text


def test_symlink_swapped_in_after_listing_is_not_followed(site):
    assets = Assets(site)
    os.unlink(site / "a.txt")
    (site / "a.txt").symlink_to(site.parent / "secret.txt")
    # The listing resolved a.txt to itself; the link now there is refused, not followed.
    status, _, body = run(App(assets=assets), "/a.txt")
    assert status == 404 and SECRET not in body


@pytest.mark.parametrize("path", [b"//evil.test/folder", b"//evil.test", b"/%2f%2fevil.test/folder", b"/\\evil.test/folder", b"/%5cevil.test/folder"])
def test_no_open_redirect_to_another_host(site, path):
    (site / "evil.test").mkdir()
    (site / "evil.test" / "folder.html").write_text("x")
    status, headers, _ = run(App(assets=Assets(site)), path)
    location = headers.get("location", "")
    assert not location.startswith("//") and not location.startswith("/\\") and "evil.test" not in location.split("/")[1:2]


def test_a_redirect_query_cannot_inject_headers(site):
    status, headers, _ = run(App(assets=Assets(site)), "/folder", query=b"a=1\r\nSet-Cookie: x=1")
    assert status == 307
    assert "\r" not in headers["location"] and "\n" not in headers["location"] and "set-cookie" not in headers


def test_a_file_name_no_url_can_ask_for_safely_is_skipped(site):
    (site / "evil\r\nSet-Cookie: x.html").write_text("x")
    (site / "back\\slash.txt").write_text("x")
    assets = Assets(site)
    assert len(assets) == 3


@pytest.mark.parametrize("path", ["/" + "a/" * 5000, "/" + "x" * 100_000, "/" + "%41" * 30_000, "/" + "é" * 200])
def test_absurd_paths_are_refused_cheaply(site, path):
    started = time.monotonic()
    status, _, _ = run(App(assets=Assets(site)), path.encode())
    assert status == 404 and time.monotonic() - started < 2


def test_a_huge_if_none_match_is_linear(site):
    app = App(assets=Assets(site))
    etag = run(app, "/a.txt")[1]["etag"]
    tags = ", ".join(f'"{i:032x}"' for i in range(40_000))
    started = time.monotonic()
    assert run(app, "/a.txt", headers=[(b"if-none-match", tags.encode())])[0] == 200
    assert run(app, "/a.txt", headers=[(b"if-none-match", (tags + ", " + etag).encode())])[0] == 304
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("header", [b"bytes=" + b"9" * 5000 + b"-", b"bytes=0-" + b"9" * 5000, b"bytes=" + b"0-0," * 20_000 + b"0-0", b"bytes=-" + b"9" * 30])
def test_absurd_ranges_get_the_whole_asset(site, header):
    status, _, body = run(App(assets=Assets(site)), "/a.txt", headers=[(b"range", header)])
    assert (status, body) == (200, b"a")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PROPFIND", "TRACE"])
def test_methods_other_than_get_and_head_get_405_without_a_worker(site, method):
    status, headers, body = run(App(assets=Assets(site)), "/a.txt", method=method)
    assert (status, headers["allow"]) == (405, "GET, HEAD") and body != b"a"


@pytest.mark.parametrize("name", ["../x", "/a/../b", "a/./b", "a//b", "a\\b", "a\x00b", "a\nb", "", "/", "x" * 300])
def test_asset_names_that_could_escape_are_refused(name):
    with pytest.raises(ValueError):
        Assets({name: "x"})


@pytest.mark.parametrize("headers", [{"X-A": "1\r\nSet-Cookie: x"}, {"Bad Name": "1"}, {"X-A": "\x00"}])
def test_headers_with_injection_are_refused(site, headers):
    with pytest.raises(ValueError):
        Assets(site, headers=headers)


def test_a_cache_control_function_cannot_inject_headers(site):
    app = App(assets=Assets(site, cache_control=lambda name: "max-age=1\r\nSet-Cookie: x=1"))
    with pytest.raises(ValueError):
        run(app, "/a.txt")


@pytest.mark.parametrize("rule", ["/api/*", ["api/*"], [3], ["!api"]])
def test_bad_run_worker_first_is_refused(site, rule):
    with pytest.raises(ValueError):
        Assets(site, run_worker_first=rule)


def test_a_client_that_leaves_mid_download_stops_the_reads(tmp_path):
    (tmp_path / "big.bin").write_bytes(b"x" * (64 << 20))
    app = App(assets=Assets(tmp_path))

    async def main():
        sent = []
        left = asyncio.Event()
        messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive():
            message = next(messages, None)
            if message is not None:
                return message
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if len(sent) == 3:
                left.set()
            await asyncio.sleep(0)

        await asyncio.wait_for(app({"type": "http", "method": "GET", "path": "/big.bin", "raw_path": b"/big.bin", "headers": []}, receive, send), 20)
        return sent

    sent = asyncio.run(main())
    assert sum(len(m.get("body", b"")) for m in sent) < 8 << 20


def wrangler(tmp_path, name, text):
    from workerbox._assets.wrangler import read_assets

    (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return lambda: read_assets(tmp_path)


@pytest.mark.parametrize("directory", ["../", "/etc", "public/../../", "link"])
def test_a_project_cannot_point_its_assets_outside_itself(tmp_path, directory):
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(tmp_path, target_is_directory=True)
    read = wrangler(project, "wrangler.json", f'{{"assets": {{"directory": "{directory}"}}}}')
    with pytest.raises(ValueError, match="leads outside the project"):
        read()


@pytest.mark.parametrize(
    "name, text",
    [
        ("wrangler.json", "[" * 200_000),
        ("wrangler.jsonc", b"\xff\xfe"),
        ("wrangler.jsonc", ", /*" * 250_000),
        ("wrangler.toml", "a = " + "[" * 100_000),
        ("wrangler.json", '{"assets": {"directory": "d", "html_handling": "../x"}}'),
        ("wrangler.json", '{"assets": "public"}'),
        ("wrangler.json", " " * ((1 << 20) + 1)),
    ],
)
def test_hostile_wrangler_configs_are_value_errors(tmp_path, name, text):
    (tmp_path / "d").mkdir()
    started = time.monotonic()
    with pytest.raises(ValueError):
        wrangler(tmp_path, name, text)()
    assert time.monotonic() - started < 5


def test_jsonc_comment_markers_inside_strings_are_kept(tmp_path):
    (tmp_path / "a,}").mkdir()
    read = wrangler(tmp_path, "wrangler.jsonc", '{ /* c */ "assets": { "directory": "a,}", // x\n "html_handling": "none", }, }')
    found = read()
    assert found.directory.name == "a,}" and found.options == {"html_handling": "none"}


@pytest.mark.parametrize("options", [{"cache_control": "max-age=1\r\nX: y"}, {"cache_control": 3}, {"headers": [("a", "b")]}, {"html_handling": "../"}, {"not_found_handling": None}])
def test_bad_options_are_refused_when_made(site, options):
    with pytest.raises((TypeError, ValueError)):
        Assets(site, **options)


def test_assetsignore_patterns_cannot_backtrack_for_ever(site):
    (site / ".assetsignore").write_text("*a*a*a*a*a*a*a*a*a*a*b\n" + "**/" * 200 + "x\n" + "/" + "*/" * 60 + "z\n")
    deep = site / "/".join(["d"] * 60)
    deep.mkdir(parents=True)
    (deep / ("a" * 250)).write_text("x")
    started = time.monotonic()
    assets = Assets(site)
    assert time.monotonic() - started < 5 and len(assets) == 4


def test_an_assetsignore_that_is_not_text_is_a_value_error(site):
    (site / ".assetsignore").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="assetsignore"):
        Assets(site)


PATH_ALPHABET = "/.%25eEfFcC0\\\x00a-_ ?#"


@given(st.text(alphabet=PATH_ALPHABET, max_size=40))
def test_fuzzed_paths_name_only_listed_assets_and_redirect_only_home(raw):
    from workerbox._assets.paths import request_path
    from workerbox._assets.routing import Redirect, Serve, resolve

    keys = {"index.html", "a/index.html", "a.html", "a/b.txt", ".well-known/x"}
    path = request_path("/" + raw)
    if path is None:
        return
    assert "\\" not in path and "\x00" not in path and "//" not in path
    assert not any(segment in (".", "..") for segment in path.split("/"))
    for mode in ("auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"):
        match = resolve(path, keys, mode)
        if isinstance(match, Serve):
            assert match.key in keys
        if isinstance(match, Redirect):
            assert match.path.startswith("/") and not match.path.startswith("//")
