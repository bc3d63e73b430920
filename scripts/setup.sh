#!/usr/bin/env bash
# Sets up evidence-kit on a fresh Debian/Ubuntu machine: system tools, a virtual environment, the package.
# Safe to run again: it only installs what is missing. Fails with one clear line when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# System tools: a browser to capture with, exiftool and libmagic to describe files, ffmpeg for the
# screen recording, poppler to check PDF reports, openssl for RFC 3161 timestamps, b3sum for benchmarks,
# and (found on the PATH, see below) npm for the web UI's browser code;
# xvfb for the test of logging a persona in through a visible browser (skipped without it).
PACKAGES=(chromium fonts-liberation fonts-dejavu-core libimage-exiftool-perl libmagic1 ffmpeg poppler-utils openssl b3sum make xvfb)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them; install them by hand"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    die "missing system packages (${missing[*]}); run: sudo apt-get install -y ${missing[*]}"; fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq >/dev/null || die "apt-get update failed (no package mirror reachable?)"
  "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "no $PYTHON found: install Python 3.11 or newer"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "Python 3.11 or newer is needed, found $("$PYTHON" --version 2>&1)"

if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment .venv"
  "$PYTHON" -m venv .venv || die "python -m venv failed (on Debian: apt-get install python3-venv)"
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "installing evidence-kit and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]' >.venv/pip.log 2>&1 \
    || { tail -n 20 .venv/pip.log >&2; die "pip could not install the Python dependencies (log: .venv/pip.log)"; }
  .venv/bin/python -c 'import evidence_kit, chain_of_custody, playwright, magic, exiftool' \
    || die "the Python packages did not install (see pip's messages above)"
  rm -f .venv/.installed-* && touch "$stamp"
fi
# The web UI's browser code (ReplayWeb.page, htmx, axe-core for its tests), pinned by package.json and
# package-lock.json; node_modules is never committed. Only the prebuilt files are served, from this machine.
if [ -f package.json ]; then
  command -v npm >/dev/null || die "npm is missing (the web UI needs it once to install ReplayWeb.page): install Node.js and npm"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing the web UI's browser code with npm"
    npm install --no-audit --no-fund --loglevel=error >/dev/null || die "npm install failed (no npm registry reachable?)"
  fi
fi
.venv/bin/python -m evidence_kit.capture.browser --check >/dev/null 2>&1 || [ ! -f evidence_kit/capture/browser.py ] \
  || die "Chromium does not start: run '.venv/bin/python -m evidence_kit.capture.browser --check' to see why"
say "ready"
