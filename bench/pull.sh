#!/usr/bin/env bash
# Pull and unpack a ~200 MiB, 5-layer image from a registry on 127.0.0.1,
# next to skopeo copy + umoci unpack; and a warm `run IMAGE true` next to
# `run --rootfs R true`.   bench/pull.sh [--quick]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=5; [ "${1:-}" = --quick ] && runs=2
install_peers; need skopeo skopeo; need umoci umoci; need docker-registry docker-registry

work=$(mktemp -d /tmp/burrow-bench.XXXXXX)
port=$((30000 + RANDOM % 10000))
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
(cd "$REPO" && bun bench/make-image.ts "$work/layout" big) >&2
skopeo copy --dest-tls-verify=false "oci:$work/layout:big" "docker://127.0.0.1:$port/bench/big:latest" >/dev/null
ref=127.0.0.1:$port/bench/big:latest

hyperfine --runs "$runs" --export-json "$work/pull.json" \
  --prepare "rm -rf $work/b $work/oci $work/bundle" \
  -n "burrow pull" "$BURROW --root $work/b pull -q $ref" \
  -n "skopeo copy + umoci unpack" "skopeo copy -q --src-tls-verify=false docker://$ref oci:$work/oci:big && umoci unpack --image $work/oci:big $work/bundle" >&2

"$BURROW" --root "$work/w" pull -q "$ref" >/dev/null
make_rootfs "$work/rootfs"
# a warm store: pulled and on disk; otherwise the runs below race the write-back
# of the gigabyte the pulls above just wrote
sync
hyperfine -N --warmup 3 --runs 30 --export-json "$work/run.json" \
  -n "burrow run --rm IMAGE true" "$BURROW --root $work/w run --rm $ref true" \
  -n "burrow run --rm --rootfs R true" "$BURROW --root $work/w run --rm --rootfs $work/rootfs true" >&2

{
  echo "## Pull and unpack; run from an image"
  echo
  echo "$(machine_line); $(skopeo --version), umoci $(umoci --version | awk '{print $3}'), a docker-registry on 127.0.0.1 (\`bench/pull.sh\`, $runs runs). The image: 5 layers, about 200 MiB unpacked (half random, half base64 text)."
  echo
  echo "| command | median s | × skopeo+umoci |"
  echo "|---|---:|---:|"
  s=$(jq -r '.results[1].median' "$work/pull.json")
  jq -r '.results[] | [.command, .median] | @tsv' "$work/pull.json" | while IFS=$'\t' read -r name median; do
    printf '| %s | %.2f | %.2f |\n' "$name" "$median" "$(echo "$median / $s" | bc -l)"
  done
  echo
  echo "| command | median ms | × --rootfs |"
  echo "|---|---:|---:|"
  r=$(median_ms "$work/run.json" 1)
  jq -r '.results[] | [.command, (.median*1000)] | @tsv' "$work/run.json" | while IFS=$'\t' read -r name median; do
    printf '| %s | %.2f | %.2f |\n' "$name" "$median" "$(echo "$median / $r" | bc -l)"
  done
  echo
  echo "podman is not installed here (and stock podman fails on this host: rlimits, hybrid cgroups), so \`podman pull\`/\`podman run\` are not in the table."
} > "$work/section.md"
write_section pull "$work/section.md"
cat "$work/section.md"
