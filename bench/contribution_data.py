# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Helpers of the commons_contribution benchmarks (not a benchmark).

A database with commons_contribution made by trytond-admin on SQLite or
PostgreSQL, a company with resources, contributors and a rate grid.
PostgreSQL administration is fund_balances.py's.
"""
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from fund_balances import admin_connect, create_company, drop_database

ROOT = Path(__file__).resolve().parent.parent
PG_URI = 'postgresql://postgres@127.0.0.1:5432/'
MODULE = 'commons_contribution'
START = time.perf_counter()


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        file=sys.stderr, flush=True)


def write_config(backend, folder):
    "Return the trytond.conf of the backend (SQLite files in folder)"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / ('trytond-%s.conf' % backend)
    if backend == 'postgresql':
        uri = os.environ.get('TRYTOND_DATABASE_URI', PG_URI)
        if not uri.startswith('postgresql'):
            uri = PG_URI
        config.write_text("[database]\nuri = %s\n" % uri)
    else:
        (folder / 'db').mkdir(exist_ok=True)
        config.write_text("[database]\nuri = sqlite://\npath = %s\n"
            % (folder / 'db'))
    return config


def database_exists(backend, name, folder):
    if backend == 'postgresql':
        with admin_connect() as conn:
            return bool(conn.execute(
                    'SELECT 1 FROM pg_database WHERE datname = %s',
                    (name,)).fetchone())
    return (Path(folder) / 'db' / ('%s.sqlite' % name)).exists()


def create_database(backend, name, config, folder):
    "Create the database and activate the module with trytond-admin"
    from psycopg.sql import SQL, Identifier
    if backend == 'postgresql':
        with admin_connect() as conn:
            conn.execute(SQL(
                    "CREATE DATABASE {} TEMPLATE template0 "
                    "ENCODING 'unicode'").format(Identifier(name)))
    else:
        (Path(folder) / 'db' / ('%s.sqlite' % name)).touch()
    passfile = Path(folder) / 'admin-password'
    passfile.write_text('admin\n')
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k != 'DB_NAME'}
    env['TRYTONPASSFILE'] = str(passfile)
    log("trytond-admin: activating %s on %s (%s)", MODULE, name, backend)
    subprocess.run([
            str(Path(sys.executable).parent / 'trytond-admin'),
            '-c', str(config), '-d', name, '--all',
            '--activate-dependencies', '-u', MODULE,
            '--email', 'admin@example.org'],
        env=env, check=True, stdout=subprocess.DEVNULL)


def drop(backend, name, folder):
    if backend == 'postgresql':
        drop_database(name)
    else:
        path = Path(folder) / 'db' / ('%s.sqlite' % name)
        if path.exists():
            path.unlink()


def setup_records(pool, database, resources=20, contributors=500):
    """Create the company (EUR), resources R000..., contributors
    "Contributor 0000"..., the default rate, resource and contributor
    rates; return the company id"""
    from trytond.transaction import Transaction

    # The configuration is a singleton: creating it locks its table
    with Transaction().start(database, 0,
            _lock_tables=['commons_configuration']) as transaction:
        Party = pool.get('party.party')
        Resource = pool.get('commons.resource')
        Configuration = pool.get('commons.configuration')
        Rate = pool.get('commons.contribution.rate')

        company = create_company(pool)
        with transaction.set_context(company=company.id):
            configuration = Configuration(1)
            configuration.default_hourly_rate = Decimal('35')
            configuration.save()
            Resource.create([{
                        'name': "Resource %03d" % i,
                        'code': 'R%03d' % i,
                        'kind': 'software',
                        'contribution_hourly_rate': (
                            Decimal(30 + i) if i % 2 else None),
                        } for i in range(resources)])
            parties = Party.create([{
                        'name': "Contributor %04d" % i,
                        } for i in range(contributors)])
            Rate.create([{
                        'company': company.id,
                        'party': p.id,
                        'rate': Decimal(45),
                        } for p in parties[::10]])
        transaction.commit()
        return company.id


def has_company(pool, database):
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True):
        return bool(pool.get('company.company').search([]))


def clear_contributions(pool, database):
    "Delete the contributions and their history with raw SQL"
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('DELETE FROM commons_contribution__history')
        cursor.execute('DELETE FROM commons_contribution')
        transaction.commit()
