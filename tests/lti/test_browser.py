"""A student in a real browser (headless Chromium, driven through chromedriver): the LMS
starts the launch, the student uploads a notebook and reads the feedback page."""
import os
import shutil
import time

import pytest

from autograder.config import ROOT

from test_tool import A, Tool
from platform_double import Platform


def _driver():
    from selenium import webdriver
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        message = "the browser test needs Debian's chromium and chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))


def test_a_student_uploads_a_notebook_and_reads_the_feedback(tmp_path):
    from selenium.webdriver.common.by import By
    platform = Platform()
    tool = Tool(tmp_path, platform)
    browser = _driver()
    try:
        browser.get(platform.login_url("student-b"))
        deadline = time.monotonic() + 20
        while not browser.find_elements(By.NAME, "notebook"):
            assert time.monotonic() < deadline, browser.page_source[:500]
            time.sleep(0.2)
        browser.find_element(By.NAME, "notebook").send_keys(
            str(ROOT / "demo" / f"{A}.ipynb"))
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        deadline = time.monotonic() + 120
        while "to fix" not in browser.page_source and "Passed" not in browser.page_source:
            assert time.monotonic() < deadline, browser.page_source[:500]
            time.sleep(0.5)
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "to fix" in text  # the demo notebook is partly wrong: the page says what to fix
    finally:
        browser.quit()
        tool.close()
        platform.close()
