"""Headless Chromium (Debian's, driven by Playwright) for the browser tests: one per test
module, started and stopped with it. Playwright's sync API runs an event loop on the test
thread while it lives, so it must not outlive its module: the tests after it call
asyncio.run()."""

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = need_binary("chromium", Path("/usr/bin/chromium"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
