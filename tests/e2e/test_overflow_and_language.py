"""THE LAYOUT AND LANGUAGE CRAWL: every role's pages in a real browser, on the demo data.

For the anonymous visitor and each demo role (bidder, initiator, agent, expert, supervisor, centre
staff, the system, security and audit administrators — staff and administrators sign in with their
TOTP code) the test follows the role's navigation: the header and site navigation, and the workspace's
tasks (the portal's links for the visitor). The browser asks for English (`Accept-Language: en-US`), as
a new user's browser may; every page must still be Chinese. On every page it reached:

* the page answers below 400 (no dead end in any navigation);
* nothing is wider than the window, at 1280 px and at 375 px (a phone): a wide table scrolls inside
  its `.table-responsive`, never the page (1 px tolerance for rounding);
* the console shows no error (a missing favicon, a refused script or style included);
* the visible text has no raw English word (text in `<code>`/`<kbd>`/`<pre>`, in an element marked
  with another `lang`, user names and a few abbreviations aside) and no raw 6-digit region code (a
  region is shown by name: `{{ code|region }}`).

One browser, one demo load and one browser context per role keep it to a few minutes; every problem
found is collected, and the test fails listing them all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import sandbox_mode
from tests.e2e.conftest import browser_sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WIDTHS = (1280, 375)

#: Words that may stand in Chinese text as they are: abbreviations, units and names Chinese writes in
#: Latin letters (AB角: the deputy of a post; Word and Excel files), and the name of the package the
#: official calendar was transcribed with (its source). The platform's own programs (ggzy-bid,
#: ggzy-verify) keep their names.
ALLOWED_WORDS = frozenset(
    {
        "AB", "API", "CA", "CRL", "CSV", "DER", "Excel", "FAQ", "GB", "GCM", "HMAC", "HTTP", "HTTPS",
        "ID", "IP", "JSON", "KB", "MB", "OCDS", "OCSP", "OFD", "PDF", "PEM", "SHA", "SM", "SMS", "TOTP",
        "UKey", "URL", "USB", "USCC", "UTC", "UUID", "Word", "XML", "ZIP", "chinesecalendar",
    }
)  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
#: Not words of the interface: addresses, links, command-line options and file types (.pem, docx).
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|(?<!\S)--?[a-z][\w-]*|\b(?:cer|crt|pem|der|docx?|xlsx?|pdf|ofd|zip|json)\b"
)
#: Django's own back office speaks Django's catalogue: its gaps are Django's, not checked here.
LANGUAGE_UNCHECKED = ("/admin/",)
REGION_CODE = re.compile(r"(?<![\w.:/-])[1-8]\d{5}(?![\w.:/-])")

#: The visible text of the page, outside code, other languages' elements and hidden elements.
VISIBLE_TEXT = """() => {
  const skip = 'code, kbd, samp, pre, script, style, template, [lang]:not([lang|="zh"]), [translate="no"]';
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || element.closest(skip)) continue;
    if (element.tagName !== 'OPTION' && !element.checkVisibility({visibilityProperty: true})) continue;
    parts.push(walker.currentNode.textContent);
  }
  document.querySelectorAll('[placeholder], [title], [aria-label]').forEach(e => {
    for (const name of ['placeholder', 'title', 'aria-label']) {
      if (e.hasAttribute(name) && !e.closest(skip)) parts.push(e.getAttribute(name));
    }
  });
  return parts.join(' ');
}"""

#: Where a role's navigation is: the header (tools and site navigation) and the page's own
#: navigation (the workspace's tasks, the portal's public services).
NAVIGATION_LINKS = """() => [...document.querySelectorAll(
  'header a[href], main nav a[href], main [data-testid=public-services] a[href]'
)].map(a => a.href)"""

WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[None]:
    """The whole demo as `make demo` loads it: on the sandbox clock, with the demo CAs (sealed bids)."""
    with (
        sandbox_mode(),
        override_settings(
            GGZY_DEMO_CA_DIR=str(tmp_path / "demo-ca"),
            GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS",
        ),
    ):
        call_command("demo_load", verbosity=0)
        yield


def _navigation(page: Any, base: str) -> list[str]:
    found: list[str] = []
    for href in page.evaluate(NAVIGATION_LINKS):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue  # another site: not ours to check
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in found:
            found.append(path)
    return found


def _english(text: str, names: frozenset[str]) -> list[str]:
    """The words of `text` in Latin letters that are neither allowed nor a user name (a hyphenated
    word counts by its parts: HMAC-SM3 is two abbreviations, Tomb-sweeping two English words)."""
    found: set[str] = set()
    for word in WORD.findall(NOT_WORDS.sub(" ", text)):
        if word in names or word.startswith("ggzy"):
            continue
        found |= {part for part in WORD.findall(word.replace("-", " ")) if part not in ALLOWED_WORDS}
    return sorted(found)


def _check_page(
    page: Any, base: str, path: str, names: frozenset[str], errors: list[str], *, signed_in: bool
) -> list[str]:
    problems: list[str] = []
    errors.clear()
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(base + path)
    page.wait_for_load_state("load")
    if response is None or response.status >= 400:
        problems.append(f"answers {response.status if response else 'nothing'}")
    if signed_in and urlsplit(page.url).path.startswith("/accounts/login"):
        problems.append("sends the signed-in user to the sign-in page")
    text = page.evaluate(VISIBLE_TEXT)
    english = [] if path.startswith(LANGUAGE_UNCHECKED) else _english(text, names)
    if english:
        problems.append(f"English words {english[:12]}")
    codes = sorted(set(REGION_CODE.findall(text)))
    if codes:
        problems.append(f"raw region codes {codes[:6]}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll, window = page.evaluate(WIDTH)
        if scroll > window + 1:
            problems.append(f"{scroll} px wide in a {window} px window")
    if errors:
        problems.append(f"console errors {errors[:3]}")
    return problems


@pytest.mark.clause("4.1.4")
def test_every_roles_pages_fit_the_screen_and_speak_chinese(
    browser: Any, live_server: Any, demo: None
) -> None:
    base = live_server.url
    users = get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS])
    by_name = {u.username: u for u in users}
    names = frozenset(get_user_model().objects.values_list("username", flat=True))
    report: dict[str, list[str]] = {}
    visited = 0
    for who in ("anonymous", *(u[0] for u in DEMO_USERS)):
        context = browser.new_context(locale="en-US", viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r, errors=errors: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        if who == "anonymous":
            page.goto(base + "/")
        else:
            browser_sign_in(page, base, by_name[who], DEMO_PASSWORD)
        start = urlsplit(page.url).path
        for path in [start, *(p for p in _navigation(page, base) if p != start)]:
            visited += 1
            for problem in _check_page(page, base, path, names, errors, signed_in=who != "anonymous"):
                report.setdefault(f"{who} {path}", []).append(problem)
        context.close()
    assert visited > 60  # every role reached its pages
    assert report == {}, "\n".join(f"{where}: {'; '.join(problems)}" for where, problems in report.items())


def test_the_header_folds_into_a_menu_on_a_phone(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    page.wait_for_load_state("load")
    menu = page.get_by_role("button", name="菜单")
    hall = page.locator("header").get_by_role("link", name="服务大厅")
    assert menu.is_visible()
    assert not hall.is_visible()  # folded away: the header is one line on a phone
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert hall.is_visible()
    assert page.locator("header").get_by_role("button", name="English").is_visible()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not menu.is_visible()  # on a wide screen everything is in the header, no menu
    assert hall.is_visible()
