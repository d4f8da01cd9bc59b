"""Device listing and selection (audio.devices) against a stand-in sounddevice module."""

from __future__ import annotations

import builtins
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from audio import devices
from audio.devices import AudioUnavailable, Problem


class FakeSoundDevice(SimpleNamespace):
    def __init__(self, table: list[dict[str, Any]], default: tuple[int, int] = (-1, -1)) -> None:
        super().__init__(default=SimpleNamespace(device=default))
        self.table = table
        self.inits = 0
        self.terms = 0

    def query_devices(self) -> list[dict[str, Any]]:
        return self.table

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "ALSA"}]

    def _terminate(self) -> None:
        self.terms += 1

    def _initialize(self) -> None:
        self.inits += 1


def dev(index: int, name: str, ins: int, outs: int) -> dict[str, Any]:
    return {"index": index, "name": name, "hostapi": 0, "max_input_channels": ins, "max_output_channels": outs,
            "default_samplerate": 48000.0}


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    fake = FakeSoundDevice(
        [dev(0, "USB Audio Mic: - (hw:1,0)", 1, 0), dev(1, "HDA Speaker (hw:0,0)", 0, 2), dev(2, "default", 32, 32)],
        default=(2, 2),
    )
    monkeypatch.setattr(devices, "_sd_module", fake)
    return fake


def test_listing(fake_sd: FakeSoundDevice) -> None:
    assert [d.name for d in devices.list_input_devices()] == ["USB Audio Mic: - (hw:1,0)", "default"]
    assert [d.index for d in devices.list_output_devices()] == [1, 2]
    everything = devices.list_devices()
    assert everything[2].is_default_input and everything[2].is_default_output
    assert everything[0].hostapi == "ALSA" and everything[0].default_samplerate == 48000.0
    assert "USB Audio Mic" in devices.describe_devices()


def test_find_by_default_index_exact_and_substring(fake_sd: FakeSoundDevice) -> None:
    assert devices.find_device("input").name == "default"
    assert devices.find_device("input", 0).index == 0
    assert devices.find_device("input", "usb audio").index == 0
    assert devices.find_device("output", "speaker").index == 1
    assert devices.find_device("output", "default").index == 2


def test_missing_devices_have_plain_messages(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioUnavailable) as caught:
        devices.find_device("input", "Blue Yeti")
    assert caught.value.problem is Problem.DEVICE_NOT_FOUND
    assert "Blue Yeti" in caught.value.detail and "Blue Yeti" not in str(caught.value)
    fake_sd.table = []
    with pytest.raises(AudioUnavailable) as caught:
        devices.find_device("input")
    assert str(caught.value) == "No microphone was found. Voice is off; touch and typing still work."
    with pytest.raises(AudioUnavailable, match="No speaker"):
        devices.find_device("output")


def test_refresh_only_without_open_streams(fake_sd: FakeSoundDevice) -> None:
    token = object()
    devices.stream_opened(token)
    try:
        assert devices.refresh_devices() is False
        assert fake_sd.inits == 0
    finally:
        devices.stream_closed(token)
    assert devices.refresh_devices() is True
    assert (fake_sd.terms, fake_sd.inits) == (1, 1)


def test_missing_portaudio_is_audio_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "_sd_module", None)
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    real_import = builtins.__import__

    def no_portaudio(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(AudioUnavailable) as caught:
        devices.list_devices()
    assert caught.value.problem is Problem.NO_PORTAUDIO
    assert "Voice is off" in str(caught.value) and "PortAudio" in caught.value.detail
