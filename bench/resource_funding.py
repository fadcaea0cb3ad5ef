#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the first page of the resource funding analysis on PostgreSQL.

Reads the first page (80 rows) of commons.reporting.resource_funding over
1,000 resources x 5 fiscal years (needs, pledges) and 1,000,000 fund lines,
as the client's list does (search, then read of the list's fields), with
the fiscal year of the context as the menu opens it, and compares it with
the raw SQL aggregate that gives the same page, through the same cursor.
It also reads the first page without a fiscal year (5,000 rows to order).

Target: model time / SQL time <= 1.5.

Usage::

    python bench/resource_funding.py [--resources 1000] [--years 5]
        [--lines 1000000] [--page 80] [--database bench_commons_funding]
        [--keep] [--repeat 7] [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path

from fund_balances import (
    QueryCounter, admin_connect, create_company, drop_database)

RATIO_TARGET = 1.5
FIRST_YEAR = 2020
PG_URI = 'postgresql://postgres@127.0.0.1:5432/'
READ_FIELDS = [
    'fiscalyear', 'fiscalyear.rec_name', 'resource', 'resource.rec_name',
    'need', 'pledged', 'allocated', 'recognised', 'received', 'fees',
    'spent', 'available', 'gap', 'coverage', 'coverage_received', 'public',
    'company', 'currency']
START = time.perf_counter()

# 40 % receipt, 10 % fee, 10 % allocation, 40 % expense over the years
LINE_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, date, kind, amount, description)
SELECT
    0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.id, f.resource,
    make_date(%(first)s::integer, 1, 1)
        + (r.v * (%(years)s::integer * 365 - 1))::integer,
    CASE
        WHEN r.u < 0.40 THEN 'receipt'
        WHEN r.u < 0.50 THEN 'fee'
        WHEN r.u < 0.60 THEN 'allocation'
        ELSE 'expense' END,
    CASE
        WHEN r.u < 0.40 THEN ROUND((10 + r.v * 4990)::numeric, 2)
        WHEN r.u < 0.50 THEN -ROUND((1 + r.v * 249)::numeric, 2)
        WHEN r.u < 0.60 THEN ROUND((r.v * 2000)::numeric, 2)
        ELSE -ROUND((5 + r.v * 2995)::numeric, 2) END,
    'bench line ' || r.g
FROM (
    SELECT g, random() AS u, random() AS v
    FROM generate_series(%(start)s::integer, %(stop)s::integer) AS g) AS r
JOIN (
    SELECT id, resource, (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM commons_fund) AS f
    ON f.rn = r.g %% %(funds)s::integer
"""

# Two needs and one confirmed pledge per resource and year
NEED_SQL = """
INSERT INTO commons_resource_need (
    create_uid, create_date, resource, fiscalyear, category, amount)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', r.id, y.id, c.category,
    ROUND((1000 + random() * 20000)::numeric, 2)
FROM commons_resource AS r
CROSS JOIN account_fiscalyear AS y
CROSS JOIN (VALUES ('development'), ('hosting')) AS c (category)
"""
PLEDGE_SQL = """
INSERT INTO commons_pledge (
    create_uid, create_date, company, funder, funding_type, fund, resource,
    amount, currency, company_amount, date, fiscalyear, conditional, state)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.company, %(funder)s,
    'donation', f.id, f.resource, a.amount, %(currency)s, a.amount,
    y.start_date, y.id, false, 'confirmed'
FROM commons_fund AS f
CROSS JOIN account_fiscalyear AS y
CROSS JOIN LATERAL (
    SELECT ROUND((500 + random() * 15000)::numeric, 2) AS amount) AS a
"""

# Received: the income of a posted invoice in proportion of what is paid of
# it (its receivable lines not reconciled, in company currency here), the
# rest once posted.  The joins of the fund lines "fl" it needs:
RECEIVED_JOINS = """
    LEFT JOIN account_move_line AS ml ON ml.id = fl.move_line
    LEFT JOIN account_invoice AS i
        ON i.move = ml.move AND i.state = 'posted'
    LEFT JOIN (
        SELECT i2.id AS invoice, i2.total_amount_cache AS total,
            SUM(ml2.debit - ml2.credit) FILTER (
                WHERE ml2.reconciliation IS NULL) AS to_pay
        FROM account_invoice AS i2
        JOIN account_move_line AS ml2
            ON ml2.move = i2.move AND ml2.account = i2.account
        WHERE i2.state = 'posted'
        GROUP BY i2.id) AS tp ON tp.invoice = i.id
"""
RECEIVED = "fl.amount * (1 - COALESCE(tp.to_pay / NULLIF(tp.total, 0), 0))"

# The same page as the model: the rows of the year ordered by resource code
# with every figure, in one statement.
PAGE_SQL = """
WITH page AS (
    SELECT r.id AS resource, y.id AS fiscalyear, y.start_date, y.end_date
    FROM commons_resource AS r
    JOIN account_fiscalyear AS y ON y.company = r.company
    WHERE r.company = %(company)s AND y.id = %(fiscalyear)s
    ORDER BY r.code, r.id
    LIMIT %(page)s)
SELECT p.resource,
    (SELECT SUM(n.amount) FROM commons_resource_need AS n
        WHERE n.resource = p.resource AND n.fiscalyear = p.fiscalyear),
    (SELECT SUM(pl.company_amount) FROM commons_pledge AS pl
        WHERE pl.resource = p.resource AND pl.fiscalyear = p.fiscalyear
        AND pl.state IN ('confirmed', 'done')),
    l.recognised, l.fees, l.allocated, l.spent, l.available, l.received
FROM page AS p
LEFT JOIN LATERAL (
    SELECT
        SUM(fl.amount) FILTER (WHERE fl.date >= p.start_date
            AND fl.kind IN ('receipt', 'reciprocity', 'refund'))
            AS recognised,
        SUM(%(received)s)
            FILTER (WHERE fl.date >= p.start_date
            AND fl.kind IN ('receipt', 'reciprocity', 'refund'))
            AS received,
        SUM(fl.amount) FILTER (WHERE fl.date >= p.start_date
            AND fl.kind = 'fee') AS fees,
        SUM(fl.amount) FILTER (WHERE fl.date >= p.start_date
            AND fl.kind = 'allocation') AS allocated,
        -SUM(fl.amount) FILTER (WHERE fl.date >= p.start_date
            AND fl.kind = 'expense') AS spent,
        SUM(fl.amount) AS available
    FROM commons_fund_line AS fl%(joins)s
    WHERE fl.resource = p.resource AND fl.date <= p.end_date) AS l ON true
""".replace('%(received)s', RECEIVED).replace('%(joins)s', RECEIVED_JOINS)


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--resources', type=int, default=1000)
    parser.add_argument('--years', type=int, default=5)
    parser.add_argument('--lines', type=int, default=1_000_000)
    parser.add_argument('--page', type=int, default=80,
        help="rows of the first page (default: %(default)s)")
    parser.add_argument('--database', default='bench_commons_funding')
    parser.add_argument('--keep', action='store_true',
        help="keep the database (reused when the counts match)")
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when the target is missed")
    return parser.parse_args(argv)


def database_counts(name):
    "None when missing, else (resources, years, lines)"
    with admin_connect() as conn:
        if not conn.execute('SELECT 1 FROM pg_database WHERE datname = %s',
                (name,)).fetchone():
            return None
    with admin_connect(name) as conn:
        if not conn.execute(
                "SELECT to_regclass('commons_fund_line')").fetchone()[0]:
            return ()
        return tuple(conn.execute(sql).fetchone()[0] for sql in [
                'SELECT COUNT(*) FROM commons_resource',
                'SELECT COUNT(*) FROM account_fiscalyear',
                'SELECT COUNT(*) FROM commons_fund_line'])


def create_database(name, folder):
    from psycopg.sql import SQL, Identifier
    with admin_connect() as conn:
        conn.execute(SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'unicode'")
            .format(Identifier(name)))
    config = Path(folder) / 'trytond.conf'
    config.write_text("[database]\nuri = %s\n" % os.environ[
            'TRYTOND_DATABASE_URI'])
    passfile = Path(folder) / 'admin-password'
    passfile.write_text('admin\n')
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k != 'DB_NAME'}
    env['TRYTONPASSFILE'] = str(passfile)
    log("trytond-admin: activating commons_reporting on %s", name)
    subprocess.run([
            str(Path(sys.executable).parent / 'trytond-admin'),
            '-c', str(config), '-d', name, '--all',
            '--activate-dependencies', '-u', 'commons_reporting',
            '--email', 'admin@example.org'],
        env=env, check=True, stdout=subprocess.DEVNULL)


def create_records(pool, name, args):
    "Company, fiscal years, resources and their funds through the model"
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        # Creating fiscal years locks tables: restart the transaction with
        # the locks as trytond's dispatcher does
        with Transaction().start(name, 0, **extras) as transaction:
            try:
                result = _create_records(pool, args)
            except TransactionError as exception:
                transaction.rollback()
                exception.fix(extras)
                continue
            transaction.commit()
            break
    log("company, %d years, %d resources and funds created",
        args.years, args.resources)
    return result


def _create_records(pool, args):
    from trytond.modules.account.tests.test_module import get_fiscalyear
    from trytond.transaction import Transaction
    Fund = pool.get('commons.fund')
    Party = pool.get('party.party')
    Resource = pool.get('commons.resource')
    company = create_company(pool)
    with Transaction().set_context(company=company.id):
        for year in range(FIRST_YEAR, FIRST_YEAR + args.years):
            get_fiscalyear(company, dt.date(year, 6, 1)).save()
        resources = Resource.create([{
                    'name': "Resource %04d" % i,
                    'code': 'R%04d' % i,
                    'kind': 'software',
                    'company': company.id,
                    } for i in range(args.resources)])
        Fund.create([{
                    'name': "Fund %04d" % i,
                    'code': 'F%04d' % i,
                    'type': 'earmarked',
                    'resource': r.id,
                    'company': company.id,
                    } for i, r in enumerate(resources)])
        funder, = Party.create([{'name': "Bench Funder"}])
    return company.id, company.currency.id, funder.id


def insert_rows(name, args, company, currency, funder):
    chunk = 100_000
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        conn.execute(NEED_SQL)
        conn.execute(PLEDGE_SQL, {'funder': funder, 'currency': currency})
        for start in range(0, args.lines, chunk):
            stop = min(start + chunk, args.lines) - 1
            with conn.transaction():
                conn.execute(LINE_SQL, {
                        'start': start, 'stop': stop,
                        'funds': args.resources, 'first': FIRST_YEAR,
                        'years': args.years})
            log("%d / %d fund lines inserted", stop + 1, args.lines)
        for table in ['commons_fund_line', 'commons_resource_need',
                'commons_pledge', 'commons_resource', 'commons_fund']:
            conn.execute('VACUUM ANALYZE %s' % table)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', PG_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()

    name = args.database
    folder = tempfile.mkdtemp(prefix='bench-funding-')
    counts = database_counts(name)
    if counts == ():
        sys.exit("database %r exists and is not a benchmark database" % name)
    if counts and counts != (args.resources, args.years, args.lines):
        log("database %s has %s, rebuilding", name, counts)
        drop_database(name)
        counts = None
    built = counts is None
    try:
        if built:
            create_database(name, folder)
        pool = Pool(name)
        pool.init()
        if built:
            company, currency, funder = create_records(pool, name, args)
            insert_rows(name, args, company, currency, funder)
        else:
            log("reusing database %s", name)
        with Transaction().start(name, 0, readonly=True):
            company, = pool.get('company.company').search([])
            fiscalyear, = pool.get('account.fiscalyear').search([
                    ('name', '=', str(FIRST_YEAR + args.years - 1))])
            company, fiscalyear = company.id, fiscalyear.id
        results = measure(args, name, pool, company, fiscalyear)
    finally:
        if not args.keep:
            drop_database(name)
            log("database %s dropped", name)
    return report(args, results, built)


def measure(args, name, pool, company, fiscalyear):
    from trytond.transaction import Transaction

    def model(check_access=False, counter=None, year=fiscalyear):
        context = {'company': company, '_check_access': check_access}
        if year:
            context['fiscalyear'] = year
        with Transaction().start(name, 1, readonly=True, context=context):
            Funding = pool.get('commons.reporting.resource_funding')
            with counter or nullcontext():
                start = time.perf_counter()
                records = Funding.search([], limit=args.page)
                rows = Funding.read([r.id for r in records], READ_FIELDS)
                duration = time.perf_counter() - start
        by_id = {row['id']: row for row in rows}
        return duration, [by_id[r.id] for r in records]

    def sql():
        with Transaction().start(name, 1, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            start = time.perf_counter()
            cursor.execute(PAGE_SQL, {
                    'company': company, 'fiscalyear': fiscalyear,
                    'page': args.page})
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, rows

    sql()
    model()
    measures = {
        'sql': sql,
        'model': model,
        'model_access': lambda: model(check_access=True),
        'model_all_years': lambda: model(year=None),
        }
    durations = {k: [] for k in measures}
    results = {}
    for i in range(args.repeat):
        for key, func in measures.items():
            duration, results[key] = func()
            durations[key].append(duration)
        log("round %d/%d: SQL %.1f ms, model %.1f ms", i + 1, args.repeat,
            durations['sql'][-1] * 1000, durations['model'][-1] * 1000)
    r = {k: statistics.median(v) for k, v in durations.items()}
    r.update({k + '_min': min(v) for k, v in durations.items()})
    counter = QueryCounter()
    model(counter=counter)
    r['queries'] = counter.counts
    r['sql_in_model'] = counter.duration

    def money(value):
        return Decimal(value or 0).quantize(Decimal('0.01'))
    sql_page = [
        (row[0], money(row[1]), money(row[2]), money(row[3]),
            money(row[4]), money(row[5]), money(row[6]), money(row[7]),
            money(row[8]))
        for row in results['sql']]
    model_page = [
        (row['resource'], row['need'], row['pledged'], row['recognised'],
            row['fees'], row['allocated'], row['spent'], row['available'],
            row['received'])
        for row in results['model']]
    r['same_page'] = sql_page == model_page
    r['rows'] = len(model_page)
    return r


def report(args, r, built):
    ratio = r['model'] / r['sql']
    ok = ratio <= RATIO_TARGET and r['same_page']
    rows = [
        ("resources x years", '%d x %d' % (args.resources, args.years)),
        ("fund lines", '{:,}'.format(args.lines)),
        ("rows of the page", '%d' % r['rows']),
        ("raw SQL aggregate, same page (b)", '%.1f ms (min %.1f)' % (
                r['sql'] * 1000, r['sql_min'] * 1000)),
        ("model search + read, one year (a)", '%.1f ms (min %.1f)' % (
                r['model'] * 1000, r['model_min'] * 1000)),
        ("  of which SQL execute (1 run)", '%.1f ms' % (
                r['sql_in_model'] * 1000)),
        ("model with access checks", '%.1f ms (min %.1f)' % (
                r['model_access'] * 1000, r['model_access_min'] * 1000)),
        ("model, every year (no fiscal year)", '%.1f ms (min %.1f)' % (
                r['model_all_years'] * 1000,
                r['model_all_years_min'] * 1000)),
        ("ratio a/b (target <= %.1f)" % RATIO_TARGET, '%.2f %s' % (
                ratio, 'PASS' if ratio <= RATIO_TARGET else 'FAIL')),
        ("ratio of the minimums", '%.2f' % (
                r['model_min'] / r['sql_min'])),
        ("model page == SQL page", 'yes' if r['same_page'] else 'NO'),
        ]
    width = max(len(label) for label, _ in rows)
    print()
    print("Resource funding, first page (median of %d, PostgreSQL%s)" % (
            args.repeat, '' if built else ', reused database'))
    for label, value in rows:
        print('%-*s  %s' % (width, label, value))
    print("queries of the model's search + read:")
    for query, count in r['queries'].most_common():
        print('  %5d  %s' % (count, query))
    print("verdict: %s" % ('target met' if ok else 'target missed'))
    return 1 if args.check and not ok else 0


if __name__ == '__main__':
    sys.exit(main())
