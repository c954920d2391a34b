"""Crawl settings that keep a crawl on the public web, bounded, and without remote control."""

from __future__ import annotations

import importlib

import pytest

import spiders.settings


@pytest.fixture
def settings(monkeypatch):
    """spiders.settings as a crawl imports it, under the environment a test sets."""
    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(spiders.settings)
    yield load
    monkeypatch.undo()
    importlib.reload(spiders.settings)


def test_no_telnet_console(settings):
    assert settings().TELNETCONSOLE_ENABLED is False


def test_only_http_handlers(settings):
    assert settings().DOWNLOAD_HANDLERS == {"file": None, "ftp": None, "s3": None, "data": None}


def test_guard_runs_before_robots_txt_and_charset_after_decompression(settings):
    middlewares = settings().DOWNLOADER_MIDDLEWARES
    # RobotsTxtMiddleware is at 100, HttpCompressionMiddleware at 590 (Scrapy's defaults).
    assert (middlewares["spiders.netguard.PublicOnlyMiddleware"] < 100,
            middlewares["spiders.charsets.CharsetMiddleware"] < 590) == (True, True)


def test_resolver_is_the_guarded_one(settings):
    assert settings().TWISTED_DNS_RESOLVER == "spiders.netguard.PublicOnlyResolver"


def test_download_limit_defaults_to_ten_mb(settings):
    assert settings().DOWNLOAD_MAXSIZE == 10 * 1024 * 1024


def test_download_limit_from_environment(settings):
    assert settings(COMMUNIQUE_MAX_DOWNLOAD_MB="25").DOWNLOAD_MAXSIZE == 25 * 1024 * 1024


def test_statement_cap_from_environment(settings):
    assert settings(COMMUNIQUE_MAX_STATEMENT_CHARS="50000").COMMUNIQUE_MAX_STATEMENT_CHARS == 50_000


def test_allowed_networks_from_environment(settings):
    assert settings(COMMUNIQUE_ALLOWED_NETWORKS="127.0.0.0/8, 10.9.0.0/16").COMMUNIQUE_ALLOWED_NETWORKS == [
        "127.0.0.0/8", "10.9.0.0/16"]
