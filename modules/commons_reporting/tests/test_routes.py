# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
from decimal import Decimal

from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
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
        FundLine = pool.get('commons.fund.line')
        Need = pool.get('commons.resource.need')
        Party = pool.get('party.party')
        Pledge = pool.get('commons.pledge')
        company, fiscalyear = setup_host()
        other_company, _ = setup_host("Other Host")
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
            person, consenting, org = Party.create([{
                        'name': "Jean Secret",
                        'commons_natural_person': True,
                        }, {
                        'name': "Alice Open",
                        'commons_natural_person': True,
                        'commons_public_consent': True,
                        }, {
                        'name': "Fabrique Monscobar",
                        }])
            pledges = Pledge.create([{
                        'company': company.id,
                        'funder': p.id,
                        'funding_type': 'donation',
                        'fund': f.id,
                        'resource': f.resource.id,
                        'amount': Decimal(a),
                        'company_amount': Decimal(a),
                        'currency': company.currency.id,
                        'date': dt.date(2023, 2, 1),
                        'fiscalyear': fiscalyear.id,
                        'state': 'confirmed',
                        } for p, f, a in [
                        (person, public_fund, 100),
                        (consenting, public_fund, 200),
                        (org, public_fund, 3000),
                        (org, private_fund, 777),
                        ]])
            FundLine.create([{
                        'fund': p.fund.id,
                        'resource': p.resource.id,
                        'pledge': p.id,
                        'date': dt.date(2023, 3, 1),
                        'kind': 'receipt',
                        'amount': p.amount,
                        'description': "Gift of %s" % p.funder.name,
                        } for p in pledges])
        with set_company(other_company):
            _, other_fund = create_resource(other_company, 'ELSEWHERE')
            FundLine.create([{
                        'fund': other_fund.id,
                        'resource': other_fund.resource.id,
                        'date': dt.date(2023, 3, 1),
                        'kind': 'receipt',
                        'amount': Decimal(999),
                        }])

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
        self.assertEqual(loot['received'], '3300.00')
        self.assertEqual(loot['coverage'], round(3300 / 5600, 4))
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
        "The ledger shows public lines, anonymised unless consented"
        response = self.get('%s/ledger?size=2' % self.company_id)
        self.assertEqual(response.status_code, 200)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(data['count'], 3)
        self.assertEqual(data['pages'], 2)
        self.assertEqual(len(data['lines']), 2)
        response = self.get('%s/ledger?size=2&page=2' % self.company_id)
        data2 = json.loads(response.get_data(as_text=True))
        lines = data['lines'] + data2['lines']
        self.assertEqual(len({l['id'] for l in lines}), 3)
        self.assertEqual({l['resource'] for l in lines}, {'LOOT'})
        parties = {l['amount']: l['party'] for l in lines}
        self.assertEqual(parties, {
                '100.00': None,
                '200.00': "Alice Open",
                '3000.00': "Fabrique Monscobar",
                })
        body = response.get_data(as_text=True) + json.dumps(data)
        self.assertNotIn("Jean Secret", body)
        self.assertNotIn("777", body)
        anonymised, = [l for l in lines if l['anonymised']]
        self.assertIsNone(anonymised['description'])

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
        response = client.get('/no_such_database/commons/1/resources')
        self.assertEqual(response.status_code, 404)
        data = json.loads(response.get_data(as_text=True))
        self.assertEqual(data['status'], 404)


del RouteTestCase
