#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: balances of many funds over a large fund ledger on PostgreSQL.

Reads ``balance`` and ``available`` of all the funds through the model
(``commons.fund`` read) and compares it with the raw SQL ``GROUP BY`` on the
same ``commons_fund_line`` table, through the same cursor.  It also counts
the SQL queries the model issues for 10 funds and for all the funds.

Targets: model time / SQL time <= 1.5; same query count for 10 and for
all the funds.

Usage::

    python bench/fund_balances.py [--funds 1000] [--lines 1000000]
        [--database bench_commons_fund] [--keep] [--repeat 7] [--check]
        [--profile]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from contextlib import contextmanager, nullcontext
from decimal import Decimal

DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
RATIO_TARGET = 1.5
FEW = 10

# The ledger lines: 40 % receipt, 15 % fee, 15 % allocation, 30 % expense
LINE_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, date, kind, amount, description)
SELECT
    0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.id, f.resource,
    DATE '2024-01-01' + (r.v * 730)::integer,
    CASE
        WHEN r.u < 0.40 THEN 'receipt'
        WHEN r.u < 0.55 THEN 'fee'
        WHEN r.u < 0.70 THEN 'allocation'
        ELSE 'expense' END,
    CASE
        WHEN r.u < 0.40 THEN ROUND((10 + r.v * 4990)::numeric, 2)
        WHEN r.u < 0.55 THEN -ROUND((1 + r.v * 249)::numeric, 2)
        WHEN r.u < 0.70 THEN ROUND(((r.v - 0.5) * 4000)::numeric, 2)
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

SQL_SIMPLE = (
    'SELECT fund, SUM(amount) FROM commons_fund_line GROUP BY fund')
SQL_KINDS = (
    'SELECT fund, '
    "SUM(CASE WHEN kind IN ('receipt', 'refund') THEN amount ELSE 0 END), "
    "SUM(CASE WHEN kind = 'allocation' THEN amount ELSE 0 END), "
    "SUM(CASE WHEN kind = 'expense' THEN amount ELSE 0 END), "
    'SUM(amount) '
    'FROM commons_fund_line GROUP BY fund')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--funds', type=int, default=1000,
        help="number of earmarked funds (default: %(default)s)")
    parser.add_argument('--lines', type=int, default=1_000_000,
        help="number of fund lines (default: %(default)s)")
    parser.add_argument('--database', default='bench_commons_fund',
        help="PostgreSQL database to create (default: %(default)s)")
    parser.add_argument('--keep', action='store_true',
        help="keep the database for a next run (reused if the counts match)")
    parser.add_argument('--repeat', type=int, default=7,
        help="repetitions of each measure, the median is kept "
        "(default: %(default)s)")
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when a target is missed")
    parser.add_argument('--profile', action='store_true',
        help="print a cProfile of one model read of all the funds")
    args = parser.parse_args(argv)
    if args.funds < FEW or args.lines < args.funds:
        parser.error("--funds must be >= %s and --lines >= --funds" % FEW)
    return args


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        flush=True)


START = time.perf_counter()


# -- database administration (plain psycopg, outside Tryton) ----------------

def admin_connect(dbname='postgres'):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    uri = os.environ['TRYTOND_DATABASE_URI']
    params = conninfo_to_dict(uri)
    params['dbname'] = dbname
    return psycopg.connect(make_conninfo(**params), autocommit=True)


def database_state(name):
    "Return None if missing, else (funds, lines) or () if not a bench db"
    with admin_connect() as conn:
        if not conn.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s',
                (name,)).fetchone():
            return None
    with admin_connect(name) as conn:
        if not conn.execute(
                "SELECT to_regclass('commons_fund_line')").fetchone()[0]:
            return ()
        funds, = conn.execute('SELECT COUNT(*) FROM commons_fund').fetchone()
        lines, = conn.execute(
            'SELECT COUNT(*) FROM commons_fund_line').fetchone()
        return funds, lines


def drop_database(name):
    from psycopg.sql import SQL, Identifier

    from trytond import backend
    from trytond.pool import Pool
    Pool.stop(name)
    try:
        backend.Database(name).close()
    except Exception:
        pass
    with admin_connect() as conn:
        conn.execute(SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(
                Identifier(name)))


# -- building the data -------------------------------------------------------

def create_database(name):
    "Create the database and activate commons_fund (like activate_module)"
    from psycopg.sql import SQL, Identifier
    from sql import Table

    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with admin_connect() as conn:
        conn.execute(SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'unicode'")
            .format(Identifier(name)))
    database = backend.Database(name)
    connection = database.get_connection()
    try:
        with connection.cursor() as cursor:
            database.init()
            ir_configuration = Table('ir_configuration')
            cursor.execute(*ir_configuration.insert(
                    [ir_configuration.language], [['en']]))
        connection.commit()
    finally:
        database.put_connection(connection)
    log("database %s created, initialising ir and res", name)
    pool = Pool(name)
    pool.init(update=['res', 'ir'], lang=['en'])
    with Transaction().start(name, 0) as transaction:
        Module = pool.get('ir.module')
        Module.update_list()
        modules = Module.search([('name', '=', 'commons_fund')])
        if not modules:
            sys.exit("module commons_fund not found in trytond.modules")
        Module.activate(modules)
        transaction.commit()
        log("activating commons_fund and its dependencies")
        ActivateUpgrade = pool.get(
            'ir.module.activate_upgrade', type='wizard')
        instance_id, _, _ = ActivateUpgrade.create()
        transaction.commit()
        ActivateUpgrade(instance_id).transition_upgrade()
        ActivateUpgrade.delete(instance_id)
        transaction.commit()


def create_company(pool):
    "Create the EUR company of the benchmarks and make it admin's"
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    User = pool.get('res.user')
    currency, = Currency.create([{
                'name': "Euro", 'code': 'EUR', 'symbol': '€',
                'rounding': Decimal('0.01'), 'digits': 2,
                }])
    party, = Party.create([{'name': "Bench Host"}])
    company, = Company.create([{
                'party': party.id, 'currency': currency.id}])
    admin, = User.search([('login', '=', 'admin')])
    User.write([admin], {
            'companies': [('add', [company.id])],
            'company': company.id,
            })
    return company


def create_records(name, n_funds):
    "Create currency, company, resources and funds through the model"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(name)
    with Transaction().start(name, 0) as transaction:
        Resource = pool.get('commons.resource')
        Fund = pool.get('commons.fund')

        company = create_company(pool)
        with transaction.set_context(company=company.id):
            resources = Resource.create([{
                        'name': "Resource %04d" % i,
                        'code': 'R%04d' % i,
                        'kind': 'software',
                        'company': company.id,
                        } for i in range(n_funds)])
            log("%d resources created", len(resources))
            funds = Fund.create([{
                        'name': "Fund %04d" % i,
                        'code': 'F%04d' % i,
                        'type': 'earmarked',
                        'resource': r.id,
                        'company': company.id,
                        'host_fee_rate': Decimal('0.08'),
                        } for i, r in enumerate(resources)])
            log("%d funds created", len(funds))
        transaction.commit()


def insert_lines(name, n_funds, n_lines):
    "Insert the ledger lines in bulk (the model only writes them on posting)"
    chunk = 100_000
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        for start in range(0, n_lines, chunk):
            stop = min(start + chunk, n_lines) - 1
            with conn.transaction():
                conn.execute(LINE_SQL, {
                        'start': start, 'stop': stop, 'funds': n_funds})
            log("%d / %d fund lines inserted", stop + 1, n_lines)
        conn.execute('VACUUM ANALYZE commons_fund_line')
        conn.execute('ANALYZE commons_fund')
        log("VACUUM ANALYZE done")


# -- measuring ---------------------------------------------------------------

def query_label(query):
    "Short description of a query: its verb and its first table"
    query = str(query)
    verb = (query.split() or ['(empty)'])[0].upper()
    match = re.search(r'\bFROM\s+"?(\w+)"?', query, re.IGNORECASE)
    return '%s %s' % (verb, match.group(1) if match else '')


class QueryCounter:
    """Count the statements executed by Tryton's PostgreSQL cursors

    Every cursor of the postgresql backend is a LoggingCursor, so wrapping
    its execute counts all the queries of the block (and only them: the
    connection pool's check on getconn is outside of it)."""

    def __init__(self):
        self.counts = Counter()
        self.duration = 0

    def __enter__(self):
        from trytond.backend.postgresql import database as pg_database
        self._class = cursor_class = pg_database.LoggingCursor
        self._original = original = cursor_class.execute
        counts = self.counts

        def execute(cursor, query, params=None, **kwargs):
            counts[query_label(query)] += 1
            start = time.perf_counter()
            try:
                return original(cursor, query, params, **kwargs)
            finally:
                self.duration += time.perf_counter() - start
        cursor_class.execute = execute
        return self

    def __exit__(self, *exc):
        self._class.execute = self._original


class Bench:

    def __init__(self, name):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        self.name = name
        self.pool = Pool(name)
        self.pool.init()
        with Transaction().start(name, 0, readonly=True):
            Company = self.pool.get('company.company')
            Fund = self.pool.get('commons.fund')
            self.company, = Company.search([])
            self.company = self.company.id
            self.ids = [f.id for f in Fund.search([], order=[('id', 'ASC')])]
        self.context = {'company': self.company}

    @contextmanager
    def transaction(self, user=1, **context):
        from trytond.transaction import Transaction
        with Transaction().start(
                self.name, user, readonly=True,
                context={**self.context, **context}) as transaction:
            yield transaction

    def model_read(self, ids, check_access=False, counter=None):
        "Fund.read(ids, ['balance', 'available']) in a new transaction"
        with self.transaction(_check_access=check_access):
            Fund = self.pool.get('commons.fund')
            with counter or nullcontext():
                start = time.perf_counter()
                rows = Fund.read(ids, ['balance', 'available'])
                duration = time.perf_counter() - start
        assert len(rows) == len(ids)
        return duration, rows

    def model_browse(self, ids):
        "[(f.balance, f.available) for f in Fund.browse(ids)]"
        with self.transaction():
            Fund = self.pool.get('commons.fund')
            start = time.perf_counter()
            funds = Fund.browse(ids)
            values = [(f.balance, f.available) for f in funds]
            duration = time.perf_counter() - start
        assert len(values) == len(ids)
        return duration, values

    def raw_sql(self, query):
        "The query on the transaction's cursor, fetching all the rows"
        from trytond.transaction import Transaction
        with self.transaction():
            cursor = Transaction().connection.cursor()
            start = time.perf_counter()
            cursor.execute(query)
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, rows


def fmt_ms(seconds):
    return '%.1f ms' % (seconds * 1000)


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
    if state is not None and state != (args.funds, args.lines):
        log("database %s has %s funds and %s lines, rebuilding",
            name, *state)
        drop_database(name)
        state = None
    built = state is None
    try:
        if built:
            create_database(name)
            log("module activated")
            create_records(name, args.funds)
            insert_lines(name, args.funds, args.lines)
        else:
            log("reusing database %s (%d funds, %d lines)", name, *state)
        build_time = time.perf_counter() - START
        results = measure(args, name)
    finally:
        if not args.keep:
            drop_database(name)
            log("database %s dropped", name)
    results['build'] = build_time if built else None
    ok = report(args, results)
    if args.check and not ok:
        return 1
    return 0


def measure(args, name):
    bench = Bench(name)
    ids = bench.ids
    few = ids[:FEW]
    repeat = args.repeat
    log("measuring %d funds, %d repetitions each (median kept)",
        len(ids), repeat)

    # Warm PostgreSQL's buffers and Tryton's global caches
    bench.raw_sql(SQL_SIMPLE)
    bench.raw_sql(SQL_KINDS)
    bench.model_read(ids)
    bench.model_read(ids, check_access=True)

    # The measures are interleaved round by round so that a load change of
    # the machine hits them all alike.
    measures = {
        'sql': lambda: bench.raw_sql(SQL_SIMPLE),
        'sql_kinds': lambda: bench.raw_sql(SQL_KINDS),
        'read': lambda: bench.model_read(ids),
        'read_access': lambda: bench.model_read(ids, check_access=True),
        'browse': lambda: bench.model_browse(ids),
        'read_few': lambda: bench.model_read(few),
        }
    durations = {key: [] for key in measures}
    results = {}
    for i in range(repeat):
        for key, func in measures.items():
            duration, results[key] = func()
            durations[key].append(duration)
        log("round %d/%d: SQL %s, model read() %s", i + 1, repeat,
            fmt_ms(durations['sql'][-1]), fmt_ms(durations['read'][-1]))
    r = {}
    for key, values in durations.items():
        r[key] = statistics.median(values)
        r[key + '_min'] = min(values)
    sql_rows, rows = results['sql'], results['read']

    # Same figures from both paths
    expected = {fund: amount for fund, amount in sql_rows}
    mismatch = [row['id'] for row in rows
        if row['balance'] != expected.get(row['id'], Decimal(0))
        or row['available'] != row['balance']]
    r['mismatch'] = len(mismatch)

    r['queries'] = {}
    r['deprecations'] = {}
    for label, sub_ids in [(len(few), few), (len(ids), ids)]:
        counter = QueryCounter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', DeprecationWarning)
            bench.model_read(sub_ids, counter=counter)
        r['queries'][label] = counter.counts
        r['sql_in_read'] = counter.duration
        r['deprecations'][label] = Counter(
            str(w.message) for w in caught
            if issubclass(w.category, DeprecationWarning))
    r['n_funds'] = len(ids)

    if args.profile:
        profiler = cProfile.Profile()
        with bench.transaction():
            Fund = bench.pool.get('commons.fund')
            profiler.enable()
            Fund.read(ids, ['balance', 'available'])
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats('cumulative').print_stats(30)
        stats.sort_stats('tottime').print_stats(15)
        r['profile'] = out.getvalue()
    return r


def report(args, r):
    n = r['n_funds']
    q_few = sum(r['queries'][FEW].values())
    q_all = sum(r['queries'][n].values())
    ratio = r['read'] / r['sql']
    ratio_kinds = r['read'] / r['sql_kinds']
    ratio_ok = ratio <= RATIO_TARGET
    queries_ok = q_few == q_all
    correct = not r['mismatch']

    def verdict(ok):
        return 'PASS' if ok else 'FAIL'
    rows = [
        ("funds", '%d' % n, ''),
        ("fund lines", '{:,}'.format(args.lines), ''),
        ("build time", '%.1f s' % r['build'] if r['build'] else 'reused', ''),
        ("raw SQL SUM GROUP BY (b)", fmt_ms(r['sql']),
            'min %s' % fmt_ms(r['sql_min'])),
        ("raw SQL conditional sums", fmt_ms(r['sql_kinds']),
            'min %s' % fmt_ms(r['sql_kinds_min'])),
        ("model Fund.read() (a)", fmt_ms(r['read']),
            'min %s' % fmt_ms(r['read_min'])),
        ("  of which SQL execute (1 run)", fmt_ms(r['sql_in_read']), ''),
        ("model read() + access checks", fmt_ms(r['read_access']),
            'min %s' % fmt_ms(r['read_access_min'])),
        ("model browse f.balance", fmt_ms(r['browse']),
            'min %s' % fmt_ms(r['browse_min'])),
        ("model read() of %d funds" % FEW, fmt_ms(r['read_few']), ''),
        ("ratio a/b (target <= %.1f)" % RATIO_TARGET, '%.2f' % ratio,
            verdict(ratio_ok)),
        ("ratio a/conditional sums", '%.2f' % ratio_kinds, ''),
        ("ratio of the minimums a/b", '%.2f' % (r['read_min'] / r['sql_min']),
            ''),
        ("queries for %d funds" % FEW, '%d' % q_few, ''),
        ("queries for %d funds" % n, '%d' % q_all,
            verdict(queries_ok) + ' (target: same count)'),
        ("model == SQL amounts", 'yes' if correct else
            '%d funds differ' % r['mismatch'], verdict(correct)),
        ]
    width = max(len(row[0]) for row in rows)
    vwidth = max(len(row[1]) for row in rows)
    print()
    print("Fund balances benchmark (median of %d, PostgreSQL)" % args.repeat)
    print('-' * (width + vwidth + 30))
    for label, value, note in rows:
        print('%-*s  %*s  %s' % (width, label, vwidth, value, note))
    print('-' * (width + vwidth + 30))
    for label in (FEW, n):
        print("queries issued by read() of %d funds:" % label)
        for query, count in r['queries'][label].most_common():
            print('  %5d  %s' % (count, query))
        for message, count in r['deprecations'][label].items():
            print('  warning x%d: %s' % (count, message))
    if 'profile' in r:
        print()
        print(r['profile'])
    ok = ratio_ok and queries_ok and correct
    print("verdict: %s" % ('all targets met' if ok else 'target(s) missed'))
    return ok


if __name__ == '__main__':
    sys.exit(main())
