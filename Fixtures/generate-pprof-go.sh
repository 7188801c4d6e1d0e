#!/usr/bin/env bash
# runtime/pprof profiles of a small Go program (pprof/prog: CPU with pprof.Do labels and inlined
# helpers, heap, mutex, block, goroutine), built with Go 1.21 and 1.27, and as truth what
# `go tool pprof` (Go 1.27's) prints for them: -raw, -traces, -top per sample type, -top -cum and
# -top -nodecount=5. Also malformed profiles: cut gzip, cut protobuf, and profile.proto messages that
# break google/pprof's checks (encoded by protoc from text), each with pprof's own error.
# Needs Go 1.21 and 1.27 under $GO_ROOTS_DIR (default /work/go; see generate.sh), protoc, gzip.
# Every command goes to pprof/commands.log.
set -euo pipefail
cd "$(dirname "$0")"
ROOTS=${GO_ROOTS_DIR:-/work/go}
PPROF="$ROOTS/1.27/goroot/bin/go tool pprof -symbolize=none"
LOG=pprof/commands.log
source ./pprof-prog.sh
start_log "$(protoc --version)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in 1.21 1.27; do
  out=pprof/go$v
  mkdir -p "$out/truth"
  rm -f "$out"/*.pprof "$out"/truth/*
  build_prog "$v" "$tmp/prog$v"
  run "$tmp/prog$v" "$out"
  for p in "$out"/*.pprof; do
    b=$(basename "$p" .pprof)
    log "$PPROF -raw $p > $out/truth/$b.raw.txt"
    $PPROF -raw "$p" > "$out/truth/$b.raw.txt"
    log "$PPROF -traces $p > $out/truth/$b.traces.txt"
    $PPROF -traces "$p" > "$out/truth/$b.traces.txt"
    # Every sample type of the profile, by name (the second line of -raw's sample table).
    types=$(sed -n '/^Samples:/{n;p;q}' "$out/truth/$b.raw.txt" | tr ' ' '\n' | sed -n 's,/.*,,p')
    for t in $types; do
      log "$PPROF -top -sample_index=$t $p > $out/truth/$b.$t.top.txt"
      $PPROF -top -sample_index="$t" "$p" > "$out/truth/$b.$t.top.txt"
    done
    log "$PPROF -top $p > $out/truth/$b.top.txt"
    $PPROF -top "$p" > "$out/truth/$b.top.txt"
    log "$PPROF -top -cum $p > $out/truth/$b.top-cum.txt"
    $PPROF -top -cum "$p" > "$out/truth/$b.top-cum.txt"
    log "$PPROF -top -nodecount=5 $p > $out/truth/$b.top-n5.txt"
    $PPROF -top -nodecount=5 "$p" > "$out/truth/$b.top-n5.txt"
  done
done

# Malformed profiles, from the Go 1.27 CPU profile and from text-format messages.
bad=pprof/malformed
mkdir -p "$bad"
rm -f "$bad"/*
src=pprof/go1.27/cpu.pprof
size=$(stat -c %s "$src")
run sh -c "head -c $((size * 6 / 10)) $src > $bad/cut-gzip.pprof"
run sh -c "gzip -dc $src > $tmp/cpu.pb"
raw=$(stat -c %s "$tmp/cpu.pb")
run sh -c "head -c $((raw * 6 / 10)) $tmp/cpu.pb > $bad/cut-proto.pb"
run sh -c "gzip -dc $src > pprof/go1.27/cpu-uncompressed.pb"
# profile.proto in text: each breaks one of google/pprof's checks (profile/encode.go, profile.go).
good='sample_type { type: 1 unit: 2 } sample { location_id: 1 value: 5 } location { id: 1 line { function_id: 1 } } function { id: 1 name: 3 }'
declare -A texts=(
  [string-table-0]="${good} string_table: \"x\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [string-index]="sample_type { type: 1 unit: 9 } sample { location_id: 1 value: 5 } location { id: 1 line { function_id: 1 } } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [location-id-0]="sample_type { type: 1 unit: 2 } sample { location_id: 0 value: 5 } location { id: 0 line { function_id: 1 } } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [location-missing]="sample_type { type: 1 unit: 2 } sample { location_id: 2 value: 5 } location { id: 1 line { function_id: 1 } } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [function-missing]="sample_type { type: 1 unit: 2 } sample { location_id: 1 value: 5 } location { id: 1 line { function_id: 7 } } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [values-count]="sample_type { type: 1 unit: 2 } sample { location_id: 1 value: 5 value: 6 } location { id: 1 line { function_id: 1 } } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
  [duplicate-function]="sample_type { type: 1 unit: 2 } sample { location_id: 1 value: 5 } location { id: 1 line { function_id: 1 } } function { id: 1 name: 3 } function { id: 1 name: 3 } string_table: \"\" string_table: \"samples\" string_table: \"count\" string_table: \"main.f\""
)
for name in $(printf '%s\n' "${!texts[@]}" | LC_ALL=C sort); do
  printf '%s\n' "${texts[$name]}" > "$bad/$name.txtpb"
  run sh -c "protoc --proto_path=../Sources/Pprof/proto --encode=perftools.profiles.Profile profile.proto < $bad/$name.txtpb > $bad/$name.pb"
done
# A gzip bomb: 100 MB of zeros in 100 KB, past openInput's 1000:1 bound.
run sh -c "head -c 100000000 /dev/zero | gzip -9 > $bad/bomb.pprof"
# pprof's verdict on each: every one must fail to load.
for f in "$bad"/*.pprof "$bad"/*.pb; do
  log "$PPROF -raw $f  # expected to fail"
  if $PPROF -raw "$f" > /dev/null 2> "$tmp/err"; then echo "pprof read $f" >&2; exit 1; fi
  printf '%s\t%s\n' "$(basename "$f")" "$(tr '\n' ' ' < "$tmp/err")" >> "$bad/pprof-errors.txt"
done
log "# pprof's errors: $bad/pprof-errors.txt"
