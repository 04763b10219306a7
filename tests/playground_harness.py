"""`workerbox playground` as a user starts it (a subprocess on a free port, its URL read from what
it prints), and a real HTTP client for it; shared by the page's tests and the attacks on it."""

import http.client
import json
import os
import re
import subprocess
import sys

import pytest

URL_LINE = re.compile(r"workerbox playground: (http://127\.0\.0\.1:(\d+)/#token=([\w-]+))")


class Playground:
    def __init__(self, env=None):
        pytest.importorskip("uvicorn", reason="the playground is served by uvicorn (workerbox[serve])")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workerbox", "playground", "--port", "0", "--no-open"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline()
        found = URL_LINE.search(line)
        if found is None:
            self.stop()
            raise AssertionError(f"the playground printed {line!r}, not its URL")
        self.url, self.port, self.token = found[1], int(found[2]), found[3]
        self.origin = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, connect_to="127.0.0.1"):
        """One exchange; `headers` replace the defaults of a request from the page itself
        (Host, Origin, token, JSON) where given, and a header set to None is left out."""
        defaults = {
            "Host": f"127.0.0.1:{self.port}",
            "Origin": self.origin,
            "X-Playground-Token": self.token,
            "Content-Type": "application/json",
        }
        merged = {**defaults, **(headers or {})}
        conn = http.client.HTTPConnection(connect_to, self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in merged.items():
                for one in value if isinstance(value, list) else [value]:
                    if one is not None:
                        conn.putheader(name, one)
            data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            conn.putheader("Content-Length", str(len(data or b"")))
            conn.endheaders(data)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def run(self, spec):
        status, _, data = self.request("POST", "/api/run", spec)
        assert status == 200, data
        return json.loads(data)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc.stdout.close()
