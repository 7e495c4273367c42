#!/usr/bin/env bash
# Installs the Debian packages in scripts/debian-packages.txt that are not installed yet.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(grep -v -E '^\s*(#|$)' "$here/debian-packages.txt")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch runs its own OpenMP thread pool. OpenBLAS built for pthreads starts a second pool
# beside it, and on few cores the two fight: W1 steps run twice as slow. Prefer the OpenMP build.
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  name="$lib-$(uname -m)-linux-gnu"
  want=$(update-alternatives --list "$name" 2>/dev/null | grep openblas-openmp || true)
  have=$(readlink "/etc/alternatives/$name" 2>/dev/null || true)
  if [ -n "$want" ] && [ "$have" != "$want" ]; then
    echo "setup: selecting $want for $lib"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo update-alternatives --set "$name" "$want" >/dev/null
  fi
done
