"""pocketsphinx: the en-us acoustic model, dictionary and language model live under pocketsphinx/model."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("pocketsphinx", excludes=["**/CMakeLists.txt"])
