# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the concurrency scripts share: transactions retried as trytond's
dispatcher retries them, and books with a steward to spend from funds."""
import datetime as dt
import random
import time

from trytond import backend
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

RETRIES = 200


def call(user, func, context=None):
    "Run func in a transaction, retried as trytond's dispatcher does"
    extras = {}
    for attempt in range(RETRIES):
        try:
            with Transaction().start(
                    DB_NAME, user, context=context or {},
                    **extras) as transaction:
                try:
                    result = func()
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
            return result
        except backend.DatabaseOperationalError:
            # A lock taken NOWAIT by another transaction or a serialisation
            # failure: wait a little and start again
            time.sleep(random.uniform(0.005, 0.05))
    raise RuntimeError("gave up after %s attempts" % RETRIES)


def setup_books():
    """Create a company with a chart, an open fiscal year with invoice
    sequences, and a steward user; return them by name"""
    pool = Pool()
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    Group = pool.get('res.group')
    Journal = pool.get('account.journal')
    ModelData = pool.get('ir.model.data')
    Party = pool.get('party.party')
    Period = pool.get('account.period')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    User = pool.get('res.user')

    company = create_company()
    with set_company(company):
        create_chart(company)
        fiscalyear = get_fiscalyear(company, today=dt.date.today())
        sequence_type, = SequenceType.search([
                ('name', '=', "Invoice")], limit=1)
        sequence = Sequence(
            name="Invoices", sequence_type=sequence_type, company=company)
        sequence.save()
        fiscalyear.save()
        FiscalYear.write([fiscalyear], {
                'invoice_sequences': [('create', [{
                                'company': company.id,
                                'in_invoice_sequence': sequence.id,
                                'in_credit_note_sequence': sequence.id,
                                'out_invoice_sequence': sequence.id,
                                'out_credit_note_sequence': sequence.id,
                                }])],
                })
        FiscalYear.create_period([fiscalyear])
        revenue, = Account.search([
                ('type.revenue', '=', True), ('closed', '!=', True),
                ('company', '=', company.id)], limit=1)
        expense, = Account.search([
                ('type.expense', '=', True), ('closed', '!=', True),
                ('company', '=', company.id)], limit=1)
        cash, = Account.search([
                ('code', '=', '1.1.1'),
                ('company', '=', company.id)], limit=1)
        journal, = Journal.search([('type', '=', 'cash')], limit=1)
        expense_journal, = Journal.search(
            [('type', '=', 'expense')], limit=1)
        steward_party, contributor = Party.create([
                {'name': "Steward"},
                {'name': "Contributor",
                    'addresses': [('create', [{}])]}])
        steward, = User.create([{
                    'login': 'steward',
                    'name': "Steward",
                    'party': steward_party.id,
                    'groups': [('add', [
                                Group(ModelData.get_id(
                                        'commons_fund',
                                        'group_commons_steward')).id,
                                Group(ModelData.get_id(
                                        'account', 'group_account')).id,
                                ])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        today = dt.date.today()
        period = Period.find(company, date=today)
    return {
        'company': company,
        'fiscalyear': fiscalyear,
        'revenue': revenue,
        'expense': expense,
        'cash': cash,
        'journal': journal,
        'expense_journal': expense_journal,
        'steward_party': steward_party,
        'contributor': contributor,
        'steward': steward,
        'today': today,
        'period': period,
        }
