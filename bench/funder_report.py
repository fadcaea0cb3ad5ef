#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the funder report of a funder with 10,000 lines (PostgreSQL).

One funder pledged to 20 resources for the year and brought 10,000 receipt
lines (with their host fees); 2,000 expenses are paid from those funds and
100,000 lines of other funders are around.  Measures the rows of the funder
analysis (search + read, spending share included) against the raw SQL
aggregate of the same rows, and the time to print the funder report (ODT)
from them.

Target: analysis time / SQL time <= 1.5; the report is timed for reference.

Usage::

    python bench/funder_report.py [--lines 10000] [--resources 20]
        [--database bench_commons_funder] [--keep] [--repeat 5] [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import resource_funding as rf
from fund_balances import admin_connect, drop_database

RATIO_TARGET = 1.5
YEAR = rf.FIRST_YEAR
READ_FIELDS = [
    'funder', 'fund', 'resource', 'fiscalyear', 'pledged', 'recognised',
    'received', 'fees', 'net', 'spent', 'remaining']

PLEDGE_SQL = """
INSERT INTO commons_pledge (
    create_uid, create_date, company, funder, funding_type, fund, resource,
    amount, currency, company_amount, date, fiscalyear, conditional, state)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.company, p.id,
    'donation', f.id, f.resource, 100000, %(currency)s, 100000,
    y.start_date, y.id, false, 'confirmed'
FROM commons_fund AS f
CROSS JOIN account_fiscalyear AS y
CROSS JOIN party_party AS p
WHERE p.name LIKE 'Bench Funder%%'
"""
# Receipts of the pledges of the funder (index 0 gets --lines), then the
# others; a fee for every receipt; expenses of the funds
LINE_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, date, kind, amount, pledge,
    description)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', pl.fund, pl.resource,
    pl.date + (random() * 300)::integer, k.kind,
    CASE k.kind WHEN 'receipt' THEN 100 ELSE -5 END, pl.id,
    'bench ' || g
FROM generate_series(1, %(count)s) AS g
JOIN (
    SELECT id, fund, resource, date,
        (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM commons_pledge WHERE funder = %(funder)s) AS pl
    ON pl.rn = g %% %(resources)s
CROSS JOIN (VALUES ('receipt'), ('fee')) AS k (kind)
"""
EXPENSE_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, date, kind, amount, description)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.id, f.resource,
    make_date(%(year)s, 1, 1) + (random() * 360)::integer, 'expense',
    -ROUND((10 + random() * 500)::numeric, 2), 'expense ' || g
FROM generate_series(1, %(count)s) AS g
JOIN (
    SELECT id, resource, (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM commons_fund) AS f ON f.rn = g %% %(resources)s
"""
ROWS_SQL = """
SELECT MIN(p.id), p.funder, p.fund, p.resource, p.fiscalyear,
    SUM(p.company_amount), SUM(COALESCE(l.recognised, 0)),
    SUM(COALESCE(l.fees, 0)), SUM(COALESCE(l.received, 0))
FROM commons_pledge AS p
LEFT JOIN (
    SELECT fl.pledge,
        SUM(fl.amount) FILTER (
            WHERE fl.kind IN ('receipt', 'reciprocity', 'refund'))
            AS recognised,
        SUM(%(received)s)
            FILTER (WHERE fl.kind IN ('receipt', 'reciprocity', 'refund'))
            AS received,
        SUM(fl.amount) FILTER (WHERE fl.kind = 'fee') AS fees
    FROM commons_fund_line AS fl%(joins)s
    WHERE fl.pledge IS NOT NULL GROUP BY fl.pledge) AS l
    ON l.pledge = p.id
WHERE p.funder = %(funder)s AND p.fiscalyear = %(fiscalyear)s
    AND p.state IN ('confirmed', 'done') AND p.company = %(company)s
GROUP BY p.funder, p.fund, p.resource, p.fiscalyear
""".replace('%(received)s', rf.RECEIVED).replace(
    '%(joins)s', rf.RECEIVED_JOINS)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--lines', type=int, default=10_000)
    parser.add_argument('--resources', type=int, default=20)
    parser.add_argument('--database', default='bench_commons_funder')
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--check', action='store_true')
    return parser.parse_args(argv)


def build(pool, name, args):
    from trytond.transaction import Transaction
    ns = argparse.Namespace(resources=args.resources, years=1)
    company, currency, _ = rf.create_records(pool, name, ns)
    with Transaction().start(name, 0) as transaction:
        Party = pool.get('party.party')
        funders = Party.create([
                {'name': "Bench Funder %02d" % i} for i in range(10)])
        transaction.commit()
        funder = funders[0].id
        others = [f.id for f in funders[1:]]
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        conn.execute(PLEDGE_SQL, {'currency': currency})
        conn.execute(LINE_SQL, {'count': args.lines, 'funder': funder,
                'resources': args.resources})
        for other in others:
            conn.execute(LINE_SQL, {'count': args.lines, 'funder': other,
                    'resources': args.resources})
        conn.execute(EXPENSE_SQL, {'count': 2000, 'year': YEAR,
                'resources': args.resources})
        conn.execute('VACUUM ANALYZE commons_fund_line')
        conn.execute('VACUUM ANALYZE commons_pledge')
    rf.log("pledges and lines inserted")


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', rf.PG_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    name = args.database
    folder = tempfile.mkdtemp(prefix='bench-funder-')
    counts = rf.database_counts(name)
    built = counts is None or not args.keep
    if counts is not None and built:
        drop_database(name)
    try:
        if built:
            rf.create_database(name, folder)
        pool = Pool(name)
        pool.init()
        if built:
            build(pool, name, args)
        with Transaction().start(name, 0, readonly=True):
            company, = pool.get('company.company').search([])
            fiscalyear, = pool.get('account.fiscalyear').search([])
            funder, = pool.get('party.party').search([
                    ('name', '=', "Bench Funder 00")])
            ids = (company.id, fiscalyear.id, funder.id)
        results = measure(args, name, pool, *ids)
    finally:
        if not args.keep:
            drop_database(name)
    return report(args, results)


def measure(args, name, pool, company, fiscalyear, funder):
    from trytond.transaction import Transaction
    context = {'company': company, 'fiscalyear': fiscalyear}

    def model():
        with Transaction().start(name, 1, readonly=True, context=context):
            Funder = pool.get('commons.reporting.funder')
            start = time.perf_counter()
            records = Funder.search([('funder', '=', funder)])
            rows = Funder.read([r.id for r in records], READ_FIELDS)
            duration = time.perf_counter() - start
        return duration, rows

    def sql():
        with Transaction().start(name, 1, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            start = time.perf_counter()
            cursor.execute(ROWS_SQL, {'funder': funder,
                    'fiscalyear': fiscalyear, 'company': company})
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, rows

    def print_report():
        with Transaction().start(name, 1, readonly=True, context=context):
            Funder = pool.get('commons.reporting.funder')
            Report = pool.get('commons.reporting.funder.report', type='report')
            records = Funder.search([('funder', '=', funder)])
            start = time.perf_counter()
            ext, content, _, _ = Report.execute([r.id for r in records], {})
            duration = time.perf_counter() - start
        return duration, (ext, len(content))

    sql()
    model()
    durations = {'sql': [], 'model': [], 'report': []}
    results = {}
    for i in range(args.repeat):
        for key, func in [('sql', sql), ('model', model),
                ('report', print_report)]:
            duration, results[key] = func()
            durations[key].append(duration)
        rf.log("round %d/%d: SQL %.1f ms, model %.1f ms, report %.1f ms",
            i + 1, args.repeat, *(durations[k][-1] * 1000
                for k in ['sql', 'model', 'report']))
    r = {k: statistics.median(v) for k, v in durations.items()}
    r['rows'] = len(results['model'])
    r['same'] = (
        sorted((row[0], row[6], round(row[8], 2))
            for row in results['sql'])
        == sorted((row['id'], row['recognised'], row['received'])
            for row in results['model']))
    r['report_size'] = results['report'][1]
    return r


def report(args, r):
    ratio = r['model'] / r['sql']
    ok = ratio <= RATIO_TARGET and r['same']
    print()
    print("Funder report, %d lines of the funder (median of %d, PostgreSQL)"
        % (args.lines, args.repeat))
    for label, value in [
            ("rows (funds of the funder)", '%d' % r['rows']),
            ("raw SQL aggregate (b)", '%.1f ms' % (r['sql'] * 1000)),
            ("analysis search + read (a)", '%.1f ms' % (r['model'] * 1000)),
            ("ratio a/b (target <= %.1f)" % RATIO_TARGET, '%.2f %s' % (
                    ratio, 'PASS' if ratio <= RATIO_TARGET else 'FAIL')),
            ("report printed (ODT)", '%.1f ms, %d bytes' % (
                    r['report'] * 1000, r['report_size'])),
            ("analysis == SQL", 'yes' if r['same'] else 'NO'),
            ]:
        print('%-32s  %s' % (label, value))
    print("verdict: %s" % ('target met' if ok else 'target missed'))
    return 1 if args.check and not ok else 0


if __name__ == '__main__':
    sys.exit(main())
