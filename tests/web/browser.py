"""Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by
Playwright (never `playwright install`), axe-core injected from axe-playwright-python."""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path(os.environ.get("BREACHDESK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
BLOCKING = ("serious", "critical")


def require_chromium() -> None:
    """Skip only on a developer machine without Chromium; CI must have it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


class AccessibilityLog:
    """axe-core results per page, written to var/test-artifacts/axe-<test>.json."""

    def __init__(self, name: str):
        self.name = name
        self.pages: dict[str, dict] = {}
        self.axe = Axe()

    def check(self, page, label: str) -> list[dict]:
        result = self.axe.run(page)
        violations = result.response["violations"]
        self.pages[label] = {
            "url": page.url,
            "violations": Counter(v["impact"] for v in violations),
            "rules": sorted({f"{v['impact']}: {v['id']}" for v in violations}),
        }
        return [v for v in violations if v["impact"] in BLOCKING]

    def save(self) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"axe-{self.name}.json"
        path.write_text(json.dumps(self.pages, indent=2, default=dict))
        return path


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
