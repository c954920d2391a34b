"""Fixtures for whole crawls against hostile local sites."""

from __future__ import annotations

import pytest

from .hostile_site import HostileSite


@pytest.fixture
def hostile_site():
    """A local hostile site; set pages with site.page(path, body, content_type, status, **headers)."""
    site = HostileSite()
    site.start()
    yield site
    site.stop()
