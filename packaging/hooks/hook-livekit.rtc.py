"""livekit.rtc (optional echo cancellation): liblivekit_ffi is loaded through importlib.resources."""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs

datas = collect_data_files("livekit.rtc", excludes=["**/jupyter-html/**"])
binaries = collect_dynamic_libs("livekit.rtc")
hiddenimports = ["livekit.rtc.resources"]
