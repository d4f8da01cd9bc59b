"""The installer sources that cannot run here are still checked: the CI workflow (YAML, jobs, actionlint), the Inno
Setup script, the Linux entries and scripts (shellcheck), the icon, and the PyInstaller hooks' rules."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "installers.yml"
ISS = REPO / "packaging" / "windows" / "aisle.iss"
LINUX = REPO / "packaging" / "linux"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{VENV_BIN}:/usr/bin:/bin")
    assert found, f"{name} is not installed (it comes with the dev extras: pip install -e '.[dev]')"
    return found


# -- the CI workflow -----------------------------------------------------------------------------------------------

def load_workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_is_valid_yaml_with_the_build_matrix_and_release() -> None:
    wf = load_workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert set(triggers) >= {"push", "pull_request", "workflow_dispatch"}
    assert triggers["push"]["tags"] == ["v*"]
    jobs = wf["jobs"]
    assert set(jobs) == {"build", "release"}
    matrix = jobs["build"]["strategy"]["matrix"]["include"]
    assert {m["os"] for m in matrix} == {"ubuntu-latest", "windows-latest", "macos-latest"}
    assert jobs["release"]["needs"] == "build"
    assert jobs["release"]["permissions"] == {"contents": "write"} and wf["permissions"] == {"contents": "read"}


def test_workflow_builds_each_installer_with_the_repository_files() -> None:
    steps = load_workflow()["jobs"]["build"]["steps"]
    scripts = "\n".join(str(s.get("run", "")) for s in steps)
    assert "bash packaging/build.sh" in scripts and "tests/packaging" in scripts  # Linux: build + smoke test
    assert "python:3.11-bookworm" in scripts  # built on Debian 12, the kiosks' glibc
    assert "packaging/aisle.spec" in scripts
    assert "packaging\\windows\\aisle.iss" in scripts and "ISCC" in scripts
    assert "dist/Aisle.app" in scripts and "hdiutil create" in scripts
    for path in ("packaging/build.sh", "packaging/aisle.spec", "packaging/windows/aisle.iss",
                 "packaging/icons/aisle.png"):
        assert (REPO / path).is_file(), path
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["if-no-files-found"] == "error"
    for pattern in ("aisle-linux-", "aisle-windows-", "aisle-macos-"):
        assert pattern in upload["with"]["path"]


def test_actionlint_accepts_the_workflow() -> None:
    proc = subprocess.run([tool("actionlint"), "-shellcheck", tool("shellcheck"), str(WORKFLOW)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- Windows: the Inno Setup script ---------------------------------------------------------------------------------

def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            current = m.group(1)
            sections.setdefault(current, [])
        elif current:
            sections[current].append(line)
    return sections


def test_inno_setup_script_is_complete() -> None:
    sections = iss_sections()
    known = {"Setup", "Languages", "Tasks", "Files", "InstallDelete", "Icons", "Run", "UninstallDelete", "Code",
             "Dirs", "Registry", "UninstallRun", "Messages", "CustomMessages"}
    assert set(sections) <= known, set(sections) - known
    setup = {k: v for k, _, v in (line.partition("=") for line in sections["Setup"] if not line.startswith("#"))}
    for directive in ("AppId", "AppName", "AppVersion", "DefaultDirName", "OutputBaseFilename", "OutputDir",
                      "ArchitecturesAllowed", "ArchitecturesInstallIn64BitMode", "PrivilegesRequired"):
        assert setup.get(directive), directive
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["OutputBaseFilename"] == "aisle-windows-x64-setup"  # what the workflow uploads
    assert any("{#BundleDir}\\*" in line and "recursesubdirs" in line for line in sections["Files"])
    assert any("{autostartup}" in line and "--kiosk" in line for line in sections["Icons"])
    for line in [*sections["Tasks"], *sections["Files"], *sections["Icons"], *sections["Run"]]:
        params = dict(p.strip().split(":", 1) for p in re.split(r';\s*(?=\w+:)', line))
        assert "Name" in params or "Source" in params or "Filename" in params, line


def test_inno_setup_preprocessor_defines_are_all_set() -> None:
    text = ISS.read_text(encoding="utf-8")
    used = set(re.findall(r"\{#(\w+)\}", text))
    defined = set(re.findall(r"#define (\w+)", text))
    optional = set(re.findall(r"#ifdef (\w+)", text))
    assert used <= defined | optional, used - defined - optional
    default_bundle = re.search(r'#define BundleDir "(.+)"', text)
    assert default_bundle
    assert (ISS.parent / default_bundle.group(1).replace("\\", "/")).resolve() == REPO / "dist" / "aisle"


# -- Linux: the tarball's entries and scripts -----------------------------------------------------------------------

def desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


@pytest.mark.parametrize("name", ["aisle.desktop.in", "aisle-autostart.desktop.in"])
def test_desktop_entries_have_what_a_menu_needs(name: str) -> None:
    entry = desktop_entry(LINUX / name)
    assert entry["Type"] == "Application" and entry["Name"] and entry["Exec"] and entry["Icon"] == "aisle"
    assert entry["Terminal"] == "false"


def test_systemd_unit_restarts_on_failure_with_a_start_limit() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((LINUX / "aisle.service.in").read_text(encoding="utf-8"))
    assert parser["Service"]["Restart"] == "on-failure"
    assert parser["Service"]["ExecStart"] == "@AISLE_BIN@ @AISLE_ARGS@"
    assert int(parser["Unit"]["StartLimitBurst"]) > 0 and parser["Unit"]["StartLimitIntervalSec"]
    assert parser["Install"]["WantedBy"] == "@WANTED_BY@"


def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [REPO / "packaging" / "build.sh", LINUX / "install.sh"]
    proc = subprocess.run([tool("shellcheck"), *map(str, scripts)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_icon_png_is_256_pixels_square() -> None:
    data = (REPO / "packaging" / "icons" / "aisle.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (256, 256)


# -- hooks ------------------------------------------------------------------------------------------------------------

def test_pocketsphinx_hook_bundles_the_general_language_model_only_while_it_is_used(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("hook_ps", REPO / "packaging" / "hooks" / "hook-pocketsphinx.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    names = {Path(src).name for src, _ in hook.datas}
    assert {"mdef", "cmudict-en-us.dict"} <= names  # the acoustic model and the dictionary
    assert ("en-us.lm.bin" in names) == hook.general_lm_used()
