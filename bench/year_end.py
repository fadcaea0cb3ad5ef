#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the year end of dedicated funds over 1,000 funds on PostgreSQL.

Runs ``commons.fund.dedicated.close_fiscalyear`` (what the wizard does: the
checks, the aggregate of the fund ledger by fund, pledge and kind, the
attribution of each pledge, the annex rows, their detail by pledge and the
posted move) for 2024, then for 2025 whose opening is
2024's closing, and compares it with the raw SQL aggregate of the same fund
ledger lines, through the same cursor.  It checks that the 19x balances of
the general ledger equal the annex's closing totals.

Targets: year end / raw SQL aggregate reported (no fixed target: the year
end also writes one row per fund and origin and posts a move); the queries
of each year end are counted and printed; ledger == annex.

Usage::

    python bench/year_end.py [--funds 1000] [--lines 200000]
        [--database bench_commons_year_end] [--keep] [--repeat 5] [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import time
from decimal import Decimal

from fund_balances import (
    QueryCounter, admin_connect, create_company, create_database,
    database_state, drop_database)

DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
FEW = 10
START = time.perf_counter()
YEARS = [2024, 2025]

# Three pledges per fund: a subsidy (194), a contribution of an organisation
# (195) and a donation (196)
PLEDGE_SQL = """
INSERT INTO commons_pledge (
    create_uid, create_date, company, funder, funding_type, fund, resource,
    amount, company_amount, currency, date, fiscalyear, conditional, state)
SELECT
    0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.company, %(funder)s, t.type,
    f.id, f.resource, 100000, 100000, %(currency)s, DATE '2024-01-01',
    %(fiscalyear)s, FALSE, 'confirmed'
FROM commons_fund AS f
CROSS JOIN (VALUES ('subsidy'), ('organisation_contribution'), ('donation'))
    AS t(type)
"""
# The ledger lines over 2024-2025: 45 % receipts of a pledge of the fund,
# 10 % host fees, 10 % allocations (+/-), 35 % expenses
LINE_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, pledge, date, kind, amount,
    description)
SELECT
    0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.id, f.resource,
    CASE WHEN r.u < 0.55 THEN p.id END,
    DATE '2024-01-01' + (r.v * 730)::integer,
    CASE
        WHEN r.u < 0.45 THEN 'receipt'
        WHEN r.u < 0.55 THEN 'fee'
        WHEN r.u < 0.65 THEN 'allocation'
        ELSE 'expense' END,
    CASE
        WHEN r.u < 0.45 THEN ROUND((10 + r.w * 4990)::numeric, 2)
        WHEN r.u < 0.55 THEN -ROUND((1 + r.w * 249)::numeric, 2)
        WHEN r.u < 0.65 THEN ROUND(((r.w - 0.5) * 2000)::numeric, 2)
        ELSE -ROUND((5 + r.w * 2995)::numeric, 2) END,
    'bench line ' || r.g
FROM (
    SELECT g, random() AS u, random() AS v, random() AS w,
        floor(random() * 3)::integer AS k
    FROM generate_series(%(start)s::integer, %(stop)s::integer) AS g) AS r
JOIN (
    SELECT id, resource, (ROW_NUMBER() OVER (ORDER BY id)) - 1 AS rn
    FROM commons_fund) AS f
    ON f.rn = r.g %% %(funds)s::integer
JOIN (
    SELECT id, fund, (ROW_NUMBER() OVER (PARTITION BY fund ORDER BY id)) - 1
        AS k
    FROM commons_pledge) AS p
    ON p.fund = f.id AND p.k = r.k
"""
# The baseline: the same aggregate of the year's lines, without the model
SQL_BASELINE = """
SELECT l.fund, l.pledge, p.funding_type, l.kind,
    SUM(l.amount) FILTER (WHERE l.amount > 0),
    SUM(l.amount) FILTER (WHERE l.amount < 0)
FROM commons_fund_line AS l
JOIN commons_fund AS f ON l.fund = f.id
LEFT JOIN commons_pledge AS p ON l.pledge = p.id
WHERE f.company = %(company)s
    AND l.date >= %(start)s AND l.date <= %(end)s
GROUP BY l.fund, l.pledge, p.funding_type, l.kind
"""
SQL_LEDGER = """
SELECT a.code, SUM(ml.credit - ml.debit)
FROM account_move_line AS ml
JOIN account_move AS m ON ml.move = m.id
JOIN account_account AS a ON ml.account = a.id
WHERE a.code IN ('194', '195', '196') AND m.date <= %(end)s
    AND m.state = 'posted'
GROUP BY a.code
"""
SQL_ANNEX = """
SELECT d.origin, SUM(d.closing)
FROM commons_fund_dedicated AS d
WHERE d.fiscalyear = %(fiscalyear)s
GROUP BY d.origin
"""
CODES = {'subsidy': '194', 'organisation': '195', 'generosity': '196'}


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--funds', type=int, default=1000,
        help="number of earmarked funds (default: %(default)s)")
    parser.add_argument('--lines', type=int, default=200_000,
        help="number of fund lines over two years (default: %(default)s)")
    parser.add_argument('--database', default='bench_commons_year_end',
        help="PostgreSQL database to create (default: %(default)s)")
    parser.add_argument('--keep', action='store_true',
        help="keep the database after the run (a next run rebuilds it)")
    parser.add_argument('--repeat', type=int, default=5,
        help="repetitions of each measure, the median is kept "
        "(default: %(default)s)")
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when a check fails")
    parser.add_argument('--profile', action='store_true',
        help="print a cProfile of one year end of the first year")
    args = parser.parse_args(argv)
    if args.funds < FEW or args.lines < args.funds:
        parser.error("--funds must be >= %s and --lines >= --funds" % FEW)
    return args


def create_records(name, n_funds):
    """Create the company, its accounts of dedicated funds, two fiscal years
    with their periods, the resources and the funds through the model"""
    from trytond.pool import Pool
    pool = Pool(name)
    return retry(name, lambda t: _create_records(pool, t, n_funds))


def retry(name, func, **context):
    """Run func(transaction) in a transaction of admin, started again with
    the tables or records to lock as Tryton's dispatcher does"""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        try:
            with Transaction().start(
                    name, 0, context=context, **extras) as transaction:
                return func(transaction)
        except TransactionError as e:
            e.fix(extras)


def _create_records(pool, transaction, n_funds):
    Account = pool.get('account.account')
    AccountType = pool.get('account.account.type')
    Configuration = pool.get('commons.configuration')
    FiscalYear = pool.get('account.fiscalyear')
    Fund = pool.get('commons.fund')
    Party = pool.get('party.party')
    Resource = pool.get('commons.resource')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')

    company = create_company(pool)
    with transaction.set_context(company=company.id):
        balance, income = AccountType.create([{
                    'name': "Fonds dédiés", 'statement': 'balance',
                    'company': company.id,
                    }, {
                    'name': "Résultat", 'statement': 'income',
                    'expense': True, 'revenue': True,
                    'company': company.id,
                    }])
        accounts = {}
        values = []
        for origin, code in CODES.items():
            values.append({'code': code, 'name': code, 'type': balance})
            values.append({
                    'code': '689' + code[-1], 'name': '689' + code[-1],
                    'type': income})
            values.append({
                    'code': '789' + code[-1], 'name': '789' + code[-1],
                    'type': income})
        for account in Account.create([
                    {**v, 'type': v['type'].id, 'company': company.id}
                    for v in values]):
            accounts[account.code] = account
        config = Configuration(1)
        for origin, code in CODES.items():
            setattr(config, 'dedicated_%s_account' % origin,
                accounts[code])
            setattr(config, 'dedicated_%s_report_account' % origin,
                accounts['689' + code[-1]])
            setattr(config, 'dedicated_%s_use_account' % origin,
                accounts['789' + code[-1]])
        config.save()

        sequence_type, = SequenceType.search(
            [('name', '=', "Account Move")], limit=1)
        for year in YEARS:
            sequence, = Sequence.create([{
                        'name': str(year),
                        'sequence_type': sequence_type.id,
                        'company': company.id,
                        }])
            fiscalyear, = FiscalYear.create([{
                        'name': str(year),
                        'start_date': dt.date(year, 1, 1),
                        'end_date': dt.date(year, 12, 31),
                        'company': company.id,
                        'move_sequence': sequence.id,
                        }])
            FiscalYear.create_period([fiscalyear])
        log("accounts, configuration and fiscal years created")

        resources = Resource.create([{
                    'name': "Resource %04d" % i,
                    'code': 'R%04d' % i,
                    'kind': 'software',
                    'company': company.id,
                    } for i in range(n_funds)])
        Fund.create([{
                    'name': "Fund %04d" % i,
                    'code': 'F%04d' % i,
                    'type': 'earmarked',
                    'resource': r.id,
                    'company': company.id,
                    } for i, r in enumerate(resources)])
        log("%d resources and funds created", n_funds)
        funder, = Party.create([{'name': "Bench Funder"}])
        first, = FiscalYear.search([('name', '=', str(YEARS[0]))])
        ids = {
            'funder': funder.id,
            'currency': company.currency.id,
            'fiscalyear': first.id,
            }
    transaction.commit()
    return ids


def insert_lines(name, n_funds, n_lines, ids):
    "Insert the pledges and the ledger lines in bulk"
    chunk = 100_000
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        conn.execute(PLEDGE_SQL, ids)
        conn.execute('ANALYZE commons_pledge')
        for start in range(0, n_lines, chunk):
            stop = min(start + chunk, n_lines) - 1
            with conn.transaction():
                conn.execute(LINE_SQL, {
                        'start': start, 'stop': stop, 'funds': n_funds})
            log("%d / %d fund lines inserted", stop + 1, n_lines)
        conn.execute('VACUUM ANALYZE commons_fund_line')
        conn.execute('ANALYZE commons_fund')
        log("VACUUM ANALYZE done")


class Bench:

    def __init__(self, name):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        self.name = name
        self.pool = Pool(name)
        self.pool.init()
        with Transaction().start(name, 0, readonly=True):
            Company = self.pool.get('company.company')
            FiscalYear = self.pool.get('account.fiscalyear')
            company, = Company.search([])
            self.company = company.id
            self.fiscalyears = {
                int(f.name): f.id for f in FiscalYear.search([])}

    def close(self, year, commit=False, counter=None, profiler=None):
        "Close the year in a transaction rolled back unless commit"
        def close(t):
            Dedicated = self.pool.get('commons.fund.dedicated')
            FiscalYear = self.pool.get('account.fiscalyear')
            fiscalyear = FiscalYear(self.fiscalyears[year])
            with counter or _null():
                start = time.perf_counter()
                if profiler:
                    profiler.enable()
                Dedicated.close_fiscalyear(fiscalyear)
                if profiler:
                    profiler.disable()
                duration = time.perf_counter() - start
            rows = Dedicated.search_count(
                [('fiscalyear', '=', fiscalyear.id)])
            if commit:
                t.commit()
            else:
                t.rollback()
            return duration, rows
        return retry(self.name, close, company=self.company)

    def baseline(self, year):
        "The raw SQL aggregate of the year's fund lines"
        from trytond.transaction import Transaction
        with Transaction().start(self.name, 0, readonly=True) as t:
            cursor = t.connection.cursor()
            start = time.perf_counter()
            cursor.execute(SQL_BASELINE, {
                    'company': self.company,
                    'start': dt.date(year, 1, 1),
                    'end': dt.date(year, 12, 31),
                    })
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, rows

    def agreement(self, year):
        "Return the 19x balances and the annex closing totals by code"
        from trytond.transaction import Transaction
        with Transaction().start(self.name, 0, readonly=True) as t:
            cursor = t.connection.cursor()
            cursor.execute(SQL_LEDGER, {'end': dt.date(year, 12, 31)})
            ledger = {c: a for c, a in cursor.fetchall()}
            cursor.execute(SQL_ANNEX, {'fiscalyear': self.fiscalyears[year]})
            annex = {CODES[o]: a for o, a in cursor.fetchall()}
        codes = sorted(CODES.values())
        return ([ledger.get(c) or Decimal(0) for c in codes],
            [annex.get(c) or Decimal(0) for c in codes])


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def fmt_ms(seconds):
    return '%.1f ms' % (seconds * 1000)


def measure(args, name):
    bench = Bench(name)
    r = {'years': {}}
    if args.profile:
        profiler = cProfile.Profile()
        bench.close(YEARS[0], profiler=profiler)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats('cumulative').print_stats(40)
        stats.sort_stats('tottime').print_stats(20)
        r['profile'] = out.getvalue()
    for year in YEARS:
        log("measuring the year end of %d, %d repetitions", year, args.repeat)
        bench.baseline(year)
        bench.close(year)
        durations, baselines = [], []
        for i in range(args.repeat):
            duration, rows = bench.close(year)
            durations.append(duration)
            baselines.append(bench.baseline(year)[0])
            log("round %d/%d: year end %s, raw SQL %s", i + 1, args.repeat,
                fmt_ms(duration), fmt_ms(baselines[-1]))
        counter = QueryCounter()
        bench.close(year, commit=True, counter=counter)
        ledger, annex = bench.agreement(year)
        r['years'][year] = {
            'close': statistics.median(durations),
            'close_min': min(durations),
            'sql': statistics.median(baselines),
            'sql_min': min(baselines),
            'rows': rows,
            'queries': counter.counts,
            'ledger': ledger,
            'annex': annex,
            }
    return r


def report(args, r, built):
    ok = True
    print()
    print("Year end of dedicated funds benchmark (median of %d, PostgreSQL)"
        % args.repeat)
    print("funds: %d, fund lines: {:,} over %s, build: %s".format(args.lines)
        % (args.funds, '-'.join(map(str, YEARS)),
            '%.1f s' % built if built else 'reused'))
    rows = []
    for year, y in r['years'].items():
        agree = y['ledger'] == y['annex']
        ok &= agree
        rows.extend([
                ("%d: raw SQL aggregate (b)" % year, fmt_ms(y['sql']),
                    'min %s' % fmt_ms(y['sql_min'])),
                ("%d: year end close_fiscalyear (a)" % year,
                    fmt_ms(y['close']), 'min %s' % fmt_ms(y['close_min'])),
                ("%d: ratio a/b" % year, '%.2f' % (y['close'] / y['sql']),
                    ''),
                ("%d: annex rows" % year, '%d' % y['rows'], ''),
                ("%d: queries" % year, '%d' % sum(y['queries'].values()),
                    ''),
                ("%d: 19x ledger == annex" % year,
                    'yes' if agree else 'NO',
                    ' '.join(str(a) for a in y['ledger'])),
                ])
    width = max(len(row[0]) for row in rows)
    vwidth = max(len(row[1]) for row in rows)
    print('-' * (width + vwidth + 30))
    for label, value, note in rows:
        print('%-*s  %*s  %s' % (width, label, vwidth, value, note))
    print('-' * (width + vwidth + 30))
    for year, y in r['years'].items():
        print("queries of the year end of %d:" % year)
        for query, count in y['queries'].most_common():
            print('  %5d  %s' % (count, query))
    if 'profile' in r:
        print(r['profile'])
    print("verdict: %s" % ('ledger and annex agree' if ok else 'MISMATCH'))
    return ok


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', DEFAULT_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")

    from trytond.pool import Pool
    Pool.start()

    name = args.database
    state = database_state(name)
    if state == ():
        sys.exit("database %r exists and is not a commons_fund benchmark "
            "database, choose another --database" % name)
    # A kept database has its year ends committed: always rebuild
    if state is not None:
        drop_database(name)
    try:
        create_database(name)
        log("module activated")
        ids = create_records(name, args.funds)
        insert_lines(name, args.funds, args.lines, ids)
        built = time.perf_counter() - START
        results = measure(args, name)
    finally:
        if not args.keep:
            drop_database(name)
            log("database %s dropped", name)
    ok = report(args, results, built)
    if args.check and not ok:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
