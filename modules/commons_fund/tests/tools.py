# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool

__all__ = ['setup_host', 'create_resource', 'post_move']


def setup_host(name="ANIS"):
    "Create a company with a chart and an open fiscal year of 2023"
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    company = create_company(name=name)
    with set_company(company):
        create_chart(company)
        fiscalyear = get_fiscalyear(company, today=dt.date(2023, 6, 1))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
    return company, fiscalyear


def create_resource(company, code='LOOT', stewards=None, **values):
    "Create a resource with its earmarked fund and return both"
    pool = Pool()
    Resource = pool.get('commons.resource')
    Fund = pool.get('commons.fund')
    resource, = Resource.create([{
                'name': "Resource %s" % code,
                'code': code,
                'company': company.id,
                'stewards': [('add', [p.id for p in stewards or []])],
                **values,
                }])
    fund, = Fund.create([{
                'name': "Fund %s" % code,
                'code': code,
                'type': 'earmarked',
                'resource': resource.id,
                'company': company.id,
                }])
    return resource, fund


def post_move(company, date, amount, fund=None):
    """Post a manual move of amount between the cash and an income account
    (an expense account if amount is negative), its income or expense line
    charged to fund, and return it"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Move = pool.get('account.move')
    Period = pool.get('account.period')

    def account(*domain):
        account, = Account.search([
                ('company', '=', company.id),
                ('closed', '!=', True),
                ('type', '!=', None),
                ('party_required', '=', False),
                *domain], order=[('code', 'ASC')], limit=1)
        return account
    journal, = Journal.search([('type', '=', 'cash')], limit=1)
    cash = account(
        ('type.statement', '=', 'balance'),
        ('type.receivable', '=', False), ('type.payable', '=', False))
    if amount > 0:
        counterpart = account(('type.revenue', '=', True))
    else:
        counterpart = account(('type.expense', '=', True))
    move, = Move.create([{
                'company': company.id,
                'journal': journal.id,
                'period': Period.find(company, date=date).id,
                'date': date,
                'lines': [('create', [{
                                'account': cash.id,
                                'debit': max(amount, Decimal(0)),
                                'credit': max(-amount, Decimal(0)),
                                }, {
                                'account': counterpart.id,
                                'debit': max(-amount, Decimal(0)),
                                'credit': max(amount, Decimal(0)),
                                'commons_fund': fund.id if fund else None,
                                }])],
                }])
    Move.post([move])
    return move
