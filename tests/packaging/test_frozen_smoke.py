"""Smoke test of the frozen Aisle: build the bundle (unless dist/aisle is fresh), then run it as a machine without
Python would.

Every frozen run gets a fresh temporary HOME and an environment of only PATH=/usr/bin:/bin, HOME and
QT_QPA_PLATFORM=offscreen: no PYTHONPATH, PYTHONHOME, VIRTUAL_ENV, no locale, no session bus. The bundle's own
self-test then proves it uses nothing outside itself: its sys.path holds only bundle directories, every imported
module's file is inside the bundle, no shared library of a Python installation is mapped, and PortAudio, espeak-ng,
the pocketsphinx model, the Whisper second pass (its pinned weights, CTranslate2) and the CA certificates are loaded
from the bundle. A second run with PYTHONPATH,
PYTHONHOME and VIRTUAL_ENV pointing at this repository's .venv shows the frozen app ignores them.

Freshness: `packaging/build.sh --if-stale` rebuilds unless dist/aisle-build.json records the digest of exactly the
current inputs (file contents, not dates, of app/ agent/ audio/ ui/ resources/ packaging/ catalog.db pyproject.toml,
and the installed packages; see packaging/build_info.py).

Parts that need code other engineers are still writing run as soon as that code exists, and must then pass:
the headless endpoint (app.server), screenshots (ui.screenshots), and the spoken question to the frozen kiosk (the
voice pipeline wired into app/ or ui/, plus scripts/virtual-audio.sh).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.append(str(REPO / "packaging"))
import build_info  # noqa: E402  (packaging/ is not a package: its name would shadow the `packaging` distribution)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux bundle")]

BUNDLE = REPO / "dist" / "aisle"
AISLE = BUNDLE / "aisle"
QUESTION = "I need a tent for two under 300 dollars"


# -- building and running ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundle() -> Iterator[Path]:
    """dist/aisle, rebuilt by packaging/build.sh when any input changed since it was built.

    While the tests use it they hold build.sh's lock shared, so another build (another engineer's test run in the
    same work tree) waits instead of replacing the bundle under them.
    """
    started = time.monotonic()
    proc = subprocess.run(["bash", str(REPO / "packaging" / "build.sh"), "--no-setup", "--if-stale"], cwd=REPO,
                          capture_output=True, text=True, timeout=480)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout}\n{proc.stderr}"
    print(f"\n[frozen smoke] build step: {time.monotonic() - started:.1f} s\n{proc.stdout}")
    assert build_info.read_record(), "the build left no dist/aisle-build.json"
    with open(REPO / "build" / ".aisle-build.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        if not build_info.is_fresh():  # only when someone edits the work tree while it builds; CI's clone holds still
            print("[frozen smoke] note: sources changed during the build; testing the bundle as built")
        yield BUNDLE


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **extra}


def snapshot(tree: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(tree)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in tree.rglob("*")}


@contextlib.contextmanager
def bundle_untouched(tree: Path = BUNDLE) -> Iterator[None]:
    """The bundle is read-only at run time: nothing in it is created, changed or removed by running it."""
    before = snapshot(tree)
    yield
    after = snapshot(tree)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"running the app changed its bundle: {changed[:10]}"


def run_frozen(args: list[str], home: Path, *, stdin: str | None = None, timeout: float = 120,
               env: dict[str, str] | None = None, executable: Path = AISLE) -> subprocess.CompletedProcess[str]:
    with bundle_untouched():
        return subprocess.run([str(executable), *args], input=stdin, capture_output=True, text=True,
                              timeout=timeout, env=env or isolated_env(home), cwd=home)


def events_of(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the bundle stands on its own -----------------------------------------------------------------------------------

def test_bundle_stands_alone_in_an_isolated_environment(bundle: Path, tmp_path: Path) -> None:
    proc = run_frozen(["--bundle-selftest", "report"], tmp_path)
    report = json.loads(proc.stdout)
    failed = {k: v for k, v in report.items() if isinstance(v, dict) and not v["ok"]}
    assert proc.returncode == 0 and not failed, json.dumps(failed, indent=2)

    internal = str(bundle / "_internal")
    iso = report["isolation"]
    assert iso["frozen"] and not iso["site_imported"] and iso["env_python_vars"] == []
    assert iso["sys_path"] and all(p.startswith(internal) for p in iso["sys_path"]), iso["sys_path"]
    assert iso["modules_outside_bundle"] == {}
    assert report["native_libraries"]["python_libraries_outside_bundle"] == []
    assert not any(".venv" in lib or "pyenv" in lib for lib in report["native_libraries"]["from_system"])

    # what the issue names: PortAudio, espeak-ng + data, the pocketsphinx model, certificates, Qt plugins, catalog
    assert report["portaudio"]["library"].startswith(internal)
    assert report["espeak"]["library"].startswith(internal) and report["espeak"]["data"].startswith(internal)
    assert report["speech"]["model"].startswith(internal)
    assert report["speech"]["heard"] == report["speech"]["said"]  # espeak-ng speaks, pocketsphinx hears
    # the neural second pass: the pinned tiny.en weights from the bundle, a free-form request transcribed by Whisper
    assert report["neural"]["model"] == "tiny.en" and report["neural"]["weights"]
    assert all(w.startswith(internal) for w in report["neural"]["weights"])
    assert {"summer", "camp", "mountains"} <= set(report["neural"]["heard"].lower().replace(".", "").split())
    assert report["tls"]["certifi"].startswith(internal) and report["tls"]["ca_certificates"] > 100
    assert {"libqoffscreen.so", "libqxcb.so"} <= set(report["qt"]["platforms"])
    assert report["qt"]["platform"] == "offscreen" and report["qt"]["text_pixels"] > 0
    assert report["shipped_files"]["products"] > 0
    source_resources = {str(p.relative_to(REPO / "resources")) for p in (REPO / "resources").rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}
    assert source_resources <= set(report["shipped_files"]["resources"])  # incl. resources/web
    assert report["first_party_imports"]["failed"] == {}
    imported = set(report["first_party_imports"]["imported"])
    assert {"app.compose.cli", "app.crash", "app.tools.toolbox", "audio.synthesizer"} <= imported


def test_frozen_app_ignores_python_environment_variables(bundle: Path, tmp_path: Path) -> None:
    """Point every Python variable at this repository's .venv: the frozen app's sys.path does not change."""
    site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
    hostile = isolated_env(tmp_path, PYTHONPATH=f"{site}:{REPO}", PYTHONHOME=str(REPO / ".venv"),
                           VIRTUAL_ENV=str(REPO / ".venv"), PYTHONNOUSERSITE="")
    proc = run_frozen(["--bundle-selftest", "report"], tmp_path, env=hostile)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert report["isolation"]["sys_path_outside_bundle"] == []
    assert report["isolation"]["modules_outside_bundle"] == {}
    assert report["native_libraries"]["python_libraries_outside_bundle"] == []


# -- what a person does with it -------------------------------------------------------------------------------------

def test_chat_json_answers_a_shopping_message_and_provisions_the_data_dir(bundle: Path, tmp_path: Path) -> None:
    proc = run_frozen(["chat", "--json"], tmp_path, stdin=QUESTION + "\n")
    assert proc.returncode == 0, proc.stderr
    events = events_of(proc.stdout)
    kinds = [e["event"] for e in events]
    calls = [e for e in events if e["event"] == "function_call"]
    assert calls and calls[0]["data"]["name"] == "search_products", kinds
    assert calls[0]["data"]["result"]["count"] > 0
    assert "completion" in kinds and kinds.index("completion") > kinds.index("function_call")
    assert next(e for e in events if e["event"] == "completion")["data"]["text"]

    data_dir = tmp_path / ".local" / "share" / "aisle"  # the user data directory on a fresh HOME
    assert (data_dir / "catalog.db").is_file()  # the shipped catalog, copied on first run
    assert (data_dir / "history.db").is_file() and (data_dir / "logs" / "aisle.log").is_file()


def test_screenshots_render_offscreen(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    proc = run_frozen(["screenshots", "--out", str(out)], tmp_path, timeout=150)
    assert proc.returncode == 0, proc.stderr
    pngs = sorted(out.glob("*.png"))
    assert pngs, proc.stdout
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("attract" in p.name for p in pngs)
    assert min(p.stat().st_size for p in pngs) > 5_000  # a real picture, not an empty frame


def test_headless_health_turn_over_sse_and_clean_stop(bundle: Path, tmp_path: Path) -> None:
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with bundle_untouched():
        server = subprocess.Popen([str(AISLE), "--headless", "--port", str(port)], env=isolated_env(tmp_path),
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            health = wait_for_health(base, server)
            assert health["status"] in ("ok", "degraded"), health

            seen: list[tuple[str, dict[str, Any]]] = []
            connected = threading.Event()
            done = threading.Event()
            reader = threading.Thread(target=read_sse, args=(f"{base}/api/stream/current", seen, connected, done),
                                      daemon=True)
            reader.start()
            assert connected.wait(15), "the SSE stream did not open"
            posted = httpx.post(f"{base}/api/sessions/current/messages", json={"text": QUESTION}, timeout=10)
            assert posted.status_code == 202, posted.text
            assert done.wait(30), f"no completion over SSE; saw {[k for k, _ in seen]}"
            kinds = [k for k, _ in seen]
            call = next(d for k, d in seen if k == "function_call")
            assert call["data"]["name"] == "search_products" and call["data"]["result"]["count"] > 0
            assert kinds.index("function_call") < kinds.index("completion")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                _, err = server.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                _, err = server.communicate()
                pytest.fail(f"headless mode did not stop on SIGTERM within 20 s\n{err[-2000:]}")
    assert server.returncode == 0, err[-2000:]


def wait_for_health(base: str, server: subprocess.Popen[str], timeout: float = 45) -> dict[str, Any]:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"headless mode exited with {server.returncode}: {server.stderr.read()[-2000:]}")
        try:
            r = httpx.get(f"{base}/health", timeout=2)
            if r.status_code == 200:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("GET /health never answered")


def read_sse(url: str, seen: list[tuple[str, dict[str, Any]]], connected: threading.Event,
             done: threading.Event) -> None:
    import httpx

    kind = ""
    with httpx.stream("GET", url, timeout=httpx.Timeout(40, connect=10)) as response:
        connected.set()
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind:
                seen.append((kind, json.loads(line.split(":", 1)[1])))
                if kind == "completion":
                    done.set()
                    return


# -- crashes in the frozen app --------------------------------------------------------------------------------------

def test_frozen_crashes_are_logged_in_the_data_dir(bundle: Path, tmp_path: Path) -> None:
    logs = tmp_path / ".local" / "share" / "aisle" / "logs"
    proc = run_frozen(["--bundle-selftest", "crash", "exception"], tmp_path)
    assert proc.returncode != 0
    [report] = logs.glob("crash-*.log")
    assert "RuntimeError: bundle self-test: deliberate crash" in report.read_text()

    proc = run_frozen(["--bundle-selftest", "crash", "fatal"], tmp_path)
    assert proc.returncode == -signal.SIGSEGV
    run_frozen(["--bundle-selftest", "crash", "thread"], tmp_path)  # the next start collects the fatal report
    fatal = list(logs.glob("crash-*-fatal.log"))
    assert fatal and "Segmentation fault" in fatal[0].read_text()
    assert any("selftest-worker" in p.read_text() for p in logs.glob("crash-*.log"))


def test_frozen_kiosk_crash_re_executes_the_bundle(bundle: Path, tmp_path: Path) -> None:
    proc = run_frozen(["--bundle-selftest", "crash", "restart"], tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == ["crashing", "restarted after: RuntimeError in the main thread"]


# -- the tarball ------------------------------------------------------------------------------------------------------

def test_tarball_installs_for_a_user_and_uninstalls(bundle: Path, tmp_path: Path) -> None:
    record = build_info.read_record()
    assert record and record["tarball"]
    tarball = REPO / str(record["tarball"])
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        for needed in ("install.sh", "INSTALL.txt", "aisle/aisle", "share/aisle.desktop.in", "share/aisle.service.in",
                       "share/aisle-autostart.desktop.in", "share/aisle.svg", "share/aisle.png"):
            assert f"{top}/{needed}" in names, needed
        tar.extractall(tmp_path / "unpacked", filter="tar")
    home = tmp_path / "home"
    home.mkdir()
    unpacked = tmp_path / "unpacked" / top
    env = isolated_env(home)

    proc = subprocess.run(["bash", str(unpacked / "install.sh"), "--kiosk"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    prefix = home / ".local" / "opt" / "aisle"
    installed = prefix / "aisle"
    assert installed.is_file() and os.access(installed, os.X_OK)
    assert (home / ".local" / "bin" / "aisle").resolve() == installed.resolve()
    desktop = (home / ".local" / "share" / "applications" / "aisle.desktop").read_text()
    assert f"Exec={installed}" in desktop and "Icon=aisle" in desktop and "@" not in desktop
    assert (home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "aisle.svg").is_file()
    unit = (home / ".config" / "systemd" / "user" / "aisle.service").read_text()
    assert f"ExecStart={installed} --kiosk" in unit and "Restart=on-failure" in unit and "@" not in unit
    assert (home / ".config" / "autostart" / "aisle-kiosk.desktop").is_file()
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(["systemd-analyze", "verify", str(home / ".config/systemd/user/aisle.service")],
                                capture_output=True, text=True, timeout=60)
        assert "aisle.service:" not in verify.stderr, verify.stderr  # systemd names the file and line it rejects

    version = subprocess.run([str(home / ".local" / "bin" / "aisle"), "--bundle-selftest", "version"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith("Aisle "), version.stderr
    chat = subprocess.run([str(installed), "chat", "--json"], input=QUESTION + "\n", env=env, capture_output=True,
                          text=True, timeout=60)
    assert "completion" in [e["event"] for e in events_of(chat.stdout)], chat.stderr

    # an upgrade (installing again) replaces the program and leaves the user's data alone
    data = home / ".local" / "share" / "aisle"
    before = snapshot(data)
    proc = subprocess.run(["bash", str(unpacked / "install.sh")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(data) == before
    assert not (home / ".config" / "autostart" / "aisle-kiosk.desktop").exists()  # no --kiosk this time

    proc = subprocess.run(["bash", str(unpacked / "install.sh"), "--uninstall"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not prefix.exists() and not (home / ".local" / "bin" / "aisle").exists()
    assert not (home / ".config" / "systemd" / "user" / "aisle.service").exists()
    assert (home / ".local" / "share" / "aisle" / "catalog.db").is_file()  # the user's data stays


# -- voice ------------------------------------------------------------------------------------------------------------

VIRTUAL_AUDIO = REPO / "scripts" / "virtual-audio.sh"


@pytest.mark.audio
def test_frozen_kiosk_answers_a_spoken_question(bundle: Path, tmp_path: Path) -> None:
    """Start the frozen kiosk (offscreen) with voice on a private virtual sound card, say a question into its
    microphone, and find the spoken turn and the answer in the kiosk's history."""
    state = tmp_path / "audio"
    audio_env = {"AISLE_AUDIO_STATE": str(state), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run(["bash", str(VIRTUAL_AUDIO), "start"], env=audio_env, check=True, timeout=60)
    try:
        exports = subprocess.run(["bash", str(VIRTUAL_AUDIO), "env"], env=audio_env, capture_output=True, text=True,
                                 check=True, timeout=30).stdout
        device_env = dict(line.removeprefix("export ").split("=", 1) for line in exports.splitlines()
                          if line.startswith("export "))
        device_env = {k: v.strip("'\"") for k, v in device_env.items()}
        wav = tmp_path / "question.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), "do you have tents"], check=True,
                       timeout=30)
        data_dir = tmp_path / "data"
        with bundle_untouched():
            kiosk = subprocess.Popen([str(AISLE), "--data-dir", str(data_dir)],
                                     env=isolated_env(tmp_path, **device_env), cwd=tmp_path,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(8)  # window, runtime and microphone up
                assert kiosk.poll() is None, kiosk.stderr.read() if kiosk.stderr else ""
                subprocess.run(["paplay", "--device=vsink", str(wav)], env={**audio_env, **device_env}, check=True,
                               timeout=30)
                answer = wait_for_voice_answer(data_dir / "history.db", timeout=40)
                assert answer, "the kiosk did not answer the spoken question"
            finally:
                kiosk.send_signal(signal.SIGTERM)
                try:
                    kiosk.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    kiosk.kill()
                    kiosk.communicate()
    finally:
        subprocess.run(["bash", str(VIRTUAL_AUDIO), "stop"], env=audio_env, timeout=60)


def wait_for_voice_answer(history: Path, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if history.is_file():
            try:
                conn = sqlite3.connect(f"file:{history}?mode=ro", uri=True, timeout=2)
                try:
                    row = conn.execute(
                        "select a.text from turns s join turns a on a.session_id = s.session_id and a.id > s.id "
                        "where s.role = 'shopper' and s.source = 'voice' and a.role = 'assistant' limit 1"
                    ).fetchone()
                finally:
                    conn.close()
                if row:
                    return str(row[0])
            except sqlite3.Error:
                pass
        time.sleep(0.5)
    return None


def test_frozen_import_of_a_store_export_with_photos_and_a_pdf_manual(bundle: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from store_export import make_export

    export = make_export(tmp_path / "export")
    catalog = tmp_path / "store.db"
    shutil.copy(REPO / "catalog.db", catalog)
    proc = run_frozen(["catalog", "import", str(export.json_file), "--catalog", str(catalog)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Photos: 3. Products with a manual: 2." in proc.stdout, proc.stdout
    conn = sqlite3.connect(catalog)
    try:
        assert conn.execute("select count(*) from product_photos").fetchone()[0] == 3
        warranty = conn.execute("select text from passages where product_id = 'RS-STOVE-1' and section = 'WARRANTY'")
        assert "2-year warranty" in warranty.fetchone()[0], "the PDF manual's text layer was read"
    finally:
        conn.close()
