# Sourced by generate-pprof-go.sh and generate-pprof-startline.sh (ROOTS and LOG set first): the
# command log, and the build of pprof/prog that both profile.
# start_log TOOL-VERSION: empties $LOG and dates it. log LINE: appends it. run CMD…: logs it, runs it.
start_log() { : > "$LOG"; echo "# $(date -u +%FT%TZ) $1" >> "$LOG"; }
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }
# build_prog VERSION OUTPUT [GO-BUILD-FLAG…]: pprof/prog built -trimpath by Go VERSION under $ROOTS
# (logged with its flags quoted, so that the line can be pasted).
build_prog() {
  local v=$1 out=$2
  shift 2
  local flags=${*@Q}
  log "(cd pprof/prog && GOTOOLCHAIN=local GOFLAGS=-mod=mod $ROOTS/$v/goroot/bin/go build -trimpath${flags:+ $flags} -o $out .)"
  (cd pprof/prog && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$ROOTS/$v/goroot/bin/go" build -trimpath "$@" -o "$out" .)
}
