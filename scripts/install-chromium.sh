#!/usr/bin/env bash
# Installs Debian's chromium (headless report tests, screenshots, PDF via kaleido) when missing.
# Idempotent and quiet: does nothing when /usr/bin/chromium exists; prints apt's log only on failure.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# fonts-dejavu-core: a font with æ ø å and ✓ ✗ for the report's screenshots and PDF.
if ! { $SUDO apt-get update -qq \
        && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } \
        >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-chromium: apt-get kunne ikke installere chromium" >&2
    exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
    echo "install-chromium: /usr/bin/chromium mangler efter installation" >&2
    exit 1
fi
