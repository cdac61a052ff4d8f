#!/usr/bin/env bash
# Pack what the GPU check needs for a Linux x86-64 GPU machine that has no Node and no network:
# .gpu-bundle/bundle.tar.xz (this machine's node binary, the compiled project, the runtime packages pruned to the
# files Node loads, the conformance datasets) and .gpu-bundle/debs/ (Debian's Vulkan loader, libvulkan1).
# Then carry .gpu-bundle to the GPU machine and run scripts/gpu-check.sh there from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.gpu-bundle
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
npm run build >/dev/null
mkdir -p "$OUT/debs" "$STAGE/bin" "$STAGE/app/node_modules" "$STAGE/app/datasets" "$STAGE/app/results"
cp "$(command -v node)" "$STAGE/bin/node"
cp -r dist package.json "$STAGE/app/"
for f in diabetes glass boston credit-g vote soybean; do cp "../shared/datasets/$f.arff" "$STAGE/app/datasets/"; done
# Runtime (non-dev) packages; TensorFlow.js packages keep only their Node bundles and wasm binaries, webgpu only
# its Linux x86-64 Dawn build.
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$PWD/"}
  case "$rel" in
    node_modules/@tensorflow/tfjs-node*|node_modules/better-sqlite3|node_modules/fastify*|node_modules/@fastify/*) continue ;;
    node_modules/@tensorflow/*/node_modules/*)
      mkdir -p "$STAGE/app/$(dirname "$rel")"
      cp -r "$rel" "$STAGE/app/$rel"
      ;;
    node_modules/@tensorflow/*)
      mkdir -p "$STAGE/app/$rel/dist"
      cp "$rel/package.json" "$STAGE/app/$rel/"
      find "$rel/dist" -maxdepth 1 \( -name '*.node.js' -o -name '*.wasm' \) -exec cp {} "$STAGE/app/$rel/dist/" \;
      ;;
    node_modules/webgpu)
      mkdir -p "$STAGE/app/$rel/dist"
      cp "$rel/package.json" "$rel/index.js" "$STAGE/app/$rel/"
      cp -r "$rel/dist/linux-x64" "$STAGE/app/$rel/dist/"
      ;;
    *)
      mkdir -p "$STAGE/app/$(dirname "$rel")"
      cp -r "$rel" "$STAGE/app/$rel"
      ;;
  esac
done
tar -C "$STAGE" -cJf "$OUT/bundle.tar.xz" bin app
(cd "$OUT/debs" && rm -f ./*.deb && apt-get download libvulkan1 >/dev/null)
du -sh "$OUT"/bundle.tar.xz "$OUT"/debs/*.deb
