"""Azure Speech SDK: its libraries are loaded with ctypes from the package directory, so they are collected here.

Collected: the core and the platform layer (both OpenSSL variants; the SDK picks one at run time) and the system
audio extension. Left out: the codec extension (compressed audio input through GStreamer, which would pull in
GStreamer and its dependencies) and keyword spotting (with its own ONNX runtime): Aisle feeds the SDK raw PCM from a
push stream and uses no keyword model.
"""

from PyInstaller.utils.hooks import collect_dynamic_libs

UNUSED = ("extension.codec", "extension.kws")

binaries = [entry for entry in collect_dynamic_libs("azure.cognitiveservices.speech")
            if not any(part in entry[0] for part in UNUSED)]
