#!/usr/bin/env bash
# Installs Debian packages the project needs when they are missing: by default Chromium (browser
# suites) and ffmpeg (test stream); name packages to install only those (`ensure-system-deps.sh ffmpeg`).
# Needs root (CI and the dev machines run as root).
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(chromium ffmpeg)
missing=()
for package in "${wanted[@]}"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
