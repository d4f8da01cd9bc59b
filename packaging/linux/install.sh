#!/usr/bin/env bash
# Installs Aisle for the current user from this unpacked tarball; no root needed, no Python needed.
#
#   ./install.sh              the program in ~/.local/opt/aisle, `aisle` in ~/.local/bin, a menu entry and icon,
#                             and a systemd user service `aisle.service` (installed, not started)
#   ./install.sh --kiosk      the same, and the fullscreen kiosk starts at login (XDG autostart starts the service;
#                             systemd restarts it if it exits abnormally)
#   ./install.sh --headless   the same, but the service runs `aisle --headless` (HTTP endpoint, no window) and is
#                             enabled now; `loginctl enable-linger $USER` makes it start at boot without a login
#   ./install.sh --uninstall  removes all of the above; settings, history, logs and catalog are kept
#   --prefix DIR              install the program somewhere else
#
# Upgrading is installing again: the program is replaced, the user data directory (~/.local/share/aisle) is never
# touched, and a store's imported catalog stays as it is.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${HOME}/.local/opt/aisle"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
config_home="${XDG_CONFIG_HOME:-$HOME/.config}"
bin_dir="${HOME}/.local/bin"
mode=install
service_mode=none

while [ $# -gt 0 ]; do
  case "$1" in
    --kiosk) service_mode=kiosk ;;
    --headless) service_mode=headless ;;
    --uninstall) mode=uninstall ;;
    --prefix) shift; prefix="${1:?--prefix needs a directory}" ;;
    --prefix=*) prefix="${1#--prefix=}" ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

unit_dir="$config_home/systemd/user"
autostart="$config_home/autostart/aisle-kiosk.desktop"
desktop="$data_home/applications/aisle.desktop"
icon_svg="$data_home/icons/hicolor/scalable/apps/aisle.svg"
icon_png="$data_home/icons/hicolor/256x256/apps/aisle.png"

have_user_systemd() { command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment >/dev/null 2>&1; }
say() { echo "aisle install: $*"; }

if [ "$mode" = uninstall ]; then
  if have_user_systemd; then
    systemctl --user disable --now aisle.service >/dev/null 2>&1 || true
  fi
  rm -f "$unit_dir/aisle.service" "$autostart" "$desktop" "$icon_svg" "$icon_png"
  [ -L "$bin_dir/aisle" ] && rm -f "$bin_dir/aisle"
  rm -rf "$prefix"
  have_user_systemd && systemctl --user daemon-reload || true
  say "removed. Your data is still in $data_home/aisle (delete it yourself if you want it gone)."
  exit 0
fi

[ -x "$here/aisle/aisle" ] || { echo "install.sh: run me from the unpacked tarball (no aisle/aisle next to me)" >&2; exit 1; }

# 1. the program: copied next to the old one, then swapped in, so a failed copy leaves the old install working
mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix.new"
cp -a "$here/aisle" "$prefix.new"
cp "$here/INSTALL.txt" "$prefix.new/INSTALL.txt"
if [ -e "$prefix" ]; then rm -rf "$prefix.old"; mv "$prefix" "$prefix.old"; fi
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"
aisle_bin="$prefix/aisle"

mkdir -p "$bin_dir"
ln -sfn "$aisle_bin" "$bin_dir/aisle"

# 2. menu entry and icon
fill() {  # fill TEMPLATE TARGET: substitute the @...@ placeholders
  mkdir -p "$(dirname "$2")"
  sed -e "s|@AISLE_BIN@|$aisle_bin|g" -e "s|@PREFIX@|$prefix|g" -e "s|@AISLE_ARGS@|$service_args|g" \
      -e "s|@WANTED_BY@|$wanted_by|g" -e "s|@AFTER@|$after|g" "$1" > "$2"
}
case "$service_mode" in
  headless) service_args="--headless"; wanted_by="default.target"; after="basic.target" ;;
  *) service_args="--kiosk"; wanted_by="graphical-session.target"; after="graphical-session.target" ;;
esac
mkdir -p "$(dirname "$icon_svg")" "$(dirname "$icon_png")"
cp "$here/share/aisle.svg" "$icon_svg"
cp "$here/share/aisle.png" "$icon_png"
fill "$here/share/aisle.desktop.in" "$desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true

# 3. the service, and how it starts
fill "$here/share/aisle.service.in" "$unit_dir/aisle.service"
rm -f "$autostart"
if [ "$service_mode" = kiosk ]; then
  fill "$here/share/aisle-autostart.desktop.in" "$autostart"
fi
if have_user_systemd; then
  systemctl --user daemon-reload
  if [ "$service_mode" = headless ]; then
    systemctl --user enable --now aisle.service
  elif [ "$service_mode" = kiosk ]; then
    systemctl --user disable aisle.service >/dev/null 2>&1 || true  # started by the autostart entry instead
  fi
elif [ "$service_mode" != none ]; then
  say "no systemd user session here: the service is installed but not started (it starts at your next login)"
fi

say "installed $("$aisle_bin" --bundle-selftest version 2>/dev/null || echo Aisle) in $prefix"
say "run it: $bin_dir/aisle   (or from the applications menu)"
case "$service_mode" in
  kiosk) say "the kiosk starts at login; now: systemctl --user start aisle.service" ;;
  headless) say "headless service: systemctl --user status aisle.service; for boot without login: loginctl enable-linger $USER" ;;
  *) say "to start the kiosk at login: $here/install.sh --kiosk" ;;
esac
case ":$PATH:" in *":$bin_dir:"*) ;; *) say "note: $bin_dir is not on your PATH" ;; esac
