# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A throwaway database, filled by a setup program, for the tests of the
scripts (scripts/*.py) run as a user would run them."""
import json
import os
import sqlite3
import subprocess
import sys

URI = os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://'


def pg_connect(dbname):
    import psycopg
    return psycopg.connect(
        URI.rstrip('/') + '/' + dbname, autocommit=True, connect_timeout=5)


class ScriptDatabase:
    """A throwaway database on the backend of TRYTOND_DATABASE_URI, built by
    the setup program (which prints its data as JSON on its last line), and
    the script run on it"""

    def __init__(self, name, folder, setup, script):
        self.name = name
        self.folder = folder
        self.setup = setup
        self.script = script
        self.env = {
            k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND_') and k not in {'DB_NAME'}}
        self.config = folder / 'trytond.conf'
        if URI.startswith('postgresql'):
            self.config.write_text("[database]\nuri = %s\n" % URI)
        else:
            path = folder / 'db'
            path.mkdir()
            self.path = path / ('%s.sqlite' % name)
            self.config.write_text(
                "[database]\nuri = sqlite://\npath = %s\n" % path)

    def build(self):
        env = dict(self.env, DB_NAME=self.name, TRYTOND_DATABASE_URI=URI)
        if not URI.startswith('postgresql'):
            env['TRYTOND_DATABASE__PATH'] = str(self.path.parent)
        result = subprocess.run(
            [sys.executable, '-c', self.setup], env=env, capture_output=True,
            text=True, timeout=900, cwd=self.folder)
        assert result.returncode == 0, result.stderr[-5000:]
        self.data = json.loads(result.stdout.strip().splitlines()[-1])

    def drop(self):
        if URI.startswith('postgresql'):
            with pg_connect('postgres') as connection:
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql, params=()):
        "Run the SQL on the database (? placeholders) and return the rows"
        if URI.startswith('postgresql'):
            with pg_connect(self.name) as connection:
                cursor = connection.execute(sql.replace('?', '%s'), params)
                return cursor.fetchall() if cursor.description else []
        with sqlite3.connect(self.path) as connection:
            return connection.execute(sql, params).fetchall()

    def run_script(self, *args):
        "Run the script: (exit status, stdout, stderr)"
        result = subprocess.run(
            [sys.executable, str(self.script), '-c', str(self.config),
                '-d', self.name, *args],
            env=self.env, capture_output=True, text=True, timeout=900,
            cwd=self.folder)
        return result.returncode, result.stdout, result.stderr
