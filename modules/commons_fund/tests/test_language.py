# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


def spaces(text):
    "Return text with its no-break spaces as plain spaces"
    return text.replace('\xa0', ' ').replace('\u202f', ' ')


class LanguageTestCase(_DBTestCase):
    "Test the texts of the commons in the reader's language"
    module = 'commons_fund'
    extras = ['account_fr']

    def french(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        french, = Lang.search([('code', '=', 'fr')])
        Lang.load_translations([french])
        return french

    def allocation_lines(self, company, fiscalyear, vlist):
        "Create the lines of a draft allocation as compute writes them"
        pool = Pool()
        Allocation = pool.get('commons.allocation')
        Fund = pool.get('commons.fund')
        Line = pool.get('commons.allocation.line')
        resource, fund = create_resource(company)
        pooled, = Fund.create([{
                    'name': "Pool", 'code': 'POOL', 'type': 'pooled',
                    'company': company.id,
                    }])
        allocation, = Allocation.create([{
                    'company': company.id, 'fund': pooled.id,
                    'date': dt.date(2023, 4, 1), 'method': 'equal',
                    'amount': Decimal('1234.5'),
                    'fiscalyear': fiscalyear.id,
                    }])
        return Line.create([{
                    'allocation': allocation.id,
                    'resource': resource.id,
                    'fund': fund.id,
                    'amount': Decimal('1234.5'),
                    **values,
                    } for values in vlist])

    @with_transaction()
    def test_explanation_reader_language(self):
        "The same allocation line reads in English and in French"
        pool = Pool()
        Line = pool.get('commons.allocation.line')
        company, fiscalyear = setup_host()
        self.french()
        with set_company(company):
            line, = self.allocation_lines(company, fiscalyear, [
                    Line.explanation_fields(
                        'commons_fund.msg_allocation_explain_fixed',
                        share=Decimal('0.125'), total=Decimal('1234.5')),
                    ])
            with Transaction().set_context(language='en'):
                self.assertEqual(
                    Line(line.id).explanation,
                    "Fixed share of 12.5 % of usd1,234.50.")
            with Transaction().set_context(language='fr'):
                self.assertEqual(
                    spaces(Line(line.id).explanation),
                    "Part fixe de 12,5 % de 1 234,50 usd.")

    @with_transaction()
    def test_explanation_grade(self):
        "The majority grade is the label of the reader's language"
        pool = Pool()
        Line = pool.get('commons.allocation.line')
        company, fiscalyear = setup_host()
        self.french()
        with set_company(company):
            line, = self.allocation_lines(company, fiscalyear, [
                    Line.explanation_fields(
                        'commons_fund.msg_bucket_explain_majority',
                        rank=1, grade='very_good',
                        amount=Decimal(1000), pool=Decimal(1200)),
                    ])
            with Transaction().set_context(language='en'):
                self.assertIn(
                    "(majority grade: Very Good)", Line(line.id).explanation)
            with Transaction().set_context(language='fr'):
                explanation = spaces(Line(line.id).explanation)
                self.assertIn("(mention majoritaire : Très bien)", explanation)
                self.assertNotIn("Very Good", explanation)

    @with_transaction()
    def test_explanation_before_figures(self):
        "An explanation written as text before is still shown"
        company, fiscalyear = setup_host()
        with set_company(company):
            line, = self.allocation_lines(company, fiscalyear, [{
                        'explanation_text': "Equal share of €10.00.",
                        }])
            self.assertEqual(line.explanation, "Equal share of €10.00.")

    @with_transaction()
    def test_user_host_language(self):
        "A user created in a French host reads French"
        pool = Pool()
        User = pool.get('res.user')
        company, _ = setup_host()
        french = self.french()
        with set_company(company):
            user, = User.create([{'login': 'before', 'name': "Before"}])
            self.assertNotEqual(user.language, french)
            company.party.lang = french
            company.party.save()
            user, = User.create([{'login': 'steward', 'name': "Steward"}])
            self.assertEqual(user.language, french)
        self.assertEqual(french.date, '%d/%m/%Y')


del _DBTestCase
