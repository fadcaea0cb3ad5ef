# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Parallel approval and posting of spending on one fund (PostgreSQL).

Run by tests/test_spending_concurrency.py in a process of its own, on a
database of its own (DB_NAME), because it commits.  Each worker thread does
what a steward and the accountant do through the client: approve its supplier
invoice line, then post the invoice, each in its own transaction retried as
trytond's dispatcher retries them.  It prints one JSON line of results.
"""
import json
import sys
import threading
from decimal import Decimal

from concurrency_tools import call, setup_books

from trytond.exceptions import UserError
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction


def setup(rounds, workers, balance, amount):
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
            resource, = Resource.create([{
                        'name': "Resource %s" % round_,
                        'code': 'R%s' % round_,
                        'stewards': [('add', [steward_party.id])],
                        }])
            fund, = Fund.create([{
                        'name': "Fund %s" % round_,
                        'code': 'F%s' % round_,
                        'resource': resource.id,
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
                                        'commons_fund': fund.id,
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
                                        'commons_fund': fund.id,
                                        'description': "Work %s" % i,
                                        }])],
                        } for i in range(workers)])
            plan.append((fund.id, [i.id for i in invoices]))
    return company.id, steward.id, plan


def work(company_id, steward_id, invoice_id, outcomes):
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
        outcomes[invoice_id] = ('refused', exception.message)
        return
    except Exception as exception:
        outcomes[invoice_id] = ('error', repr(exception))
        return
    try:
        call(1, post, context)
    except Exception as exception:
        outcomes[invoice_id] = ('error', 'post: %r' % exception)
        return
    outcomes[invoice_id] = ('posted', None)


def main(rounds=3, workers=8, balance=Decimal(1000), amount=Decimal(300)):
    # The modules of the module tests, so that their database cache serves
    activate_module(['commons_fund', 'account_fr'])
    pool = Pool(DB_NAME)
    pool.init()
    company_id, steward_id, plan = call(
        1, lambda: setup(rounds, workers, balance, amount))

    results = []
    for fund_id, invoice_ids in plan:
        outcomes = {}
        barrier = threading.Barrier(len(invoice_ids))

        def run(invoice_id):
            barrier.wait()
            work(company_id, steward_id, invoice_id, outcomes)
        threads = [
            threading.Thread(target=run, args=(i,)) for i in invoice_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with Transaction().start(
                DB_NAME, 1, context={'company': company_id}):
            Fund = pool.get('commons.fund')
            FundLine = pool.get('commons.fund.line')
            fund = Fund(fund_id)
            amounts = Fund.get_amounts([fund], [
                    'balance', 'committed', 'available', 'spent'])
            lines = FundLine.search([('fund', '=', fund_id)])
            results.append({
                    'balance': str(amounts['balance'][fund_id]),
                    'committed': str(amounts['committed'][fund_id]),
                    'available': str(amounts['available'][fund_id]),
                    'spent': str(amounts['spent'][fund_id]),
                    'ledger': str(sum(l.amount for l in lines)),
                    'expense_lines': len(
                        [l for l in lines if l.kind == 'expense']),
                    'outcomes': sorted(outcomes.values(), key=str),
                    })
    json.dump({
            'initial': str(balance), 'amount': str(amount),
            'workers': workers, 'rounds': results}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
