"""Shared by the report tests: the checks every report page must pass, where screenshots go,
the stackbot-report console script."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.browser import Page

SCREENSHOTS = Path(__file__).resolve().parents[1] / "outputs" / "screenshots"
STACKBOT_REPORT = shutil.which("stackbot-report") or str(
    Path(sys.executable).with_name("stackbot-report"))


def assert_page_is_sound(page: Page, path: Path) -> None:
    """Loaded with no console error, nothing fetched but the file and its inline data, every
    image decoded."""
    page.open(path)
    assert page.errors() == []
    schemes = {url.split(":", 1)[0] for url in page.requested_urls()}
    assert schemes <= {"file", "data"}, page.requested_urls()
    widths = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth)")
    assert all(width and width > 0 for width in widths), widths
