"""Attacks on HttpOutbound from inside the sandbox: tampered built-ins, forbidden methods and
headers, IPv6 spellings of private IPv4 addresses. Each case talks to a real HTTP server on
127.0.0.1 (or ::1), so what arrives there is what the client really sent."""

import http.server
import json
import socket
import threading

import pytest

import workerbox as wb

SECRET = "Bearer s3cret"


class _Echo(http.server.BaseHTTPRequestHandler):
    """Records every request; answers TRACE as servers that allow it do (the request head,
    headers included, echoed back) and anything else with a JSON summary without headers."""

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        headers = [(k.lower(), v) for k, v in self.headers.items()]
        self.server.seen.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
        if self.command.upper() == "TRACE":
            out = (self.requestline + "\r\n" + str(self.headers)).encode()
        else:
            out = json.dumps({"method": self.command, "body": body}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def _serve(cls, host):
    httpd = cls((host, 0), _Echo)
    httpd.seen = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def server():
    httpd = _serve(_Server, "127.0.0.1")
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server6():
    httpd = _serve(_Server6, "::1")
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def outbound(**kwargs):
    """api.example.com is allowed, pinned to 127.0.0.1 and gets the secret injected."""
    kwargs.setdefault("resolve", {"api.example.com": "127.0.0.1"})
    kwargs.setdefault("timeout_s", 5)
    return wb.HttpOutbound(
        ["api.example.com"],
        inject_headers={"api.example.com": {"authorization": SECRET}},
        **kwargs,
    )


# `tamper` runs first in the worker's module scope; `f(url, init)` fetches and reports what
# the sandbox could see, or the error it got.
FETCH = """%s
export default { async f(url, init) {
  try {
    const r = await fetch(url, init)
    return { status: r.status, text: await r.text() }
  } catch (e) { return { error: e.name, message: e.message } }
} }"""


def fetch(loader, out, url, init=None, tamper=""):
    with loader.load(main_module="f.js", modules={"f.js": FETCH % tamper}, global_outbound=out) as w:
        return w.get_entrypoint().f(url, init)


def api_url(server, path="/"):
    return f"http://api.example.com:{server.server_address[1]}{path}"


# Replacements of the built-ins a JS method check would lean on, each made to wave TRACE,
# CONNECT and TRACK through while leaving everything else working.
TAMPERINGS = {
    "set_has": "const has = Set.prototype.has; Set.prototype.has = function (v) { return /^(trace|track|connect)$/i.test(v) ? false : has.call(this, v) }",
    "to_upper_case": "String.prototype.toUpperCase = function () { return String(this) }",
    "regexp_test": "RegExp.prototype.test = () => true",
}


@pytest.mark.parametrize("tamper", sorted(TAMPERINGS))
@pytest.mark.parametrize("method", ["TRACE", "trace", "TRACK", "Connect"])
def test_trace_with_tampered_set_prototype_cannot_reflect_credentials(loader, server, tamper, method):
    out = fetch(loader, outbound(allow_private_networks=True), api_url(server), {"method": method}, TAMPERINGS[tamper])
    assert out.get("error") == "TypeError", out
    assert "forbidden" in out["message"].lower()
    assert "s3cret" not in json.dumps(out)
    assert server.seen == []


@pytest.mark.parametrize("method, sent", [("post", "POST"), ("Put", "PUT"), ("delete", "DELETE"), ("patch", "patch"), ("PATCH", "PATCH")])
def test_method_normalization_is_not_decided_by_tampered_builtins(loader, server, method, sent):
    out = fetch(loader, outbound(allow_private_networks=True), api_url(server), {"method": method, "body": "x"}, TAMPERINGS["to_upper_case"])
    assert out["status"] == 200, out
    assert [r["method"] for r in server.seen] == [sent]


@pytest.mark.parametrize("method", ["GET\r\nX-Evil: 1", "GET /x", "", "G\u00e9T"])
def test_malformed_methods_are_a_type_error_even_with_tampered_regexp(loader, server, method):
    out = fetch(loader, outbound(allow_private_networks=True), api_url(server), {"method": method}, TAMPERINGS["regexp_test"])
    assert out.get("error") == "TypeError", out
    assert server.seen == []


@pytest.mark.parametrize("header", ["x-http-method-override", "x-http-method", "x-method-override"])
def test_method_override_header_cannot_smuggle_trace(loader, server, header):
    out = fetch(loader, outbound(allow_private_networks=True), api_url(server), {"method": "POST", "body": "x", "headers": {header: "TRACE"}})
    assert out["status"] == 200, out
    [request] = server.seen
    assert header not in dict(request["headers"])


def test_host_header_cannot_retarget_an_allowed_request(loader, server):
    url = api_url(server, "/admin")
    out = fetch(loader, outbound(allow_private_networks=True), url, {"headers": {"host": "admin.internal", "x-ok": "1"}})
    assert out["status"] == 200, out
    [request] = server.seen
    headers = dict(request["headers"])
    assert headers["host"] == f"api.example.com:{server.server_address[1]}"
    assert headers["x-ok"] == "1" and headers["authorization"] == SECRET
    assert [v for k, v in request["headers"] if k == "host"] == [headers["host"]]


FRAMING = {
    "content-length": "0",
    "transfer-encoding": "chunked",
    "connection": "x-secret-hop",
    "keep-alive": "timeout=999",
    "upgrade": "h2c",
    "te": "trailers",
    "trailer": "x-late",
    "expect": "100-continue",
    "proxy-authorization": "Basic c21.6Z2xl",
    "proxy-connection": "keep-alive",
}


def test_framing_and_hop_headers_from_the_sandbox_cannot_smuggle_a_request(loader, server):
    out = fetch(loader, outbound(allow_private_networks=True), api_url(server), {"method": "POST", "headers": FRAMING, "body": "hello"})
    assert out["status"] == 200, out
    [request] = server.seen
    assert request["body"] == "hello"
    headers = dict(request["headers"])
    assert headers.get("content-length") == "5"
    for name, value in FRAMING.items():
        assert headers.get(name) != value, name


def test_bracketed_ipv6_allow_patterns_reach_the_ipv6_host(loader, server6):
    port = server6.server_address[1]
    for pattern in ["[::1]", f"[::1]:{port}", f"http://[::1]:{port}", "[0:0::1]"]:
        out = fetch(loader, wb.HttpOutbound([pattern], allow_private_networks=True), f"http://[::1]:{port}/six")
        assert out["status"] == 200, (pattern, out)
    assert [r["path"] for r in server6.seen] == ["/six"] * 4
    out = fetch(loader, wb.HttpOutbound([f"[::1]:{port + 1 if port < 65535 else 1}"], allow_private_networks=True), f"http://[::1]:{port}/")
    assert out.get("error") == "TypeError" and "allow list" in out["message"]


@pytest.mark.parametrize("pattern", ["[::1", "[::1]x", "[::1]:", "[::1]:http", "::1", "*.[::1]", "[example.com]", "*.127.0.0.1", "x.com:65536", "[::1]:80:80"])
def test_malformed_host_patterns_raise_value_error(pattern):
    with pytest.raises(ValueError, match="host pattern"):
        wb.HttpOutbound([pattern])


# IPv6 spellings of 127.0.0.1 and 169.254.169.254 (the cloud metadata service): each reaches
# the IPv4 address through a kernel, a tunnel or a translator.
EMBEDDED = {
    "mapped": "::ffff:127.0.0.1",
    "compatible": "::127.0.0.1",
    "translated": "::ffff:0:7f00:1",
    "nat64": "64:ff9b::a9fe:a9fe",
    "nat64_local": "64:ff9b:1::7f00:1",
    "6to4": "2002:a9fe:a9fe::1",
    "teredo": "2001:0:4136:e378:8000:63bf:80ff:fffe",
}


@pytest.mark.parametrize("form", sorted(EMBEDDED))
def test_ipv6_embedded_private_ipv4_resolution_is_refused(loader, server, form):
    out = fetch(loader, outbound(resolve={"api.example.com": EMBEDDED[form]}), api_url(server))
    assert out.get("error") == "TypeError", out
    assert "private addresses" in out["message"], out
    assert server.seen == []


@pytest.mark.parametrize("form", sorted(EMBEDDED))
def test_ipv6_embedded_private_ipv4_literal_is_refused(loader, server, form):
    literal = f"[{EMBEDDED[form]}]"
    out = fetch(loader, wb.HttpOutbound([literal], timeout_s=5), f"http://{literal}:{server.server_address[1]}/")
    assert out.get("error") == "TypeError", out
    assert "private address" in out["message"], out
    assert server.seen == []


@pytest.mark.parametrize("name", ["host", "Content-Length", "transfer-encoding", "proxy-authorization", "bad name", "x-ok\n"])
def test_inject_headers_refuses_forbidden_or_malformed_names(name):
    with pytest.raises(ValueError, match="inject_headers"):
        wb.HttpOutbound(["api.example.com"], inject_headers={"api.example.com": {name: "v"}})


def test_inject_headers_refuses_malformed_values():
    with pytest.raises(ValueError, match="inject_headers"):
        wb.HttpOutbound(["api.example.com"], inject_headers={"api.example.com": {"authorization": "a\r\nx-evil: 1"}})
