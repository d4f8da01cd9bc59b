"""Runtime hook of the frozen Aisle: a module named ``av`` in place of PyAV, which the bundle leaves out.

faster-whisper imports PyAV (~104 MB of FFmpeg) at the top of ``faster_whisper/audio.py`` but uses it only to decode
audio files; Aisle hands Whisper float32 arrays. With this module in its place faster-whisper imports, and anything
that would decode a file is told why it cannot. Installed only when the bundle really has no PyAV.
"""

import importlib.util
import sys
import types

MESSAGE = ("PyAV is not in the Aisle bundle (it only decodes audio files; Aisle gives Whisper audio arrays), "
           "so av.{name} is not available")


class PyAVLeftOut(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(MESSAGE.format(name=name))


def install_if_missing():
    if "av" not in sys.modules and importlib.util.find_spec("av") is None:
        sys.modules["av"] = PyAVLeftOut("av", "PyAV left out of the Aisle bundle")


if getattr(sys, "frozen", False):
    install_if_missing()
