"""Voice off, voice unavailable and push-to-talk each have their own words on the welcome screen, in the text box and
on the status pill (no "just say hello" when nothing listens), and listening / speaking shows as a large banner."""

from __future__ import annotations

import pytest
from kiosk_harness import close_kiosk, make_kiosk
from PySide6.QtWidgets import QLabel

from app.events import VoiceState, VoiceStateChanged


def words_on_screen(w) -> str:
    return " ".join(lab.text() for lab in w.findChildren(QLabel) if lab.isVisibleTo(w)).lower()


@pytest.mark.parametrize(("changes", "tagline", "placeholder", "pill"), [
    ({"voice_enabled": False}, "Tap anywhere to start", "Type what you need…", "Touch & type"),
    ({"push_to_talk": True}, "Tap anywhere, then hold the mic button to talk", "Type, or hold the mic…",
     "Hold the mic to talk"),
    ({}, "Tap anywhere or just say hello", "Type or just talk…", "Ready"),
])
def test_each_voice_mode_has_its_own_words(qloop, settings, changes, tagline, placeholder, pill):
    k = make_kiosk(qloop, settings.replace(**changes))
    try:
        w = k.window
        k.settle()
        assert w.attract.tagline.text() == tagline
        if changes.get("voice_enabled") is False:
            assert "hello" not in words_on_screen(w) and "say" not in w.attract.accessibleName()
            assert not w.attract.hero.isVisibleTo(w)
        k.start()
        assert w.shopping.conversation.input.placeholderText() == placeholder
        assert w.status.text == pill and w.status.accessibleName() == f"Aisle status: {pill}"
    finally:
        close_kiosk(k)


def test_voice_unavailable_says_so_everywhere(kiosk):
    w = kiosk.window
    session_id = kiosk.start()
    kiosk.runtime.bus.publish(session_id, VoiceStateChanged(VoiceState.UNAVAILABLE))
    kiosk.wait(lambda: w.status.text == "Voice unavailable · type or tap", what="the unavailable status")
    assert "Voice is not working" in w.shopping.conversation.input.placeholderText()
    assert "hello" not in w.attract.tagline.text()


@pytest.mark.parametrize(("state", "words"), [("listening", "Listening…"), ("speaking", "Aisle is speaking…")])
def test_listening_and_speaking_show_a_large_banner(kiosk, state, words):
    w = kiosk.window
    session_id = kiosk.start()
    banner = w.shopping.conversation.banner
    assert not banner.isVisible()
    kiosk.runtime.bus.publish(session_id, VoiceStateChanged(VoiceState(state)))
    kiosk.wait(lambda: banner.isVisible(), what="the banner")
    kiosk.settle()
    assert banner.accessibleName() == words
    assert banner.height() >= 80 and banner.width() >= 300
    kiosk.runtime.bus.publish(session_id, VoiceStateChanged(VoiceState.IDLE))
    kiosk.wait(lambda: not banner.isVisible(), what="the banner to go")
