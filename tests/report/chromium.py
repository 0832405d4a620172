"""A page opened in Debian's chromium (headless, driven by Playwright) with the network closed
to it, keeping every console error and every request: what the browser tests of the game and
batch reports check.

CI installs chromium (`apt-get install chromium`, in .ci/run); as root it needs
--no-sandbox.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",  # as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Visit:
    """The open page, the console errors and page errors it logged, the URLs it asked for."""

    page: Any
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def fetched_from_the_network(self) -> list[str]:
        return [url for url in self.requests if not url.startswith("file://")]


@contextmanager
def opened(path: Path, *, width: int = 1100, height: int = 1400) -> Iterator[Visit]:
    """The file loaded in a fresh browser; closed when the block ends."""
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        visit = Visit(page)
        page.on("console", lambda m: visit.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: visit.problems.append(str(error)))
        page.on("request", lambda r: visit.requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        try:
            yield visit
        finally:
            browser.close()
