# test-lib.sh: the TAP-ish check helpers shared by the shell tests run by
# meson (test-embed.sh, test-make-classifier.sh).  Sourced, not run:
#   . "$(dirname "$0")/test-lib.sh"
# It makes the scratch folder $work (removed on exit) and counts checks;
# a test script ends with `finish`, whose status is the script's.
# shellcheck shell=bash

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "ok - $1"; }
fail() {
  checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $1"
}

# expect_ok NAME CMD...: the command must succeed
expect_ok() {
  local name=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then pass "$name"
  else fail "$name"; cat "$work/out" "$work/err"; fi
}

# expect_error NAME PATTERN CMD...: must exit 1 or 2 (not a signal) with
# PATTERN on stderr
expect_error() {
  local name=$1 pattern=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -ge 1 ] && [ "$rc" -le 2 ] && grep -q -- "$pattern" "$work/err"
  then pass "$name"
  else fail "$name (exit $rc)"; cat "$work/err"; fi
}

# finish: the summary line; succeeds only if every check passed
finish() {
  echo "$((checks - failures)) of $checks checks passed"
  [ "$failures" -eq 0 ]
}
