# shellcheck shell=bash
# Debian's Chromium for the browser checks (scripts/ui-checks). Playwright drives
# this browser (executable_path); it never downloads one of its own, so a
# machine with only Swift gets it from Debian's packages here.
#
# Source this file, then `ensure_chromium`; it sets CHROMIUM_BIN.

CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}

chromium_works() {
    [[ -x $CHROMIUM_BIN ]] && "$CHROMIUM_BIN" --version >/dev/null 2>&1
}

# Installs chromium (and the fonts pages are drawn with) unless it is already
# there, so a fresh machine needs no manual setup and a re-run costs nothing.
ensure_chromium() {
    chromium_works && return 0
    echo "==> installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core >/dev/null
    chromium_works || {
        echo "error: chromium installed but $CHROMIUM_BIN --version fails" >&2
        return 1
    }
}
