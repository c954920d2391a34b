"""A hostile site on 127.0.0.1: what a stranger's server may answer a crawler.

Each route is (status, headers, body); a body may be a callable that writes the answer
itself (a 50 MB page in chunks, a connection reset, a hang). Redirects may point anywhere,
private addresses included: the crawler's guard must refuse them before connecting.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MB = 1024 * 1024


@cache
def gzip_bomb(inflated_mb: int = 1024) -> bytes:
    """About 1 MB of gzip that inflates to `inflated_mb` MB of zeros (built once per session)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MB)
    return b"".join([packer.compress(zeros) for _ in range(inflated_mb)] + [packer.flush()])


def big_page(size: int, chunk: bytes = b"<p>" + b"word " * 200 + b"</p>\n"):
    """A writer for an HTML page of `size` bytes, sent in chunks (never held whole in memory)."""

    def write(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        head = b"<html><head><title>Big</title></head><body><h1>Big page</h1>"
        handler.wfile.write(head)
        sent = len(head)
        try:
            while sent < size:
                piece = chunk[: size - sent]
                handler.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up at its size limit: what is expected

    return write


def streamed_page(size: int):
    """A writer for an HTML page of `size` bytes with no Content-Length (ends when the connection closes)."""
    chunk = b"<p>" + b"word " * 200 + b"</p>\n"

    def write(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            for _ in range(size // len(chunk)):
                handler.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return write


def reset_connection(handler) -> None:
    """Answer with a TCP reset instead of HTTP."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def hang(seconds: float = 30):
    def write(handler) -> None:
        time.sleep(seconds)

    return write


class HostileSite(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        self.routes: dict[str, tuple] = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")}
        self.redirects: dict[str, str] = {}
        self.hits: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, path: str, body, content_type: str = "text/html", status: int = 200, **headers) -> None:
        body = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, body)

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: HostileSite

    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, headers, body = self.server.routes.get(
            self.path, (404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>"))
        if callable(body):
            body(self)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass
