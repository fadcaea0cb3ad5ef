#!/usr/bin/env bash
# Install what the project needs, from its own files, on a Debian machine:
#   .venv (Python 3.11, pinned by constraints.txt), the modules of modules/
#   linked into trytond/modules, the web client (tryton-sao) in var/sao and,
#   with --test, Debian's chromium for the browser tests.
# Idempotent: a step whose result is already there is skipped.
# Usage: scripts/setup.sh [--test]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

with_test=0
for arg in "$@"; do
    case $arg in
        --test) with_test=1 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) die "unknown option: $arg" "Usage: scripts/setup.sh [--test]" ;;
    esac
done

_step_prefix='[setup] '
started=$SECONDS
cd "$ROOT"

# --- Python 3.11 and the virtual environment ---------------------------------
step "Python virtual environment .venv (Python 3.11)"
python=${PYTHON:-}
if [ -z "$python" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null \
                && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            python=$candidate
            break
        fi
    done
fi
[ -n "$python" ] || die "Python 3.11 not found" \
    "Install it (Debian 12: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11."

if [ -x "$VENV/bin/python" ] \
        && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    warn ".venv is not a Python 3.11 environment: recreating it"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    info "creating .venv with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || die "could not create .venv" \
        "On Debian: apt-get install python3-venv, then re-run."
else
    info "already there"
fi

# --- Python packages ---------------------------------------------------------
step "Python packages (requirements*.txt, pinned by constraints.txt)"
stamp=$VENV/.requirements.sha256
wanted=$(cat requirements.txt requirements-test.txt constraints.txt \
    | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    info "already installed (requirements and constraints unchanged)"
else
    rm -f "$stamp"
    info "pip install -r requirements.txt -r requirements-test.txt -c constraints.txt"
    # pip's configuration may list extra local indexes that lack most
    # packages: drop its "Location ... is ignored" noise.
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install --quiet \
        -r requirements.txt -r requirements-test.txt -c constraints.txt 2>&1 \
        | { grep -v "^WARNING: Location '.*' is ignored" || true; } \
        || die "pip install failed" \
            "Read pip's message above; the pins are in constraints.txt."
    "$VENV/bin/pip" check >/dev/null || {
        "$VENV/bin/pip" check || true
        die "installed packages are inconsistent (pip check)" \
            "Fix the pins in constraints.txt."
    }
    # Everything installed must be pinned, or a fresh machine may get
    # something else.
    unpinned=$("$VENV/bin/python" - <<'EOF'
import re
from importlib.metadata import distributions

def norm(name):
    return re.sub(r'[-_.]+', '-', name).lower()

pinned = set()
with open('constraints.txt') as fp:
    for line in fp:
        line = line.split('#', 1)[0].strip()
        if '==' in line:
            pinned.add(norm(line.split('==', 1)[0].split('[', 1)[0]))
installed = {norm(d.metadata['Name']) for d in distributions()}
print(' '.join(sorted(installed - pinned - {'pip', 'setuptools', 'wheel'})))
EOF
)
    [ -z "$unpinned" ] || die "installed but not pinned in constraints.txt: $unpinned" \
        "Add an exact '==' pin for each (see .venv/bin/pip freeze)."
    printf '%s\n' "$wanted" >"$stamp"
    info "installed: $("$VENV/bin/python" -c 'import trytond; print("trytond", trytond.__version__)')"
fi

# --- The project's modules ---------------------------------------------------
# pip install -e does not work with Tryton's module layout, so each module
# folder is linked into trytond/modules, as Tryton's own repository does.
step "Modules of modules/ linked into .venv trytond/modules"
trytond_modules=$SITE/trytond/modules
[ -d "$trytond_modules" ] || die "$trytond_modules is missing" \
    "Remove .venv and re-run scripts/setup.sh."
for link in "$trytond_modules"/*; do
    # Links left by a module that was removed or renamed.
    if [ -L "$link" ] && [ ! -e "$link" ]; then
        info "removing stale link $(basename "$link")"
        rm -f "$link"
    fi
done
count=0
for name in $(module_names); do
    target=$trytond_modules/$name
    if [ -e "$target" ] && [ ! -L "$target" ]; then
        die "$target exists and is not a link" \
            "A module named $name is installed from elsewhere: pip uninstall it or remove .venv."
    fi
    ln -sfn "$ROOT/modules/$name" "$target"
    info "$name -> modules/$name"
    count=$((count + 1))
done
[ "$count" -gt 0 ] || warn "no module found in modules/*/tryton.cfg"

# --- The web client ----------------------------------------------------------
sao=$(sao_version)
step "Web client tryton-sao $sao (npm) in var/sao"
sao_stamp=$SAO_ROOT/.installed
sao_wanted="tryton-sao@$sao $(sha256sum web/package-lock.json | cut -d' ' -f1)"
if [ -f "$sao_stamp" ] && [ "$(cat "$sao_stamp")" = "$sao_wanted" ] \
        && [ -f "$SAO_ROOT/index.html" ] && [ -d "$SAO_ROOT/node_modules" ]; then
    info "already installed"
else
    if ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
    rm -rf "$SAO_ROOT"
    mkdir -p "$SAO_ROOT"
    info "npm pack tryton-sao@$sao"
    tarball=$(cd "$SAO_ROOT" && npm pack --silent "tryton-sao@$sao" 2>/dev/null | tail -n 1) \
        || die "npm pack tryton-sao@$sao failed" \
            "Check that the npm registry answers (npm view tryton-sao@$sao version)."
    tar -xzf "$SAO_ROOT/$tarball" -C "$SAO_ROOT" --strip-components=1
    rm -f "$SAO_ROOT/$tarball"
    lock_version=$("$VENV/bin/python" -c "
import json
print(json.load(open('web/package-lock.json'))['packages']['']['version'])")
    if [ "$lock_version" = "$sao" ]; then
        cp web/package-lock.json "$SAO_ROOT/package-lock.json"
        info "npm ci --omit=dev --legacy-peer-deps (locked by web/package-lock.json)"
        npm_cmd=ci
    else
        warn "web/package-lock.json is for tryton-sao $lock_version, not $sao: resolving dependencies anew; copy var/sao/package-lock.json to web/ afterwards"
        npm_cmd=install
    fi
    (cd "$SAO_ROOT" && npm "$npm_cmd" --omit=dev --legacy-peer-deps \
        --no-audit --no-fund --loglevel=error) \
        || die "npm $npm_cmd in var/sao failed" "Read npm's message above, then re-run."
    printf '%s\n' "$sao_wanted" >"$sao_stamp"
fi

# --- What only the tests need ------------------------------------------------
if [ "$with_test" = 1 ]; then
    step "Chromium for the browser tests ($CHROMIUM, from Debian)"
    if [ -x "$CHROMIUM" ]; then
        info "already installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
    else
        apt_install chromium
    fi
    step "LibreOffice for the PDF reports, poppler to render them (Debian)"
    if command -v soffice >/dev/null && command -v pdftoppm >/dev/null; then
        info "already installed: $(soffice --version 2>/dev/null | head -1)"
    else
        apt_install libreoffice-writer-nogui poppler-utils
    fi
fi

step "Setup done in $(elapsed $((SECONDS - started)))"
