#!/usr/bin/env bash
# Builds the bridge image with podman from the repository's Dockerfile and prints its name. The base
# is BASE_IMAGE when set (a registry's node:24-slim, as production builds it), otherwise the local
# stand-in from scripts/container-base.sh, so the two images differ only in that base layer.
#
#   scripts/container-build.sh                                            # offline, local base
#   BASE_IMAGE=docker.io/library/node:24-slim scripts/container-build.sh  # with a registry
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${QW_IMAGE:-localhost/queue-worker-bridge:local}"
# What podman needs on machines like CI's (test/container/podman.ts passes the same to `run`): runc,
# because crun refuses a cgroup v1 host whose cgroup2 hierarchy holds a controller ("hybrid mode"),
# and limits at or below the caller's, because podman asks for 1048576 open files by default and
# the sandbox may not raise limits (no CAP_SYS_RESOURCE).
PODMAN_RUN_FLAGS=(--runtime runc --ulimit nofile=8192:8192 --ulimit nproc=4096:4096)

base="${BASE_IMAGE:-$(scripts/container-base.sh)}"
# The registry as the host's Node reaches it: its extra CAs, mounted for `npm ci` only.
ca_flags=()
if [[ -f "${NODE_EXTRA_CA_CERTS:-}" ]]; then
  ca_flags=(--volume "${NODE_EXTRA_CA_CERTS}:/run/extra-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/extra-ca.crt)
fi

printf 'container-build: %s on %s\n' "${IMAGE}" "${base}" >&2
# --format docker: the OCI image format has no HEALTHCHECK (buildah drops it with a warning).
# --network host: `npm ci` reaches the registry without podman's bridge network, which sandboxes
# and CI machines may lack.
podman build "${PODMAN_RUN_FLAGS[@]}" --quiet --format docker --network host "${ca_flags[@]}" --build-arg "BASE_IMAGE=${base}" --tag "${IMAGE}" . >/dev/null
echo "${IMAGE}"
