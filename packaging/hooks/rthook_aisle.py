"""Runtime hook of the frozen Aisle: runs before any app code and points native lookups at the bundle.

- PortAudio: sounddevice finds its library with ``ctypes.util.find_library("portaudio")``, which on Linux asks the
  system's linker cache and never looks inside the bundle: on a machine without libportaudio2 the frozen app dies with
  "PortAudio library not found". When the bundle carries PortAudio, that lookup returns the bundled file.
- TLS: the cloud clients verify servers against certifi's CA bundle (shipped inside the bundle) unless the machine
  already names one in SSL_CERT_FILE; the Azure Speech SDK and ``ssl.create_default_context`` read that variable.
"""

import os
import sys


def _bundled_portaudio(root):
    candidates = []
    for directory in (root, os.path.join(root, "_sounddevice_data", "portaudio-binaries")):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        candidates += [os.path.join(directory, n) for n in names if n.startswith(("libportaudio", "portaudio"))]
    return candidates[0] if candidates else None


def _use_bundled_portaudio(root):
    library = _bundled_portaudio(root)
    if library is None:
        return
    import ctypes.util

    system_find_library = ctypes.util.find_library

    def find_library(name):
        if name == "portaudio":
            return library
        return system_find_library(name)

    ctypes.util.find_library = find_library


def _use_bundled_certificates(root):
    if os.environ.get("SSL_CERT_FILE"):
        return
    cafile = os.path.join(root, "certifi", "cacert.pem")
    if os.path.isfile(cafile):
        os.environ["SSL_CERT_FILE"] = cafile


_root = getattr(sys, "_MEIPASS", None)
if _root:
    _use_bundled_portaudio(_root)
    _use_bundled_certificates(_root)
