"""One headless Chromium (Debian's, driven by Playwright) for every browser test of the run:
Playwright's sync API allows one driver per thread, so the console tests and the page tests
share it rather than each starting their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import need_binary

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # As a real browser: sound only after the officer's click (the console asks for it).
    "--autoplay-policy=user-gesture-required",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = need_binary("chromium", Path("/usr/bin/chromium"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
