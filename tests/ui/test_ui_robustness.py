"""One bad result never takes the window down; the staff PIN; voice states and transcripts from the bus; the
bridge marshals events from worker threads."""

from __future__ import annotations

import logging
import threading

import pytest
from fake_voice import FakeVoice
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication

from app.events import (
    NoticePosted,
    ReplyChunkStreamed,
    ReplyCompleted,
    ShopperSpoke,
    ToolCalled,
    TranscriptHeard,
    VoiceState,
    VoiceStateChanged,
)
from app.settings import load_settings
from app.staff_pin import hash_pin, verify_pin
from ui.bridge import EventBridge
from ui.components import register
from ui.components.fallback import FallbackCard
from ui.components.registry import unregister
from ui.components.results import ResultsView


def publish_call(kiosk, name, result):
    session = kiosk.runtime.conversation.session
    session.publish(ToolCalled(name, {}, result, "t1", source="assistant"))


def test_a_failing_component_shows_the_fallback_card(kiosk, caplog):
    @register("explode_for_test")
    def explode(ctx, call):
        raise ValueError("boom")

    try:
        kiosk.start()
        with caplog.at_level(logging.WARNING, logger="aisle.ui.components"):
            publish_call(kiosk, "explode_for_test", {"ok": True, "products": [{"name": "Thing"}]})
            kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, FallbackCard))
        card = kiosk.window.shopping.products.current
        assert card.tool == "explode_for_test" and card.why == "ValueError"
        assert any("failed to render" in r.getMessage() for r in caplog.records)
        publish_call(kiosk, "no_such_tool", {"ok": True, "note": "hello"})
        kiosk.wait(lambda: kiosk.window.shopping.products.current.tool == "no_such_tool")
        # a broken result for a real tool falls back too, and the window keeps working afterwards
        publish_call(kiosk, "search_products", {"ok": True, "products": "not a list of products"})
        kiosk.wait(lambda: kiosk.window.shopping.products.current.tool == "search_products")
        kiosk.window._send("show me tents")
        kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, ResultsView))
    finally:
        unregister("explode_for_test")


def test_failed_tool_results_from_a_tap_show_a_message_not_a_crash(kiosk):
    kiosk.start()
    kiosk.window.controller.show_details("NOPE-0000", "Nothing")
    kiosk.wait(lambda: kiosk.window.toast.isVisible())
    assert "no product" in kiosk.window.toast.text.text().lower()
    assert kiosk.window.shopping.products.current is None


@pytest.fixture
def kiosk_settings(settings):
    return settings.replace(staff_pin_hash=hash_pin("2580"))


def enter_pin(prompt, digits):
    keys = {b.accessibleName(): b for b in prompt.findChildren(type(prompt.ok_button))}
    for d in digits:
        keys[f"Digit {d}"].click()
    keys["Enter PIN"].click()


def test_the_staff_pin_refuses_a_wrong_code(kiosk):
    w = kiosk.window
    w.open_staff()
    assert w.pin_prompt.isVisible() and w.pin_prompt.mode == "check"
    enter_pin(w.pin_prompt, "1111")
    kiosk.wait(lambda: "not right" in w.pin_prompt.message.text(), what="the refusal")
    assert not w.staff_panel.isVisible()
    assert w.pin_prompt.field.text() == ""
    enter_pin(w.pin_prompt, "2580")
    kiosk.wait(lambda: w.staff_panel.isVisible(), what="the staff panel")
    assert not w.pin_prompt.isVisible()
    kiosk.wait(lambda: "Brain in use: offline" in w.staff_panel.brain_label.text())
    assert "not set" in w.staff_panel.keys_label.text()
    kiosk.run(w.controller.wait_idle())
    assert not w.staff_panel.session_list.rows and w.staff_panel.session_list.empty.text() == "No sessions yet."
    w.staff_panel.close_panel()


def test_the_long_press_opens_the_pin_prompt(kiosk, qtbot):
    w = kiosk.window
    w.hotspot._timer.setInterval(50)
    qtbot.mousePress(w.hotspot, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.pin_prompt.isVisible(), what="the PIN prompt")
    qtbot.mouseRelease(w.hotspot, Qt.MouseButton.LeftButton)
    w.pin_prompt.cancel()
    qtbot.mousePress(w.hotspot, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(w.hotspot, Qt.MouseButton.LeftButton)
    kiosk.run(__import__("asyncio").sleep(0.15))
    assert not w.pin_prompt.isVisible()


def test_with_no_pin_the_panel_says_how_to_set_one_and_stays_closed(qloop, settings):
    from kiosk_harness import close_kiosk, make_kiosk

    from app.staff_pin import store_pin

    k = make_kiosk(qloop, settings)
    try:
        w = k.window
        w.open_staff()
        prompt = w.pin_prompt
        assert prompt.isVisible() and prompt.mode == "missing"
        assert "aisle staff set-pin" in prompt.message.text()
        assert not prompt.keypad.isVisibleTo(w) and not prompt.field.isVisibleTo(w)
        prompt.ok()  # Enter does nothing: nobody can choose a PIN here
        k.run(w.controller.wait_idle())
        assert not w.staff_panel.isVisible()
        assert not (settings.data_dir / "settings.toml").exists()
        prompt.cancel()
        # IT sets the PIN while the kiosk runs: the next long press asks for it, without a restart
        store_pin(settings, "4826")
        w.open_staff()
        k.wait(lambda: prompt.mode == "check", what="the PIN check")
        enter_pin(prompt, "4826")
        k.wait(lambda: w.staff_panel.isVisible(), what="the staff panel")
        stored = load_settings({"data_dir": settings.data_dir}, environ={}).staff_pin_hash
        assert verify_pin("4826", stored)
        w.staff_panel.close_panel()
    finally:
        close_kiosk(k)


def test_staff_settings_change_the_theme_and_idle_timeout(kiosk):
    from ui import theme as themes

    w = kiosk.window
    w._open_staff_panel()
    panel = w.staff_panel
    panel.idle_spin.setValue(105)
    more = next(b for b in panel.findChildren(type(panel.save_button)) if b.accessibleName() == "Longer idle timeout")
    more.click()
    assert panel.idle_spin.value() == 120 and panel.idle_spin.text() == "120 s"
    panel.theme_choice.buttons[2].click()  # High contrast
    panel.large_check.setChecked(True)
    panel.save_button.click()
    kiosk.wait(lambda: w.settings.theme == "contrast", what="the saved settings")
    kiosk.settle()
    assert themes.current().name == "contrast" and themes.current().scale > 1
    assert w.idle.timeout_s == 120
    saved = load_settings({"data_dir": kiosk.settings.data_dir}, environ={})
    assert saved.theme == "contrast" and saved.large_text and saved.idle_timeout_s == 120
    themes.apply_theme(QApplication.instance(), themes.theme_for("light"))


def test_catalog_import_reports_progress_and_problems(kiosk, tmp_path, catalog_copy):
    w = kiosk.window
    w._open_staff_panel()
    panel = w.staff_panel
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title\n1,Thing\n", encoding="utf-8")
    panel.import_path.setText(str(bad))
    panel.import_button.click()
    kiosk.wait(lambda: panel.import_button.isEnabled(), what="the import report")
    assert "does not look like a product catalog" in panel.report.text()


def test_voice_states_and_transcripts_drive_the_screen(kiosk):
    w = kiosk.window
    session_id = kiosk.start()
    bus = kiosk.runtime.bus
    for state, text in (("listening", "Listening…"), ("speaking", "Speaking…"), ("thinking", "Thinking…"),
                        ("unavailable", "Voice unavailable · type or tap"), ("idle", "Ready")):
        bus.publish(session_id, VoiceStateChanged(VoiceState(state)))
        kiosk.wait(lambda text=text: w.status.text == text, what=state)
        assert w.status.accessibleName() == f"Aisle status: {text}"
    bus.publish(session_id, TranscriptHeard("show me a", final=False))
    kiosk.wait(lambda: w.shopping.conversation._live is not None)
    assert w.shopping.conversation._live.text == "show me a"
    bus.publish(session_id, TranscriptHeard("show me a tent", final=True))
    kiosk.wait(lambda: w.shopping.conversation._live is None)
    bus.publish(session_id, NoticePosted("microphone_lost", text="The microphone was unplugged."))
    kiosk.wait(lambda: w.toast.isVisible() and "unplugged" in w.toast.text.text())
    bus.publish("another-session", ReplyChunkStreamed("not for this screen"))
    kiosk.settle()
    assert all("not for this screen" not in b.text for b in w.shopping.conversation.bubbles)


def test_a_typed_turn_shows_thinking_until_it_completes(kiosk):
    w = kiosk.window
    session_id = kiosk.start()
    bus = kiosk.runtime.bus
    bus.publish(session_id, ShopperSpoke("hello", "api"))
    kiosk.wait(lambda: w.status.state == "thinking")
    bus.publish(session_id, ReplyChunkStreamed("Hi "))
    bus.publish(session_id, ReplyChunkStreamed("there"))
    bus.publish(session_id, ReplyCompleted("Hi there"))
    kiosk.wait(lambda: w.status.state == "idle")
    assert w.shopping.conversation.bubbles[-1].text == "Hi there"


def test_the_bridge_marshals_worker_thread_events_to_the_ui_thread(qloop):
    from kiosk_harness import wait

    from app.bus import EventBus

    bus = EventBus()
    bridge = EventBridge()
    bridge.attach(bus)
    seen: list[tuple[str, bool]] = []
    ui_thread = QApplication.instance().thread()
    bridge.text_chunk.connect(lambda sid, chunk: seen.append((chunk.text, QThread.currentThread() is ui_thread)))
    worker = threading.Thread(target=lambda: [bus.publish("s", ReplyChunkStreamed(str(i)))
                                              for i in range(50)])
    worker.start()
    worker.join()
    wait(qloop, lambda: len(seen) == 50)
    assert [t for t, _ in seen] == [str(i) for i in range(50)]
    assert all(on_ui for _, on_ui in seen)
    bridge.detach()
    bus.publish("s", ReplyChunkStreamed("after"))
    QApplication.processEvents()
    assert len(seen) == 50


def test_voice_drives_the_status_between_sessions(kiosk):
    w = kiosk.window
    voice = FakeVoice(VoiceState.UNAVAILABLE)
    voice.not_working = "No microphone was found."
    w.attach_voice(voice)
    assert w.status.state == "unavailable" and w.audio_status() == "unavailable: No microphone was found."
    worker = threading.Thread(target=lambda: voice.set_state(VoiceState.LISTENING))  # listeners run on any thread
    worker.start()
    worker.join()
    kiosk.wait(lambda: w.status.state == "listening")
    voice.set_state(VoiceState.IDLE)
    kiosk.wait(lambda: w.status.state == "idle")


@pytest.fixture
def ptt_settings(settings):
    return settings.replace(push_to_talk=True)


def test_push_to_talk_button_holds_the_voice_loop(qloop, ptt_settings, qtbot):
    from kiosk_harness import close_kiosk, make_kiosk

    k = make_kiosk(qloop, ptt_settings)
    try:
        w = k.window
        voice = FakeVoice()
        w.attach_voice(voice)
        k.start()
        mic = w.shopping.conversation.mic_button
        assert mic.isVisible() and mic.accessibleName() == "Hold to talk"
        qtbot.mousePress(mic, Qt.MouseButton.LeftButton)
        qtbot.mouseRelease(mic, Qt.MouseButton.LeftButton)
        assert voice.held == [True, False]
    finally:
        close_kiosk(k)
