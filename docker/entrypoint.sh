#!/usr/bin/env bash
# Entry point of the image: with COMMONS_UPDATE_DATABASE=1, create or update
# the database first, then run the command (gunicorn, trytond-cron,
# trytond-worker, ...).
#
#   COMMONS_DATABASE=commons          name of the database
#   COMMONS_UPDATE_DATABASE=0         1: create it or update it (one service
#                                     only: the "update" service of compose)
#   COMMONS_MODULES                   modules activated at creation (default:
#                                     every commons_* module, account_fr and
#                                     account_statement_sepa and the SEPA
#                                     transfers)
#   COMMONS_LANGUAGES=fr              translations loaded at creation
#   COMMONS_ADMIN_EMAIL               admin's email, set at creation
#   TRYTONPASSFILE                    file holding the admin password, read at
#                                     creation
#   COMMONS_DATABASE_WAIT=60          seconds to wait for the database server
# trytond's own settings come from TRYTOND_CONFIG and TRYTOND_<S>__<O>
# variables (TRYTOND_DATABASE__URI, ...).
set -euo pipefail

database=${COMMONS_DATABASE:-commons}
python=${PYTHON:-python3}

log() {
    printf '[entrypoint] %s\n' "$*" >&2
}

# Prints the state of the database: missing, empty (no Tryton tables) or
# tryton; waits for the server to answer first.
database_state() {
    "$python" - "$database" "${COMMONS_DATABASE_WAIT:-60}" <<'EOF'
import os
import sys
import time

from trytond import backend, config

name, wait = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + wait
while True:
    try:
        server = backend.Database().connect()
        server.put_connection(server.get_connection())
        break
    except Exception as exception:
        if time.monotonic() > deadline:
            sys.exit(
                f"[entrypoint] the database server does not answer: "
                f"{exception}")
        time.sleep(2)
if name in server.list():
    print('tryton')
    sys.exit()
if backend.name == 'sqlite':
    exists = os.path.isfile(
        os.path.join(config.get('database', 'path'), name + '.sqlite'))
else:
    connection = server.get_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
            exists = bool(cursor.fetchone())
    finally:
        server.put_connection(connection)
print('empty' if exists else 'missing')
EOF
}

create_database() {
    "$python" - "$database" <<'EOF'
import sys

from trytond import backend

database = backend.Database().connect()
connection = database.get_connection(autocommit=True)
try:
    database.create(connection, sys.argv[1])
finally:
    database.put_connection(connection)
EOF
}

default_modules() {
    "$python" - <<'EOF'
import os

import trytond.modules

path = os.path.dirname(trytond.modules.__file__)
print(' '.join(sorted(
    n for n in os.listdir(path)
    if n.startswith('commons_')
    and os.path.isfile(os.path.join(path, n, 'tryton.cfg')))))
EOF
}

update_database() {
    local state modules args languages
    state=$(database_state)
    case $state in
        missing)
            log "creating database $database"
            create_database
            ;&
        empty)
            modules=${COMMONS_MODULES:-$(default_modules) account_fr account_statement_sepa account_payment_clearing account_payment_sepa account_payment_sepa_cfonb}
            if [ -z "${TRYTONPASSFILE:-}" ] || [ ! -r "$TRYTONPASSFILE" ]; then
                log "TRYTONPASSFILE must name a readable file holding the admin password"
                exit 1
            fi
            log "initialising database $database with: $modules"
            args=(--activate-dependencies)
            if [ -n "${COMMONS_ADMIN_EMAIL:-}" ]; then
                args+=(--email "$COMMONS_ADMIN_EMAIL")
            fi
            languages=${COMMONS_LANGUAGES-fr}
            if [ -n "$languages" ]; then
                # shellcheck disable=SC2206
                args+=(-l $languages)
            fi
            # shellcheck disable=SC2086
            trytond-admin -d "$database" "${args[@]}" --all -u $modules
            ;;
        tryton)
            log "updating database $database"
            trytond-admin -d "$database" --all
            ;;
        *)
            exit 1
            ;;
    esac
    log "database $database is ready"
}

if [ "${COMMONS_UPDATE_DATABASE:-0}" = 1 ]; then
    update_database
fi
exec "$@"
