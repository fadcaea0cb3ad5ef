# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Simultaneous users through the real server, as the project ships it.

Twelve stewards approve spending on one fund at the same moment, then the
accountant posts each invoice; twelve participants vote at once on one
bucket of a round; payments of one pledge are requested and received at
once.  Every user gets either the answer or the clear refusal
of what is not available, never an HTTP 503, and no fund nor bucket goes
above what it holds.  Each call is one request, hence one transaction of
the server's dispatcher with the retries of its configuration.
"""
import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from demo_rpc import (
    create_parties, earmarked, make_users, receive, run_wizard,
    supplier_invoices)
from rpc import Fault

USERS = 12


def simultaneously(calls):
    "Run the calls at the same moment, one thread each; their outcomes"
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            outcomes[i] = ('ok', call())
        except Fault as fault:
            outcomes[i] = ('fault', fault)
    threads = [
        threading.Thread(target=run, args=(i, c))
        for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def assert_refusals(outcomes, text):
    "Every fault is a clear refusal saying text, never a server error"
    for kind, value in outcomes:
        if kind == 'fault':
            assert value.status == 200 and value.kind == 'UserError', (
                "not a refusal: %s\n%s" % (value, value.body[-2000:]))
            assert text in value.message, value.message


@pytest.fixture
def admin(demo_server):
    return demo_server.client(*('admin', 'admin'))


def approve_and_post(steward, accountant, invoice, line):
    def call():
        steward.model('commons.fund.spending', 'approve', [line])
        accountant.model('account.invoice', 'post', [invoice])
    return call


def test_stewards_approve_and_post_at_once(demo_server, admin):
    "12 stewards approve 300 on a fund of 1,000 at once: 3 pass, 9 refused"
    parties = create_parties(admin, 'Race steward', USERS)
    _, fund = earmarked(admin, parties)
    receive(admin, fund, Decimal(1000))
    invoices = supplier_invoices(admin, fund, Decimal(300), USERS)
    stewards = [
        demo_server.client(*u) for u in make_users(
            admin, 'steward', "Commons Steward", parties)]
    accountant = demo_server.client('admin', 'admin')

    outcomes = simultaneously([
            approve_and_post(s, accountant, i, l)
            for s, (i, l) in zip(stewards, invoices)])

    assert_refusals(outcomes, 'available')
    passed = [o for o in outcomes if o[0] == 'ok']
    assert len(passed) == 3, outcomes
    amounts, = admin.model('commons.fund', 'read', [fund], [
            'balance', 'committed', 'available', 'spent'])
    assert amounts['spent'] == Decimal(900)
    assert amounts['committed'] == 0
    assert amounts['available'] == amounts['balance'] == Decimal(100)
    states = admin.model(
        'account.invoice', 'read', [i for i, _ in invoices], ['state'])
    assert sorted(s['state'] for s in states) == (
        ['draft'] * (USERS - 3) + ['posted'] * 3)
    expenses = admin.model('commons.fund.line', 'search_count', [
            ('fund', '=', fund), ('kind', '=', 'expense')])
    assert expenses == 3


def test_allocate_and_spend_pooled_fund_at_once(demo_server, admin):
    "Allocations and spending of 300 each on a pool of 1,000: 3 pass"
    company = admin.context['company']
    today = dt.date.today()
    parties = create_parties(admin, 'Pool steward', USERS // 2)
    resource, _ = earmarked(admin, parties)
    pool, = admin.model('commons.fund', 'create', [{
                'name': "Race pool", 'code': 'POOL-%s' % uuid.uuid4().hex[:8],
                'type': 'pooled', 'company': company,
                'pooled_shares': [('create', [{
                                'resource': resource, 'share': Decimal(1),
                                }])],
                }])
    receive(admin, pool, Decimal(1000))
    fiscalyear, = admin.model('account.fiscalyear', 'search', [
            ('company', '=', company),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ], 0, 1, None)
    allocations = admin.model('commons.allocation', 'create', [{
                'company': company, 'fund': pool, 'date': today,
                'method': 'fixed', 'amount': Decimal(300),
                'fiscalyear': fiscalyear,
                } for _ in range(USERS // 2)])
    admin.model('commons.allocation', 'compute', allocations)
    invoices = supplier_invoices(admin, pool, Decimal(300), USERS // 2)
    stewards = [
        demo_server.client(*u) for u in make_users(
            admin, 'pool-steward', "Commons Steward", parties)]
    accountants = [
        demo_server.client('admin', 'admin') for _ in range(USERS)]

    def post(accountant, allocation):
        def call():
            accountant.model('commons.allocation', 'post', [allocation])
        return call
    outcomes = simultaneously(
        [post(a, x) for a, x in zip(accountants, allocations)]
        + [approve_and_post(s, a, i, l) for s, a, (i, l) in zip(
                stewards, accountants[USERS // 2:], invoices)])

    assert_refusals(outcomes, 'available')
    assert len([o for o in outcomes if o[0] == 'ok']) == 3, outcomes
    amounts, = admin.model('commons.fund', 'read', [pool], [
            'balance', 'committed', 'available'])
    assert amounts['committed'] == 0
    assert amounts['available'] == amounts['balance'] == Decimal(100)


def test_requests_and_receipts_of_one_pledge_at_once(demo_server, admin):
    """6 payment requests and 6 receipts of 300 for a pledge of 1,000 at
    once: 3 pass, 9 are told what remains"""
    company = admin.context['company']
    today = dt.date.today()
    parties = create_parties(admin, 'Receipt steward', 1)
    _, fund = earmarked(admin, parties)
    funder, = create_parties(admin, 'Race funder', 1)
    fiscalyear, = admin.model('account.fiscalyear', 'search', [
            ('company', '=', company),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ], 0, 1, None)
    pledge, = admin.model('commons.pledge', 'create', [{
                'funder': funder, 'funding_type': 'donation', 'fund': fund,
                'amount': Decimal(1000), 'date': today,
                'fiscalyear': fiscalyear,
                }])
    admin.model('commons.pledge', 'confirm', [pledge])
    accountants = [
        demo_server.client('admin', 'admin') for _ in range(USERS)]

    def run(accountant, wizard, state):
        def call():
            run_wizard(accountant, wizard, state, {'amount': Decimal(300)},
                action=('commons.pledge', [pledge]))
        return call
    outcomes = simultaneously([
            run(a, 'commons.pledge.request_payment', 'create_')
            for a in accountants[:USERS // 2]] + [
            run(a, 'commons.pledge.record_receipt', 'post')
            for a in accountants[USERS // 2:]])

    assert_refusals(outcomes, 'remains')
    assert len([o for o in outcomes if o[0] == 'ok']) == 3, outcomes
    lines = admin.model('account.invoice.line', 'search_read', [
            ('commons_pledge', '=', pledge),
            ], 0, None, None, ['amount'])
    receipts = admin.model('commons.fund.line', 'search_read', [
            ('fund', '=', fund), ('kind', '=', 'receipt'),
            ], 0, None, None, ['amount'])
    assert sorted(r['amount'] for r in lines + receipts) == (
        [Decimal(300)] * 3)


def test_participants_vote_at_once(demo_server, admin):
    "12 participants put 100 on a bucket of at most 500 at once: 5 pass"
    today = dt.date.today()
    company = admin.context['company']
    pooled, = admin.model('commons.fund', 'search', [
            ('type', '=', 'pooled'), ('state', '=', 'open')], 0, 1, None)
    resource, = admin.model('commons.resource', 'search', [
            ('code', '=', 'LOOT')], 0, 1, None)
    fiscalyear, = admin.model('account.fiscalyear', 'search', [
            ('company', '=', company),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ], 0, 1, None)
    parties = create_parties(admin, 'Voter', USERS)
    round_, = admin.model('commons.round', 'create', [{
                'name': "Race round", 'company': company, 'fund': pooled,
                'method': 'cobudget', 'fiscalyear': fiscalyear,
                'start_date': today, 'end_date': today,
                'participants': [('create', [{
                                'party': p, 'source': 'tokens',
                                'budget': Decimal(100),
                                } for p in parties])],
                'buckets': [('create', [{
                                'resource': resource,
                                'min_goal': Decimal(100),
                                'max_goal': Decimal(500),
                                }])],
                }])
    admin.model('commons.round', 'open', [round_])
    round_values, = admin.model('commons.round', 'read', [round_], [
            'participants', 'buckets'])
    bucket, = round_values['buckets']
    participants = {
        p['party']: p['id'] for p in admin.model(
            'commons.round.participant', 'read',
            round_values['participants'], ['party'])}
    voters = [
        demo_server.client(*u) for u in make_users(
            admin, 'voter', "Commons Participant",
            parties)]

    def vote(voter, participant):
        def call():
            return voter.model('commons.round.vote', 'create', [{
                        'round': round_, 'participant': participant,
                        'bucket': bucket, 'amount': Decimal(100),
                        }])
        return call
    outcomes = simultaneously([
            vote(v, participants[p]) for v, p in zip(voters, parties)])

    assert_refusals(outcomes, 'maximum')
    assert len([o for o in outcomes if o[0] == 'ok']) == 5, outcomes
    committed, = admin.model('commons.round.bucket', 'read', [bucket], [
            'committed'])
    assert committed['committed'] == Decimal(500)
