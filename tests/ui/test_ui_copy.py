"""Words on screen: a results heading people can read (never the internal search term), category names with "&"
shown as written, and in-stock products first in the grid and in the spoken reply."""

from __future__ import annotations

from test_ui_taps import ask

from ui.components import ComponentContext, render_call


def test_the_results_heading_names_the_category_and_price_not_the_search_term(kiosk):
    kiosk.start()
    results = ask(kiosk, "I need a warm sleeping bag under 150 dollars")
    heading = results.title.text()
    assert "“" not in heading and "warm" not in heading
    assert heading == f"{len(results.cards)} sleeping bags under $150"


def test_a_heading_from_the_search_tool_wins(kiosk):
    call = {"name": "search_products", "result": {"ok": True, "query": "tent", "heading": "4 tents under $80, in stock",
                                                  "filters": {"category": "tents"}, "products": []}}
    view = render_call(ComponentContext(images=kiosk.window.images), call)
    assert view.title.text() == "4 tents under $80, in stock"


def test_category_buttons_show_an_ampersand(kiosk):
    kiosk.start()
    kiosk.settle()
    products = kiosk.window.shopping.products
    from PySide6.QtWidgets import QAbstractButton

    chips = {b.accessibleName(): b for b in products.findChildren(QAbstractButton)}
    chip = chips["Show Water bottles & filters"]
    shown = chip.text_label.text() if hasattr(chip, "text_label") else chip.text().replace("&&", "&")
    assert shown == "Water bottles & filters"
    assert "&" not in chip.text().replace("&&", ""), "a single & is a mnemonic marker and disappears"


def test_in_stock_products_come_first_in_the_grid_and_the_reply(kiosk):
    kiosk.start()
    results = ask(kiosk, "show me tents")
    stock = [card.product["stock"] > 0 for card in results.cards]
    assert stock == sorted(stock, reverse=True), "an out-of-stock tent is listed before one in stock"
    reply = kiosk.window.shopping.conversation.bubbles[-1].text
    lead = next(part for part in reply.split(". ") if "first is" in part.lower())
    assert results.cards[0].product["name"] in lead and "out of stock" not in lead, reply
