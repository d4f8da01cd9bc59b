"""Build time: the pinned float16 Whisper ``model.bin`` rewritten with int8 weights, for the bundle.

The app always loads Whisper with ``compute_type="int8"``, so CTranslate2 quantizes the float16 weights on every
load; storing them as int8 halves the file (tiny.en: 75.5 → 39.5 MB) and loses nothing. The quantization is
CTranslate2's own: the float16 file is read into a ``WhisperSpec`` and saved through the spec's aliasing, int8
quantization and ``spec.save``, as its converters do, restricted to the weights CTranslate2 itself quantizes at load
(:func:`loaded_as_int8`), so the result transcribes exactly as the float16 file does in the app. ``config.json``,
``tokenizer.json`` and ``vocabulary.txt`` are the pinned files, copied unchanged.

    python packaging/quantize_whisper.py tiny.en build/whisper-int8/tiny.en

The output is deterministic; its ``model.bin`` must have the sha256 pinned in ``audio/whisper_model.py``
(``ModelPin.int8``), which the bundle hook checks and the frozen app checks again.
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from audio.whisper_model import MODELS, ModelPin, accepted_source, sha256_of  # noqa: E402

DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")  # CTranslate2's DataType ids, in order


def _read(fh: BinaryIO, fmt: str) -> int:
    return int(struct.unpack(fmt, fh.read(struct.calcsize(fmt)))[0])


def _read_string(fh: BinaryIO) -> str:
    size = _read(fh, "<H")
    return fh.read(size)[:-1].decode("utf-8")


def read_model(path: Path) -> tuple[str, dict[str, np.ndarray], dict[str, str]]:
    """(spec name, variables, aliases) of a CTranslate2 ``model.bin`` (the format ``ModelSpec._serialize`` writes)."""
    with open(path, "rb") as fh:
        _read(fh, "<I")  # binary version
        name = _read_string(fh)
        _read(fh, "<I")  # spec revision
        variables: dict[str, np.ndarray] = {}
        for _ in range(_read(fh, "<I")):
            var = _read_string(fh)
            shape = tuple(_read(fh, "<I") for _ in range(_read(fh, "<B")))
            dtype = DTYPES[_read(fh, "<B")]
            if dtype == "bfloat16":
                raise ValueError(f"{path}: {var} is bfloat16, which numpy cannot hold")
            data = fh.read(_read(fh, "<I"))
            variables[var] = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        aliases = {_read_string(fh): _read_string(fh) for _ in range(_read(fh, "<I"))}
        if fh.read(1):
            raise ValueError(f"{path}: unexpected bytes after the aliases")
    return name, variables, aliases


def whisper_spec(variables: dict[str, np.ndarray], aliases: dict[str, str], vocabulary: list[str]) -> Any:
    """A ``WhisperSpec`` of the right depth holding exactly these variables (an unknown name is an error)."""
    from ctranslate2.specs import model_spec
    from ctranslate2.specs import whisper_spec as ws

    def layers(prefix: str) -> int:
        return len({m.group(1) for v in variables if (m := re.match(rf"{prefix}/layer_(\d+)/", v))})

    spec = ws.WhisperSpec(layers("encoder"), int(variables["encoder/num_heads"]),
                          layers("decoder"), int(variables["decoder/num_heads"]))
    expected: set[str] = set()
    model_spec.visit_spec(spec, lambda _layer, name, _value: expected.add(name))  # optional ones included
    unknown = (set(variables) | set(aliases)) - expected
    if unknown:
        raise ValueError(f"not in CTranslate2's WhisperSpec: {sorted(unknown)}")
    for name, value in [*variables.items(), *((a, variables[t]) for a, t in aliases.items())]:
        scope, _, attr = name.rpartition("/")
        setattr(model_spec.index_spec(spec, scope), attr, value)
    spec.register_vocabulary(vocabulary)
    spec.validate()
    return spec


def loaded_as_int8(variable: str) -> bool:
    """The weights CTranslate2 quantizes when it loads a float Whisper model with ``compute_type="int8"``
    (``WhisperModel::is_quantizable``: every ``*weight`` except the convolutions'). ``spec.optimize("int8")`` would
    also quantize the two convolutions, and the transcripts would no longer be exactly those of the float16 file."""
    return variable.endswith("weight") and "conv" not in variable


def quantize(pin: ModelPin, out_dir: Path) -> Path:
    """Write the int8 model of ``pin`` (read from its pinned, hash-checked files) into ``out_dir``; its model.bin."""
    if len(pin.model_parts) != 1:
        raise ValueError(f"{pin.name}: only a model in one file is quantized here")
    name, variables, aliases = read_model(accepted_source(pin.model_parts[0]))
    if name != "WhisperSpec":
        raise ValueError(f"{pin.name} is a {name}, not a WhisperSpec")
    support = {Path(f.path).name: accepted_source(f) for f in pin.support}
    vocabulary = support["vocabulary.txt"].read_text(encoding="utf-8").splitlines()
    spec = whisper_spec(variables, aliases, vocabulary)
    spec.optimize(None)  # what optimize() does before quantizing: alias decoder/projection/weight to the embeddings
    spec._quantize("int8", variable_filter=loaded_as_int8)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        spec.save(scratch)  # also writes its own config and vocabulary.json: the pinned files are used instead
        shutil.move(str(Path(scratch) / "model.bin"), out_dir / "model.bin")
    for filename, source in support.items():
        shutil.copyfile(source, out_dir / filename)
    return out_dir / "model.bin"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    model = quantize(MODELS[args.model], args.out_dir)
    print(f"{model}: {model.stat().st_size / 1e6:.1f} MB, sha256 {sha256_of(model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
