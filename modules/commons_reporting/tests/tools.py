# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.commons_fund.tests.tools import post_move
from trytond.pool import Pool
from trytond.transaction import Transaction

__all__ = [
    'ADMIN', 'STEWARD', 'CONTRIBUTOR', 'book', 'confirm_pledges',
    'create_user', 'as_user']

ADMIN = 'commons_fund.group_commons_admin'
STEWARD = 'commons_fund.group_commons_steward'
CONTRIBUTOR = 'commons_contribution.group_commons_contributor'


def book(company, lines):
    """Book the fund lines given as (fund, date, kind, amount[, pledge]),
    justified by a posted move"""
    pool = Pool()
    FundLine = pool.get('commons.fund.line')
    move = post_move(company, dt.date(2023, 3, 1), Decimal(1))
    vlist = []
    for fund, date, kind, amount, *pledge in lines:
        pledge = pledge[0] if pledge else None
        vlist.append({
                'fund': fund.id,
                'resource': fund.resource.id if fund.resource else None,
                'date': date,
                'kind': kind,
                'amount': Decimal(amount),
                'origin': str(move),
                'pledge': pledge.id if pledge else None,
                'description': (
                    "Gift of %s" % pledge.funder.name if pledge else None),
                })
    return FundLine.book(vlist)


def confirm_pledges(company, fiscalyear, pledges):
    "Create and confirm the pledges given as (funder, fund, amount)"
    pool = Pool()
    Pledge = pool.get('commons.pledge')
    pledges = Pledge.create([{
                'company': company.id,
                'funder': funder.id,
                'funding_type': 'donation',
                'fund': fund.id,
                'resource': fund.resource.id,
                'amount': Decimal(amount),
                'currency': company.currency.id,
                'date': dt.date(2023, 2, 1),
                'fiscalyear': fiscalyear.id,
                } for funder, fund, amount in pledges])
    Pledge.confirm(pledges)
    return pledges


def create_user(login, company, groups, party=None):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    user, = User.create([{
                'login': login,
                'name': login,
                'party': party.id if party else None,
                'groups': [('add', [
                                ModelData.get_id(*g.split('.'))
                                for g in groups])],
                'companies': [('add', [company.id])],
                'company': company.id,
                }])
    return user


def as_user(user, **context):
    "Run as the user with the access checks of a client"
    transaction = Transaction()
    return transaction.set_user(user.id), transaction.set_context(
        company=user.company.id, _check_access=True, **context)
