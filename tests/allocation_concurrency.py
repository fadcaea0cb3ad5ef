# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Parallel allocations and spending out of one pooled fund (PostgreSQL).

Run by tests/test_allocation_concurrency.py in a process of its own, on a
database of its own (DB_NAME), because it commits.  Half of the worker
threads do what the allocation committee does through the client: create an
allocation by equal shares, compute and post it, in one transaction.  The
other half do what a steward and the accountant do: approve a supplier
invoice line charged to the pooled fund, then post the invoice.  Each
transaction is retried as trytond's dispatcher retries them.  It prints one
JSON line of results.
"""
import json
import sys
import threading
import time
from decimal import Decimal

from concurrency_tools import call, setup_books

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction

RESOURCES = 3


def setup(rounds, spenders, balance, amount):
    pool = Pool()
    Fund = pool.get('commons.fund')
    Invoice = pool.get('account.invoice')
    Move = pool.get('account.move')
    Resource = pool.get('commons.resource')

    books = setup_books()
    company = books['company']
    with set_company(company):
        (fiscalyear, revenue, expense, cash, journal, expense_journal,
            steward_party, contributor, steward, today, period) = (
            books[n] for n in [
                'fiscalyear', 'revenue', 'expense', 'cash', 'journal',
                'expense_journal', 'steward_party', 'contributor', 'steward',
                'today', 'period'])
        plan = []
        for round_ in range(rounds):
            resources = Resource.create([{
                        'name': "Resource %s-%s" % (round_, i),
                        'code': 'R%s-%s' % (round_, i),
                        # A steward of one resource of the pool is a
                        # steward of the pool
                        'stewards': (
                            [('add', [steward_party.id])] if i == 0 else []),
                        } for i in range(RESOURCES)])
            Fund.create([{
                        'name': "Fund %s" % r.name,
                        'code': 'F%s' % r.code,
                        'resource': r.id,
                        } for r in resources])
            pot, = Fund.create([{
                        'name': "Pot %s" % round_,
                        'code': 'POT%s' % round_,
                        'type': 'pooled',
                        'pooled_shares': [('create', [
                                    {'resource': r.id} for r in resources])],
                        }])
            move, = Move.create([{
                        'journal': journal.id,
                        'period': period.id,
                        'date': today,
                        'lines': [('create', [{
                                        'account': cash.id,
                                        'debit': balance,
                                        'credit': Decimal(0),
                                        }, {
                                        'account': revenue.id,
                                        'debit': Decimal(0),
                                        'credit': balance,
                                        'commons_fund': pot.id,
                                        }])],
                        }])
            Move.post([move])
            invoices = Invoice.create([{
                        'type': 'in',
                        'company': company.id,
                        'journal': expense_journal.id,
                        'party': contributor.id,
                        'invoice_address': contributor.addresses[0].id,
                        'account': contributor.account_payable_used.id,
                        'currency': company.currency.id,
                        'invoice_date': today,
                        'lines': [('create', [{
                                        'company': company.id,
                                        'account': expense.id,
                                        'quantity': 1,
                                        'unit_price': amount,
                                        'commons_fund': pot.id,
                                        'description': "Work %s" % i,
                                        }])],
                        } for i in range(spenders)])
            plan.append((pot.id, [i.id for i in invoices]))
    return company.id, steward.id, plan


def spend(company_id, steward_id, invoice_id):
    "Approve the invoice as the steward, then post it as the accountant"
    pool = Pool(DB_NAME)
    context = {'company': company_id}

    def approve():
        Invoice = pool.get('account.invoice')
        Invoice.commons_approve([Invoice(invoice_id)])

    def post():
        Invoice = pool.get('account.invoice')
        Invoice.post([Invoice(invoice_id)])
    try:
        call(steward_id, approve, dict(context, _check_access=True))
    except UserError as exception:
        return ('spending', 'refused', exception.message)
    except Exception as exception:
        return ('spending', 'error', repr(exception))
    try:
        call(1, post, context)
    except Exception as exception:
        return ('spending', 'error', 'post: %r' % exception)
    return ('spending', 'done', None)


def allocate(company_id, pot_id, amount):
    "Create, compute and post an allocation by equal shares"
    pool = Pool(DB_NAME)

    def run():
        Allocation = pool.get('commons.allocation')
        allocation, = Allocation.create([{
                    'company': company_id,
                    'fund': pot_id,
                    'method': 'equal',
                    'amount': amount,
                    }])
        Allocation.compute([allocation])
        Allocation.post([allocation])
        return allocation.id
    try:
        call(1, run, {'company': company_id})
    except UserError as exception:
        return ('allocation', 'refused', exception.message)
    except Exception as exception:
        return ('allocation', 'error', repr(exception))
    return ('allocation', 'done', None)


def main(rounds=3, workers=8, balance=Decimal(1000), amount=Decimal(300)):
    # The modules of the module tests, so that their database cache serves
    start = time.monotonic()
    activate_module(['commons_fund', 'account_fr'])
    pool = Pool(DB_NAME)
    pool.init()
    spenders = workers // 2
    allocators = workers - spenders
    company_id, steward_id, plan = call(
        1, lambda: setup(rounds, spenders, balance, amount))
    print("set up in %.1fs" % (time.monotonic() - start), file=sys.stderr)

    results = []
    for pot_id, invoice_ids in plan:
        outcomes = []
        tasks = [(spend, (company_id, steward_id, i)) for i in invoice_ids]
        tasks += [(allocate, (company_id, pot_id, amount))] * allocators
        barrier = threading.Barrier(len(tasks))

        def run(func, args):
            barrier.wait()
            outcomes.append(func(*args))
        threads = [
            threading.Thread(target=run, args=t) for t in tasks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with Transaction().start(
                DB_NAME, 1, context={'company': company_id}):
            Allocation = pool.get('commons.allocation')
            Fund = pool.get('commons.fund')
            FundLine = pool.get('commons.fund.line')
            pot = Fund(pot_id)
            amounts = Fund.get_amounts([pot], [
                    'received', 'allocated', 'spent', 'committed',
                    'balance', 'available'])
            lines = FundLine.search([('fund', '=', pot_id)])
            allocations = Allocation.search([('fund', '=', pot_id)])
            earmarked = Fund.search([
                    ('resource', 'in', [
                            l.resource.id for l in pot.pooled_shares]),
                    ])
            results.append({
                    **{n: str(v[pot_id]) for n, v in amounts.items()},
                    # The posted move of the setup writes an adjustment
                    'income': str(sum(
                            l.amount for l in lines
                            if l.kind not in {'allocation', 'expense'})),
                    'ledger': str(sum(l.amount for l in lines)),
                    'expense_lines': len(
                        [l for l in lines if l.kind == 'expense']),
                    'allocation_lines': len(
                        [l for l in lines if l.kind == 'allocation']),
                    'posted_allocations': len(
                        [a for a in allocations if a.state == 'posted']),
                    'other_allocations': len(
                        [a for a in allocations if a.state != 'posted']),
                    'earmarked_received': str(sum(
                            f.allocated for f in earmarked)),
                    'outcomes': sorted(outcomes, key=str),
                    })
    print("done in %.1fs" % (time.monotonic() - start), file=sys.stderr)
    json.dump({
            'initial': str(balance), 'amount': str(amount),
            'workers': workers, 'resources': RESOURCES,
            'rounds': results}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
