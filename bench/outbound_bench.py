"""Per-fetch overhead of the two ways out: a Python global_outbound hook (which forwards with
urllib) versus the native HttpOutbound, against the same local HTTP server. Prints markdown."""

from __future__ import annotations

import argparse
import http.client
import http.server
import statistics
import threading
import time
import urllib.parse
import urllib.request

import workerbox as wb

LOOP = "export default { async f(url, n) { for (let i = 0; i < n; i++) await (await fetch(url)).text(); return n } }"


def serve() -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per response and no Nagle: otherwise a keep-alive client meets the 40 ms
        # delayed-ACK stall on every request after the first, and the table measures TCP.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def hook(request: wb.Request) -> wb.Response:
    with urllib.request.urlopen(request.url) as r:
        return wb.Response(r.read(), status=r.status)


class KeepAliveHook:
    """A hook that forwards over one reused connection, as a tuned Python client would."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def __call__(self, request: wb.Request) -> wb.Response:
        self.conn.request(request.method, urllib.parse.urlsplit(request.url).path or "/")
        r = self.conn.getresponse()
        return wb.Response(r.read(), status=r.status)


def per_fetch_us(loader: wb.Loader, outbound: object, url: str, n: int, repeats: int) -> list[float]:
    w = loader.load(main_module="f.js", modules={"f.js": LOOP}, global_outbound=outbound, limits=wb.Limits(sub_requests=n + 10))
    ep = w.get_entrypoint()
    ep.f(url, 5)
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        ep.f(url, n)
        out.append((time.perf_counter() - t) / n * 1e6)
    w.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetches", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    httpd, port = serve()
    native = wb.HttpOutbound(["bench.local"], resolve={"bench.local": "127.0.0.1"}, allow_private_networks=True)
    with wb.Loader(threads=1) as loader:
        rows = [
            ("Python hook (urllib, a connection per fetch)", per_fetch_us(loader, hook, f"http://127.0.0.1:{port}/", args.fetches, args.repeats)),
            ("Python hook (http.client, keep-alive)", per_fetch_us(loader, KeepAliveHook(port), f"http://127.0.0.1:{port}/", args.fetches, args.repeats)),
            ("HttpOutbound (native)", per_fetch_us(loader, native, f"http://bench.local:{port}/", args.fetches, args.repeats)),
        ]
    httpd.shutdown()
    print("| way out | µs per fetch, median | min |\n|---|---:|---:|")
    for name, samples in rows:
        print(f"| {name} | {statistics.median(samples):.0f} | {min(samples):.0f} |")


if __name__ == "__main__":
    main()
