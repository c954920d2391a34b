"""Every failed download becomes one line a user can act on, never a Twisted Failure repr."""

from __future__ import annotations

import pytest
from curl_cffi import CurlError
from curl_cffi.requests import exceptions as curl
from scrapy import exceptions as scrapy_errors
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from spiders.failures import failure_reason
from spiders.netguard import RefusedRequest

URL = "https://news.example/item/1"
TEN_MB = 10 * 1024 * 1024


def wrapped(outer: type[Exception], inner: Exception) -> Exception:
    """As Scrapy raises them: its own exception, caused by Twisted's."""
    error = outer(str(inner))
    error.__cause__ = inner
    return error


def curl_error(code: int) -> Exception:
    error = curl.RequestException(f"Failed to perform, curl: ({code}) something. See https://curl.se/libcurl/c/")
    error.code = code
    return error


@pytest.mark.parametrize(("error", "reason"), [
    (scrapy_errors.IgnoreRequest("Forbidden by robots.txt"), "forbidden by robots.txt"),
    (scrapy_errors.IgnoreRequest("Ignored response <200 x> because its body (1043656 B compressed, 10485760 B "
                                 "decompressed so far) exceeded DOWNLOAD_MAXSIZE (10485760 B) during decompression."),
     "too large: over 10 MB once decompressed"),
    (scrapy_errors.DownloadCancelledError("Expected to receive 52428800 bytes which is larger than download max "
                                          "size (10485760) in request <GET x>."), "too large: over 10 MB"),
    (scrapy_errors.IgnoreRequest("max redirections reached"), "too many redirects"),
    (RefusedRequest("refused: 10.0.0.1 is a private address"), "refused: 10.0.0.1 is a private address"),
    (wrapped(scrapy_errors.CannotResolveHostError, tx.DNSLookupError("x")), "DNS: no such host news.example"),
    (tx.DNSLookupError("news.example"), "DNS: no such host news.example"),
    (wrapped(scrapy_errors.DownloadTimeoutError, tx.TimeoutError()), "timed out"),
    (wrapped(scrapy_errors.DownloadConnectionRefusedError, tx.ConnectionRefusedError()),
     "connection refused by news.example"),
    (wrapped(scrapy_errors.DownloadFailedError, ResponseFailed([Failure(tx.ConnectionLost())])), "connection reset"),
    (ResponseNeverReceived([Failure(tx.ConnectionLost())]), "connection reset"),
    (ResponseNeverReceived([Failure(tx.ConnectionDone())]), "connection closed before the answer was complete"),
    (scrapy_errors.ResponseDataLossError("x"), "answer cut short (fewer bytes than announced)"),
    (tx.TCPTimedOutError(), "timed out connecting to news.example"),
    (tx.NoRouteError(), "no route to news.example"),
    (HttpError(Response(URL, status=418), "Ignoring non-200 response"), "HTTP 418"),
    (curl.DNSError("Could not resolve host"), "DNS: no such host news.example"),
    (curl.TooManyRedirects("x"), "too many redirects"),
    (curl_error(56), "connection reset"),
    (curl_error(63), "too large: over 10 MB"),
    (curl_error(28), "timed out"),
])
def test_failure_reasons(error, reason):
    assert failure_reason(error, URL, TEN_MB) == reason


def test_download_cancelled_past_the_limit_is_too_large():
    # Scrapy cancels a download without Content-Length once it outgrows DOWNLOAD_MAXSIZE, silently.
    assert failure_reason(scrapy_errors.DownloadCancelledError(""), URL, TEN_MB, TEN_MB + 16384) == (
        "too large: over 10 MB")


def test_unknown_error_names_its_class_without_failure_repr():
    error = scrapy_errors.DownloadFailedError("[<twisted.python.failure.Failure builtins.OSError: boom>]")
    assert failure_reason(error, URL, TEN_MB) == "DownloadFailedError"


def test_curl_manual_link_is_dropped():
    assert failure_reason(CurlError("curl: (99) odd. See https://curl.se/libcurl/c/libcurl-errors.html"),
                          URL) == "CurlError: curl: (99) odd"

