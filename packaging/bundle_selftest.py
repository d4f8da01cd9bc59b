"""`aisle --bundle-selftest`: what a frozen Aisle can see and load, as one JSON report (a diagnostic for IT and CI).

    aisle --bundle-selftest report        every check below, printed as JSON; exit 0 when all passed
    aisle --bundle-selftest version       the version, from the bundled package metadata
    aisle --bundle-selftest crash KIND    install the crash handler as `aisle` does and crash: KIND is exception,
                                          thread, fatal (a segfault), or restart (a kiosk crash that re-executes
                                          the program once, with a short backoff)
    aisle --bundle-selftest first-frame [aisle options]
                                          start the kiosk as `aisle` does, print "first-frame" when its first frame
                                          is painted and exit at once (for measuring cold start)

The report proves the bundle stands on its own: where every imported module and every mapped shared library came
from, that each first-party module imports, that PortAudio, espeak-ng, the pocketsphinx model (a question spoken by
espeak-ng is recognised), the Whisper second pass (a free-form request spoken by espeak-ng is transcribed), TLS
certificates, SQLite FTS5 and the Qt platform plugins load from the bundle, and that
the shipped catalog and resources are there.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIRST_PARTY = ("app", "agent", "audio", "ui")


def _root() -> Path:
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))


def _inside(path: str | os.PathLike[str] | None, root: Path) -> bool:
    """True when `path` is in `root`, or is no file path at all (code embedded in a binary has a relative name)."""
    if not path or not os.path.isabs(path):
        return True
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        return True
    except ValueError:
        return False


def check_isolation(root: Path) -> dict[str, Any]:
    """sys.path and every imported module's file are inside the application directory; no Python installation."""
    root = Path(sys.executable).resolve().parent  # the executable's directory, holding _internal/
    outside_path = [p for p in sys.path if not _inside(p, root)]
    outside_modules = {
        name: getattr(module, "__file__", None) for name, module in sorted(sys.modules.items())
        if not _inside(getattr(module, "__file__", None), root)
    }
    return {
        "ok": not outside_path and not outside_modules and bool(getattr(sys, "frozen", False)),
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "sys_path": sys.path,
        "sys_path_outside_bundle": outside_path,
        "modules_outside_bundle": outside_modules,
        "site_imported": "site" in sys.modules,
        "env_python_vars": sorted(k for k in os.environ if k.startswith("PYTHON") or k == "VIRTUAL_ENV"),
    }


def check_first_party_imports() -> dict[str, Any]:
    """Import every module of app/agent/audio/ui that the bundle holds (proves the hidden imports are complete)."""
    import importlib
    import pkgutil

    imported, failed = [], {}
    for package_name in FIRST_PARTY:
        try:
            package = importlib.import_module(package_name)
        except ImportError as exc:
            failed[package_name] = repr(exc)
            continue
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue
            try:
                importlib.import_module(info.name)
                imported.append(info.name)
            except Exception as exc:  # report every failure, not just the first
                failed[info.name] = f"{type(exc).__name__}: {exc}"
    return {"ok": not failed and bool(imported), "imported": imported, "failed": failed}


def check_portaudio(root: Path) -> dict[str, Any]:
    import sounddevice

    library = getattr(sounddevice, "_libname", "")
    try:
        devices = len(sounddevice.query_devices())
        query_error = None
    except Exception as exc:  # no sound card is normal on a server; loading the library is what counts
        devices, query_error = 0, repr(exc)
    return {
        "ok": _inside(library, root) and bool(library),
        "library": library,
        "version": sounddevice.get_portaudio_version()[1],
        "devices": devices,
        "query_error": query_error,
    }


def check_espeak(root: Path) -> dict[str, Any]:
    """libespeak-ng and its data are the bundle's (check_speech makes it speak)."""
    import espeakng_loader

    library, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    voices = Path(data) / "voices"
    return {"ok": _inside(library, root) and _inside(data, root) and voices.is_dir(), "library": library, "data": data}


def check_speech(root: Path) -> dict[str, Any]:
    """Offline speech through the app's own classes: espeak-ng says a question, pocketsphinx (grammar search, the
    kiosk's recogniser) hears it back from the bundled model."""
    from audio.recognizer import GrammarRecognizer, model_dir
    from audio.resample import resample
    from audio.synthesizer import EspeakSynthesizer

    said = "do you have tents"
    pcm, rate = EspeakSynthesizer("en-us", 150).synthesize(said)
    recognizer = GrammarRecognizer(phrases=[said, "show me sleeping bags", "what is in my cart"])
    heard = recognizer.recognize(resample(pcm, rate, 16000))
    return {"ok": _inside(str(model_dir()), root) and heard == said, "model": str(model_dir()), "said": said,
            "heard": heard}


def check_neural(root: Path) -> dict[str, Any]:
    """The Whisper second pass from the bundle: the default model's pinned weights (the int8 ones derived at build
    time, when its pin has them) are found inside it, assembled (into a temporary folder, not the data directory),
    loaded, and a free-form request spoken by espeak-ng, which the grammar could not hold, is transcribed."""
    import dataclasses
    import tempfile

    from app.settings import Settings
    from audio.neural import NeuralRecognizer
    from audio.resample import resample
    from audio.synthesizer import EspeakSynthesizer
    from audio.whisper_model import MODELS, model_sources, package_dir

    model = str(next(f.default for f in dataclasses.fields(Settings) if f.name == "neural_model"))
    if not model:
        return {"ok": True, "model": "", "note": "the default is the grammar alone"}
    pin = MODELS[model]
    sources, model_sha256 = model_sources(pin)  # the int8 weights derived at build time, when pinned so
    weights = [str(p) for p in sources] + [str(package_dir(f.package) / f.path) for f in pin.support]
    int8 = pin.int8 is not None and model_sha256 == pin.int8.sha256
    said = "my daughter is going to summer camp in the mountains"
    pcm, rate = EspeakSynthesizer("en-us", 150).synthesize(said)
    with tempfile.TemporaryDirectory(prefix="aisle-selftest-whisper-") as cache:
        neural = NeuralRecognizer(model, Path(cache))
        neural.load()
        result = neural.transcribe(resample(pcm, rate, 16000))
    heard = set(re.findall(r"[a-z]+", result.text.lower()))
    key_words = {"daughter", "summer", "camp", "mountains"}
    return {"ok": all(_inside(w, root) for w in weights) and int8 == (pin.int8 is not None) and result.accepted
            and len(key_words & heard) >= 3,
            "model": model, "weights": weights, "int8": int8, "said": said, "heard": result.text,
            "reason": result.reason, "load_s": round(neural.load_s, 3), "decode_ms": round(result.decode_ms)}


def check_tls(root: Path) -> dict[str, Any]:
    import ssl

    import certifi

    context = ssl.create_default_context()
    cafile = os.environ.get("SSL_CERT_FILE", "")
    return {
        "ok": _inside(certifi.where(), root) and context.cert_store_stats()["x509_ca"] > 0,
        "certifi": certifi.where(),
        "ssl_cert_file": cafile,
        "ca_certificates": context.cert_store_stats()["x509_ca"],
        "openssl": ssl.OPENSSL_VERSION,
    }


def check_sqlite() -> dict[str, Any]:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("create virtual table t using fts5(body)")
        conn.execute("insert into t values ('warm sleeping bag')")
        hits = conn.execute("select count(*) from t where t match 'sleeping'").fetchone()[0]
    finally:
        conn.close()
    return {"ok": hits == 1, "sqlite": sqlite3.sqlite_version, "fts5": hits == 1}


def check_shipped_files(root: Path) -> dict[str, Any]:
    import sqlite3

    from app.paths import resources_dir, shipped_catalog_path

    catalog, resources = shipped_catalog_path(), resources_dir()
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        products = conn.execute("select count(*) from products").fetchone()[0]
    finally:
        conn.close()
    files = sorted(str(p.relative_to(resources)) for p in resources.rglob("*") if p.is_file())
    return {
        "ok": _inside(catalog, root) and _inside(resources, root) and products > 0 and bool(files),
        "catalog": str(catalog),
        "products": products,
        "resources": files,
    }


def check_qt(root: Path) -> dict[str, Any]:
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtGui import QColor, QFont, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["aisle-selftest"])
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    platforms = sorted(p.name for p in (plugins / "platforms").glob("*") if p.is_file())
    image = QImage(200, 60, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(QFont("Sans", 20))
    painter.drawText(10, 40, "Aisle")
    painter.end()
    inked = sum(1 for x in range(200) for y in range(60) if image.pixelColor(x, y).lightness() < 128)
    return {
        "ok": _inside(plugins, root) and any("offscreen" in p for p in platforms) and inked > 0,
        "platform": app.platformName(),
        "plugins": str(plugins),
        "platforms": platforms,
        "text_pixels": inked,
    }


def check_native_libraries(root: Path) -> dict[str, Any]:
    """Shared libraries mapped into this process: which came from the bundle, which from the system."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return {"ok": True, "available": False}
    libs = sorted({line.split(None, 5)[5] for line in maps.splitlines()
                   if len(line.split(None, 5)) == 6 and ".so" in line.split(None, 5)[5]})
    outside = [lib for lib in libs if not _inside(lib, root)]
    python_outside = [lib for lib in outside if "python3" in lib or "site-packages" in lib or ".venv" in lib]
    return {
        "ok": not python_outside,
        "available": True,
        "from_bundle": len(libs) - len(outside),
        "from_system": outside,
        "python_libraries_outside_bundle": python_outside,
    }


def report() -> dict[str, Any]:
    root = _root()
    checks: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("first_party_imports", check_first_party_imports),
        ("portaudio", lambda: check_portaudio(root)),
        ("espeak", lambda: check_espeak(root)),
        ("speech", lambda: check_speech(root)),
        ("neural", lambda: check_neural(root)),
        ("tls", lambda: check_tls(root)),
        ("sqlite", check_sqlite),
        ("shipped_files", lambda: check_shipped_files(root)),
        ("qt", lambda: check_qt(root)),
        # last: they look at everything the checks above imported and loaded
        ("native_libraries", lambda: check_native_libraries(root)),
        ("isolation", lambda: check_isolation(root)),
    ]
    results: dict[str, Any] = {"bundle": str(root)}
    for name, check in checks:
        started = time.perf_counter()
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        results[name]["seconds"] = round(time.perf_counter() - started, 3)
    results["ok"] = all(v["ok"] for v in results.values() if isinstance(v, dict))
    return results


def crash(kind: str) -> int:
    """Crash on purpose the way the kiosk could, with the crash handler installed as `aisle` installs it."""
    import threading

    from app.compose.cli import build_parser, settings_from_args
    from app.crash import RESTARTED_ENV, RestartPolicy, install_crash_handler

    settings = settings_from_args(build_parser().parse_args([]))
    if kind == "restart":
        if os.environ.get(RESTARTED_ENV):
            print(f"restarted after: {os.environ[RESTARTED_ENV]}", flush=True)
            return 0
        install_crash_handler(settings, restart=True, policy=RestartPolicy(base_delay_s=0.1))
        print("crashing", flush=True)
    else:
        install_crash_handler(settings, restart=settings.kiosk_lock)
    if kind == "thread":
        worker = threading.Thread(target=lambda: 1 / 0, name="selftest-worker")
        worker.start()
        worker.join()
        return 0
    if kind == "fatal":
        import faulthandler

        faulthandler._sigsegv()
    raise RuntimeError("bundle self-test: deliberate crash")


def first_frame(argv: list[str]) -> int:
    from app.compose.cli import build_parser, settings_from_args
    from app.logging_setup import setup_logging
    from ui.kiosk_main import run_kiosk

    settings = settings_from_args(build_parser().parse_args(argv))
    setup_logging(settings.log_dir, "WARNING")

    def painted() -> None:
        print("first-frame", flush=True)
        os._exit(0)

    return run_kiosk(settings, on_first_frame=painted)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "report"
    if command == "report":
        results = report()
        print(json.dumps(results, indent=2, default=str))
        return 0 if results["ok"] else 1
    if command == "version":
        from importlib.metadata import version

        print(f"Aisle {version('aisle')}")
        return 0
    if command == "crash" and len(argv) == 2 and argv[1] in ("exception", "thread", "fatal", "restart"):
        return crash(argv[1])
    if command == "first-frame":
        return first_frame(argv[1:])
    print("usage: aisle --bundle-selftest [report | version | crash KIND | first-frame [options]]", file=sys.stderr)
    return 2
