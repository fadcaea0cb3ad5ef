#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the first page of the participation ledger on PostgreSQL.

Reads the first page (80 rows, default order) of
commons.contribution.participation over 100,000 validated contributions,
as the client's list does (search, then read of the list's fields), and
compares it with the raw SQL aggregate that gives the same page, through
the same cursor.

Target: model time / SQL time <= 1.5.

Usage::

    python bench/participation.py [--contributions 100000]
        [--resources 50] [--contributors 300] [--page 80]
        [--database bench_commons_participation] [--keep] [--repeat 7]
        [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext

import contribution_data as data
from fund_balances import QueryCounter, admin_connect

RATIO_TARGET = 1.5
READ_FIELDS = [
    'resource', 'resource.rec_name', 'contributor', 'contributor.rec_name',
    'validated_amount', 'paid_amount', 'volunteer_amount', 'debt_amount',
    'share', 'company', 'company.rec_name', 'currency']

# 90 % validated (a third of them paid), 10 % submitted (not counted);
# contributors skewed: a few give much, many give little.
CONTRIBUTION_SQL = """
INSERT INTO commons_contribution (
    create_uid, create_date, company, contributor, resource, date, kind,
    quantity, unit_price, amount, remuneration, reference, state,
    description)
SELECT
    0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(company)s, p.id, r.id,
    DATE '2023-01-01' + (x.v * 1000)::integer, 'work',
    x.q, 35, ROUND((x.q * 35)::numeric, 2),
    CASE WHEN x.u < 0.33 THEN 'paid' ELSE 'volunteer' END,
    'BENCH-' || x.g,
    CASE WHEN x.w < 0.9 THEN 'validated' ELSE 'submitted' END,
    'bench contribution ' || x.g
FROM (
    SELECT g, random() AS u, random() AS v, random() AS w,
        ROUND((0.25 + random() * 8)::numeric, 2)::float AS q,
        FLOOR(POWER(random(), 2) * %(contributors)s)::integer AS pc
    FROM generate_series(%(start)s::integer, %(stop)s::integer) AS g) AS x
JOIN (
    SELECT id, (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM commons_resource) AS r
    ON r.rn = x.g %% %(resources)s::integer
JOIN (
    SELECT id, (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM party_party WHERE name LIKE 'Contributor %%') AS p
    ON p.rn = x.pc
"""

# The same page as the model: the aggregate of the view, ordered as its
# default order (resource by name, validated value DESC, id).
PAGE_SQL = """
SELECT CAST(c.resource AS BIGINT) * 2147483648 + c.contributor AS id,
    c.resource, c.contributor,
    ROUND(COALESCE(SUM(c.amount), 0), cu.digits) AS validated,
    ROUND(COALESCE(SUM(CASE WHEN c.remuneration = 'paid'
        THEN c.amount ELSE 0 END), 0), cu.digits) AS paid,
    ROUND(COALESCE(SUM(CASE WHEN c.remuneration = 'volunteer'
        THEN c.amount ELSE 0 END), 0), cu.digits) AS volunteer,
    ROUND(COALESCE(SUM(CASE WHEN c.remuneration = 'paid'
        AND (c.state = 'validated' OR i.state IS NULL OR i.state != 'paid')
        THEN c.amount ELSE 0 END), 0), cu.digits) AS debt,
    CAST(SUM(c.amount) AS FLOAT) / NULLIF(CAST(SUM(SUM(c.amount))
        OVER (PARTITION BY c.resource) AS FLOAT), 0) AS share
FROM commons_contribution AS c
JOIN company_company AS co ON co.id = c.company
JOIN currency_currency AS cu ON cu.id = co.currency
LEFT JOIN account_invoice_line AS l ON l.id = c.invoice_line
LEFT JOIN account_invoice AS i ON i.id = l.invoice
JOIN commons_resource AS r ON r.id = c.resource
WHERE c.state IN ('validated', 'invoiced') AND c.company = %(company)s
GROUP BY c.company, c.resource, c.contributor, cu.digits, r.name, r.id
ORDER BY r.name, r.id, validated DESC, id
LIMIT %(page)s
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--contributions', type=int, default=100_000)
    parser.add_argument('--resources', type=int, default=50)
    parser.add_argument('--contributors', type=int, default=300)
    parser.add_argument('--page', type=int, default=80,
        help="rows of the first page (default: %(default)s)")
    parser.add_argument('--database', default='bench_commons_participation')
    parser.add_argument('--keep', action='store_true',
        help="keep the database (reused when the counts match)")
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when the target is missed")
    return parser.parse_args(argv)


def insert_contributions(name, company, args):
    chunk = 50_000
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        for start in range(0, args.contributions, chunk):
            stop = min(start + chunk, args.contributions) - 1
            with conn.transaction():
                conn.execute(CONTRIBUTION_SQL, {
                        'company': company, 'start': start, 'stop': stop,
                        'resources': args.resources,
                        'contributors': args.contributors})
            data.log("%d / %d contributions inserted", stop + 1,
                args.contributions)
        conn.execute('VACUUM ANALYZE commons_contribution')
        conn.execute('ANALYZE commons_resource')
        conn.execute('ANALYZE party_party')


def database_counts(name):
    "None when missing, else (contributions, resources)"
    with admin_connect() as conn:
        if not conn.execute('SELECT 1 FROM pg_database WHERE datname = %s',
                (name,)).fetchone():
            return None
    with admin_connect(name) as conn:
        if not conn.execute(
                "SELECT to_regclass('commons_contribution')").fetchone()[0]:
            return ()
        return (
            conn.execute('SELECT COUNT(*) FROM commons_contribution'
                ).fetchone()[0],
            conn.execute('SELECT COUNT(*) FROM commons_resource'
                ).fetchone()[0])


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', data.PG_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")
    from proteus import config as pconfig

    from trytond.transaction import Transaction

    name = args.database
    folder = tempfile.mkdtemp(prefix='bench-participation-')
    config_file = data.write_config('postgresql', folder)
    counts = database_counts(name)
    if counts == ():
        sys.exit("database %r exists and is not a commons_contribution "
            "benchmark database" % name)
    if counts and counts != (args.contributions, args.resources):
        data.log("database %s has %s contributions, rebuilding", name,
            counts[0])
        data.drop('postgresql', name, folder)
        counts = None
    built = counts is None
    try:
        if built:
            data.create_database('postgresql', name, config_file, folder)
        config = pconfig.set_trytond(name, config_file=str(config_file))
        pool = config.pool
        if built:
            company = data.setup_records(
                pool, name, resources=args.resources,
                contributors=args.contributors)
            insert_contributions(name, company, args)
            config = pconfig.set_trytond(name, config_file=str(config_file))
        else:
            data.log("reusing database %s", name)
        with Transaction().start(name, 0, readonly=True):
            company, = pool.get('company.company').search([])
            company = company.id
        results = measure(args, name, pool, config.user, company)
    finally:
        if not args.keep:
            data.drop('postgresql', name, folder)
            data.log("database %s dropped", name)
    return report(args, results, built)


def measure(args, name, pool, user, company):
    from trytond.transaction import Transaction

    def model(check_access=False, counter=None):
        with Transaction().start(name, user, readonly=True, context={
                    'company': company, '_check_access': check_access}):
            Participation = pool.get('commons.contribution.participation')
            with counter or nullcontext():
                start = time.perf_counter()
                records = Participation.search([], limit=args.page)
                rows = Participation.read(
                    [r.id for r in records], READ_FIELDS)
                duration = time.perf_counter() - start
        # read() does not keep the order of the ids: the list does
        by_id = {row['id']: row for row in rows}
        return duration, [by_id[r.id] for r in records]

    def sql():
        with Transaction().start(name, user, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            start = time.perf_counter()
            cursor.execute(PAGE_SQL, {'company': company, 'page': args.page})
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, rows

    sql()
    model()
    model(check_access=True)
    measures = {
        'sql': sql,
        'model': model,
        'model_access': lambda: model(check_access=True),
        }
    durations = {k: [] for k in measures}
    results = {}
    for i in range(args.repeat):
        for key, func in measures.items():
            duration, results[key] = func()
            durations[key].append(duration)
        data.log("round %d/%d: SQL %.1f ms, model %.1f ms", i + 1,
            args.repeat, durations['sql'][-1] * 1000,
            durations['model'][-1] * 1000)
    r = {k: statistics.median(v) for k, v in durations.items()}
    r.update({k + '_min': min(v) for k, v in durations.items()})
    counter = QueryCounter()
    model(counter=counter)
    r['queries'] = counter.counts
    r['sql_in_model'] = counter.duration
    sql_page = [row[:4] for row in results['sql']]
    model_page = [(row['id'], row['resource'], row['contributor'],
            row['validated_amount']) for row in results['model']]
    r['same_page'] = sql_page == model_page
    r['rows'] = len(model_page)
    return r


def report(args, r, built):
    ratio = r['model'] / r['sql']
    ok = ratio <= RATIO_TARGET and r['same_page']
    rows = [
        ("contributions", '{:,}'.format(args.contributions)),
        ("resources x contributors", '%d x %d' % (
                args.resources, args.contributors)),
        ("rows of the page", '%d' % r['rows']),
        ("raw SQL aggregate, same page (b)", '%.1f ms (min %.1f)' % (
                r['sql'] * 1000, r['sql_min'] * 1000)),
        ("model search + read (a)", '%.1f ms (min %.1f)' % (
                r['model'] * 1000, r['model_min'] * 1000)),
        ("  of which SQL execute (1 run)", '%.1f ms' % (
                r['sql_in_model'] * 1000)),
        ("model with access checks", '%.1f ms (min %.1f)' % (
                r['model_access'] * 1000, r['model_access_min'] * 1000)),
        ("ratio a/b (target <= %.1f)" % RATIO_TARGET, '%.2f %s' % (
                ratio, 'PASS' if ratio <= RATIO_TARGET else 'FAIL')),
        ("ratio of the minimums", '%.2f' % (
                r['model_min'] / r['sql_min'])),
        ("model page == SQL page", 'yes' if r['same_page'] else 'NO'),
        ]
    width = max(len(label) for label, _ in rows)
    print()
    print("Participation, first page (median of %d, PostgreSQL%s)" % (
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
