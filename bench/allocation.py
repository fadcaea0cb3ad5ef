#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: allocation by needs and quadratic matching on PostgreSQL.

(a) ``commons.allocation`` compute by needs for a pooled fund of n and 2n
resources (default 10,000 and 20,000), each with needs for the fiscal year,
receipts and an open earmarked fund, against the same formula on the SQL
aggregates: one query for the gaps and ``capped_proportional``.

(b) ``commons.round`` close of a quadratic round of n buckets and m votes
(default 1,000 × 100,000 and 2,000 × 200,000), and its ``_close_quadratic``
alone, against the same formula on the SQL aggregates: one ``GROUP BY``
over the votes and ``quadratic_match``.

Each model measure runs in a transaction rolled back.  The data is inserted
by raw SQL but the company, fiscal year, pooled funds and parties.  The
database is a copy of ``--base`` (commons_fund activated, no data), built
on the first run and kept for the next ones.

Usage::

    python bench/allocation.py [--resources 10000] [--buckets 1000]
        [--votes 100000] [--database bench_commons_allocation]
        [--base bench_commons_allocation_base] [--keep] [--repeat 3]
        [--profile]

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
    admin_connect, create_company, create_database, database_state,
    drop_database)

DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
START = time.perf_counter()
YEAR = 2024
VOTERS_PER_BUCKET = 100

RESOURCE_SQL = """
INSERT INTO commons_resource (
    create_uid, create_date, active, code, company, kind, name, public)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', TRUE, 'B' || g,
    %(company)s, 'software', 'Bench resource ' || g, TRUE
FROM generate_series(1, %(count)s) AS g
"""
FUND_SQL = """
INSERT INTO commons_fund (
    create_uid, create_date, active, code, company, name, resource, state,
    type)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', TRUE, 'F' || r.code,
    r.company, 'Fund ' || r.code, r.id, 'open', 'earmarked'
FROM commons_resource AS r WHERE r.code LIKE 'B%%'
"""
# Two needs per resource, and a receipt covering 0 to 120 % of them
NEED_SQL = """
INSERT INTO commons_resource_need (
    create_uid, create_date, amount, category, fiscalyear, resource)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC',
    ROUND((1000 + random() * 9000)::numeric, 2), c.category,
    %(fiscalyear)s, r.id
FROM commons_resource AS r
CROSS JOIN generate_series(1, 2) AS t(n)
CROSS JOIN (VALUES (%(category)s)) AS c(category)
WHERE r.code LIKE 'B%%'
"""
RECEIPT_SQL = """
INSERT INTO commons_fund_line (
    create_uid, create_date, fund, resource, date, kind, amount, description)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', f.id, f.resource,
    DATE '2024-03-01', 'receipt',
    ROUND((n.amount * random() * 1.2)::numeric, 2), 'bench receipt'
FROM commons_fund AS f
JOIN (SELECT resource, SUM(amount) AS amount FROM commons_resource_need
    GROUP BY resource) AS n ON n.resource = f.resource
WHERE f.code LIKE 'FB%%'
"""
SHARE_SQL = """
INSERT INTO "commons_fund-commons_resource" (
    create_uid, create_date, fund, resource, sequence)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(fund)s, r.id, r.id
FROM commons_resource AS r
WHERE r.code LIKE 'B%%' AND r.id <= (
    SELECT MIN(id) FROM commons_resource WHERE code LIKE 'B%%')
    + %(count)s - 1
"""
BUCKET_SQL = """
INSERT INTO commons_round_bucket (
    create_uid, create_date, round, resource, min_goal, max_goal)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(round)s, r.id, 0, 1000000
FROM commons_resource AS r
WHERE r.code LIKE 'B%%' AND r.id <= (
    SELECT MIN(id) FROM commons_resource WHERE code LIKE 'B%%')
    + %(count)s - 1
"""
PARTICIPANT_SQL = """
INSERT INTO commons_round_participant (
    create_uid, create_date, round, party, source, budget)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(round)s, p.id, 'tokens',
    1000000
FROM party_party AS p WHERE p.name LIKE 'Voter %%'
"""
# Vote g goes to bucket g mod n from participant g div n: each bucket gets
# votes of VOTERS_PER_BUCKET distinct participants
VOTE_SQL = """
INSERT INTO commons_round_vote (
    create_uid, create_date, round, participant, bucket, amount)
SELECT 0, CURRENT_TIMESTAMP AT TIME ZONE 'UTC', %(round)s, p.id, b.id,
    ROUND((1 + random() * 99)::numeric, 2)
FROM generate_series(0, %(votes)s - 1) AS g
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn
    FROM commons_round_bucket WHERE round = %(round)s) AS b
    ON b.rn = g %% %(buckets)s
JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn
    FROM commons_round_participant WHERE round = %(round)s) AS p
    ON p.rn = g / %(buckets)s
"""
GAP_SQL = """
SELECT s.resource,
    GREATEST(COALESCE(n.amount, 0) - COALESCE(l.amount, 0), 0)
FROM "commons_fund-commons_resource" AS s
LEFT JOIN (SELECT resource, SUM(amount) AS amount
    FROM commons_resource_need WHERE fiscalyear = %(fiscalyear)s
    GROUP BY resource) AS n ON n.resource = s.resource
LEFT JOIN (SELECT resource, SUM(amount) AS amount
    FROM commons_fund_line
    WHERE kind IN ('receipt', 'allocation', 'reciprocity', 'refund')
        AND date BETWEEN %(start)s AND %(end)s
    GROUP BY resource) AS l ON l.resource = s.resource
WHERE s.fund = %(fund)s
"""
VOTE_TOTALS_SQL = """
SELECT v.bucket, p.party, SUM(v.amount)
FROM commons_round_vote AS v
JOIN commons_round_participant AS p ON p.id = v.participant
WHERE v.round = %(round)s
GROUP BY v.bucket, p.party
"""


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--resources', type=int, default=10_000,
        help="resources of the smaller pooled fund (default: %(default)s)")
    parser.add_argument('--buckets', type=int, default=1_000,
        help="buckets of the smaller round (default: %(default)s)")
    parser.add_argument('--votes', type=int, default=100_000,
        help="votes of the smaller round (default: %(default)s)")
    parser.add_argument('--database', default='bench_commons_allocation',
        help="PostgreSQL database to create (default: %(default)s)")
    parser.add_argument('--base', default='bench_commons_allocation_base',
        help="database with commons_fund activated, copied for each run, "
        "created if missing and kept (default: %(default)s)")
    parser.add_argument('--keep', action='store_true',
        help="keep the database for a next run (reused if the sizes match)")
    parser.add_argument('--repeat', type=int, default=3,
        help="repetitions of each measure, the median is kept "
        "(default: %(default)s)")
    parser.add_argument('--profile', action='store_true',
        help="print a cProfile of the model side at 2n")
    args = parser.parse_args(argv)
    if args.votes > args.buckets * VOTERS_PER_BUCKET:
        parser.error("--votes must be <= %d × --buckets" % VOTERS_PER_BUCKET)
    return args


def create_records(name, args):
    "Create the company, fiscal year, pooled funds, rounds and parties"
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    pool = Pool(name)
    extras = {}
    while True:
        try:
            with Transaction().start(name, 0, **extras) as transaction:
                return _create_records(pool, transaction, args)
        except TransactionError as exception:
            exception.fix(extras)


def _create_records(pool, transaction, args):
    FiscalYear = pool.get('account.fiscalyear')
    Fund = pool.get('commons.fund')
    Party = pool.get('party.party')
    Round = pool.get('commons.round')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    company = create_company(pool)
    with transaction.set_context(company=company.id):
        sequence_type, = SequenceType.search(
            [('name', '=', "Account Move")], limit=1)
        sequence, = Sequence.create([{
                    'name': str(YEAR),
                    'sequence_type': sequence_type.id,
                    'company': company.id,
                    }])
        fiscalyear, = FiscalYear.create([{
                    'name': str(YEAR),
                    'start_date': dt.date(YEAR, 1, 1),
                    'end_date': dt.date(YEAR, 12, 31),
                    'company': company.id,
                    'move_sequence': sequence.id,
                    }])
        sizes = {
            'pots': [args.resources, 2 * args.resources],
            'rounds': [
                (args.buckets, args.votes),
                (2 * args.buckets, 2 * args.votes)],
            }
        pots = Fund.create([{
                    'name': "Pot %d" % n, 'code': 'POT%d' % n,
                    'type': 'pooled', 'company': company.id,
                    } for n in sizes['pots']])
        Party.create([{'name': "Voter %04d" % i}
                for i in range(VOTERS_PER_BUCKET)])
        rounds = Round.create([{
                    'name': "Quadratic %d" % b,
                    'company': company.id,
                    'fund': pots[0].id,
                    'method': 'quadratic',
                    'start_date': dt.date(YEAR, 1, 1),
                    'end_date': dt.date(YEAR, 12, 31),
                    'fiscalyear': fiscalyear.id,
                    'matching_amount': Decimal(100_000),
                    'minimum_contribution': Decimal(1),
                    'match_cap_rate': Decimal('0.01'),
                    } for b, _ in sizes['rounds']])
        ids = {
            'company': company.id,
            'fiscalyear': fiscalyear.id,
            'pots': [(p.id, n) for p, n in zip(pots, sizes['pots'])],
            'rounds': [(r.id, b, v)
                for r, (b, v) in zip(rounds, sizes['rounds'])],
            }
    transaction.commit()
    return ids


def insert_data(name, ids, args):
    with admin_connect(name) as conn:
        with conn.transaction():
            count = 2 * max(args.resources, args.buckets)
            conn.execute(RESOURCE_SQL, {
                    'company': ids['company'], 'count': count})
            conn.execute(FUND_SQL)
            log("%d resources and earmarked funds inserted", count)
            conn.execute(NEED_SQL, {
                    'fiscalyear': ids['fiscalyear'], 'category': 'other'})
            conn.execute(RECEIPT_SQL)
            log("needs and receipts inserted")
            for fund, n in ids['pots']:
                conn.execute(SHARE_SQL, {'fund': fund, 'count': n})
                # The pot receives more than any allocation asks
                conn.execute(
                    "INSERT INTO commons_fund_line (create_uid, create_date, "
                    "fund, date, kind, amount) VALUES (0, CURRENT_TIMESTAMP "
                    "AT TIME ZONE 'UTC', %s, DATE '2024-01-15', 'receipt', "
                    "100000000)", (fund,))
            for round_, buckets, votes in ids['rounds']:
                conn.execute(BUCKET_SQL, {'round': round_, 'count': buckets})
                conn.execute(PARTICIPANT_SQL, {'round': round_})
                conn.execute(VOTE_SQL, {
                        'round': round_, 'votes': votes,
                        'buckets': buckets})
                conn.execute(
                    "UPDATE commons_round SET state = 'open' WHERE id = %s",
                    (round_,))
                log("round of %d buckets and %d votes inserted",
                    buckets, votes)
        for table in ['commons_resource', 'commons_fund', 'commons_fund_line',
                'commons_resource_need', '"commons_fund-commons_resource"',
                'commons_round_bucket', 'commons_round_participant',
                'commons_round_vote']:
            conn.execute('VACUUM ANALYZE %s' % table)
        log("VACUUM ANALYZE done")


def copy_base(name, base):
    """Create the database as a copy of base, a database with commons_fund
    activated and nothing else, built once and kept"""
    from psycopg.sql import SQL, Identifier

    from trytond import backend
    from trytond.pool import Pool
    if database_state(base) is None:
        create_database(base)
        Pool.stop(base)
        backend.Database(base).close()
    with admin_connect() as conn:
        conn.execute(SQL('CREATE DATABASE {} TEMPLATE {}').format(
                Identifier(name), Identifier(base)))
    log("database %s copied from %s", name, base)


class Bench:

    def __init__(self, name, ids):
        from trytond.pool import Pool
        self.name = name
        self.ids = ids
        self.pool = Pool(name)

    def _run(self, func, profiler=None):
        from trytond.transaction import Transaction
        with Transaction().start(self.name, 0, context={
                    'company': self.ids['company']}) as transaction:
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            result = func(transaction)
            if profiler:
                profiler.disable()
            duration = time.perf_counter() - start
            transaction.rollback()
        return duration, result

    def allocate(self, fund_id, amount, profiler=None):
        "Create and compute an allocation by needs"
        def func(transaction):
            Allocation = self.pool.get('commons.allocation')
            allocation, = Allocation.create([{
                        'company': self.ids['company'],
                        'fund': fund_id,
                        'method': 'needs',
                        'fiscalyear': self.ids['fiscalyear'],
                        'date': dt.date(YEAR, 6, 1),
                        'amount': amount,
                        }])
            Allocation.compute([allocation])
            # Read back as the client does (read, not one record per line)
            Line = self.pool.get('commons.allocation.line')
            return {
                r['resource']: r['amount'] for r in Line.search_read(
                    [('allocation', '=', allocation.id)],
                    fields_names=['resource', 'amount'])}
        return self._run(func, profiler)

    def allocate_sql(self, fund_id, amount):
        from trytond.modules.commons_fund.distribution import (
            capped_proportional)

        def func(transaction):
            cursor = transaction.connection.cursor()
            cursor.execute(GAP_SQL, {
                    'fiscalyear': self.ids['fiscalyear'],
                    'start': dt.date(YEAR, 1, 1),
                    'end': dt.date(YEAR, 12, 31),
                    'fund': fund_id})
            gaps = dict(cursor)
            amounts = capped_proportional(
                amount, gaps, gaps, Decimal('0.01'))
            return {k: v for k, v in amounts.items() if v}
        return self._run(func)

    def close(self, round_id, method='close', profiler=None):
        "Close the round, or only compute its quadratic result"
        def func(transaction):
            Round = self.pool.get('commons.round')
            round_ = Round(round_id)
            if method == 'close':
                Round.close([round_])
                return {b.id: b.match_amount for b in round_.buckets}
            results = round_._close_quadratic()
            return {k: v['match_amount'] for k, v in results.items()}
        return self._run(func, profiler)

    def close_sql(self, round_id):
        from trytond.modules.commons_fund.round import quadratic_match

        def func(transaction):
            Round = self.pool.get('commons.round')
            round_ = Round(round_id)
            cursor = transaction.connection.cursor()
            cursor.execute(VOTE_TOTALS_SQL, {'round': round_id})
            contributions, totals = {}, {}
            for bucket, party, amount in cursor:
                contributions.setdefault(bucket, {})[party] = amount
                totals[bucket] = totals.get(bucket, 0) + amount
            # every bucket has min_goal 0 and max_goal 1,000,000
            rooms = {
                b: max(Decimal(1_000_000) - t, Decimal(0))
                for b, t in totals.items()}
            matches, _ = quadratic_match(
                round_.matching_amount, contributions, Decimal('0.01'),
                minimum=round_.minimum_contribution,
                cap_rate=round_.match_cap_rate, rooms=rooms)
            return matches
        return self._run(func)


def median_of(repeat, func, *args):
    durations = []
    for _ in range(repeat):
        duration, result = func(*args)
        durations.append(duration)
    return statistics.median(durations), result


def profile(func, *args):
    profiler = cProfile.Profile()
    func(*args, profiler=profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats('tottime').print_stats(15)
    return out.getvalue()


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE_URI', DEFAULT_URI)
    if not os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        sys.exit("TRYTOND_DATABASE_URI must be a postgresql:// URI")

    from trytond.pool import Pool
    Pool.start()

    name = args.database
    if database_state(name) is not None:
        drop_database(name)
    copy_base(name, args.base)
    Pool(name).init()
    ids = create_records(name, args)
    insert_data(name, ids, args)
    bench = Bench(name, ids)
    # The pots get ten times less than the gaps: the caps rarely bind
    amounts = {fund_id: Decimal(n * 500) for fund_id, n in ids['pots']}

    rows = []
    try:
        for fund_id, n in ids['pots']:
            bench.allocate(fund_id, amounts[fund_id])
            log("allocation by needs over %d resources", n)
            model, lines = median_of(
                args.repeat, bench.allocate, fund_id, amounts[fund_id])
            sql, expected = median_of(
                args.repeat, bench.allocate_sql, fund_id, amounts[fund_id])
            assert lines == expected, "the model and the SQL disagree"
            rows.append(("needs, %d resources" % n, model, sql))
        for round_id, buckets, votes in ids['rounds']:
            log("quadratic round of %d buckets, %d votes", buckets, votes)
            bench.close(round_id, 'quadratic')
            quadratic, matches = median_of(
                args.repeat, bench.close, round_id, 'quadratic')
            close, _ = median_of(args.repeat, bench.close, round_id)
            sql, expected = median_of(args.repeat, bench.close_sql, round_id)
            assert {k: v for k, v in matches.items() if v} == expected, (
                "the model and the SQL disagree")
            rows.append(("_close_quadratic, %d × %d" % (buckets, votes),
                    quadratic, sql))
            rows.append(("close, %d × %d" % (buckets, votes), close, sql))
        profiles = []
        if args.profile:
            fund_id, n = ids['pots'][-1]
            profiles.append(profile(
                    bench.allocate, fund_id, amounts[fund_id]))
            round_id, *_ = ids['rounds'][-1]
            profiles.append(profile(bench.close, round_id, 'quadratic'))
    finally:
        if not args.keep:
            drop_database(name)

    print()
    print("Allocation benchmark (median of %d, PostgreSQL)" % args.repeat)
    print("%-36s %12s %12s %8s" % ("measure", "model", "SQL+formula",
            "ratio"))
    for label, model, sql in rows:
        print("%-36s %9.1f ms %9.1f ms %8.1f" % (
                label, model * 1000, sql * 1000, model / sql))
    print()
    grow = [
        ("needs", rows[1][1] / rows[0][1], rows[1][2] / rows[0][2]),
        ("_close_quadratic", rows[4][1] / rows[2][1],
            rows[4][2] / rows[2][2]),
        ("close", rows[5][1] / rows[3][1], rows[5][2] / rows[3][2]),
        ]
    print("growth from n to 2n (2.0 is linear): model, SQL+formula")
    for label, model, sql in grow:
        print("  %-20s %5.2f %5.2f" % (label, model, sql))
    for text in profiles:
        print()
        print(text)


if __name__ == '__main__':
    main()
