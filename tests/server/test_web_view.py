"""The live web view in headless Chromium (Debian's, driven by Playwright for Python; no browser download): it loads,
a sent message streams a reply and renders product cards, and it recovers after a server restart, sending what was
typed while the server was away."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Live

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Any]:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        try:
            yield page
        finally:
            if os.environ.get("AISLE_WEB_SCREENSHOT"):
                await page.screenshot(path=os.environ["AISLE_WEB_SCREENSHOT"])
            await context.close()
            await browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


async def send(page: Any, text: str) -> None:
    await page.fill("#message", text)
    await page.press("#message", "Enter")


async def test_page_streams_a_reply_and_renders_product_cards(live: Live, page: Any) -> None:
    await live.runtime.conversation.start_session()
    await page.goto(live.base)
    await page.wait_for_selector("#conn[data-state=live]", timeout=10_000)
    assert await page.title() == "Aisle · Live view"
    await send(page, "show me tents under 300")
    await page.wait_for_selector(".bubble.shopper", timeout=10_000)
    assert "show me tents under 300" in await page.inner_text(".bubble.shopper")
    await page.wait_for_selector(".bubble.assistant:not(.streaming)", timeout=10_000)
    assert "tents" in (await page.inner_text(".bubble.assistant")).lower()
    await page.wait_for_function("document.querySelectorAll('#cards .card').length > 3", timeout=10_000)
    first = page.locator("#cards .card").first
    assert (await first.get_attribute("data-product-id") or "").startswith("TNT-")
    # its picture loaded from the image route
    await page.wait_for_function(
        "(() => { const i = document.querySelector('#cards .card img'); return i.complete && i.naturalWidth > 0 })()",
        timeout=10_000)
    assert "found" in await page.inner_text("#products-caption")


async def test_page_follows_the_kiosk_and_shows_the_cart(live: Live, page: Any) -> None:
    conversation = live.runtime.conversation
    await conversation.start_session()
    await page.goto(live.base)
    await page.wait_for_selector("#conn[data-state=live]", timeout=10_000)
    await conversation.submit_text("show me headlamps", source="typed")  # typed on the kiosk itself
    await conversation.submit_text("add the first one to my cart", source="typed")
    await page.wait_for_function("document.querySelectorAll('#cart-lines li:not(.empty-cart)').length === 1",
                                 timeout=10_000)
    assert "1 item" in await page.inner_text("#cart-count")
    await conversation.end_session("idle")
    second = await conversation.start_session()
    await page.wait_for_function(f"document.getElementById('session').textContent.includes('{second.id}')",
                                 timeout=10_000)
    assert await page.locator(".bubble").count() == 0  # a new shopper starts with a clean screen
    assert "empty" in (await page.inner_text("#cart-lines")).lower()


async def test_page_recovers_after_a_server_restart(live: Live, page: Any) -> None:
    await live.runtime.conversation.start_session()
    await page.goto(live.base)
    await page.wait_for_selector("#conn[data-state=live]", timeout=10_000)
    await send(page, "show me headlamps")
    await page.wait_for_selector(".bubble.assistant:not(.streaming)", timeout=10_000)

    await live.server.aclose()
    await page.wait_for_selector("#conn[data-state=reconnecting]", timeout=10_000)
    assert "Reconnecting" in await page.inner_text("#conn")
    await send(page, "show me tents")  # typed while the server is away: it waits in the outbox
    await page.wait_for_selector(".bubble.pending", timeout=5_000)
    assert not await page.locator("#outbox-note").is_hidden()

    # While it is down the kiosk goes on; the page must catch up on that too (resume from history).
    await live.runtime.conversation.submit_text("show me sleeping bags", source="typed")
    await live.restart()
    await page.wait_for_selector("#conn[data-state=live]", timeout=20_000)
    await page.wait_for_function("document.querySelectorAll('.bubble.pending').length === 0", timeout=10_000)
    await page.wait_for_function(
        "Array.from(document.querySelectorAll('.bubble.shopper')).map(b => b.textContent)"
        ".some(t => t.includes('show me tents'))", timeout=10_000)
    shopper = await page.locator(".bubble.shopper").all_inner_texts()
    assert [t.split("\n")[0] for t in shopper] == ["show me headlamps", "show me sleeping bags", "show me tents"]
    await page.wait_for_function(
        "document.querySelectorAll('.bubble.assistant:not(.streaming)').length === 3", timeout=10_000)
    assert await page.locator("#outbox-note").is_hidden()
