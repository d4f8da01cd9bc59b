"""The staff panel's voice section: device pickers (listed off the UI thread, saved, applied through the voice
port's `reconfigure`), the live input level, the speaker test and push-to-talk; "Voice is off" without voice; every
theme. Plus the product details' spec formatting."""

from __future__ import annotations

import pytest
from fake_voice import NOT_CONNECTED, FakeVoice
from PySide6.QtWidgets import QApplication, QWidget

from app.ports import VoiceProblem
from app.settings import load_settings
from ui import theme as themes
from ui.components.details import format_spec
from ui.staff_voice import voice_status_text


@pytest.fixture
def kiosk_settings(settings):
    return settings.replace(output_device="Old speaker")


@pytest.fixture
def voice(kiosk):
    port = FakeVoice()
    kiosk.window.attach_voice(port)
    return port


def open_panel(kiosk):
    w = kiosk.window
    w._open_staff_panel()
    panel = w.staff_panel
    kiosk.wait(lambda: panel.input_combo.isEnabled() and panel.input_combo.count() > 1, what="the device lists")
    return panel


def voice_controls(panel) -> list[QWidget]:
    return [panel.input_combo, panel.output_combo, panel.test_speaker_button, panel.ptt_check]


def choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_panel_shows_pickers_level_and_speaker_test_with_voice(kiosk, voice):
    panel = open_panel(kiosk)
    assert voice.listed == 1
    assert not panel.voice_off.isVisible()
    assert all(w.isVisible() for w in [*voice_controls(panel), panel.level_meter, panel.voice_status])
    assert [panel.input_combo.itemText(i) for i in range(panel.input_combo.count())] == [
        "System default", "Desk microphone", "USB array"]
    assert panel.input_combo.currentText() == "System default"
    assert panel.output_combo.currentText() == "Old speaker (not connected)"  # the saved one that is gone
    assert panel.voice_status.text() == "Status: On, with echo cancellation"
    kiosk.settle()
    for widget in [*voice_controls(panel), panel.level_meter]:
        assert widget.accessibleName().strip(), type(widget).__name__
    for widget in voice_controls(panel):
        assert widget.height() >= 64 and widget.width() >= 64, f"{widget.accessibleName()} {widget.size()}"
    # the meter follows voice's input level while the panel is open, and stops reading when it closes
    assert panel.level_timer.isActive() and panel.level_timer.interval() == 100
    voice.level_dbfs = -12.0
    kiosk.wait(lambda: panel.level_meter.fraction == pytest.approx(0.8), what="the level meter")
    assert panel.level_meter.accessibleDescription() == "Input level: sound"
    voice.level_dbfs = -120.0  # it falls back gently, not at once
    kiosk.wait(lambda: panel.level_meter.fraction < 0.8, what="the meter to fall back")
    assert panel.level_meter.fraction > 0.5
    panel.close_panel()
    assert not panel.level_timer.isActive()


def test_without_voice_the_panel_says_voice_is_off(kiosk):
    w = kiosk.window
    w._open_staff_panel()
    panel = w.staff_panel
    kiosk.settle()
    assert panel.voice_off.isVisible() and panel.voice_off.text().startswith("Voice is off")
    assert not any(c.isVisible() for c in [*voice_controls(panel), panel.level_meter, panel.voice_status])
    assert not panel.level_timer.isActive()
    panel.close_panel()


def test_choosing_devices_saves_them_and_restarts_voice_on_them(kiosk, voice):
    w = kiosk.window
    panel = open_panel(kiosk)
    choose(panel.input_combo, "USB array")
    kiosk.wait(lambda: voice.reconfigured, what="reconfigure")
    assert voice.reconfigured == [("USB array", "Old speaker", False)]
    kiosk.wait(lambda: panel.input_combo.isEnabled(), what="the pickers again")
    assert panel.voice_message.text() == "Now using the microphone: USB array."
    choose(panel.output_combo, "Soundbar")
    kiosk.wait(lambda: len(voice.reconfigured) == 2)
    assert voice.reconfigured[-1] == ("USB array", "Soundbar", False)
    saved = load_settings({"data_dir": kiosk.settings.data_dir}, environ={})
    assert (saved.input_device, saved.output_device) == ("USB array", "Soundbar")
    assert (w.settings.input_device, w.settings.output_device) == ("USB array", "Soundbar")
    # a device that cannot be opened: voice's plain-words problem is shown, the choice is still saved
    panel.output_combo.addItem("Gone speaker", "Gone speaker")
    choose(panel.output_combo, "Gone speaker")
    kiosk.wait(lambda: len(voice.reconfigured) == 3)
    kiosk.wait(lambda: panel.voice_message.text() == NOT_CONNECTED, what="the problem")
    assert panel.voice_message.property("role") == "error"
    assert panel.voice_status.text() == f"Status: Not working. {NOT_CONNECTED}"
    # back to the system default
    choose(panel.output_combo, "System default")
    kiosk.wait(lambda: len(voice.reconfigured) == 4)
    assert voice.reconfigured[-1] == ("USB array", "", False)
    # push-to-talk: saved, applied, and the mic button follows
    panel.ptt_check.click()
    kiosk.wait(lambda: len(voice.reconfigured) == 5)
    assert voice.reconfigured[-1] == ("USB array", "", True)
    kiosk.wait(lambda: w.settings.push_to_talk)
    assert load_settings({"data_dir": kiosk.settings.data_dir}, environ={}).push_to_talk
    assert not w.shopping.conversation.mic_button.isHidden()  # shown once the shopping screen is
    panel.close_panel()


def test_the_speaker_test_speaks_or_says_why_not(kiosk, voice):
    panel = open_panel(kiosk)
    panel.test_speaker_button.click()
    kiosk.wait(lambda: voice.said == ["This is the kiosk speaker."])
    kiosk.wait(lambda: panel.test_speaker_button.isEnabled())
    assert "This is the kiosk speaker." in panel.voice_message.text()
    voice.speaker_error = VoiceProblem("No speaker was found. Answers are shown on the screen only.")
    panel.test_speaker_button.click()
    kiosk.wait(lambda: panel.voice_message.text() == "No speaker was found. Answers are shown on the screen only.")
    assert panel.voice_message.property("role") == "error"
    kiosk.wait(lambda: panel.test_speaker_button.isEnabled())
    voice.speaker_error = RuntimeError("PaErrorCode -9996 (internal)")  # not for people: a general sentence
    panel.test_speaker_button.click()
    kiosk.wait(lambda: panel.voice_message.text().startswith("The speaker test did not work."))
    assert "9996" not in panel.voice_message.text()
    panel.close_panel()


def test_the_voice_section_in_dark_and_high_contrast(kiosk, voice):
    w = kiosk.window
    app = QApplication.instance()
    try:
        for name in ("dark", "contrast"):
            themes.apply_theme(app, themes.theme_for(name))
            w.rebuild()
            panel = open_panel(kiosk)
            voice.level_dbfs = -1.0  # loud enough to clip: drawn in the warning colour
            kiosk.wait(lambda p=panel: p.level_meter.fraction > 0.9)
            kiosk.settle()
            assert all(c.isVisible() and c.height() >= 64 for c in voice_controls(panel))
            image = panel.level_meter.grab().toImage()
            warning = themes.current().warning.lower()
            row = image.height() // 2
            assert any(image.pixelColor(x, row).name() == warning for x in range(image.width())), name
            panel.close_panel()
    finally:
        themes.apply_theme(app, themes.theme_for("light"))


def test_voice_status_in_words():
    assert voice_status_text("on (half-duplex)") == "On, with the microphone pauses while Aisle speaks"
    assert voice_status_text("unavailable: No microphone was found.") == "Not working. No microphone was found."
    assert voice_status_text("starting") == "Starting"


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("comfort_rating_c", 9, ("Comfort rating", "9 °C")),
    ("limit_rating_c", -17, ("Limit rating", "-17 °C")),
    ("weight_kg", 2.7, ("Weight", "2.7 kg")),
    ("weight_kg", 3.0, ("Weight", "3 kg")),
    ("weight_g", 86, ("Weight", "86 g")),
    ("weight_g_pair", 450, ("Weight per pair", "450 g")),
    ("waterproof_rating_mm", 3000, ("Waterproof rating", "3000 mm")),
    ("waterproof_rating_mm", 28000, ("Waterproof rating", "28,000 mm")),
    ("breathability_g_m2", 10000, ("Breathability", "10,000 g/m²")),
    ("capacity_persons", 2, ("Capacity", "2 persons")),
    ("capacity_persons", 1, ("Capacity", "1 person")),
    ("capacity_l", 0.75, ("Capacity", "0.75 L")),
    ("boil_time_min", 3.5, ("Boil time", "3.5 min")),
    ("runtime_h", 50, ("Runtime", "50 h")),
    ("beam_distance_m", 100, ("Beam distance", "100 m")),
    ("output_w", 2600, ("Output", "2600 W")),
    ("lumens", 400, ("Brightness", "400 lumens")),
    ("packed_size_cm", "64 x 24", ("Packed size", "64 × 24 cm")),
    ("length_cm", "95-130", ("Length", "95–130 cm")),
    ("ip_rating", "IPX6", ("IP rating", "IPX6")),
    ("filter_type", "hollow fiber", ("Filter type", "Hollow fiber")),
    ("filter_type", "none", ("Filter type", "None")),
    ("waterproof", True, ("Waterproof", "Yes")),
    ("hood", False, ("Hood", "No")),
    ("colours", ["red", "blue"], ("Colours", "red, blue")),
    ("seasons", 4, ("Seasons", "4")),
])
def test_specs_read_as_words_with_units(key, value, expected):
    assert format_spec(key, value) == expected
