"""Azure Speech SDK: the core and extension libraries are loaded with ctypes from the package directory."""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("azure.cognitiveservices.speech")
