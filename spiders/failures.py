"""Why a request failed, in words a user can act on.

A failed download reaches a spider's errback as an exception from Twisted, Scrapy or
curl_cffi (the impersonate fetcher). Each known class maps, in one table, to a short
reason ("DNS: no such host x", "too large: over 10 MB", "connection reset"); an
IgnoreRequest says "forbidden by robots.txt" only when robots.txt forbade the request.
Nothing here ever shows a Twisted `Failure` repr.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import exceptions as scrapy_errors
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as tx
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from spiders import netguard

try:  # the impersonate fetcher's errors; curl_cffi comes with scrapy-impersonate
    from curl_cffi import CurlError
    from curl_cffi.requests import exceptions as curl
except ImportError:  # pragma: no cover
    CurlError = curl = None

# libcurl error codes -> reasons (CURLE_* in curl.h)
CURL_CODES = {
    6: "DNS: no such host {host}",
    7: "connection refused by {host}",
    28: "timed out",
    35: "TLS handshake failed with {host}",
    47: "too many redirects",
    52: "connection closed without an answer",
    55: "connection reset",
    56: "connection reset",
    60: "TLS certificate of {host} not trusted",
    63: "too large: over {limit}",
}

# Exception class -> reason, most specific first; {host} and {limit} are filled in.
TABLE: list[tuple[type[BaseException], str]] = [
    (scrapy_errors.CannotResolveHostError, "DNS: no such host {host}"),
    (tx.DNSLookupError, "DNS: no such host {host}"),
    (scrapy_errors.DownloadTimeoutError, "timed out"),
    (tx.TimeoutError, "timed out"),
    (tx.TCPTimedOutError, "timed out connecting to {host}"),
    (scrapy_errors.DownloadConnectionRefusedError, "connection refused by {host}"),
    (tx.ConnectionRefusedError, "connection refused by {host}"),
    (tx.NoRouteError, "no route to {host}"),
    (tx.SSLError, "TLS handshake failed with {host}"),
    (tx.ConnectionAborted, "connection aborted"),
    (tx.ConnectionLost, "connection reset"),
    (tx.ConnectionDone, "connection closed before the answer was complete"),
    (scrapy_errors.ResponseDataLossError, "answer cut short (fewer bytes than announced)"),
    (scrapy_errors.UnsupportedURLSchemeError, "refused: {scheme}: is not http(s)"),
    (scrapy_errors.NotSupported, "refused: {scheme}: is not http(s)"),
    (tx.ConnectError, "cannot connect to {host}"),
]
if curl is not None:
    TABLE += [
        (curl.DNSError, "DNS: no such host {host}"),
        (curl.TooManyRedirects, "too many redirects"),
        (curl.Timeout, "timed out"),
        (curl.SSLError, "TLS handshake failed with {host}"),
    ]


def _limit_text(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{max_bytes} bytes"


def _ignored(error: scrapy_errors.IgnoreRequest, host: str) -> str:
    """IgnoreRequest is raised for several reasons; its message says which."""
    message = str(error)
    if isinstance(error, netguard.RefusedRequest):
        return message
    if message == "Forbidden by robots.txt":
        return "forbidden by robots.txt"
    if "DOWNLOAD_MAXSIZE" in message:
        return "too large: over {limit} once decompressed"
    if message == "max redirections reached":
        return "too many redirects"
    if message.startswith("Filtered offsite request"):
        return f"refused: {host} is outside the source's site"
    return "ignored: " + " ".join(message.split())[:200]


def _chained(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (Scrapy wraps Twisted's errors; ResponseFailed holds Failures)."""
    seen: list[BaseException] = []
    todo = [error]
    while todo and len(seen) < 10:
        current = todo.pop(0)
        seen.append(current)
        if isinstance(current, ResponseFailed | ResponseNeverReceived):
            todo.extend(f.value for f in current.reasons if getattr(f, "value", None) is not None)
        cause = current.__cause__ or current.__context__
        if cause is not None and cause not in seen:
            todo.append(cause)
    return seen


def failure_reason(error: BaseException, url: str, max_bytes: int = 0, received: int = 0) -> str:
    """One line saying why the request for url failed, e.g. 'DNS: no such host example.invalid'.

    `received` is how many bytes of the answer arrived: Scrapy cancels a download that
    outgrows DOWNLOAD_MAXSIZE without saying why in the exception.
    """
    parts = urlsplit(url)
    host = parts.hostname or url
    fill = {"host": host, "scheme": parts.scheme or "(no scheme)", "limit": _limit_text(max_bytes)}
    if isinstance(error, HttpError):  # a status the spider did not ask to see
        return f"HTTP {error.response.status}"
    if isinstance(error, scrapy_errors.IgnoreRequest):
        return _ignored(error, host).format(**fill)
    chain = _chained(error)
    message = str(error)
    if isinstance(error, scrapy_errors.DownloadCancelledError | defer.CancelledError) and (
            "max size" in message or (max_bytes and received > max_bytes)):
        return "too large: over {limit}".format(**fill)
    for current in chain:
        if isinstance(current, tx.DNSLookupError | scrapy_errors.CannotResolveHostError) and host in (
                netguard.REFUSED_HOSTS):
            return netguard.REFUSED_HOSTS[host]
        if isinstance(current, ResponseFailed | ResponseNeverReceived):
            continue  # what they wrap says more
        for cls, reason in TABLE:
            if isinstance(current, cls):
                return reason.format(**fill)
        if CurlError is not None and isinstance(current, CurlError):
            code = getattr(current, "code", None)
            if code in CURL_CODES:
                return CURL_CODES[code].format(**fill)
    if any(isinstance(current, ResponseNeverReceived) for current in chain):
        return "connection closed without an answer"
    detail = " ".join(message.split()).split(". See https://curl.se")[0]
    if "<twisted.python.failure.Failure" in detail or not detail:
        detail = ""
    return f"{error.__class__.__name__}{': ' + detail[:200] if detail else ''}"
