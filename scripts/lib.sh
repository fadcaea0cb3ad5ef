# Helpers shared by the scripts in this folder (sourced, not run).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
VAR=$ROOT/var
SAO_ROOT=$VAR/sao
SITE=$VENV/lib/python3.11/site-packages
CHROMIUM=/usr/bin/chromium

_step_prefix=${_step_prefix:-}

# step "what is being done": one line per step so a long run shows progress.
step() {
    printf '\n==> %s%s\n' "$_step_prefix" "$*"
}

info() {
    printf '    %s\n' "$*"
}

warn() {
    printf '\n!!! WARNING: %s\n' "$*" >&2
}

# die "what failed" "what to do": stop with a message that says how to fix it.
die() {
    printf '\nERROR: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do
        printf '       %s\n' "$line" >&2
    done
    exit 1
}

# The exact version of the web client, from its "# npm:" line in
# constraints.txt.
sao_version() {
    local version
    version=$(sed -n 's/^# npm: tryton-sao==\([0-9][0-9.]*\)[[:space:]]*$/\1/p' \
        "$ROOT/constraints.txt")
    [ -n "$version" ] || die "no '# npm: tryton-sao==X.Y.Z' line in constraints.txt" \
        "Add the exact web client version there."
    printf '%s\n' "$version"
}

# The module folders of the repository (modules/<name>/ with a tryton.cfg),
# one name per line.
module_names() {
    local cfg
    for cfg in "$ROOT"/modules/*/tryton.cfg; do
        [ -f "$cfg" ] || continue
        basename "$(dirname "$cfg")"
    done
}

# apt_install PACKAGE...: install Debian packages (as root), updating the
# package lists first.
apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        die "missing Debian package(s): $*" \
            "Install them (as root): apt-get update && apt-get install -y $*"
    fi
    local log
    log=$(mktemp)
    info "apt-get update && apt-get install $* (log: $log)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y \
                --no-install-recommends "$@"; } </dev/null >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "apt-get install $* failed (full log: $log)" \
            "Run it by hand to see why, then re-run."
    fi
    rm -f "$log"
}

# elapsed SECONDS: "1m05s"
elapsed() {
    printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}
