# shellcheck shell=bash
# kubectl, for rendering the kustomizations in deploy/kubernetes (scripts/deploy-checks.sh).
#
# Source this file, then:
#   ensure_kubectl        # sets KUBECTL: the kubectl on PATH, else Debian's kubernetes-client, installed by apt
#   ensure_debian_kubectl # sets DEBIAN_KUBECTL: Debian 12's kubectl (its kustomize is v2.0.3), the one above
#                         # when that is it, else unpacked from the package into .build-tools/ (no install, so
#                         # it cannot collide with another package's /usr/bin/kubectl)
#
# The manifests are written for both the kustomize of a current kubectl and Debian 12's old one; rendering
# with both keeps that true.

KUBECTL=${KUBECTL:-}
DEBIAN_KUBECTL=${DEBIAN_KUBECTL:-}
KUBECTL_TOOLS_DIR=${KUBECTL_TOOLS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.build-tools}

# True when $1 is a kubectl with the kustomize subcommand.
kubectl_has_kustomize() {
    [[ -x $1 ]] && "$1" kustomize --help >/dev/null 2>&1
}

ensure_kubectl() {
    local found
    if found=$(command -v kubectl) && kubectl_has_kustomize "$found"; then
        KUBECTL=$found
        return 0
    fi
    echo "==> installing kubernetes-client (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq kubernetes-client >/dev/null
    if ! KUBECTL=$(command -v kubectl) || ! kubectl_has_kustomize "$KUBECTL"; then
        echo "error: kubernetes-client installed but no kubectl with kustomize found" >&2
        return 1
    fi
}

# The version of kubernetes-client apt would install, e.g. 1.20.5+really1.20.2-1.1+deb12u1.
debian_kubectl_version() {
    apt-cache policy kubernetes-client 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

ensure_debian_kubectl() {
    local version dir download
    # Debian's own package is already the kubectl in use.
    if [[ -n $KUBECTL ]] && dpkg-query -S "$(readlink -f "$KUBECTL")" 2>/dev/null | grep -q '^kubernetes-client:'; then
        DEBIAN_KUBECTL=$KUBECTL
        return 0
    fi
    version=$(debian_kubectl_version)
    if [[ -z $version ]]; then
        apt-get update -qq
        version=$(debian_kubectl_version)
    fi
    [[ -n $version ]] || { echo "error: apt knows no kubernetes-client package" >&2; return 1; }
    dir=$KUBECTL_TOOLS_DIR/kubernetes-client-$version
    if ! kubectl_has_kustomize "$dir/usr/bin/kubectl"; then
        echo "==> unpacking kubernetes-client $version into $dir (apt-get download)"
        download=$(mktemp -d /tmp/archestra-kubectl.XXXXXX)
        (cd "$download" && apt-get download -q -o APT::Sandbox::User=root "kubernetes-client=$version" >/dev/null)
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$download"/kubernetes-client_*.deb "$dir"
        rm -rf "$download"
    fi
    DEBIAN_KUBECTL=$dir/usr/bin/kubectl
    kubectl_has_kustomize "$DEBIAN_KUBECTL"
}
