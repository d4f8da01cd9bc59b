"""pocketsphinx: the en-us acoustic model and dictionary live under pocketsphinx/model (found by path, not import).

The general en-us language model (en-us.lm.bin, 27 MB) is bundled only while the app uses it: the kiosk recognises
with a JSGF grammar built from the catalog (GrammarRecognizer), and only LanguageModelRecognizer loads that file.
The rule is computed from the source, so using LanguageModelRecognizer anywhere brings the file back.
"""

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files

ROOT = Path(__file__).resolve().parents[2]
DEFINED_IN = ROOT / "audio" / "recognizer.py"


def general_lm_used() -> bool:
    for package in ("app", "agent", "audio", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            if path != DEFINED_IN and "LanguageModelRecognizer" in path.read_text(encoding="utf-8", errors="replace"):
                return True
    return False


excludes = ["**/CMakeLists.txt"]
if not general_lm_used():
    excludes.append("**/en-us.lm.bin")
datas = collect_data_files("pocketsphinx", excludes=excludes)
