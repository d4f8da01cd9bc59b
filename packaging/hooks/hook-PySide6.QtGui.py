"""PySide6.QtGui: PyInstaller's own hook, minus the Qt plugins a kiosk never loads.

Replaces the stock hook so that the dropped plugins' dependencies are never analysed either: the GTK3 platform theme
alone pulls GTK, GDK, cairo and pango (~20 MB) into the bundle. Kept platforms: xcb (the kiosk screen), wayland,
offscreen (headless, screenshots, tests), minimal; dropped: eglfs, linuxfb, minimalegl, vkkhrdisplay, vnc.
Image formats kept: SVG, PNG (built in), JPEG, GIF, ICO.
"""

import re

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

UNUSED_PLUGINS = re.compile(
    r"[\\/]plugins[\\/]("
    r"egldeviceintegrations[\\/]"
    r"|platforms[\\/][^\\/]*q(eglfs|linuxfb|minimalegl|vkkhrdisplay|vnc)\."
    r"|platformthemes[\\/][^\\/]*qgtk3"
    r"|imageformats[\\/][^\\/]*q(tiff|webp|wbmp|tga|icns)\."
    r")"
)

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [entry for entry in binaries if not UNUSED_PLUGINS.search(entry[0])]
