"""The report in a real browser: headless Chromium opens report.html from disk with the
network blocked, and we check that nothing was requested from outside the file, that the
figures and tables are visible, and that the console is clean. A full-page screenshot is
kept as a test artifact (``test-artifacts/report.png``, or ``$NEDCOHORT_ARTIFACTS``).

Chromium and ChromeDriver come from Debian (``chromium``, ``chromium-driver``), installed
by ``.ci/run``; without them the test is skipped locally but fails in CI
(``NEDCOHORT_REQUIRE_BROWSER=1``), so it cannot silently stop running.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
INSTALL = "apt-get install chromium chromium-driver"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(
    os.environ.get("NEDCOHORT_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and DRIVER):
        if os.environ.get("NEDCOHORT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium and chromedriver are required here ({INSTALL})")
        pytest.skip(f"chromium/chromedriver not installed ({INSTALL})")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,1024",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: the network is blocked
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]}
    )
    yield driver
    driver.quit()


def test_report_opens_offline_with_its_figures_and_tables(browser, shared_run):
    from selenium.webdriver.common.by import By

    _, out = shared_run
    page = (out / "report.html").resolve()
    browser.get_log("performance")  # drop what the browser did before our page
    browser.get(page.as_uri())
    assert browser.title.startswith("Radiologic NED")

    requests = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    urls = [
        m["params"]["request"]["url"]
        for m in requests
        if m["method"] == "Network.requestWillBeSent"
    ]
    assert urls and urls[0] == page.as_uri()
    outside = [u for u in urls if not u.startswith(("file://", "data:"))]
    assert outside == [], outside

    for element_id in ("km-figure", "flow-figure", "forest-cox", "table1", "logistic", "cox"):
        element = browser.find_element(By.ID, element_id)
        browser.execute_script("arguments[0].scrollIntoView();", element)
        assert element.is_displayed(), element_id
        assert element.size["height"] > 100 and element.size["width"] > 300, element_id
    svg = browser.find_element(By.CSS_SELECTOR, "#km-figure svg")
    assert svg.size["height"] > 200
    rows = browser.find_elements(By.CSS_SELECTOR, "#table1 tbody tr")
    assert len(rows) > 20

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    metrics = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000
