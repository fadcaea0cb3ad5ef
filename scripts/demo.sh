#!/usr/bin/env bash
# Build the demo database (SQLite, var/db/commons_demo.sqlite) from scratch
# and serve it with the web client on http://localhost:8000/.
# Usage: scripts/demo.sh [--no-serve]
#   --no-serve or DEMO_NO_SERVE=1: build the database only (tests, CI).
#   DEMO_PORT=8000       port of the server
#   DEMO_LANGUAGE=fr     language of the admin user (en keeps English)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serve=1
[ "${DEMO_NO_SERVE:-0}" = 0 ] || serve=0
for arg in "$@"; do
    case $arg in
        --no-serve) serve=0 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) die "unknown option: $arg" "Usage: scripts/demo.sh [--no-serve]" ;;
    esac
done
database=commons_demo
port=${DEMO_PORT:-8000}
language=${DEMO_LANGUAGE:-fr}
started=$SECONDS

bash "$ROOT/scripts/setup.sh"
_step_prefix='[demo] '
cd "$ROOT"

modules=$(module_names | tr "\n" " " | sed "s/ *$//")
[ -n "$modules" ] || die "no module in modules/: there is nothing to demonstrate" \
    "Add a module folder with its tryton.cfg under modules/."

step "Server configuration var/trytond.conf"
mkdir -p "$VAR/db"
config=$VAR/trytond.conf
cat >"$config" <<EOF
# Written by scripts/demo.sh: edits are lost at the next run.
[database]
uri = sqlite://
path = $VAR/db
language = en

[web]
listen = localhost:$port
root = $SAO_ROOT
EOF
info "$config"

extras="account_fr account_statement_sepa account_payment_clearing account_payment_sepa account_payment_sepa_cfonb"
step "Database $database with: $modules $extras (about a minute)"
rm -f "$VAR/db/$database.sqlite" "$VAR/db/$database.sqlite-shm" \
    "$VAR/db/$database.sqlite-wal"
touch "$VAR/db/$database.sqlite"
passfile=$(mktemp)
trap 'rm -f "$passfile"' EXIT
printf 'admin\n' >"$passfile"
# shellcheck disable=SC2086
TRYTONPASSFILE=$passfile "$VENV/bin/trytond-admin" -c "$config" \
    -d "$database" --all --activate-dependencies \
    -u $modules $extras -l fr --email admin@example.org \
    || die "trytond-admin could not create the database" \
        "Read the traceback above: it names the module and the record at fault."
rm -f "$passfile"

if [ -f "$ROOT/scripts/demo.py" ]; then
    step "Demo data (scripts/demo.py)"
    "$VENV/bin/python" "$ROOT/scripts/demo.py" -c "$config" -d "$database" \
        || die "scripts/demo.py failed" "Read the traceback above."
else
    step "Demo data: scripts/demo.py does not exist yet, the database stays empty"
fi

step "Admin user's language: $language"
"$VENV/bin/python" - "$config" "$database" "$language" <<'EOF'
import sys

from proteus import Model, config

config_file, database, language = sys.argv[1:]
config.set_trytond(database, config_file=config_file)
Lang = Model.get('ir.lang')
User = Model.get('res.user')
lang, = Lang.find([('code', '=', language)])
admin, = User.find([('login', '=', 'admin')])
admin.language = lang
admin.save()
EOF

step "Demo database ready in $(elapsed $((SECONDS - started)))"
cat <<EOF

    Open  http://localhost:$port/
    Database  $database
    User      admin
    Password  admin

EOF
if [ "$serve" = 0 ]; then
    info "Not serving (--no-serve). Start the server with:"
    info ".venv/bin/trytond -c docker/trytond.conf var/trytond.conf -d $database"
    exit 0
fi
step "Server on http://localhost:$port/ (Ctrl-C stops it)"
# The settings of the production image (docker/trytond.conf: the retries of
# locked transactions), then the demo's own on top of them.
# -d loads the database at start: without it, trytond 8.0.12 answers the
# first login with KeyError 'res.user' (an empty pool made by Cache.sync).
exec "$VENV/bin/trytond" -c "$ROOT/docker/trytond.conf" "$config" \
    -d "$database"
