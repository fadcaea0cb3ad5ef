# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
# The database steps of docker/entrypoint.sh, run here without Docker. Its
# first start creates and initialises the demo database (conftest.py builds
# the demo through it); its second start updates a copy of the demo as built
# and must keep what the first one, scripts/demo.py and the users wrote. The
# backend is TRYTOND_DATABASE_URI's: scripts/test.sh runs this file on SQLite
# and on PostgreSQL, the backend of the image.
from conftest import (
    ADMIN, BACKEND, DEMO_EXTRAS, DEMO_MODULES, start_entrypoint)


def activated(database):
    return {n for n, in database.query(
            "SELECT name FROM ir_module WHERE state = 'activated'")}


def test_entrypoint_creates_then_updates(demo_database, artefacts):
    output = demo_database.initialised
    assert f'creating database {demo_database.name}' in output, output
    assert f'initialising database {demo_database.name}' in output, output
    assert output.rstrip().endswith('command-ran'), output

    # The copy made before any test wrote to the demo and served it
    database = demo_database.built
    assert {*DEMO_MODULES, *DEMO_EXTRAS} <= activated(database)
    (email, password), = database.query(
        "SELECT email, password_hash FROM res_user WHERE login = ?",
        (ADMIN[0],))
    assert email == 'admin@example.org'
    assert password
    # What users wrote between two deployments
    database.query(
        "INSERT INTO res_group (name, create_uid, create_date) "
        "VALUES ('Entrypoint marker', 0, CURRENT_TIMESTAMP)")
    modules_before = activated(database)
    tables = database.tables(['commons_', 'res_group', 'res_user'])
    before = database.snapshot(tables)

    log = artefacts / ('entrypoint-update-%s.log' % BACKEND)
    log.write_text('')
    output = start_entrypoint(database, log)
    assert f'updating database {database.name}' in output, output
    assert 'creating database' not in output, output
    assert 'initialising database' not in output, output
    assert output.rstrip().endswith('command-ran'), output

    assert activated(database) == modules_before
    assert database.snapshot(tables) == before
