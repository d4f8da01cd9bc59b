#!/usr/bin/env bash
# Builds Aisle for Linux: `bash packaging/build.sh`. Sets up what it needs (scripts/setup.sh: system packages and
# .venv), then produces
#   dist/aisle/                          the one-folder bundle; its program is dist/aisle/aisle
#   dist/aisle-linux-<arch>.tar.gz       the bundle plus install.sh, a .desktop entry, the icon, a systemd user
#                                        service and XDG autostart entry, and INSTALL.txt
#   dist/aisle-build.json                build time, size, biggest parts, and the digest of the inputs (see
#                                        packaging/build_info.py: it tells whether dist/aisle is still fresh)
# and prints the build time, the size and the biggest parts.
#
# Options: --if-stale     do nothing when dist/aisle was built from exactly the current sources and packages
#          --no-setup     skip scripts/setup.sh (the .venv must exist)
#          --no-tarball   only the bundle
# One build runs at a time (a lock in build/); PyInstaller's log is build/pyinstaller.log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

setup=1; tarball=1; if_stale=0
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    --no-tarball) tarball=0 ;;
    --if-stale) if_stale=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

elapsed() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

[ "$setup" = 1 ] && bash scripts/setup.sh
py=.venv/bin/python
mkdir -p build dist
exec 9>build/.aisle-build.lock
flock 9

if [ "$if_stale" = 1 ] && $py packaging/build_info.py check; then
  echo "aisle build: dist/aisle is up to date (built from the current sources and packages)"
  exit 0
fi

digest="$($py packaging/build_info.py digest)"  # before the build: a file edited during the build makes it stale
rm -f dist/aisle-build.json
echo "aisle build: PyInstaller (log: build/pyinstaller.log)"
start=$(date +%s%N)
if ! QT_QPA_PLATFORM=offscreen $py -m PyInstaller --noconfirm --log-level WARN --distpath dist \
    --workpath build/pyinstaller packaging/aisle.spec >build/pyinstaller.log 2>&1; then
  tail -n 40 build/pyinstaller.log >&2
  echo "aisle build: PyInstaller failed; the whole log is build/pyinstaller.log" >&2
  exit 1
fi
pyi_s=$(elapsed "$start")

tar_args=()
if [ "$tarball" = 1 ]; then
  echo "aisle build: tarball"
  start=$(date +%s%N)
  name="aisle-linux-$(uname -m)"
  stage="build/tarball/$name"
  rm -rf build/tarball
  mkdir -p "$stage/share"
  cp -al dist/aisle "$stage/aisle"  # hard links: no second copy of the bundle on disk
  cp packaging/linux/install.sh packaging/linux/INSTALL.txt "$stage/"
  cp packaging/linux/*.in packaging/icons/aisle.svg packaging/icons/aisle.png "$stage/share/"
  chmod 755 "$stage/install.sh"
  compress="gzip -6"
  command -v pigz >/dev/null 2>&1 && compress="pigz -6"
  tar --sort=name --owner=0 --group=0 --numeric-owner -C build/tarball -I "$compress" -cf "dist/$name.tar.gz" "$name"
  rm -rf build/tarball
  tar_s=$(elapsed "$start")
  tar_args=(--tarball-seconds "$tar_s" --tarball "dist/$name.tar.gz")
fi

$py packaging/build_info.py write --digest "$digest" --pyinstaller-seconds "$pyi_s" "${tar_args[@]}"
