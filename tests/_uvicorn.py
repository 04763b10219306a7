"""uvicorn serving an ASGI app on 127.0.0.1 in a thread, for tests that need a real server."""

import http.client
import socket
import threading
import time

import uvicorn


class Server:
    """Serves `app` until `stop()` (or the end of a `with` block)."""

    def __init__(self, app, lifespan="off"):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started

    def request(self, method, path, body=None, headers=None, timeout=10):
        """The response, unread, and its connection (the caller reads and closes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request(method, path, body=body, headers=headers or {})
        return conn.getresponse(), conn

    def get(self, path, method="GET", headers=None, body=None):
        """The response and its whole body."""
        response, conn = self.request(method, path, body=body, headers=headers, timeout=20)
        try:
            return response, response.read()
        finally:
            conn.close()

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
