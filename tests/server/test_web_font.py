"""The web view uses the kiosk's shipped font (Inter), served with the page's own static files."""

from __future__ import annotations


async def test_the_web_view_loads_the_same_font(live):
    css = (await live.client.get("static/app.css")).text
    assert '@font-face' in css and 'url("fonts/Inter-Regular.otf")' in css
    font = await live.client.get("static/fonts/Inter-Regular.otf")
    assert font.status_code == 200 and font.content[:4] == b"OTTO"
