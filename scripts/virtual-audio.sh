#!/usr/bin/env bash
# A virtual sound card in userspace for tests and demos on machines without one (works as root and as a user).
#
#   scripts/virtual-audio.sh start    start PulseAudio with a null sink "vsink" (48 kHz) and a source "vmic" that
#                                     hears everything played into vsink; idempotent
#   scripts/virtual-audio.sh stop     stop exactly the processes that start started (by PID)
#   scripts/virtual-audio.sh status   exit 0 when running, 1 when not
#   scripts/virtual-audio.sh env      print the environment a program needs to use the device (eval it)
#   scripts/virtual-audio.sh unplug   make vmic vanish: streams recording from it die, device queries stop listing it
#   scripts/virtual-audio.sh replug   bring vmic back
#
# Programs find the device through the environment that `env` prints (also written to $STATE/env):
#   PULSE_SERVER       the daemon's socket (nothing is written to $HOME)
#   ALSA_CONFIG_PATH   ALSA's own config plus $STATE/asound.conf, which defines ALSA devices "vmic" and "vsink"
#                      (type pulse): PortAudio/sounddevice list them by name, and "vmic" disappears while unplugged.
# State lives in ${AISLE_AUDIO_STATE:-/tmp/aisle-virtual-audio}; several state dirs give independent devices.
set -euo pipefail

STATE="${AISLE_AUDIO_STATE:-/tmp/aisle-virtual-audio}"
RUNTIME="$STATE/pulse"
RATE=48000
ALSA_BASE="${AISLE_ALSA_BASE_CONFIG:-/usr/share/alsa/alsa.conf}"

export PULSE_RUNTIME_PATH="$RUNTIME"
export PULSE_STATE_PATH="$STATE/pulse-state"
export PULSE_SERVER="unix:$RUNTIME/native"
export PULSE_COOKIE="$STATE/cookie"
export PULSE_CLIENTCONFIG="$STATE/client.conf"
unset PULSE_SINK PULSE_SOURCE

die() { echo "virtual-audio: $*" >&2; exit 1; }
note() { echo "virtual-audio: $*" >&2; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (Debian: pulseaudio pulseaudio-utils)"; }

# pid_alive PIDFILE NAME: the PID in PIDFILE is running and is a NAME process (guards against PID reuse)
pid_alive() {
  local file="$1" name="$2" pid comm
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [ "$comm" = "$name" ] && running "$pid"
}

# running PID: the process exists and is not a zombie (an exited child nobody has reaped yet)
running() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# kill_pidfile PIDFILE NAME: stop that one process (TERM, then KILL after 3 s) and remove the file
kill_pidfile() {
  local file="$1" name="$2" pid i
  if pid_alive "$file" "$name"; then
    pid="$(cat "$file")"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 30); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      note "$name ($pid) did not stop; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

write_alsa_conf() {  # $1 = yes|no: whether vmic is plugged in
  {
    echo "# Written by scripts/virtual-audio.sh: ALSA devices on the virtual PulseAudio daemon."
    if [ "$1" = yes ]; then
      echo 'pcm.vmic { type pulse; device "vmic"; hint { show on; description "Aisle virtual microphone" } }'
    fi
    echo 'pcm.vsink { type pulse; device "vsink"; hint { show on; description "Aisle virtual speaker" } }'
  } >"$STATE/asound.conf.tmp"
  mv -f "$STATE/asound.conf.tmp" "$STATE/asound.conf"
}

write_env() {
  {
    echo "export PULSE_SERVER='$PULSE_SERVER'"
    echo "export PULSE_RUNTIME_PATH='$PULSE_RUNTIME_PATH'"
    echo "export PULSE_COOKIE='$PULSE_COOKIE'"
    echo "export PULSE_CLIENTCONFIG='$PULSE_CLIENTCONFIG'"
    echo "export ALSA_CONFIG_PATH='$ALSA_BASE:$STATE/asound.conf'"
    echo "export AISLE_AUDIO_STATE='$STATE'"
  } >"$STATE/env"
}

pa_up() { pactl info >/dev/null 2>&1; }

module_index() {  # module_index NAME ARG-SUBSTRING
  pactl list short modules 2>/dev/null | awk -F'\t' -v n="$1" -v a="$2" '$2 == n && index($3, a) { print $1; exit }'
}

have_source() { pactl list short sources 2>/dev/null | awk -F'\t' -v s="$1" '$2 == s { f=1 } END { exit !f }'; }
have_sink() { pactl list short sinks 2>/dev/null | awk -F'\t' -v s="$1" '$2 == s { f=1 } END { exit !f }'; }

load_vmic() {
  if ! have_source vmic; then
    pactl load-module module-remap-source master=vsink.monitor source_name=vmic \
      source_properties=device.description=Aisle-virtual-microphone >"$STATE/vmic.module"
  fi
  pactl set-default-source vmic
  write_alsa_conf yes
  rm -f "$STATE/unplugged"
}

start_keepalive() {
  # Without a stream playing into vsink, capture starts 1-2 s late; this keeps the sink running (it plays zeros).
  if pid_alive "$STATE/pacat.pid" pacat; then return; fi
  setsid pacat -p --device=vsink --format=s16le --rate=$RATE --channels=2 --latency-msec=10 \
    --client-name=aisle-keepalive /dev/zero </dev/null >>"$STATE/pacat.log" 2>&1 9>&- &
  echo $! >"$STATE/pacat.pid"
}

cmd_start() {
  need pulseaudio
  need pactl
  need pacat
  mkdir -p "$STATE" "$RUNTIME" "$PULSE_STATE_PATH"
  chmod 700 "$RUNTIME"
  exec 9>"$STATE/lock"
  flock -w 30 9 || die "another start/stop holds $STATE/lock"
  printf 'autospawn = no\n' >"$PULSE_CLIENTCONFIG"
  if ! pid_alive "$STATE/pulseaudio.pid" pulseaudio || ! pa_up; then
    kill_pidfile "$STATE/pacat.pid" pacat
    kill_pidfile "$STATE/pulseaudio.pid" pulseaudio
    rm -f "$RUNTIME/pid" "$RUNTIME/native" "$STATE/unplugged"
    printf 'exit-idle-time = -1\nflat-volumes = no\ndefault-sample-rate = %s\nrealtime-scheduling = no\n' "$RATE" \
      >"$STATE/daemon.conf"
    # -n: no default.pa (no hardware probing, no D-Bus, no X11); --system=false is the default but said explicitly
    # because pulseaudio refuses or changes behaviour as root otherwise. --disallow-exit: clients cannot stop it.
    PULSE_CONFIG="$STATE/daemon.conf" pulseaudio --daemonize=yes --system=false -n --exit-idle-time=-1 \
      --disallow-exit --disallow-module-loading=no --use-pid-file=yes --high-priority=no --realtime=no \
      --log-target="file:$STATE/pulseaudio.log" \
      --load="module-native-protocol-unix auth-anonymous=1 socket=$RUNTIME/native" \
      --load="module-cli-protocol-unix socket=$RUNTIME/cli" 9>&- \
      || die "pulseaudio did not start; see $STATE/pulseaudio.log"
    local i
    for i in $(seq 50); do pa_up && break; sleep 0.1; done
    pa_up || die "pulseaudio started but does not answer; see $STATE/pulseaudio.log"
    [ -s "$RUNTIME/pid" ] || die "pulseaudio wrote no pid file"
    cp "$RUNTIME/pid" "$STATE/pulseaudio.pid"
  fi
  if ! have_sink vsink; then
    pactl load-module module-null-sink sink_name=vsink rate=$RATE \
      sink_properties=device.description=Aisle-virtual-speaker >/dev/null
  fi
  pactl set-default-sink vsink
  if [ -f "$STATE/unplugged" ]; then
    write_alsa_conf no
  else
    load_vmic
  fi
  start_keepalive
  write_env
  note "running (pulseaudio $(cat "$STATE/pulseaudio.pid"), keep-alive $(cat "$STATE/pacat.pid")); env: $STATE/env"
}

cmd_stop() {
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"
  flock -w 30 9 || die "another start/stop holds $STATE/lock"
  kill_pidfile "$STATE/pacat.pid" pacat
  kill_pidfile "$STATE/pulseaudio.pid" pulseaudio
  rm -f "$RUNTIME/pid" "$RUNTIME/native" "$RUNTIME/cli" "$STATE/unplugged" "$STATE/vmic.module"
  note "stopped"
}

cmd_status() {
  if pid_alive "$STATE/pulseaudio.pid" pulseaudio && pa_up; then
    echo "pulseaudio: running (pid $(cat "$STATE/pulseaudio.pid"))"
    if pid_alive "$STATE/pacat.pid" pacat; then
      echo "keep-alive: running (pid $(cat "$STATE/pacat.pid"))"
    else
      echo "keep-alive: not running"
    fi
    echo "sinks:";   pactl list short sinks | sed 's/^/  /'
    echo "sources:"; pactl list short sources | sed 's/^/  /'
    [ -f "$STATE/unplugged" ] && echo "vmic: unplugged"
    return 0
  fi
  echo "not running (state: $STATE)"
  return 1
}

cmd_unplug() {
  pa_up || die "not running"
  exec 9>"$STATE/lock"
  flock -w 30 9 || die "another command holds $STATE/lock"
  write_alsa_conf no
  touch "$STATE/unplugged"
  local src outputs idx
  src="$(pactl list short sources | awk -F'\t' '$2 == "vmic" { print $1; exit }')"
  if [ -n "$src" ]; then
    # PulseAudio would move recording streams to another source; a real unplug ends them. Kill them first.
    outputs="$(pactl list short source-outputs | awk -F'\t' -v s="$src" '$2 == s { print $1 }')"
    for idx in $outputs; do
      pacmd kill-source-output "$idx" >/dev/null 2>&1 || true
    done
    idx="$(module_index module-remap-source source_name=vmic)"
    [ -n "$idx" ] && pactl unload-module "$idx"
  fi
  rm -f "$STATE/vmic.module"
  note "vmic unplugged"
}

cmd_replug() {
  pa_up || die "not running"
  exec 9>"$STATE/lock"
  flock -w 30 9 || die "another command holds $STATE/lock"
  load_vmic
  note "vmic plugged in"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) [ -f "$STATE/env" ] || die "not started (no $STATE/env)"; cat "$STATE/env" ;;
  unplug) cmd_unplug ;;
  replug) cmd_replug ;;
  *) echo "usage: $0 start|stop|status|env|unplug|replug" >&2; exit 2 ;;
esac
