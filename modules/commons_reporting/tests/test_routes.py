# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
from decimal import Decimal

from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.commons_reporting.tests.tools import (
    book, confirm_pledges)
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, TransactionError


class CommonsReportingRouteTestCase(RouteTestCase):
    "Test the public routes of Commons Reporting"
    module = 'commons_reporting'
    extras = ['account_fr']

    @classmethod
    def setUpClass(cls):
        # Skip RouteTestCase.setUpClass: creating a chart locks tables, which
        # needs the transaction to be restarted as with_transaction does.
        super(test_tryton.RouteTestCase, cls).setUpClass()
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 1, **extras) as transaction:
                try:
                    cls.setUpDatabase()
                except TransactionError as e:
                    transaction.rollback()
                    e.fix(extras)
                    continue
                break

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Need = pool.get('commons.resource.need')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        other_company, other_year = setup_host("Other Host")
        other_year.name = "Other 2023"
        other_year.save()
        cls.company_id = company.id
        cls.other_company_id = other_company.id
        with set_company(company):
            public, public_fund = create_resource(company, 'LOOT')
            private, private_fund = create_resource(
                company, 'SECRET', public=False)
            Need.create([{
                        'resource': public.id,
                        'fiscalyear': fiscalyear.id,
                        'category': 'development',
                        'amount': Decimal(5600),
                        }])
            person, consenting, org, unclassified = Party.create([{
                        'name': "Jean Secret",
                        'commons_natural_person': True,
                        }, {
                        'name': "Alice Open",
                        'commons_natural_person': True,
                        'commons_public_consent': True,
                        }, {
                        'name': "Fabrique Monscobar",
                        'commons_organisation': True,
                        }, {
                        'name': "Paul Nobody",
                        }])
            pledges = confirm_pledges(company, fiscalyear, [
                    (person, public_fund, 100),
                    (consenting, public_fund, 200),
                    (org, public_fund, 3000),
                    (unclassified, public_fund, 50),
                    (org, private_fund, 777),
                    ])
            book(company, [
                    (p.fund, dt.date(2023, 3, 1), 'receipt', p.amount, p)
                    for p in pledges])
        with set_company(other_company):
            _, other_fund = create_resource(other_company, 'ELSEWHERE')
            book(other_company, [
                    (other_fund, dt.date(2023, 3, 1), 'receipt', 999)])

    def get(self, path):
        client = self.client()
        return client.get('/%s/commons/%s' % (self.db_name, path))

    def test_resources(self):
        "The resources route lists the public resources with their coverage"
        response = self.get('%s/resources?fiscalyear=2023' % self.company_id)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/json')
        self.assertIn('max-age', response.headers['Cache-Control'])
        self.assertTrue(response.headers['ETag'])
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(data['license'], 'ODbL-1.0')
        self.assertEqual([r['code'] for r in data['resources']], ['LOOT'])
        loot, = data['resources']
        self.assertEqual(loot['need'], '5600.00')
        self.assertEqual(loot['recognised'], '3350.00')
        self.assertEqual(loot['received'], '3350.00')
        self.assertEqual(loot['allocated'], '0.00')
        self.assertEqual(loot['coverage'], round(3350 / 5600, 4))
        self.assertEqual(loot['coverage_received'], round(3350 / 5600, 4))
        self.assertEqual(loot['needs'][0]['category'], 'development')

        etag = response.headers['ETag']
        client = self.client()
        response = client.get(
            '/%s/commons/%s/resources?fiscalyear=2023' % (
                self.db_name, self.company_id),
            headers={'If-None-Match': etag})
        self.assertEqual(response.status_code, 304)

    def test_resource(self):
        "A public resource is found by its code, a private one is not"
        response = self.get('%s/resources/LOOT?fiscalyear=2023' % (
                self.company_id))
        self.assertEqual(response.status_code, 200)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(data['resource']['name'], "Resource LOOT")
        for code in ['SECRET', 'NOTHING', 'ELSEWHERE']:
            with self.subTest(code=code):
                response = self.get('%s/resources/%s?fiscalyear=2023' % (
                        self.company_id, code))
                self.assertEqual(response.status_code, 404)
                data = json.loads(response.get_data(as_text=True))
                self.assertEqual(data['status'], 404)
                self.assertIn(code, data['message'])

    def test_ledger(self):
        "The ledger names only organisations and persons who consented"
        response = self.get('%s/ledger?size=3' % self.company_id)
        self.assertEqual(response.status_code, 200)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(data['count'], 4)
        self.assertEqual(data['pages'], 2)
        self.assertEqual(len(data['lines']), 3)
        response = self.get('%s/ledger?size=3&page=2' % self.company_id)
        data2 = json.loads(response.get_data(as_text=True))
        lines = data['lines'] + data2['lines']
        self.assertEqual(len({l['id'] for l in lines}), 4)
        self.assertEqual({l['resource'] for l in lines}, {'LOOT'})
        parties = {
            l['amount']: (l['party'], l['anonymised'], l['description'])
            for l in lines}
        self.assertEqual(parties, {
                '100.00': (None, True, None),
                '200.00': ("Alice Open", False, "Gift of Alice Open"),
                '3000.00': (
                    "Fabrique Monscobar", False,
                    "Gift of Fabrique Monscobar"),
                '50.00': (None, True, None),
                })
        body = response.get_data(as_text=True) + json.dumps(data)
        for text in ["Jean Secret", "Paul Nobody", "777"]:
            self.assertNotIn(text, body)

        response = self.get('%s/ledger?page=%s' % (
                self.company_id, 2 ** 31 - 1))
        self.assertEqual(response.status_code, 200)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual((data['count'], data['lines']), (4, []))

    def test_bad_input(self):
        "Malformed parameters are answered by a JSON 4xx, never a 500"
        company = self.company_id
        for path, status, message in [
                ('%s/ledger?page=%s' % (company, 2 ** 63), 400,
                    "page must be between 1 and 2147483647"),
                ('%s/ledger?page=0' % company, 400, "page must be between"),
                ('%s/ledger?page=-1' % company, 400,
                    "page must be an integer"),
                ('%s/ledger?page=abc' % company, 400,
                    "page must be an integer, not 'abc'"),
                ('%s/ledger?page=1.5' % company, 400,
                    "page must be an integer"),
                ('%s/ledger?page=%%D9%%A3' % company, 400,
                    "page must be an integer"),
                ('%s/ledger?page=' % company, 400, "page must be an integer"),
                ('%s/ledger?size=0' % company, 400,
                    "size must be between 1 and 1000"),
                ('%s/ledger?size=1001' % company, 400,
                    "size must be between 1 and 1000"),
                ('%s/ledger?size=%s' % (company, 10 ** 20), 400,
                    "size must be between"),
                ('%s/ledger' % 10 ** 20, 400,
                    "company must be between 1 and 2147483647"),
                ('%s/resources' % 2 ** 31, 400, "company must be between"),
                ('0/resources', 400, "company must be between"),
                ('-1/resources', 400, "company must be an integer"),
                ('abc/ledger', 400, "company must be an integer, not 'abc'"),
                ('%00/ledger', 400, "company contains a control character"),
                ('999/ledger', 404, "Unknown company 999"),
                ('%s/ledger?fiscalyear=20%%0023' % company, 400,
                    "fiscalyear contains a control character"),
                ('%s/resources?fiscalyear=%%00' % company, 400,
                    "fiscalyear contains a control character"),
                ('%s/resources/LO%%00OT?fiscalyear=2023' % company, 400,
                    "code contains a control character"),
                ('%s/resources?fiscalyear=Other%%202023' % company, 404,
                    "Unknown fiscal year Other 2023"),
                ('%s/ledger?fiscalyear=Other%%202023' % company, 404,
                    "Unknown fiscal year Other 2023"),
                ('%s/resources?fiscalyear=abc' % company, 404,
                    "Unknown fiscal year abc"),
                ('%s/resources?fiscalyear=%s' % (company, 10 ** 20), 404,
                    "Unknown fiscal year"),
                ]:
            with self.subTest(path=path):
                response = self.get(path)
                self.assertEqual(response.status_code, status)
                self.assertEqual(response.mimetype, 'application/json')
                self.assertEqual(response.headers['Cache-Control'], 'no-store')
                data = json.loads(response.get_data(as_text=True))
                self.assertEqual(data['status'], status)
                self.assertIn(message, data['message'])

    def test_other_company(self):
        "A company's routes never show another company's data"
        response = self.get('%s/ledger' % self.other_company_id)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(
            {l['resource'] for l in data['lines']}, {'ELSEWHERE'})
        self.assertEqual(self.get('999/ledger').status_code, 404)

    def test_unknown_database(self):
        "An unknown database is a JSON 404"
        client = self.client()
        for name in ['no_such_database', 'no%00database']:
            with self.subTest(name=name):
                response = client.get('/%s/commons/1/resources' % name)
                self.assertEqual(response.status_code, 404)
                data = json.loads(response.get_data(as_text=True))
                self.assertEqual(data['status'], 404)
                self.assertEqual(data['message'], "Unknown database")


del RouteTestCase
