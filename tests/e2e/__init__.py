"""End-to-end tests in a real browser: Playwright driving the system's chromium (see conftest.py)."""

import pytest

NO_PLAYWRIGHT = "end-to-end browser test: playwright is not installed (pip install -e '.[test]')"


def playwright_expect():
    """Return Playwright's ``expect``; skip the calling test module when Playwright is missing."""
    return pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT).expect


def menu(page, language: str = "nl"):
    """Return the page's main navigation bar (its accessible name is translated)."""
    return page.get_by_role("navigation", name={"nl": "Hoofdnavigatie", "en": "Main navigation"}[language])
