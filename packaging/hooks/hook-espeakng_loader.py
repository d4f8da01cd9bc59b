"""espeakng_loader: libespeak-ng and espeak-ng-data are found next to the module file (ctypes, no import).

Only the library file `get_library_path()` names is collected (the wheel carries three identical copies).
"""

import espeakng_loader
from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("espeakng_loader")
binaries = [(espeakng_loader.get_library_path(), "espeakng_loader")]
