# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path

from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.commons_reporting.tests.tools import book, confirm_pledges
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
            public.stewards = [org, person]
            public.description = "A <b>free</b> tool"
            public.save()
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

    def page(self, path, language=None, **headers):
        if language:
            headers['Accept-Language'] = language
        client = self.client()
        return client.get(
            '/%s/commons/%s' % (self.db_name, path), headers=headers)

    def assertPrivate(self, body):
        for text in ["Jean Secret", "Paul Nobody", "777", "SECRET"]:
            self.assertNotIn(text, body)

    def test_host_page(self):
        "The host's page shows the public resources and is cacheable"
        response = self.page('%s/?fiscalyear=2023' % self.company_id, 'en')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'text/html')
        self.assertEqual(response.headers['Content-Language'], 'en')
        self.assertIn('Accept-Language', response.headers['Vary'])
        self.assertIn('max-age', response.headers['Cache-Control'])
        body = response.get_data(as_text=True)
        self.assertIn('<html lang="en">', body)
        self.assertIn('data-resource="LOOT"', body)
        self.assertIn("Resource LOOT", body)
        # The currency of the tests has no sign but its code
        amount = r'[^<\d]*%s</'
        self.assertRegex(body, 'data-field="need"><strong>' + amount % (
                '5,600.00'))
        self.assertRegex(body, 'data-field="recognised">' + amount % (
                '3,350.00'))
        self.assertRegex(body, 'data-field="gap">' + amount % '2,250.00')
        self.assertIn('<td data-field="coverage">60%', body)
        self.assertRegex(body, 'data-total="recognised">' + amount % (
                '3,350.00'))
        self.assertIn("<svg", body)
        self.assertNotIn("<script", body)
        self.assertPrivate(body)

        response = self.page('%s/?fiscalyear=2023' % self.company_id, 'en',
            **{'If-None-Match': response.headers['ETag']})
        self.assertEqual(response.status_code, 304)

        # French by default, English only when the browser prefers it
        for language in [None, 'fr-FR,fr;q=0.9,en;q=0.8', 'de, fr;q=0.5']:
            with self.subTest(language=language):
                response = self.page(
                    '%s/?fiscalyear=2023' % self.company_id, language)
                self.assertEqual(response.headers['Content-Language'], 'fr')
                self.assertIn('<html lang="fr">',
                    response.get_data(as_text=True))
        # The current year has no figure: the page shows the latest one
        response = self.page('%s/' % self.company_id, 'en')
        self.assertIn('<strong aria-current="page">2023</strong>',
            response.get_data(as_text=True))

    def test_resource_page(self):
        "The page of a public resource names no person who did not consent"
        response = self.page(
            '%s/page/LOOT?fiscalyear=2023' % self.company_id, 'en')
        self.assertEqual(response.status_code, 200)
        body = response.get_data(as_text=True)
        self.assertIn("A &lt;b&gt;free&lt;/b&gt; tool", body)
        self.assertIn('<dd data-field="stewards">Fabrique Monscobar</dd>',
            body)
        self.assertRegex(
            body, r'data-field="recognised">[^<\d]*3,350\.00</dd>')
        self.assertIn('<dd data-field="coverage">60%', body)
        self.assertIn("Alice Open", body)
        self.assertIn("Persons who did not consent to be named", body)
        self.assertIn('badge/LOOT.svg', body)
        self.assertIn('<tr data-year="2023">', body)
        self.assertPrivate(body)

        for code in ['SECRET', 'NOTHING', 'ELSEWHERE']:
            with self.subTest(code=code):
                response = self.page('%s/page/%s?fiscalyear=2023' % (
                        self.company_id, code), 'en')
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.mimetype, 'text/html')
                self.assertIn("Unknown resource %s" % code,
                    response.get_data(as_text=True))
        for path, status in [
                ('%s/page/LO%%00OT' % self.company_id, 400),
                ('%s/?fiscalyear=%%00' % self.company_id, 400),
                ('%s/?fiscalyear=1999' % self.company_id, 404),
                ('999/', 404),
                ('abc/', 400),
                ]:
            with self.subTest(path=path):
                response = self.page(path, 'en')
                self.assertEqual(response.status_code, status)
                self.assertEqual(response.mimetype, 'text/html')
                self.assertEqual(response.headers['Cache-Control'], 'no-store')

    def test_badge(self):
        "The badge tells the coverage of the year in the reader's language"
        response = self.page(
            '%s/badge/LOOT.svg?fiscalyear=2023' % self.company_id, 'en')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'image/svg+xml')
        self.assertTrue(response.headers['ETag'])
        body = response.get_data(as_text=True)
        self.assertIn("funded at 60% for 2023", body)
        response = self.page(
            '%s/badge/SECRET.svg?fiscalyear=2023' % self.company_id, 'en')
        self.assertEqual(response.status_code, 404)

    def test_datapackage(self):
        "The data package and its CSV files are valid for frictionless"
        from frictionless import Package
        response = self.get('%s/datapackage.json' % self.company_id)
        self.assertEqual(response.status_code, 200)
        descriptor = json.loads(response.get_data(as_text=True))
        # The current year has no figure: the latest year with figures
        self.assertEqual([r['path'] for r in descriptor['resources']], [
                'ledger.csv', 'resources.csv?fiscalyear=2023'])
        response = self.get(
            '%s/datapackage.json?fiscalyear=2023' % self.company_id)
        descriptor = json.loads(response.get_data(as_text=True))
        self.assertEqual(descriptor['licenses'][0]['name'], 'ODbL-1.0')
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            for resource in descriptor['resources']:
                name, _, query = resource['path'].partition('?')
                self.assertEqual(query, 'fiscalyear=2023')
                response = self.get('%s/%s?%s' % (
                        self.company_id, name, query))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.mimetype, 'text/csv')
                text = response.get_data(as_text=True)
                self.assertTrue(text.startswith(resource['schema'][
                            'fields'][0]['name'] + ','), text[:100])
                self.assertPrivate(text)
                (folder / name).write_text(text, encoding='utf-8')
                resource['path'] = name
            (folder / 'datapackage.json').write_text(json.dumps(descriptor))
            package = Package(str(folder / 'datapackage.json'))
            report = package.validate()
            self.assertTrue(report.valid, report.flatten(
                    ['type', 'note', 'rowNumber', 'fieldName']))
            rows = package.get_resource('resources').read_rows()
            self.assertEqual(
                [(r['code'], r['recognised'], r['need']) for r in rows],
                [('LOOT', Decimal('3350.00'), Decimal('5600.00'))])
            ledger = package.get_resource('ledger').read_rows()
            self.assertEqual(len(ledger), 4)
            self.assertEqual(
                {r['date'] for r in ledger}, {dt.date(2023, 3, 1)})

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
