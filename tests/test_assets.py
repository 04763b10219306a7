"""workerbox.asgi.Assets served by a real uvicorn on 127.0.0.1 to a real HTTP client
(http.client): Workers Static Assets' routing (html_handling, not_found_handling,
run_worker_first), content types, ETags and 304s, HEAD, ranges, caching headers, a large file
streamed from disk, and the worker answering whatever the assets do not."""

import tracemalloc

import pytest

from workerbox.asgi import App, Assets

pytest.importorskip("uvicorn")

from tests._uvicorn import Server  # noqa: E402

WORKER = r"""
export default {
  async fetch(request) {
    const url = new URL(request.url)
    return new Response(`worker ${request.method} ${url.pathname}${url.search}`, { headers: { "x-from": "worker" } })
  },
}
"""

SITE = {
    "index.html": "<h1>home</h1>",
    "about.html": "<h1>about</h1>",
    "docs/index.html": "<h1>docs</h1>",
    "docs/404.html": "<h1>no such doc</h1>",
    "404.html": "<h1>lost</h1>",
    "css/site.css": "body { color: teal }",
    "app.js": "console.log(1)",
    "data.json": '{"a": 1}',
    "logo.svg": "<svg/>",
    "pixel.png": b"\x89PNG\r\n\x1a\n",
    "mod.wasm": b"\x00asm\x01\x00\x00\x00",
    "blob.unknownext": b"\x00\x01",
    "digits.txt": "0123456789",
}


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    for name, content in SITE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


@pytest.fixture
def serve():
    servers = []

    def start(app):
        servers.append(Server(app))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def worker(loader):
    with loader.load(main_module="w.js", modules={"w.js": WORKER}) as w:
        yield w


def test_a_directory_is_served_with_type_etag_and_cache_control(site, serve):
    server = serve(App(assets=Assets(site)))
    response, body = server.get("/css/site.css")
    assert (response.status, body) == (200, b"body { color: teal }")
    assert response.getheader("content-type") == "text/css; charset=utf-8"
    assert response.getheader("cache-control") == "public, max-age=0, must-revalidate"
    assert response.getheader("etag").startswith('"') and response.getheader("content-length") == "20"
    response, body = server.get("/")
    assert (response.status, body) == (200, b"<h1>home</h1>")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("data.json", "application/json; charset=utf-8"),
        ("logo.svg", "image/svg+xml; charset=utf-8"),
        ("pixel.png", "image/png"),
        ("mod.wasm", "application/wasm"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types(site, serve, name, expected):
    response, _ = serve(App(assets=Assets(site))).get("/" + name)
    assert response.getheader("content-type") == expected


HTML_CASES = {
    # path: (auto, force, drop, none), each a status and what it serves or where it redirects
    "/about": ("200 about", "307 /about/", "200 about", "404"),
    "/about.html": ("307 /about", "307 /about/", "307 /about", "200 about"),
    "/about/": ("307 /about", "200 about", "307 /about", "404"),
    "/docs": ("307 /docs/", "307 /docs/", "200 docs", "404"),
    "/docs/": ("200 docs", "200 docs", "307 /docs", "404"),
    "/docs/index.html": ("307 /docs/", "307 /docs/", "307 /docs", "200 docs"),
    "/docs/index": ("307 /docs/", "307 /docs/", "307 /docs", "404"),
    "/index.html": ("307 /", "307 /", "307 /", "200 home"),
}
MODES = ["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]


@pytest.mark.parametrize("mode", MODES)
def test_html_handling_serves_canonical_urls_and_redirects_the_rest(site, serve, mode):
    server = serve(App(assets=Assets(site, html_handling=mode)))
    for path, outcomes in HTML_CASES.items():
        status, _, what = outcomes[MODES.index(mode)].partition(" ")
        response, body = server.get(path)
        assert response.status == int(status), (path, mode)
        if status == "200":
            assert body == f"<h1>{what}</h1>".encode(), (path, mode)
        elif status == "307":
            assert response.getheader("location") == what, (path, mode)


def test_a_redirect_keeps_the_query(site, serve):
    response, _ = serve(App(assets=Assets(site))).get("/about.html?x=1&y=%20")
    assert (response.status, response.getheader("location")) == (307, "/about?x=1&y=%20")


def test_if_none_match_gets_a_304_until_the_file_changes(site, serve):
    server = serve(App(assets=Assets(site)))
    response, _ = server.get("/digits.txt")
    etag = response.getheader("etag")
    response, body = server.get("/digits.txt", headers={"if-none-match": f'"other", {etag}'})
    assert (response.status, body, response.getheader("etag")) == (304, b"", etag)
    assert response.getheader("cache-control") and response.getheader("content-type") is None
    response, _ = server.get("/digits.txt", headers={"if-none-match": "*"})
    assert response.status == 304
    (site / "digits.txt").write_text("changed")
    response, body = server.get("/digits.txt", headers={"if-none-match": etag})
    assert (response.status, body) == (200, b"changed") and response.getheader("etag") != etag


def test_head_has_the_get_headers_and_no_body(site, serve):
    server = serve(App(assets=Assets(site)))
    got, _ = server.get("/css/site.css")
    head, body = server.get("/css/site.css", method="HEAD")
    assert (head.status, body) == (200, b"")
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.getheader(name) == got.getheader(name)


@pytest.mark.parametrize(
    "header, status, body, content_range",
    [
        ("bytes=2-4", 206, b"234", "bytes 2-4/10"),
        ("bytes=7-", 206, b"789", "bytes 7-9/10"),
        ("bytes=-3", 206, b"789", "bytes 7-9/10"),
        ("bytes=5-100", 206, b"56789", "bytes 5-9/10"),
        ("bytes=10-", 416, b"", "bytes */10"),
        ("bytes=0-1,4-5", 200, b"0123456789", None),
        ("pages=1", 200, b"0123456789", None),
    ],
)
def test_single_byte_ranges(site, serve, header, status, body, content_range):
    response, data = serve(App(assets=Assets(site))).get("/digits.txt", headers={"range": header})
    assert (response.status, data, response.getheader("content-range")) == (status, body, content_range)


def test_if_range_with_a_stale_etag_gets_the_whole_asset(site, serve):
    response, data = serve(App(assets=Assets(site))).get("/digits.txt", headers={"range": "bytes=0-1", "if-range": '"stale"'})
    assert (response.status, data) == (200, b"0123456789")


def test_cache_control_and_headers_can_be_set(site, serve):
    def cache(name):
        return "public, max-age=31536000, immutable" if name.startswith("css/") else None

    server = serve(App(assets=Assets(site, cache_control=cache, headers={"X-Frame-Options": "DENY"})))
    response, _ = server.get("/css/site.css")
    assert response.getheader("cache-control") == "public, max-age=31536000, immutable"
    assert response.getheader("x-frame-options") == "DENY"
    response, _ = server.get("/about")
    assert response.getheader("cache-control") is None and response.getheader("x-frame-options") == "DENY"


def test_a_mapping_of_assets(serve):
    assets = Assets({"/index.html": "<p>hi ✓</p>", "img/a.png": b"\x89PNG"})
    server = serve(App(assets=assets))
    response, body = server.get("/")
    assert (response.status, body.decode()) == (200, "<p>hi ✓</p>")
    response, body = server.get("/img/a.png")
    assert (response.getheader("content-type"), body) == ("image/png", b"\x89PNG")
    assert len(assets) == 2 and "/img/a.png" in assets and "img/a.png" in assets


def test_what_no_asset_matches_goes_to_the_worker(site, serve, worker):
    server = serve(App(worker, assets=Assets(site)))
    response, body = server.get("/api/users?id=3")
    assert (response.getheader("x-from"), body) == ("worker", b"worker GET /api/users?id=3")
    response, body = server.get("/about")
    assert body == b"<h1>about</h1>"


def test_other_methods_go_to_the_worker_even_on_an_asset(site, serve, worker):
    response, body = serve(App(worker, assets=Assets(site))).get("/about", method="POST", body=b"x")
    assert body == b"worker POST /about"


def test_without_a_worker_other_methods_get_405(site, serve):
    response, _ = serve(App(assets=Assets(site))).get("/about", method="DELETE")
    assert (response.status, response.getheader("allow")) == (405, "GET, HEAD")


def test_without_a_worker_an_unknown_path_is_a_404(site, serve):
    response, body = serve(App(assets=Assets(site))).get("/nope")
    assert (response.status, body) == (404, b"Not Found")


def test_single_page_application_serves_index_to_navigations(site, serve, worker):
    server = serve(App(worker, assets=Assets(site, not_found_handling="single-page-application")))
    response, body = server.get("/app/route/42", headers={"sec-fetch-mode": "navigate"})
    assert (response.status, body) == (200, b"<h1>home</h1>")
    response, body = server.get("/api/data", headers={"sec-fetch-mode": "cors"})
    assert body == b"worker GET /api/data"


def test_single_page_application_without_a_worker_serves_index_to_everything(site, serve):
    response, body = serve(App(assets=Assets(site, not_found_handling="single-page-application"))).get("/deep/link")
    assert (response.status, body) == (200, b"<h1>home</h1>")


def test_404_page_is_the_nearest_one_up_the_path(site, serve):
    server = serve(App(assets=Assets(site, not_found_handling="404-page")))
    response, body = server.get("/docs/missing/page")
    assert (response.status, body) == (404, b"<h1>no such doc</h1>")
    response, body = server.get("/missing")
    assert (response.status, body) == (404, b"<h1>lost</h1>")
    assert response.getheader("content-type") == "text/html; charset=utf-8"


def test_404_page_leaves_unknown_paths_to_a_worker(site, serve, worker):
    response, body = serve(App(worker, assets=Assets(site, not_found_handling="404-page"))).get("/missing")
    assert body == b"worker GET /missing"


def test_run_worker_first_patterns(site, serve, worker):
    assets = Assets(site, run_worker_first=["/docs/*", "!/docs/index.html"])
    server = serve(App(worker, assets=assets))
    assert server.get("/docs/")[1] == b"worker GET /docs/"
    assert server.get("/docs/index.html")[0].status == 307
    assert server.get("/about")[1] == b"<h1>about</h1>"


def test_mounted_inside_starlette_redirects_under_the_mount(site, serve):
    applications = pytest.importorskip("starlette.applications")
    routing = pytest.importorskip("starlette.routing")
    server = serve(applications.Starlette(routes=[routing.Mount("/static", app=App(assets=Assets(site)))]))
    response, body = server.get("/static/css/site.css")
    assert (response.status, body) == (200, b"body { color: teal }")
    response, _ = server.get("/static/about.html")
    assert (response.status, response.getheader("location")) == (307, "/static/about")


def test_a_large_file_streams_from_disk(tmp_path, serve):
    size = 64 << 20
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * (size // 256))
    server = serve(App(assets=Assets(tmp_path)))
    server.get("/big.bin", method="HEAD")  # the ETag is computed once, before measuring
    tracemalloc.start()
    try:
        response, body = server.get("/big.bin")
        # The client holds the whole body; the server may hold a few chunks, not the file.
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (response.status, len(body)) == (200, size) and body[:3] == b"\x00\x01\x02"
    assert peak - size < 16 << 20


def test_assetsignore_leaves_files_out(site, serve):
    (site / ".assetsignore").write_text("# server code and secrets\n_worker.js\n.env*\ndrafts/\n*.map\n!keep.map\n")
    for name in ["_worker.js", ".env.local", "drafts/post.html", "app.js.map", "keep.map"]:
        (site / name).parent.mkdir(exist_ok=True)
        (site / name).write_text("x")
    server = serve(App(assets=Assets(site)))
    for path in ["/_worker.js", "/.env.local", "/drafts/post", "/app.js.map", "/.assetsignore"]:
        assert server.get(path)[0].status == 404, path
    assert server.get("/keep.map")[0].status == 200
