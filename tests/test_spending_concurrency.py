# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Real parallel transactions approving and posting spending on one fund.

DESIGN invariant 1: available never goes below zero, also when many users
approve or post at the same moment.  PostgreSQL is the reference backend for
this; the test runs the worker script in a process of its own on a database
of its own, as it commits.
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
SCRIPT = Path(__file__).with_name('spending_concurrency.py')

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
    name = 'test_commons_concurrency_%s' % int(time.time())
    yield name
    drop_database(name)


def test_parallel_spending(database):
    "8 parallel approvals of 300 on a fund of 1,000: exactly 3 pass"
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
        errors = [o for o in outcomes if o[0] == 'error']
        assert not errors, errors
        posted = [o for o in outcomes if o[0] == 'posted']
        refused = [o for o in outcomes if o[0] == 'refused']
        # No lost update: exactly what the fund covers went through
        assert len(posted) == can_pass, round_
        assert len(refused) == result['workers'] - can_pass
        for _, message in refused:
            assert 'available: it cannot cover' in message, message
        assert Decimal(round_['available']) >= 0
        assert Decimal(round_['spent']) == amount * can_pass
        assert Decimal(round_['spent']) <= initial
        assert Decimal(round_['committed']) == 0
        assert round_['expense_lines'] == can_pass
        assert Decimal(round_['ledger']) == Decimal(round_['balance'])
        assert Decimal(round_['balance']) == initial - amount * can_pass
