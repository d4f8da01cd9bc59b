"""Fixtures for the audio tests: speech WAVs made with the espeak-ng CLI, and the virtual sound card.

The ``virtual_audio`` fixture starts ``scripts/virtual-audio.sh`` once per test session in its own state directory
(so it never touches a device someone else started), points this process at it (PULSE_SERVER, ALSA_CONFIG_PATH)
and re-initialises PortAudio. Tests that use it are skipped only when PulseAudio is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from audio_testkit import read_wav

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "virtual-audio.sh"


@dataclass
class SpeechMaker:
    """Makes speech WAVs with the espeak-ng command-line tool (a different code path from our synthesizer)."""

    directory: Path

    def wav(self, text: str, name: str, voice: str = "en-us", wpm: int = 160) -> Path:
        path = self.directory / f"{name}.wav"
        if not path.exists():
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
        return path

    def pcm(self, text: str, name: str, voice: str = "en-us", wpm: int = 160) -> tuple[np.ndarray, int]:
        return read_wav(self.wav(text, name, voice, wpm))


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechMaker:
    if shutil.which("espeak-ng") is None:
        pytest.skip("the espeak-ng command is not installed (Debian: espeak-ng)")
    return SpeechMaker(tmp_path_factory.mktemp("speech"))


@dataclass
class VirtualAudio:
    state: Path
    env: dict[str, str]

    def run(self, command: str) -> None:
        subprocess.run(["bash", str(SCRIPT), command], check=True, env={**os.environ, **self.env},
                       capture_output=True, timeout=60)


def _parse_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'")
    return env


@pytest.fixture(scope="session")
def virtual_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualAudio]:
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)")
    from audio import devices

    state = tmp_path_factory.mktemp("vaudio")
    run_env = {**os.environ, "AISLE_AUDIO_STATE": str(state)}
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=run_env, timeout=60)
    env = _parse_env(state / "env")
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        devices.refresh_devices()
        yield VirtualAudio(state=state, env=env)
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=run_env, timeout=60)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        try:
            devices.refresh_devices()
        except devices.AudioUnavailable:
            pass


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One writable folder per test run for the assembled Whisper weights (as the data directory's models/)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def whisper(model_cache: Path):  # type: ignore[no-untyped-def]
    """The neural second pass with the shipped default model, loaded once per test run."""
    from audio.neural import NeuralRecognizer

    recognizer = NeuralRecognizer("tiny.en", model_cache, hotwords="Kestrel, Alpenglow, tents, stoves, sleeping bags")
    recognizer.load()
    return recognizer


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that plays speech through the virtual sound card in real time is tried a second time when it fails.

    Such a test shares two cores with PulseAudio and the rest of the run, so words spoken over Aisle are misheard now
    and then, and under CPU starvation the speaker's stream stalls (audio/echo_reference.py re-pairs the echo after
    a stall; CI once failed before it did). Recognition and self-interruptions are measured apart by the benchmarks
    (bench/bench_voice_bargein.py); a test failing twice in a row still fails the run, and every retry is listed in
    the summary ("rerun").
    """
    for item in items:
        if "virtual_audio" in getattr(item, "fixturenames", ()) and item.get_closest_marker("flaky") is None:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))
