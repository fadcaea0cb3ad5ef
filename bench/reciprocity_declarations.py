#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the reciprocity declarations cron and the compliance view.

1. The cron ``create_declarations`` for n and 2n active quarterly contracts
   (default 10,000): one query finds the periods, one create writes the
   declarations; compared with the raw SQL INSERT ... SELECT of the same
   rows.  Each run is rolled back.
2. The first page (80 rows, default order) of
   commons.reciprocity.compliance over n and 2n declarations (default
   100,000), as the client's list does (search, then read of the list's
   fields), against the raw SQL aggregate that gives the same page.

Target: compliance model time / SQL time <= 1.5.

Usage::

    python bench/reciprocity_declarations.py [--contracts 10000]
        [--declarations 100000] [--database bench_commons_reciprocity]
        [--keep] [--repeat 5] [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time

import contribution_data as data
from fund_balances import admin_connect, create_company

RATIO_TARGET = 1.5
PAGE = 80
READ_FIELDS = [
    'year', 'agent', 'agent.rec_name', 'declarations', 'revenue', 'amount',
    'invoiced', 'paid', 'late', 'company', 'company.rec_name', 'currency']
CRON_DATE = dt.date(2023, 4, 15)

CONTRACT_SQL = """
INSERT INTO commons_reciprocity_contract (
    create_uid, create_date, company, agent, basis, rate, fixed_amount,
    frequency, start_date, declaration_delay, counterpart, public,
    next_period_start, state, reference)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(company)s, p.id,
    CASE WHEN g %% 4 = 0 THEN 'fixed' ELSE 'revenue_rate' END,
    0.05, 150, 'quarterly', DATE '2023-01-01', 30, false, g %% 3 = 0,
    DATE '2023-01-01', 'active', %(prefix)s || g
FROM generate_series(%(start)s::integer, %(stop)s::integer) AS g
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn
    FROM party_party WHERE name LIKE 'Agent %%') AS p
    ON p.rn = g %% %(agents)s::integer
"""

LINE_SQL = """
INSERT INTO commons_reciprocity_contract_line (
    create_uid, create_date, contract, resource, fund, share)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', c.id, f.resource, f.id, 1
FROM commons_reciprocity_contract AS c
JOIN (SELECT id, resource, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn
    FROM commons_fund) AS f ON f.rn = c.id %% %(funds)s::integer
WHERE c.reference LIKE %(prefix)s || '%%'
"""

# The periods of the cron, written by hand: the baseline of the cron
CRON_SQL = """
INSERT INTO commons_reciprocity_declaration (
    create_uid, create_date, company, contract, start_date, end_date,
    due_date, amount, state)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', c.company, c.id,
    c.next_period_start,
    (c.next_period_start + INTERVAL '3 months' - INTERVAL '1 day')::date,
    (c.next_period_start + INTERVAL '3 months' - INTERVAL '1 day'
        + c.declaration_delay * INTERVAL '1 day')::date,
    CASE WHEN c.basis = 'fixed' THEN c.fixed_amount END, 'draft'
FROM commons_reciprocity_contract AS c
LEFT JOIN commons_reciprocity_declaration AS d
    ON d.contract = c.id AND d.start_date = c.next_period_start
WHERE c.state = 'active' AND c.next_period_start < %(date)s
    AND d.id IS NULL
    AND (c.next_period_start + INTERVAL '3 months') <= %(date)s
"""

# Ten quarters per contract, 2023-01 to 2025-06: 70 % invoiced (half of them
# paid), 20 % confirmed, 10 % draft; some confirmed late.
DECLARATION_SQL = """
INSERT INTO commons_reciprocity_declaration (
    create_uid, create_date, company, contract, start_date, end_date,
    due_date, revenue, amount, confirmed_date, agent_invoice, state)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', c.company, c.id, s.start,
    (s.start + INTERVAL '3 months' - INTERVAL '1 day')::date,
    (s.start + INTERVAL '3 months' + INTERVAL '29 days')::date,
    ROUND((1000 + random() * 20000)::numeric, 2), NULL,
    CASE WHEN x.u >= 0.1 THEN (s.start + INTERVAL '3 months'
        + (random() * 45)::integer * INTERVAL '1 day')::date END,
    CASE WHEN x.u >= 0.3 THEN
        CASE WHEN x.u >= 0.65 THEN %(paid)s ELSE %(posted)s END END,
    CASE WHEN x.u >= 0.3 THEN 'invoiced' WHEN x.u >= 0.1 THEN 'confirmed'
        ELSE 'draft' END
FROM commons_reciprocity_contract AS c
CROSS JOIN (SELECT (DATE '2023-01-01' + (k * INTERVAL '3 months'))::date
    AS start FROM generate_series(0, 9) AS k) AS s
CROSS JOIN LATERAL (SELECT random() + 0 * c.id AS u) AS x
WHERE c.id BETWEEN %(first)s AND %(last)s
"""

# The first page of the model, by hand: same aggregate, same order
PAGE_SQL = """
SELECT (CAST(d.company AS BIGINT) * 10000
        + CAST(EXTRACT(YEAR FROM d.end_date) AS INTEGER)) * 2147483648
        + c.agent AS id,
    CAST(EXTRACT(YEAR FROM d.end_date) AS INTEGER) AS year, c.agent,
    COUNT(d.id),
    ROUND(COALESCE(SUM(d.revenue), 0), cu.digits),
    ROUND(COALESCE(SUM(CASE WHEN d.state IN ('confirmed', 'invoiced')
        THEN d.amount ELSE 0 END), 0), cu.digits) AS amount,
    ROUND(COALESCE(SUM(CASE WHEN d.state = 'invoiced'
        THEN d.amount ELSE 0 END), 0), cu.digits),
    ROUND(COALESCE(SUM(CASE WHEN d.state = 'invoiced' AND i.state = 'paid'
        THEN d.amount ELSE 0 END), 0), cu.digits),
    SUM(CASE WHEN d.confirmed_date > d.due_date
        OR (d.confirmed_date IS NULL AND d.due_date < CURRENT_DATE)
        THEN 1 ELSE 0 END)
FROM commons_reciprocity_declaration AS d
JOIN commons_reciprocity_contract AS c ON c.id = d.contract
JOIN company_company AS co ON co.id = d.company
JOIN currency_currency AS cu ON cu.id = co.currency
LEFT JOIN account_invoice AS i ON i.id = d.agent_invoice
WHERE d.state != 'cancelled' AND d.company = %(company)s
GROUP BY d.company, EXTRACT(YEAR FROM d.end_date), c.agent, co.currency,
    cu.digits
ORDER BY year DESC, amount DESC, id
LIMIT %(page)s
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--contracts', type=int, default=10_000,
        help="n of the cron (default: %(default)s)")
    parser.add_argument('--declarations', type=int, default=100_000,
        help="n of the compliance view (default: %(default)s)")
    parser.add_argument('--agents', type=int, default=2_000)
    parser.add_argument('--resources', type=int, default=20)
    parser.add_argument('--database', default='bench_commons_reciprocity')
    parser.add_argument('--keep', action='store_true',
        help="keep the database")
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when the target is missed")
    return parser.parse_args(argv)


def setup(pool, name, args):
    "Create the company, resources with funds, agents and two invoices"
    from trytond.transaction import Transaction
    with Transaction().start(name, 0,
            _lock_tables=['commons_configuration']) as transaction:
        Party = pool.get('party.party')
        Resource = pool.get('commons.resource')
        Fund = pool.get('commons.fund')
        Invoice = pool.get('account.invoice')
        company = create_company(pool)
        with transaction.set_context(company=company.id):
            resources = Resource.create([{
                        'name': "Resource %03d" % i, 'code': 'R%03d' % i,
                        'kind': 'software',
                        } for i in range(args.resources)])
            Fund.create([{
                        'name': r.name, 'code': r.code, 'type': 'earmarked',
                        'resource': r.id,
                        } for r in resources])
            Party.create([{'name': "Agent %05d" % i}
                    for i in range(args.agents)])
        transaction.commit()
        cursor = transaction.connection.cursor()
        # Two invoice rows stand for the posted and the paid invoices: the
        # view only reads their state, so the bench database lets an
        # invoice go without an account and a journal
        cursor.execute("SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'account_invoice' AND is_nullable = 'NO' "
            "AND column_name != 'id'")
        for column, in cursor.fetchall():
            cursor.execute('ALTER TABLE account_invoice '
                'ALTER COLUMN "%s" DROP NOT NULL' % column)
        invoice = Invoice.__table__()
        party, = Party.search([('name', '=', "Agent 00000")])
        ids = []
        for state in ['posted', 'paid']:
            cursor.execute(*invoice.insert(
                    [invoice.company, invoice.type, invoice.party,
                        invoice.currency, invoice.state, invoice.account,
                        invoice.journal, invoice.create_uid,
                        invoice.create_date, invoice.invoice_date],
                    [[company.id, 'out', party.id, company.currency.id,
                        state, None, None, 0, dt.datetime.now(),
                        dt.date(2023, 4, 30)]],
                    returning=[invoice.id]))
            ids.append(cursor.fetchone()[0])
        transaction.commit()
        return company.id, ids


def insert_contracts(name, company, start, stop, args):
    with admin_connect(name) as conn:
        with conn.transaction():
            conn.execute(CONTRACT_SQL, {
                    'company': company, 'start': start, 'stop': stop - 1,
                    'agents': args.agents, 'prefix': 'B%d-' % start})
            conn.execute(LINE_SQL, {
                    'funds': args.resources, 'prefix': 'B%d-' % start})
        conn.execute('VACUUM ANALYZE commons_reciprocity_contract')
        conn.execute('VACUUM ANALYZE commons_reciprocity_contract_line')
    data.log("%d contracts in the database", stop)


def measure_cron(name, pool, company, n, repeat):
    "Return the median durations of the cron and of the SQL baseline"
    from trytond.transaction import Transaction

    def model():
        with Transaction().start(name, 0, context={'company': company}) \
                as transaction:
            Declaration = pool.get('commons.reciprocity.declaration')
            start = time.perf_counter()
            created = Declaration.create_declarations(CRON_DATE)
            duration = time.perf_counter() - start
            transaction.rollback()
        assert len(created) == n, (len(created), n)
        return duration

    def sql():
        with Transaction().start(name, 0) as transaction:
            cursor = transaction.connection.cursor()
            start = time.perf_counter()
            cursor.execute(CRON_SQL, {'date': CRON_DATE})
            duration = time.perf_counter() - start
            assert cursor.rowcount == n, (cursor.rowcount, n)
            transaction.rollback()
        return duration

    model()
    durations = {'model': [], 'sql': []}
    for i in range(repeat):
        durations['model'].append(model())
        durations['sql'].append(sql())
        data.log("cron n=%d round %d/%d: model %.2f s, SQL %.3f s", n,
            i + 1, repeat, durations['model'][-1], durations['sql'][-1])
    return {k: statistics.median(v) for k, v in durations.items()}


def insert_declarations(name, first, last, invoices):
    with admin_connect(name) as conn:
        conn.execute('SELECT setseed(0.42)')
        with conn.transaction():
            conn.execute(DECLARATION_SQL, {
                    'first': first, 'last': last,
                    'posted': invoices[0], 'paid': invoices[1]})
            conn.execute("""
                UPDATE commons_reciprocity_declaration AS d
                SET amount = CASE WHEN c.basis = 'fixed' THEN c.fixed_amount
                    ELSE ROUND(d.revenue * c.rate, 2) END
                FROM commons_reciprocity_contract AS c
                WHERE c.id = d.contract AND d.amount IS NULL""")
        conn.execute('VACUUM ANALYZE commons_reciprocity_declaration')
        count, = conn.execute(
            'SELECT COUNT(*) FROM commons_reciprocity_declaration'
            ).fetchone()
    data.log("%d declarations in the database", count)
    return count


def measure_page(name, pool, company, repeat):
    from trytond.transaction import Transaction

    def model():
        with Transaction().start(name, 0, readonly=True,
                context={'company': company}):
            Compliance = pool.get('commons.reciprocity.compliance')
            start = time.perf_counter()
            records = Compliance.search([], limit=PAGE)
            rows = Compliance.read([r.id for r in records], READ_FIELDS)
            duration = time.perf_counter() - start
        by_id = {row['id']: row for row in rows}
        return duration, [
            (by_id[r.id]['id'], by_id[r.id]['amount']) for r in records]

    def sql():
        with Transaction().start(name, 0, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            start = time.perf_counter()
            cursor.execute(PAGE_SQL, {'company': company, 'page': PAGE})
            rows = cursor.fetchall()
            duration = time.perf_counter() - start
        return duration, [(row[0], row[5]) for row in rows]

    sql()
    model()
    durations = {'model': [], 'sql': []}
    for i in range(repeat):
        for key, func in [('sql', sql), ('model', model)]:
            duration, result = func()
            durations[key].append(duration)
            if key == 'sql':
                sql_page = result
            else:
                model_page = result
        data.log("page round %d/%d: SQL %.1f ms, model %.1f ms", i + 1,
            repeat, durations['sql'][-1] * 1000,
            durations['model'][-1] * 1000)
    r = {k: statistics.median(v) for k, v in durations.items()}
    r['same_page'] = sql_page == model_page
    return r


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', data.PG_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")
    if args.declarations % 10:
        sys.exit("--declarations must be a multiple of 10 (ten quarters)")
    from proteus import config as pconfig

    name = args.database
    folder = tempfile.mkdtemp(prefix='bench-reciprocity-')
    config_file = data.write_config('postgresql', folder)
    if data.database_exists('postgresql', name, folder):
        sys.exit("database %r exists: drop it first" % name)
    data.MODULE = 'commons_reciprocity'
    results = {}
    try:
        data.create_database('postgresql', name, config_file, folder)
        config = pconfig.set_trytond(name, config_file=str(config_file))
        pool = config.pool
        company, invoices = setup(pool, name, args)

        n = args.contracts
        insert_contracts(name, company, 0, n, args)
        results['cron', n] = measure_cron(name, pool, company, n, args.repeat)
        insert_contracts(name, company, n, 2 * n, args)
        results['cron', 2 * n] = measure_cron(
            name, pool, company, 2 * n, args.repeat)

        # The view: ten quarters per contract
        per_step = args.declarations // 10
        contracts = 2 * n
        while contracts < 2 * per_step:
            insert_contracts(
                name, company, contracts, contracts + n, args)
            contracts += n
        with admin_connect(name) as conn:
            ids = [r for r, in conn.execute(
                    'SELECT id FROM commons_reciprocity_contract '
                    'ORDER BY id').fetchall()]
        count = insert_declarations(
            name, ids[0], ids[per_step - 1], invoices)
        results['page', count] = measure_page(
            name, pool, company, args.repeat)
        count = insert_declarations(
            name, ids[per_step], ids[2 * per_step - 1], invoices)
        results['page', count] = measure_page(
            name, pool, company, args.repeat)
    finally:
        if not args.keep:
            data.drop('postgresql', name, folder)
            data.log("database %s dropped", name)
    return report(args, results)


def report(args, results):
    ok = True
    print()
    print("Reciprocity (median of %d, PostgreSQL)" % args.repeat)
    print("%-44s %12s %12s %8s" % ("measure", "model", "raw SQL", "ratio"))
    for (kind, n), r in sorted(results.items()):
        ratio = r['model'] / r['sql']
        if kind == 'cron':
            label = "cron: declarations of %s contracts" % '{:,}'.format(n)
            print("%-44s %10.2f s %10.3f s %8.1f" % (
                    label, r['model'], r['sql'], ratio))
        else:
            label = "compliance page over %s declarations" % (
                '{:,}'.format(n))
            passed = ratio <= RATIO_TARGET and r['same_page']
            ok &= passed
            print("%-44s %9.1f ms %9.1f ms %8.2f %s%s" % (
                    label, r['model'] * 1000, r['sql'] * 1000, ratio,
                    'PASS' if ratio <= RATIO_TARGET else 'FAIL',
                    '' if r['same_page'] else ' (pages differ)'))
    print("verdict: %s (compliance page ratio target <= %.1f)" % (
            'target met' if ok else 'target missed', RATIO_TARGET))
    return 1 if args.check and not ok else 0


if __name__ == '__main__':
    sys.exit(main())
