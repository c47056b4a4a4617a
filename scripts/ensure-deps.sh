#!/bin/sh
# Makes a fresh clone runnable, and cheap to call before every `npm start` / `npm test`.
#
#   sh scripts/ensure-deps.sh          npm dependencies only
#   sh scripts/ensure-deps.sh --test   also the Debian packages the test suite runs for real
#
# The suite starts a real redis-server and real SIPp peers (docs/ARCHITECTURE.md, "Real Redis
# in tests", "Real SIP where SIP is involved"), so those are system packages, not npm ones.
# When everything is present this script runs no npm and no apt-get at all.
set -eu

# Debian packages the test suite needs, as `binary:package` pairs: the binary is looked up on
# PATH (or, when it starts with /, the file must exist), the package is what apt-get installs
# when it is missing. Add new needs here, e.g. `chromium:chromium` (browser tests) or
# `promtool:prometheus` (rule checks). The CJK font lets Chromium draw the pages' Chinese in
# the screenshots the page tests save (without it every character is a box).
TEST_PACKAGES='redis-server:redis-server sipp:sip-tester openssl:openssl chromium:chromium promtool:prometheus amtool:prometheus-alertmanager /usr/share/fonts/truetype/wqy/wqy-microhei.ttc:fonts-wqy-microhei espeak-ng:espeak-ng sox:sox'

USAGE='usage: sh scripts/ensure-deps.sh [--test]
  (no option)  install the npm dependencies when node_modules is missing or stale
  --test       also the Debian packages the test suite runs (as root or with sudo -n)'

usage() {
  echo "$USAGE" >&2
  exit 2
}

want_test=no
for arg in "$@"; do
  case $arg in
    --test) want_test=yes ;;
    -h|--help) echo "$USAGE"; exit 0 ;;
    *) echo "ensure-deps: unknown argument: $arg" >&2; usage ;;
  esac
done

cd "$(dirname "$0")/.."

# --- npm dependencies -------------------------------------------------------------------
# npm writes node_modules/.package-lock.json at the end of every install; a package-lock.json
# newer than it (a pull, a branch switch, an edit) means the tree may no longer match.
npm_marker=node_modules/.package-lock.json
[ -e "$npm_marker" ] || npm_marker=node_modules
if [ ! -d node_modules ] || [ -n "$(find package-lock.json -newer "$npm_marker" 2>/dev/null)" ]; then
  echo "ensure-deps: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  # npm ci does not rewrite package-lock.json; make the marker newer so the next run is a no-op.
  touch "$npm_marker"
fi

[ "$want_test" = yes ] || exit 0

# --- system packages for the test suite -------------------------------------------------
missing_packages() {
  missing=''
  for pair in $TEST_PACKAGES; do
    bin=${pair%%:*}
    pkg=${pair#*:}
    case $bin in
      /*) [ -e "$bin" ] || missing="$missing $pkg" ;;
      *) command -v "$bin" >/dev/null 2>&1 || missing="$missing $pkg" ;;
    esac
  done
  echo "${missing# }"
}

# The real switches of ../shared/switches (the real-switch tests, test/real/), when that folder
# is beside the project: its install.sh is idempotent but only run when one is not installed.
SWITCHES=../shared/switches
switches_missing() {
  [ -f "$SWITCHES/install.sh" ] || return 1
  for name in freeswitch asterisk; do
    [ -f "/opt/hotline-switches/$name/.version" ] || return 0
  done
  return 1
}

missing=$(missing_packages)
if [ -z "$missing" ] && ! switches_missing; then exit 0; fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=''
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root='sudo -n'
else
  if [ -z "$missing" ]; then
    echo "ensure-deps: the real switches of $SWITCHES are not installed; as root: sh $SWITCHES/install.sh (until then test/real/ is skipped)" >&2
    exit 0
  fi
  {
    echo "ensure-deps: the test suite needs these Debian packages, which are not installed:"
    echo "    $missing"
    echo "Install them as root, then run the tests again:"
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing"
  } >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-deps: missing packages ($missing) and no apt-get here; install the equivalents of these Debian packages by hand." >&2
  exit 1
fi

install_switches() {
  switches_missing || return 0
  echo "ensure-deps: installing the real switches of $SWITCHES (for test/real/)" >&2
  # shellcheck disable=SC2086
  $as_root sh "$SWITCHES/install.sh"
}

# Another apt (unattended upgrades, a second job) may hold the dpkg or lists lock: wait for
# it, LOCK_WAIT_S in all, rather than fail. apt-get waits by itself for DPkg::Lock::Timeout
# seconds (and says so); a lock it still reports busy is retried until the deadline.
LOCK_WAIT_S=${ENSURE_DEPS_LOCK_WAIT_S:-600}
lock_deadline=$(($(date +%s) + LOCK_WAIT_S))
apt_get() {
  while :; do
    left=$((lock_deadline - $(date +%s)))
    [ "$left" -gt 0 ] || left=1
    err_file=$(mktemp)
    # shellcheck disable=SC2086
    if $as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$left" "$@" 2>"$err_file"; then
      cat "$err_file" >&2
      rm -f "$err_file"
      return 0
    fi
    cat "$err_file" >&2
    if grep -qi 'could not get lock\|unable to acquire\|unable to lock' "$err_file" && [ "$(date +%s)" -lt "$lock_deadline" ]; then
      rm -f "$err_file"
      echo "ensure-deps: another apt holds the package lock; waiting (at most $((lock_deadline - $(date +%s))) s more)" >&2
      sleep 2
      continue
    fi
    rm -f "$err_file"
    return 1
  done
}

echo "ensure-deps: installing Debian packages: $missing (waiting up to $LOCK_WAIT_S s if another apt holds the package lock)" >&2
apt_get update -q
# $missing is a word list on purpose.
# shellcheck disable=SC2086
apt_get install -y -q --no-install-recommends $missing

still=$(missing_packages)
if [ -n "$still" ]; then
  echo "ensure-deps: apt-get finished but these packages' programs or files are still missing: $still" >&2
  exit 1
fi
install_switches
