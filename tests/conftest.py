"""Shared test fixtures: a real HTTP server on 127.0.0.1 and paths to saved real pages."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class Routes(dict):
    """path -> (status, content_type, body bytes); everything else is 404."""


@pytest.fixture
def http_site():
    """A local site whose pages a test sets: site.routes['/x'] = (200, 'text/html', b'...')."""
    routes = Routes()
    routes["/robots.txt"] = (200, "text/plain", b"User-agent: *\nAllow: /\n")
    hits: list[str] = []
    redirects: dict[str, str] = {}
    headers_seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            headers_seen.append({k.lower(): v for k, v in self.headers.items()})
            if self.path in redirects:
                self.send_response(301)
                self.send_header("Location", redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status, ctype, body = routes.get(self.path, (404, "text/html", b"<html><body>Not found</body></html>"))
            etag = '"%x"' % (hash(body) & 0xFFFFFFFF)
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a test's deliberately hanging handler must not hold the teardown
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.routes = routes
    server.hits = hits
    server.redirects = redirects
    server.headers_seen = headers_seen
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def local_network_allowed(monkeypatch):
    """Test sites are on 127.0.0.1, which the private-address guard refuses by default;
    crawl subprocesses inherit the exemption from os.environ."""
    monkeypatch.setenv("COMMUNIQUE_ALLOWED_NETWORKS", "127.0.0.0/8")


def write_registry(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it accepted (scheduler/alerts/sink.py).

    server.refuse[address] = (code, text) answers RCPT TO for that address with an error
    (550: refused for good, 451: try later); server.messages holds accepted messages.
    """
    from scheduler.alerts.sink import MailSink

    with MailSink() as sink:
        yield sink
