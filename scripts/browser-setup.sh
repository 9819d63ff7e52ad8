#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests (crates/ansinh-web/tests/browser.rs)
# when the machine lacks them (idempotent). Needs root (CI) or sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "browser-setup: installing chromium and chromium-driver" >&2
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
sudo_ apt-get update -qq >&2
sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
