# shellcheck shell=bash
# The Python virtualenv for the real-client checks (official provider SDKs) and
# the deployment checks (kubernetes-validate, hadolint).
#
# Source this file, then `ensure_sdk_venv REQUIREMENTS_FILE [NAME]`; it sets SDK_PYTHON.
# The venv lives in .venv/ at the repo root (git-ignored) and is reused: pip
# runs again only when the requirements file changed since the last install.
# Several requirement files share the venv, each under its own NAME (default
# `requirements`; the deployment checks use `deploy`), so that installing one
# does not make the other look stale.

SDK_VENV=${SDK_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.venv}
SDK_PYTHON=${SDK_PYTHON:-}

# Debian splits venv support (and ensurepip) into python3-venv; a machine with
# only the Swift toolchain may lack it, or python3 altogether.
ensure_python_venv_support() {
    if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        return 0
    fi
    echo "==> installing python3-venv (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv >/dev/null
}

ensure_sdk_venv() {
    local requirements=$1 name=${2:-requirements} stamp
    # A venv whose interpreter vanished (python upgraded or moved) cannot be
    # repaired in place; start over.
    if [[ -e $SDK_VENV ]] && ! "$SDK_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        echo "==> removing broken virtualenv $SDK_VENV"
        rm -rf "$SDK_VENV"
    fi
    if [[ ! -x $SDK_VENV/bin/python ]]; then
        ensure_python_venv_support
        echo "==> creating virtualenv $SDK_VENV"
        python3 -m venv "$SDK_VENV"
    fi
    stamp=$SDK_VENV/.archestra-$name.txt
    if ! cmp -s "$requirements" "$stamp"; then
        echo "==> installing $(grep -v '^#' "$requirements" | xargs) into $SDK_VENV"
        "$SDK_VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$requirements"
        cp "$requirements" "$stamp"
    fi
    SDK_PYTHON=$SDK_VENV/bin/python
}
