# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
# The database steps of docker/entrypoint.sh, run here without Docker: the
# first run creates and initialises a throwaway database, the second one
# updates it and must keep what the first one and the users wrote. The
# backend is TRYTOND_DATABASE_URI's: scripts/test.sh runs this file on SQLite
# and on PostgreSQL, the backend of the image.
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / 'docker' / 'entrypoint.sh'
CONFIG = ROOT / 'docker' / 'trytond.conf'
URI = os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://'
IN_CI = os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}


def _postgresql_connect(dbname):
    import psycopg
    return psycopg.connect(
        URI.rstrip('/') + '/' + dbname, autocommit=True, connect_timeout=5)


@pytest.fixture
def database(tmp_path):
    "Yield a (name, query function) of a database dropped afterwards"
    name = f'commons_entrypoint_{uuid.uuid4().hex[:12]}'
    if URI.startswith('postgresql'):
        import psycopg
        try:
            _postgresql_connect('postgres').close()
        except psycopg.Error as exception:
            message = f"PostgreSQL does not answer at {URI}: {exception}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)

        def query(sql, params=()):
            with _postgresql_connect(name) as connection:
                cursor = connection.execute(sql.replace('?', '%s'), params)
                return cursor.fetchall() if cursor.description else []
        yield name, query, {}
        with _postgresql_connect('postgres') as connection:
            connection.execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / 'db'
        path.mkdir()

        def query(sql, params=()):
            with sqlite3.connect(path / f'{name}.sqlite') as connection:
                return connection.execute(sql, params).fetchall()
        yield name, query, {'TRYTOND_DATABASE__PATH': str(path)}


def run_entrypoint(name, extra_env, tmp_path):
    passfile = tmp_path / 'admin-password'
    passfile.write_text('admin-secret\n')
    bin_ = os.path.dirname(sys.executable)
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_'))}
    env.update({
            'PATH': bin_ + os.pathsep + env.get('PATH', ''),
            'PYTHON': sys.executable,
            'TRYTOND_CONFIG': str(CONFIG),
            'TRYTOND_DATABASE__URI': URI,
            'TRYTONPASSFILE': str(passfile),
            'COMMONS_DATABASE': name,
            'COMMONS_UPDATE_DATABASE': '1',
            'COMMONS_ADMIN_EMAIL': 'admin@example.org',
            'COMMONS_DATABASE_WAIT': '5',
            })
    env.update(extra_env)
    if modules := os.environ.get('COMMONS_ENTRYPOINT_MODULES'):
        # To try the mechanics with core modules only, e.g. "account"
        env['COMMONS_MODULES'] = modules
    result = subprocess.run(
        ['bash', str(ENTRYPOINT), 'echo', 'command-ran'],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert result.stdout.strip().endswith('command-ran'), output
    return output


def test_entrypoint_creates_then_updates(database, tmp_path):
    name, query, extra_env = database
    modules = os.environ.get('COMMONS_ENTRYPOINT_MODULES')
    expected = set(modules.split()) if modules else {
        'commons_fund', 'account_fr', 'account_statement_sepa',
        'account_payment_sepa'}

    output = run_entrypoint(name, extra_env, tmp_path)
    assert f'creating database {name}' in output, output
    assert f'initialising database {name}' in output, output

    def activated():
        return {n for n, in query(
                "SELECT name FROM ir_module WHERE state = 'activated'")}
    assert expected <= activated()
    (email, password), = query(
        "SELECT email, password_hash FROM res_user WHERE login = 'admin'")
    assert email == 'admin@example.org'
    assert password
    # What users wrote between two deployments
    query(
        "INSERT INTO res_group (name, create_uid, create_date) "
        "VALUES ('Entrypoint marker', 0, CURRENT_TIMESTAMP)")
    modules_before = activated()
    groups_before = query('SELECT id, name FROM res_group ORDER BY id')

    output = run_entrypoint(name, extra_env, tmp_path)
    assert f'updating database {name}' in output, output
    assert 'creating database' not in output, output

    assert activated() == modules_before
    assert query('SELECT id, name FROM res_group ORDER BY id') == groups_before
    assert query(
        "SELECT email, password_hash FROM res_user "
        "WHERE login = 'admin'") == [(email, password)]
