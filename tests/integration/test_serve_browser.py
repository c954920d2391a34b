"""`communique serve` checked in a real headless browser: the statements page's search box
finds what the full-text index holds, and a screenshot of the results is kept.

The real command runs as a subprocess on 127.0.0.1 over the fixture archive; Debian's
Chromium is driven through its own chromedriver (`apt-get install chromium chromium-driver`;
CI installs both). Without them the test skips and says why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.archive import build_archive, title_of

pytest.importorskip("datasette")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
COMMUNIQUE = str(Path(sys.executable).with_name("communique"))  # the installed command, beside this Python

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no chromium/chromedriver on PATH (Debian: apt-get install chromium chromium-driver)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_served(url: str, server: subprocess.Popen, deadline_s: float = 60) -> None:
    """Poll until the server answers; fail with its output if it exits first."""
    give_up = time.monotonic() + deadline_s
    while time.monotonic() < give_up:
        if server.poll() is not None:
            pytest.fail(f"communique serve exited {server.returncode}: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"communique serve did not answer at {url} within {deadline_s} s")


@pytest.fixture
def served(tmp_path):
    """`communique serve` over the fixture archive on a free local port; its base URL."""
    db = build_archive(tmp_path / "c.db")
    port = free_port()
    server = subprocess.Popen(
        [COMMUNIQUE, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_served(base + "/", server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    # The driver is named explicitly, so Selenium Manager never looks for one online.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_full_text_search_in_the_statements_page(served, browser, tmp_path):
    browser.get(served + "/c/statements")
    assert "Statements" in browser.title or "Statements" in browser.page_source

    box = browser.find_element(By.NAME, "_search")
    box.send_keys("torture")
    box.submit()
    wait = WebDriverWait(browser, 30)
    wait.until(expected_conditions.url_contains("_search=torture"))
    table = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))

    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    shown = table.text
    assert len(rows) == 3
    for number in (7, 8, 9):  # the CPT visit, the French CPT report, the grain corridor's text
        assert title_of(number) in shown
    assert title_of(4) not in shown  # a statement without the word is not a result
    assert "3 rows" in browser.page_source  # Datasette's count of the matches

    screenshot = tmp_path / "serve-search-torture.png"
    page_height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(page_height + 100, 4000))  # the whole page: form, facets and results
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot of the search page: {screenshot}")
