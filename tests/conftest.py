# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo database on the backend of TRYTOND_DATABASE_URI, served as the
project ships it, for the tests that talk to a real server.

It is built once per run as a deployment starts: docker/entrypoint.sh
creates and initialises it (the "update" service of docker/compose.yaml),
then scripts/demo.py fills it; a copy of it is kept for the second start of
the entrypoint (tests/test_docker_entrypoint.py).

SQLite: trytond's own server with the settings of the production image
(docker/trytond.conf) and the demo's on top, as scripts/demo.sh serves it.
PostgreSQL: gunicorn with docker/trytond.conf and the environment of
docker/compose.yaml (two workers).
"""
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The venv's scripts are beside its python (not resolved: it is a link)
BIN = Path(sys.executable).parent
URI = os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://'
BACKEND = 'postgresql' if URI.startswith('postgresql') else 'sqlite'
# The demo has every module of the repository, as scripts/demo.sh does,
# with the French chart and the SEPA transfers
DEMO_MODULES = sorted(
    p.parent.name for p in (ROOT / 'modules').glob('*/tryton.cfg'))
DEMO_EXTRAS = [
    'account_fr', 'account_statement_sepa', 'account_payment_clearing',
    'account_payment_sepa', 'account_payment_sepa_cfonb']
SHIPPED_CONFIG = ROOT / 'docker' / 'trytond.conf'
ENTRYPOINT = ROOT / 'docker' / 'entrypoint.sh'
ADMIN = ('admin', 'admin')


def ci():
    return os.environ.get('CI', '').lower() in {'true', '1', 'yes'}


def tail(path, lines=40):
    try:
        return '\n'.join(
            Path(path).read_text(errors='replace').splitlines()[-lines:])
    except OSError:
        return ''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def pg_connect(dbname):
    import psycopg
    return psycopg.connect(
        URI.rstrip('/') + '/' + dbname, autocommit=True, connect_timeout=5)


def clean_env():
    "The environment without the settings of the test run's own trytond"
    return {
        k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in {'DB_NAME', 'DB_CACHE'}}


class Database:
    "A throwaway database of the backend of the run"

    def __init__(self, name, folder):
        self.name = name
        self.folder = folder
        self.config = folder / 'database.conf'
        if BACKEND == 'postgresql':
            self.config.write_text("[database]\nuri = %s\n" % URI)
        else:
            path = folder / 'db'
            path.mkdir(exist_ok=True)
            self.path = path / ('%s.sqlite' % name)
            self.config.write_text(
                "[database]\nuri = sqlite://\npath = %s\n" % path)

    def copy(self, name, folder=None):
        """A copy of the database under the name, in the folder (by default
        its own: served with it)"""
        copy = Database(name, folder or self.folder)
        copy.drop()
        if BACKEND == 'postgresql':
            # No session may be connected to the database copied
            with pg_connect('postgres') as connection:
                connection.execute(
                    f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        else:
            with closing(sqlite3.connect(self.path)) as source, \
                    closing(sqlite3.connect(copy.path)) as target:
                source.backup(target)
        return copy

    def drop(self):
        if BACKEND == 'postgresql':
            with pg_connect('postgres') as connection:
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql, params=()):
        "Run the SQL on the database (? placeholders) and return the rows"
        if BACKEND == 'postgresql':
            with pg_connect(self.name) as connection:
                cursor = connection.execute(sql.replace('?', '%s'), params)
                return cursor.fetchall() if cursor.description else []
        with sqlite3.connect(self.path, timeout=60) as connection:
            return connection.execute(sql, params).fetchall()

    def tables(self, prefixes):
        "The tables whose name starts with one of the prefixes"
        if BACKEND == 'postgresql':
            rows = self.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            rows = self.query(
                "SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(
            r[0] for r in rows if any(r[0].startswith(p) for p in prefixes))

    def snapshot(self, tables):
        "A digest of every row of the tables, to tell whether one changed"
        if BACKEND == 'postgresql':
            connect = pg_connect(self.name)
        else:
            connect = closing(sqlite3.connect(self.path, timeout=60))
        digests = {}
        # In one connection: each new one reads the whole schema first
        with connect as connection:
            for table in tables:
                rows = connection.execute(
                    'SELECT * FROM "%s" ORDER BY id' % table).fetchall()
                digests[table] = (len(rows), hashlib.sha256(
                        repr(rows).encode()).hexdigest())
        return digests


def run(args, log, env, what, timeout=900):
    "Run the command, its output appended to the log: that output"
    started = time.monotonic()
    with open(log, 'ab') as fp:
        fp.write(b"== %s\n" % what.encode())
        fp.flush()
        start = fp.tell()
        process = subprocess.run(
            args, stdout=fp, stderr=subprocess.STDOUT, env=env,
            timeout=timeout, cwd=ROOT)
        end = fp.seek(0, os.SEEK_END)
        fp.write(b"== %s: %.1f s\n" % (
                what.encode(), time.monotonic() - started))
    if process.returncode:
        pytest.fail("%s failed (exit status %s):\n%s" % (
                what, process.returncode, tail(log)))
    with open(log, 'rb') as fp:
        fp.seek(start)
        return fp.read(end - start).decode(errors='replace')


def start_entrypoint(database, log):
    """Run the database steps of docker/entrypoint.sh on the database as the
    "update" service of docker/compose.yaml does (the shipped configuration,
    the admin's password in a file): its output"""
    passfile = database.folder / 'password'
    passfile.write_text('%s\n' % ADMIN[1])
    env = dict(clean_env(), **{
            'PATH': str(BIN) + os.pathsep + os.environ.get('PATH', ''),
            'PYTHON': sys.executable,
            'TRYTOND_CONFIG': str(SHIPPED_CONFIG),
            'TRYTOND_DATABASE__URI': URI,
            'TRYTONPASSFILE': str(passfile),
            'COMMONS_DATABASE': database.name,
            'COMMONS_UPDATE_DATABASE': '1',
            'COMMONS_ADMIN_EMAIL': 'admin@example.org',
            'COMMONS_DATABASE_WAIT': '5',
            })
    if BACKEND == 'sqlite':
        env['TRYTOND_DATABASE__PATH'] = str(database.path.parent)
    return run(
        ['bash', str(ENTRYPOINT), 'echo', 'command-ran'], log, env,
        "docker/entrypoint.sh on %s" % database.name)


def build_demo(database, log):
    """Create the database with docker/entrypoint.sh (every module of the
    repository and DEMO_EXTRAS, in French) and fill it with scripts/demo.py:
    the output of the entrypoint"""
    output = start_entrypoint(database, log)
    run([
            sys.executable, str(ROOT / 'scripts' / 'demo.py'),
            '-c', str(database.config), '-d', database.name,
            ], log, clean_env(), "scripts/demo.py")
    return output


class Server:
    "The database served as the project ships it"

    def __init__(self, database, folder, log, sao_root=None):
        self.database = database
        self.port = free_port()
        self.url = 'http://127.0.0.1:%s/' % self.port
        self.log = log
        env = clean_env()
        if BACKEND == 'postgresql':
            # As docker/compose.yaml runs it
            env.update({
                    'TRYTOND_CONFIG': str(SHIPPED_CONFIG),
                    'TRYTOND_DATABASE__URI': URI,
                    'TRYTOND_DATABASE_NAMES': database.name,
                    })
            args = [
                str(BIN / 'gunicorn'), '--bind', '127.0.0.1:%s' % self.port,
                '--workers', '2', '--timeout', '120',
                'trytond.application:app']
        else:
            # As scripts/demo.sh serves it
            config = folder / 'server.conf'
            config.write_text(
                "[database]\nuri = sqlite://\npath = %s\nlanguage = en\n\n"
                "[web]\nlisten = 127.0.0.1:%s\n%s" % (
                    database.path.parent, self.port,
                    "root = %s\n" % sao_root if sao_root else ""))
            # -d loads the database's pool at start: a first login on a
            # pool not loaded yet fails with KeyError 'res.user' on 8.0
            args = [
                str(BIN / 'trytond'), '-c', str(SHIPPED_CONFIG), str(config),
                '-d', database.name]
        with open(log, 'ab') as fp:
            self.process = subprocess.Popen(
                args, stdout=fp, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                pytest.fail("the server stopped (exit status %s):\n%s" % (
                        self.process.returncode, tail(log)))
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    break
            except urllib.error.HTTPError:
                # Answers, without a web client to serve
                break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("the server does not answer at %s:\n%s" % (
                        self.url, tail(log)))
            time.sleep(0.3)

    def client(self, login, password):
        from rpc import Client
        return Client(self.url, self.database.name, login, password)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope='session')
def artefacts():
    path = Path(os.environ.get('COMMONS_ARTEFACTS') or ROOT / 'artefacts')
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope='session')
def sao_root():
    "The web client's folder, or None when it is not installed"
    path = Path(os.environ.get('COMMONS_SAO_ROOT') or ROOT / 'var' / 'sao')
    return path if (path / 'index.html').is_file() else None


@pytest.fixture(scope='session')
def demo_database(artefacts, tmp_path_factory):
    """The demo database of the run's backend, built once for the session,
    with the output of the entrypoint that created it (initialised) and a
    copy of it as built, before any test wrote to it (built)"""
    folder = tmp_path_factory.mktemp('demo')
    database = Database('commons_demo_%s' % os.getpid(), folder)
    log = artefacts / ('demo-build-%s.log' % BACKEND)
    log.write_text('')
    database.drop()
    database.built = None
    try:
        database.initialised = build_demo(database, log)
        # Apart from the demo: the web client's login offers the only
        # database served
        built = folder / 'built'
        built.mkdir()
        database.built = database.copy(database.name + '_built', built)
        yield database
    finally:
        if database.built:
            database.built.drop()
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope='session')
def demo_server(demo_database, artefacts, sao_root, tmp_path_factory):
    "The demo served with the shipped configuration: one per session"
    folder = tmp_path_factory.mktemp('server')
    log = artefacts / ('trytond-%s.log' % BACKEND)
    log.write_text('')
    server = Server(demo_database, folder, log, sao_root=sao_root)
    try:
        yield server
    finally:
        server.stop()
