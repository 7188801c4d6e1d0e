# Sourced by scripts/cli-test.sh and scripts/cli/*.sh: one line per check; a failure sets fail=1, which
# the script exits with.
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }  # label, condition (evaluated here)
