#!/bin/sh
# Assembles what one service needs at run time from a built workspace, into OUT:
# every workspace's package.json (npm ci checks them against the lockfile),
# the dist/ of every package and of this service, the service's static public/
# files (the results dashboard), and the Lua scripts that packages load from
# their src/ at run time (streams, results-view); then, unless --no-install,
# the service's production dependencies with the workspace's patches/ applied. Run by docker/Dockerfile; the deploy
# tests run it too (--no-install) to check that the tree holds every file the
# service loads.
#   usage: docker/assemble-runtime.sh SERVICE OUT [--no-install]
set -eu

service=${1:?usage: assemble-runtime.sh SERVICE OUT [--no-install]}
out=${2:?usage: assemble-runtime.sh SERVICE OUT [--no-install]}
install=${3:-}
[ -f "services/$service/package.json" ] || { echo "assemble-runtime: no service named $service (services/$service/package.json)" >&2; exit 1; }
[ -f "services/$service/dist/main.js" ] || { echo "assemble-runtime: services/$service/dist/main.js is missing: build first" >&2; exit 1; }

mkdir -p "$out"
cp package.json package-lock.json "$out/"
for dir in packages/* services/*; do
  [ -f "$dir/package.json" ] || continue
  mkdir -p "$out/$dir"
  cp "$dir/package.json" "$out/$dir/"
  case "$dir" in packages/* | "services/$service")
    if [ -d "$dir/dist" ]; then cp -R "$dir/dist" "$out/$dir/"; fi
    ;;
  esac
done
if [ -d "services/$service/public" ]; then cp -R "services/$service/public" "$out/services/$service/"; fi
find packages -path '*/src/*' -name '*.lua' -not -path '*/node_modules/*' | while read -r script; do
  mkdir -p "$out/$(dirname "$script")"
  cp "$script" "$out/$script"
done
find "$out" -name '*.tsbuildinfo' -delete

[ "$install" = --no-install ] && exit 0
root=$(pwd)
cd "$out"
# No dev dependencies and no optional ones (testcontainers, optional for local-stack, stays out).
npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --workspace "services/$service"
npm cache clean --force

# The workspace's postinstall applies patches/ (patch-package, e.g. the kafkajs fix that keeps
# aborted transactions out of read_committed reads); the install above ran no scripts, so apply
# here the patches of the packages this service has, with the workspace's patch-package.
if [ -d "$root/patches" ]; then
  mkdir -p .patches
  for patch in "$root"/patches/*.patch; do
    [ -f "$patch" ] || continue
    package=$(basename "$patch" .patch)
    package=$(printf '%s' "${package%+*}" | tr '+' '/')
    if [ -d "node_modules/$package" ]; then cp "$patch" .patches/; fi
  done
  "$root/node_modules/.bin/patch-package" --patch-dir .patches
  rm -rf .patches
fi
