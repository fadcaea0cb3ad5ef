# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Real parallel transactions allocating and spending one pooled fund.

DESIGN invariant 1 for pooled funds: posting allocations while spending is
approved and posted against the same pool at the same moment never takes the
pool's available below zero.  PostgreSQL is the reference backend for this;
the test runs the worker script in a process of its own on a database of its
own, as it commits.
"""
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

URI = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
SCRIPT = Path(__file__).with_name('allocation_concurrency.py')

pytestmark = pytest.mark.skipif(
    not URI.startswith('postgresql'),
    reason="concurrency is tested on PostgreSQL, the reference backend")


def drop_database(name):
    import psycopg
    from psycopg import sql
    with psycopg.connect(URI.rstrip('/') + '/postgres',
            autocommit=True) as connection:
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(
                sql.Identifier(name)))


@pytest.fixture
def database():
    name = 'test_commons_allocation_concurrency_%s' % int(time.time())
    yield name
    drop_database(name)


def test_parallel_allocation_and_spending(database):
    "4 allocations and 4 spendings of 300 on a pool of 1,000: 3 pass"
    env = dict(os.environ, DB_NAME=database)
    env.setdefault('DB_CACHE', 'postgresql://')
    process = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True,
        text=True, timeout=900)
    assert process.returncode == 0, process.stderr[-3000:]
    result = json.loads(process.stdout.strip().splitlines()[-1])
    initial, amount = Decimal(result['initial']), Decimal(result['amount'])
    can_pass = int(initial // amount)
    assert len(result['rounds']) >= 3
    for round_ in result['rounds']:
        outcomes = round_['outcomes']
        assert len(outcomes) == result['workers']
        errors = [o for o in outcomes if o[1] == 'error']
        assert not errors, errors
        done = [o for o in outcomes if o[1] == 'done']
        refused = [o for o in outcomes if o[1] == 'refused']
        # No lost update: exactly what the pool covers went through
        assert len(done) == can_pass, round_
        assert len(refused) == result['workers'] - can_pass
        for _, _, message in refused:
            assert 'available: it cannot cover' in message, message
        allocations = len([o for o in done if o[0] == 'allocation'])
        spendings = len([o for o in done if o[0] == 'spending'])

        received = Decimal(round_['income'])
        allocated = -Decimal(round_['allocated'])
        spent = Decimal(round_['spent'])
        assert received == initial
        assert allocated + spent <= received
        assert Decimal(round_['available']) >= 0
        assert allocated == amount * allocations
        assert spent == amount * spendings
        assert Decimal(round_['committed']) == 0
        assert round_['expense_lines'] == spendings
        assert round_['allocation_lines'] == allocations * result[
            'resources']
        # The refused allocations were rolled back with their transaction
        assert round_['posted_allocations'] == allocations
        assert round_['other_allocations'] == 0
        assert Decimal(round_['earmarked_received']) == allocated
        assert Decimal(round_['ledger']) == Decimal(round_['balance'])
        assert Decimal(round_['balance']) == initial - amount * can_pass
