"""Debian's Chromium driven by Playwright, for the browser tests: one page per person, axe-core
from npm run on every page type (WCAG 2 A and AA, 2.1 A and AA, 2.2 AA), a screenshot of each
under var/screenshots, and any Content Security Policy violation counted as a failure."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"Chromium is not installed ({CHROMIUM}); CI installs Debian's chromium package"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE}); run make install"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright (Python) is not installed; run make install"
    return None


@dataclass
class Person:
    """One person's browser tab: goes to pages, checks each against axe-core, keeps screenshots."""

    page: Any
    base: str
    violations: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self._axe = AXE.read_text(encoding="utf-8")

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def check(self, name: str) -> None:
        """axe-core on the page as it stands (injected through the DevTools protocol: the portal's
        policy admits no script but its own), then a full-page screenshot."""
        self.page.wait_for_load_state("load")
        if self.page.evaluate("typeof window.axe") == "undefined":
            self.page.evaluate(self._axe)
        result = self.page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
        problems = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]
        assert not problems, f"{name} ({self.page.url}) breaks WCAG rules:\n" + "\n".join(problems)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        self.checked.append(name)

    def sign_in_at_the_identity_provider(self, person: dict[str, Any]) -> None:
        """The provider's own forms (another member's pages): personal code, password, one-time code, consent."""
        page = self.page
        page.fill("#personal_code", person["personId"])
        page.fill("#password", person["password"])
        page.fill("#totp", pyotp.TOTP(person["totpSecret"]).now())
        page.locator("form[action='/authorize/login'] button[type=submit]").click()
        page.locator("button[name=decision][value=allow]").click()
        page.wait_for_url(self.base + "/**")

    def staff_sign_in(self, credentials: dict[str, Any]) -> None:
        page = self.go("/staff/login")
        page.fill("#staff_id", credentials["id"])
        page.fill("#password", credentials["password"])
        page.fill("#totp", pyotp.TOTP(credentials["totpSecret"]).now())
        page.locator("main form button[type=submit]").click()
