#!/usr/bin/env bash
# Builds the local stand-in for node:24-slim when no registry can be pulled from: a minimal Debian
# (debootstrap --variant=minbase) plus the Node 24 binary from the npm registry's node@24 package and
# npm, with the official image's `node` user (uid/gid 1000) and /usr/local layout, imported into
# podman as one layer. Prints the image name. The Debian tarball is cached per suite and the image
# tag names the Node version, so a warm run only checks that the image exists.
#
#   scripts/container-base.sh            # → localhost/queue-worker-base:node<version>-<suite>
#   QW_DEBIAN_SUITE=trixie scripts/container-base.sh
set -euo pipefail

SUITE="${QW_DEBIAN_SUITE:-bookworm}"
MIRROR="${QW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The npm that Node 24.21.0 bundles (its CHANGELOG: "upgrade npm to 11.19.0").
NPM_VERSION="${QW_NPM_VERSION:-11.19.0}"
CACHE_DIR="${QW_CONTAINER_CACHE:-${HOME:-/tmp}/.cache/queue-worker/container}"
ROOTFS_TAR="${CACHE_DIR}/debian-${SUITE}-minbase.tar.gz"
NPM_TGZ="${CACHE_DIR}/npm-${NPM_VERSION}.tgz"
NODE_UID=1000

log() { printf 'container-base: %s\n' "$*" >&2; }

node_bin="$(readlink -f "$(node -p process.execPath)")"
node_version="$("${node_bin}" -p 'process.versions.node')"
[[ "${node_version}" == 24.* ]] || { log "node on PATH is ${node_version}; put Node 24 first on PATH (.ci/run provisions it)"; exit 1; }
image="localhost/queue-worker-base:node${node_version}-${SUITE}"

if podman image exists "${image}"; then
  echo "${image}"
  exit 0
fi

mkdir -p "${CACHE_DIR}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

if [[ ! -s "${ROOTFS_TAR}" ]]; then
  log "debootstrap ${SUITE} from ${MIRROR} (once; cached as ${ROOTFS_TAR})"
  debootstrap --variant=minbase "${SUITE}" "${work}/debian" "${MIRROR}" >"${work}/debootstrap.log" 2>&1 \
    || { tail -n 20 "${work}/debootstrap.log" >&2; exit 1; }
  # What the slim images also leave out: package lists, caches, documentation.
  rm -rf "${work}/debian"/var/lib/apt/lists/* "${work}/debian"/var/cache/apt/* "${work}/debian"/var/log/* \
    "${work}/debian"/usr/share/doc/* "${work}/debian"/usr/share/man/* "${work}/debian"/usr/share/info/*
  # Device nodes and kernel filesystems are the container runtime's to provide.
  tar --numeric-owner -C "${work}/debian" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -czf "${ROOTFS_TAR}.partial" .
  mv "${ROOTFS_TAR}.partial" "${ROOTFS_TAR}"
  rm -rf "${work}/debian"
fi

if [[ ! -s "${NPM_TGZ}" ]]; then
  log "npm ${NPM_VERSION} from the npm registry"
  (cd "${work}" && npm pack --silent "npm@${NPM_VERSION}" >/dev/null)
  mv "${work}/npm-${NPM_VERSION}.tgz" "${NPM_TGZ}"
fi

log "assembling ${image}"
root="${work}/root"
mkdir -p "${root}"
tar --numeric-owner -C "${root}" -xzf "${ROOTFS_TAR}"
install -m 0755 "${node_bin}" "${root}/usr/local/bin/node"
mkdir -p "${root}/usr/local/lib/node_modules/npm"
tar -C "${root}/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "${NPM_TGZ}"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "${root}/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "${root}/usr/local/bin/npx"
chroot "${root}" groupadd --gid "${NODE_UID}" node
chroot "${root}" useradd --uid "${NODE_UID}" --gid node --shell /bin/bash --create-home node

tar --numeric-owner -C "${root}" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "debootstrap ${SUITE} minbase + node ${node_version} + npm ${NPM_VERSION}" \
  - "${image}" >/dev/null
echo "${image}"
