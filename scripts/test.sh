#!/usr/bin/env bash
# Run every test (modules/*/tests and tests/) with pytest, on SQLite and then
# on PostgreSQL, and print a summary per backend.
# Usage: scripts/test.sh [pytest arguments, e.g. -k fund -x]
#   TEST_BACKENDS="sqlite postgresql"   backends to run
#   TEST_PARALLEL=1   run the backends side by side (0: one after the other)
#   TEST_PATHS="tests/test_x.py trytond.modules.commons_fund.tests"
#                                       what to collect instead of everything
#   TEST_POSTGRESQL_URI=postgresql://postgres@127.0.0.1:5432/
#   CI=true   an unreachable PostgreSQL is a failure, not a warning
# Exit status: 0 only if every backend ran tests and none failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backends=${TEST_BACKENDS:-sqlite postgresql}
pg_uri=${TEST_POSTGRESQL_URI:-postgresql://postgres@127.0.0.1:5432/}
ci=0
case ${CI:-} in true|1|yes) ci=1 ;; esac
started=$SECONDS

bash "$ROOT/scripts/setup.sh" --test
_step_prefix='[test] '
cd "$ROOT"

artefacts=$VAR/artefacts
mkdir -p "$artefacts"

# Module tests are collected as the packages trytond.modules.<name>.tests
# (through the links made by setup.sh), so that they import under the name
# Tryton gives them; the cross-module tests/ folder is collected by path.
targets=()
if [ -n "${TEST_PATHS:-}" ]; then
    read -r -a targets <<<"$TEST_PATHS"
else
    for name in $(module_names); do
        if [ -f "modules/$name/tests/__init__.py" ]; then
            targets+=("trytond.modules.$name.tests")
        else
            warn "modules/$name has no tests/__init__.py: its tests are not collected"
        fi
    done
    if compgen -G 'tests/test_*.py' >/dev/null; then
        targets+=("$ROOT/tests")
    fi
fi
[ ${#targets[@]} -gt 0 ] || warn "no test to run: no modules/*/tests package and no tests/test_*.py"

# Environment shared by every run.
unset TRYTOND_CONFIG DB_NAME
export TEST_NETWORK=0
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export COMMONS_SAO_ROOT=$SAO_ROOT
export COMMONS_CHROMIUM=$CHROMIUM
export COMMONS_ARTEFACTS=$artefacts

# The database caches are keyed by module names only, so a cache made
# before the modules changed would be reused: start every run afresh.
drop_pg_caches() {
    "$VENV/bin/python" - "$pg_uri" <<'EOF'
import sys

import psycopg
from psycopg import sql

with psycopg.connect(sys.argv[1] + 'postgres', autocommit=True) as conn:
    names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database "
            "WHERE datname ~ '^test-[0-9a-f]{40}$'")]
    for name in names:
        try:
            conn.execute(sql.SQL('DROP DATABASE {}').format(
                    sql.Identifier(name)))
        except psycopg.Error as exception:
            print(f"    could not drop cache {name}: {exception}")
EOF
}

postgresql_answers() {
    "$VENV/bin/python" - "$pg_uri" <<'EOF'
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1] + 'postgres', connect_timeout=5).close()
except psycopg.Error as exception:
    print(f"    {exception}".rstrip())
    sys.exit(1)
EOF
}

# outcome LOG: pytest's own closing line ("3 passed, 1 failed in 9.20s").
outcome() {
    local line
    line=$(grep -E '^(=+ )?[0-9a-z, ]+ in [0-9.]+s( \([0-9:]+\))?( =+)?$' "$1" \
        | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
    printf '%s\n' "${line:-no pytest summary line}"
}

declare -A status=() detail=()
overall=0

# run_backend BACKEND: run pytest on the backend, its output in its log and
# its exit status in <log>.rc.  Runs in a subshell: its exports stay there.
run_backend() (
    local backend=$1
    local report=$artefacts/pytest-$backend.xml
    local log=$artefacts/pytest-$backend.log
    case $backend in
        sqlite)
            export TRYTOND_DATABASE_URI=sqlite://
            export DB_CACHE=$VAR/cache/sqlite
            rm -rf "$DB_CACHE"
            ;;
        postgresql)
            export TRYTOND_DATABASE_URI=$pg_uri
            export DB_CACHE=postgresql://
            # The tests commit often (each proteus call, trytond-admin) and
            # their databases are thrown away: their sessions, and only
            # theirs, do not wait for the disk at commit (3 times faster)
            export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c synchronous_commit=off"
            drop_pg_caches
            ;;
    esac
    local run_started=$SECONDS
    set +e
    "$VENV/bin/python" -m pytest --junitxml="$report" \
        -o junit_suite_name="$backend" \
        --pyargs "${targets[@]}" "${pytest_args[@]}" >"$log" 2>&1
    local rc=$?
    set -e
    [ "$backend" != postgresql ] || drop_pg_caches >>"$log" 2>&1
    printf '%s %s\n' "$rc" "$((SECONDS - run_started))" >"$log.rc"
)

pytest_args=("$@")
to_run=()
for backend in $backends; do
    rm -f "$artefacts/pytest-$backend.xml" "$artefacts/pytest-$backend.log" \
        "$artefacts/pytest-$backend.log.rc"
    case $backend in
        sqlite) ;;
        postgresql)
            step "Checking that PostgreSQL answers at $pg_uri"
            if ! postgresql_answers; then
                if [ "$ci" = 1 ]; then
                    status[$backend]=FAILED
                    detail[$backend]="PostgreSQL does not answer at $pg_uri (CI=true: this is a failure)"
                    overall=1
                    printf '\nERROR: PostgreSQL does not answer at %s.\n' "$pg_uri" >&2
                    printf '       Start it (pg_ctlcluster 15 main start) or set TEST_POSTGRESQL_URI.\n' >&2
                else
                    status[$backend]=SKIPPED
                    detail[$backend]="PostgreSQL does not answer at $pg_uri: NOT TESTED"
                    warn "PostgreSQL does not answer at $pg_uri: the PostgreSQL run is SKIPPED.
    Start it (pg_ctlcluster 15 main start) or set TEST_POSTGRESQL_URI.
    With CI=true this is a failure."
                fi
                continue
            fi
            info "it does"
            ;;
        *)
            die "unknown backend '$backend' in TEST_BACKENDS" \
                "Use sqlite and/or postgresql."
            ;;
    esac
    to_run+=("$backend")
done

# The backends run side by side (one per core; TEST_PARALLEL=0 runs them
# one after the other); each log is shown once its run ends.
parallel=${TEST_PARALLEL:-1}
pids=()
for backend in "${to_run[@]}"; do
    log=$artefacts/pytest-$backend.log
    if [ "$parallel" = 1 ] && [ ${#to_run[@]} -gt 1 ]; then
        step "pytest on $backend started (log: var/artefacts/pytest-$backend.log)"
        run_backend "$backend" &
        pids+=($!)
    else
        step "pytest on $backend"
        run_backend "$backend" &
        tail -n +1 -f "$log" --pid=$! 2>/dev/null &
        wait "$!" || true
        wait || true
    fi
done
if [ ${#pids[@]} -gt 0 ]; then
    shown=()
    while [ ${#shown[@]} -lt ${#pids[@]} ]; do
        for backend in "${to_run[@]}"; do
            if [ -f "$artefacts/pytest-$backend.log.rc" ] \
                    && [[ " ${shown[*]} " != *" $backend "* ]]; then
                step "pytest on $backend ended: its output"
                cat "$artefacts/pytest-$backend.log"
                shown+=("$backend")
            fi
        done
        [ ${#shown[@]} -ge ${#pids[@]} ] || sleep 5
    done
    wait "${pids[@]}" || true
fi

for backend in "${to_run[@]}"; do
    log=$artefacts/pytest-$backend.log
    rc=1
    took=0
    if [ -f "$log.rc" ]; then
        read -r rc took <"$log.rc"
    fi
    took=$(elapsed "$took")
    case $rc in
        0) status[$backend]=PASSED ;;
        5) status[$backend]=FAILED
           warn "pytest collected no test on $backend (exit status 5)" ;;
        *) status[$backend]=FAILED ;;
    esac
    [ "$rc" = 0 ] || overall=1
    detail[$backend]="$(outcome "$log") (pytest exit status $rc, $took)"
done

step "Summary ($(elapsed $((SECONDS - started))) in all; reports in var/artefacts/)"
total_passed=0
total_failed=0
for backend in $backends; do
    printf '    %-11s %-8s %s\n' "$backend" "${status[$backend]:-NOT RUN}" \
        "${detail[$backend]:-}"
    line=${detail[$backend]:-}
    if [[ $line =~ (^|, )([0-9]+)\ passed ]]; then
        total_passed=$((total_passed + BASH_REMATCH[2]))
    fi
    for what in failed 'errors?'; do
        if [[ $line =~ (^|, )([0-9]+)\ $what ]]; then
            total_failed=$((total_failed + BASH_REMATCH[2]))
        fi
    done
done
if [ "$overall" = 0 ] && [[ " ${status[*]} " == *" SKIPPED "* ]]; then
    printf '\nThe test runs passed, but a backend was NOT TESTED (see above).\n'
elif [ "$overall" = 0 ]; then
    printf '\nAll test runs passed.\n'
else
    printf '\nSome test runs FAILED (see above).\n'
fi
printf 'total: %d passed, %d failed\n' "$total_passed" "$total_failed"
exit "$overall"
