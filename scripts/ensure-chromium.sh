#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (tests/e2e): they drive
# /usr/bin/chromium through Playwright (never `playwright install`, which downloads).
# Does nothing when it is there; otherwise installs the Debian packages with apt-get,
# and fails with a clear message when that is not possible.
set -u
chromium="/usr/bin/chromium"
if [ -x "$chromium" ]; then exit 0; fi

fail() {
  echo "ensure-chromium: $1" >&2
  echo "The browser tests need Debian's Chromium at $chromium:" >&2
  echo "  sudo apt-get update && sudo apt-get install chromium chromium-driver" >&2
  echo "(or leave them out with: pytest -m 'not e2e')." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$chromium is missing and apt-get is not available."
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  fail "$chromium is missing and installing it needs root (sudo without a password)."
fi

echo "ensure-chromium: installing Debian's chromium (for the browser tests)..." >&2
export DEBIAN_FRONTEND=noninteractive
${sudo[@]+"${sudo[@]}"} apt-get update -q || fail "apt-get update failed."
${sudo[@]+"${sudo[@]}"} apt-get install -y -q chromium chromium-driver || fail "apt-get install failed."
[ -x "$chromium" ] || fail "chromium was installed but $chromium is still missing."
echo "ensure-chromium: $("$chromium" --version 2>/dev/null || echo chromium) installed." >&2
