#!/usr/bin/env bash
# Everything burrow needs to build and test on a fresh Debian 12, as root:
# bun (from npm), gcc for the C (and libc6-dev for the static monitor), and
# what the tests use as fixtures and witnesses (busybox-static rootfs,
# newuidmap for rootless, util-linux's ipcmk/setpriv, procps' pgrep, a
# registry, skopeo, debootstrap). Installs only what is missing.
set -euo pipefail

need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
# the monitor is linked statically: libc.a
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need_apt+=(libc6-dev)
# the rootfs fixture has no libc: busybox must be the static build
ldd /bin/busybox 2>&1 | grep -q "not a dynamic" || need_apt+=(busybox-static)
command -v newuidmap >/dev/null || need_apt+=(uidmap)
command -v pgrep >/dev/null || need_apt+=(procps)
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v npm >/dev/null || need_apt+=(npm)
command -v git >/dev/null || need_apt+=(git)
# image tests: a real registry, skopeo to push to it, python3 to forge unsafe tars,
# debootstrap for a real Debian image
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v python3 >/dev/null || need_apt+=(python3)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v tar >/dev/null || need_apt+=(tar)
# rootless images on kernels that refuse overlayfs in a user namespace (and its tests)
command -v fuse-overlayfs >/dev/null || need_apt+=(fuse-overlayfs)
if [ "${#need_apt[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
command -v bun >/dev/null || npm install -g --silent --allow-scripts=bun bun >/dev/null
