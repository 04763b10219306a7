"""Other web pages and other machines trying to drive `workerbox playground`: a DNS-rebinding page
(its own name in Host), a cross-origin page (its Origin, a form post, no token), a guessed or
missing token, a page framing the playground, a peer on another address, and an oversized run.
The server is the real one, started as a user starts it; the client is a real HTTP client."""

import json
import socket
import subprocess
import sys

import pytest
from playground_harness import Playground

RUN = {"files": {"main.js": "export default { ping() { return 'pong' } }"}, "main": "main.js", "call": {"method": "ping", "args": []}}


@pytest.fixture(scope="module")
def playground():
    server = Playground()
    yield server
    server.stop()


def test_the_page_itself_may_run_a_worker(playground):
    # The baseline every refusal below differs from by one header.
    assert playground.run(RUN)["result"] == "pong"


@pytest.mark.parametrize("host", ["attacker.test", "attacker.test:{port}", "127.0.0.1", "127.0.0.1:1", "0.0.0.0:{port}", "[::1]:{port}"])
@pytest.mark.parametrize("path", ["/", "/api/run"])
def test_dns_rebinding_a_foreign_host_name_is_refused(playground, host, path):
    status, _, body = playground.request("POST" if path == "/api/run" else "GET", path, RUN, {"Host": host.format(port=playground.port)})
    assert status == 421, body
    assert b"pong" not in body and b"<html" not in body


@pytest.mark.parametrize("hosts", [None, ["{right}", "attacker.test"], ["attacker.test", "{right}"]])
def test_dns_rebinding_a_missing_or_repeated_host_is_refused(playground, hosts):
    # The HTTP server may refuse first (400); either way no copy of the header gets the page.
    hosts = hosts and [h.format(right=f"127.0.0.1:{playground.port}") for h in hosts]
    status, _, body = playground.request("GET", "/", None, {"Host": hosts})
    assert status in (400, 421) and b"<html" not in body


@pytest.mark.parametrize("origin", ["http://attacker.test", "null", "http://127.0.0.1:1", "https://127.0.0.1:{port}", None])
def test_a_cross_origin_page_cannot_run_a_worker(playground, origin):
    origin = origin and origin.format(port=playground.port)
    status, _, body = playground.request("POST", "/api/run", RUN, {"Origin": origin})
    assert status == 403 and b"pong" not in body


def test_a_cross_site_fetch_metadata_is_refused_even_with_the_right_origin(playground):
    status, _, _ = playground.request("POST", "/api/run", RUN, {"Sec-Fetch-Site": "cross-site"})
    assert status == 403


GUESSES = {
    "missing": lambda t: None,
    "empty": lambda t: "",
    "guess": lambda t: "guess",
    "longer": lambda t: t + "x",
    "prefix": lambda t: t[:-1],
    "other case": lambda t: t.swapcase(),
}


@pytest.mark.parametrize("guess", GUESSES.values(), ids=GUESSES.keys())
def test_a_missing_or_guessed_token_is_refused(playground, guess):
    status, _, body = playground.request("POST", "/api/run", RUN, {"X-Playground-Token": guess(playground.token)})
    assert status == 403 and b"pong" not in body


def test_the_token_in_the_query_string_is_not_a_token(playground):
    # The token rides in a header a cross-origin page cannot set without a preflight; a URL it
    # could make the browser load does not count.
    status, _, _ = playground.request("POST", f"/api/run?token={playground.token}", RUN, {"X-Playground-Token": None})
    assert status == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_a_form_post_is_refused(playground, content_type):
    # What an HTML form or a "simple" cross-origin fetch can send without a preflight.
    status, _, body = playground.request("POST", "/api/run", json.dumps(RUN).encode(), {"Content-Type": content_type})
    assert status == 415 and b"pong" not in body


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS"])
def test_the_api_answers_post_only_and_grants_no_preflight(playground, method):
    status, headers, _ = playground.request(method, "/api/run", None)
    assert status == 405
    assert not any(name.lower().startswith("access-control-") for name in headers)


def test_a_page_cannot_frame_the_playground(playground):
    status, headers, _ = playground.request("GET", "/", None)
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


def test_an_oversized_run_is_refused_before_it_is_read_whole(playground):
    huge = {**RUN, "files": {"main.js": "//" + "x" * (5 << 20) + "\nexport default {}"}}
    try:
        status = playground.request("POST", "/api/run", huge)[0]
    except (ConnectionResetError, BrokenPipeError):
        status = "reset"  # the server answered and closed before the client finished sending
    assert status in (413, "reset")
    assert playground.run(RUN)["result"] == "pong"


def test_another_address_on_this_machine_cannot_connect(playground):
    # Bound to 127.0.0.1 alone, not to every address: 127.0.0.2 is this machine too, but not it.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", playground.port), timeout=5).close()


def test_the_command_has_no_way_to_listen_elsewhere():
    done = subprocess.run([sys.executable, "-m", "workerbox", "playground", "--host", "0.0.0.0", "--no-open"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--host" in done.stderr


def test_a_malformed_run_is_a_bad_request_and_the_server_goes_on(playground):
    for spec in ([1, 2], {"files": {}}, {"files": {"a.js": 1}}, {**RUN, "fetch": {"path": "/"}}):
        status, _, _ = playground.request("POST", "/api/run", spec)
        assert status == 400, spec
    assert playground.request("POST", "/api/run", b"{not json")[0] == 400
    assert playground.run(RUN)["result"] == "pong"
