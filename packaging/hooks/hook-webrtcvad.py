"""webrtcvad comes from the `webrtcvad-wheels` distribution, whose metadata gives `webrtcvad.__version__`.

Replaces the contributed hook, which asks for metadata of a `webrtcvad` distribution that is not installed.
"""

from PyInstaller.utils.hooks import copy_metadata

datas = copy_metadata("webrtcvad-wheels")
