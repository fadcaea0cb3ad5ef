# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo database on the backend of TRYTOND_DATABASE_URI, served as the
project ships it, for the tests that talk to a real server.

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
            self.path.touch()
            self.config.write_text(
                "[database]\nuri = sqlite://\npath = %s\n" % path)

    def create(self):
        "Create the empty database (trytond-admin does not on PostgreSQL)"
        if BACKEND == 'postgresql':
            with pg_connect('postgres') as connection:
                connection.execute(
                    f'CREATE DATABASE "{self.name}" '
                    "TEMPLATE template0 ENCODING 'unicode'")

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
    started = time.monotonic()
    with open(log, 'ab') as fp:
        fp.write(b"== %s\n" % what.encode())
        fp.flush()
        process = subprocess.run(
            args, stdout=fp, stderr=subprocess.STDOUT, env=env,
            timeout=timeout, cwd=ROOT)
        fp.write(b"== %s: %.1f s\n" % (
                what.encode(), time.monotonic() - started))
    if process.returncode:
        pytest.fail("%s failed (exit status %s):\n%s" % (
                what, process.returncode, tail(log)))


def build_demo(database, log):
    "Create the database with trytond-admin and fill it with scripts/demo.py"
    passfile = database.folder / 'password'
    passfile.write_text('%s\n' % ADMIN[1])
    env = dict(clean_env(), TRYTONPASSFILE=str(passfile))
    run([
            str(BIN / 'trytond-admin'), '-c', str(database.config),
            '-d', database.name, '--all', '--activate-dependencies',
            '-u', *DEMO_MODULES, *DEMO_EXTRAS, '-l', 'fr',
            '--email', 'admin@example.org',
            ], log, env, "trytond-admin")
    run([
            sys.executable, str(ROOT / 'scripts' / 'demo.py'),
            '-c', str(database.config), '-d', database.name,
            ], log, env, "scripts/demo.py")


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
    "The demo database of the run's backend, built once for the session"
    folder = tmp_path_factory.mktemp('demo')
    database = Database('commons_demo_%s' % os.getpid(), folder)
    log = artefacts / ('demo-build-%s.log' % BACKEND)
    log.write_text('')
    database.drop()
    try:
        database.create()
        build_demo(database, log)
        yield database
    finally:
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
