# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.commons_reporting.exceptions import (
    OpenDataError, ReportingError)
from trytond.modules.commons_reporting.tests.tools import (
    ADMIN, CONTRIBUTOR, STEWARD, as_user, book, confirm_pledges, create_user)
from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def text_of(content):
    "Return the text of an ODT document"
    with zipfile.ZipFile(io.BytesIO(content)) as odt:
        return odt.read('content.xml').decode('utf-8')


class CommonsReportingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Commons Reporting module"
    module = 'commons_reporting'
    extras = ['account_fr']

    @with_transaction()
    def test_resource_funding_matches_resource(self):
        "The funding analysis has the figures of the resource"
        pool = Pool()
        Funding = pool.get('commons.reporting.resource_funding')
        Need = pool.get('commons.resource.need')
        Resource = pool.get('commons.resource')
        company, fiscalyear = setup_host()
        with set_company(company):
            resource, fund = create_resource(company)
            other, _ = create_resource(company, 'WIKI')
            Need.create([{
                        'resource': resource.id,
                        'fiscalyear': fiscalyear.id,
                        'category': 'development',
                        'amount': Decimal(1000),
                        }])
            book(company, [(fund, d, k, a) for d, k, a in [
                        (dt.date(2022, 12, 31), 'receipt', 50),
                        (dt.date(2023, 1, 1), 'receipt', 300),
                        (dt.date(2023, 1, 1), 'fee', -15),
                        (dt.date(2023, 6, 1), 'allocation', 100),
                        (dt.date(2023, 7, 1), 'expense', -120),
                        (dt.date(2024, 1, 1), 'receipt', 999),
                        ]])
            with Transaction().set_context(
                    company=company.id, fiscalyear=fiscalyear.id):
                rows = Funding.search([])
                self.assertEqual(
                    {r.resource for r in rows}, {resource, other})
                row, = Funding.search([('resource', '=', resource.id)])
                resource = Resource(resource.id)
                self.assertEqual(row.need, resource.need_amount)
                self.assertEqual(row.need, Decimal('1000.00'))
                for name in [
                        'pledged', 'allocated', 'recognised', 'received',
                        'gap']:
                    self.assertEqual(
                        getattr(row, name),
                        getattr(resource, name + '_amount'))
                self.assertEqual(row.coverage, resource.coverage)
                self.assertEqual(
                    row.coverage_received, resource.coverage_received)
                # Allocations apart: recognised and received are income
                self.assertEqual(row.recognised, Decimal('300.00'))
                self.assertEqual(row.received, Decimal('300.00'))
                self.assertEqual(row.gap, Decimal('600.00'))
                self.assertEqual(row.coverage, 0.4)
                self.assertEqual(row.fees, Decimal('-15.00'))
                self.assertEqual(row.allocated, Decimal('100.00'))
                self.assertEqual(row.spent, Decimal('120.00'))
                self.assertEqual(row.available, Decimal('315.00'))
                self.assertFalse(row.is_empty())
                empty, = Funding.search([('resource', '=', other.id)])
                self.assertTrue(empty.is_empty())

    @with_transaction()
    def test_other_company_hidden(self):
        "The analysis of a company shows none of another company's rows"
        pool = Pool()
        Funding = pool.get('commons.reporting.resource_funding')
        company, fiscalyear = setup_host()
        other_company, other_year = setup_host("Other")
        with set_company(company):
            create_resource(company)
        with set_company(other_company):
            create_resource(other_company, 'OTHER')
        with set_company(company):
            with Transaction().set_context(fiscalyear=fiscalyear.id):
                self.assertEqual(
                    [r.resource.code for r in Funding.search([])], ['LOOT'])

    @with_transaction()
    def test_statement_empty_year(self):
        "A statement of a year with nothing is refused"
        pool = Pool()
        Funding = pool.get('commons.reporting.resource_funding')
        Statement = pool.get(
            'commons.reporting.resource_funding.statement', type='report')
        company, fiscalyear = setup_host()
        with set_company(company):
            create_resource(company)
            with Transaction().set_context(fiscalyear=fiscalyear.id):
                row, = Funding.search([])
                with self.assertRaisesRegex(
                        ReportingError,
                        r'nothing to report for the resource '
                        r'"\[LOOT\] Resource LOOT" in the fiscal year'):
                    Statement.execute([row.id], {})
                with self.assertRaisesRegex(
                        ReportingError, 'select at least one row'):
                    Statement.execute([], {})

    @with_transaction()
    def test_reciprocity_summary(self):
        "The reciprocity analysis sums the declarations, due as in compliance"
        pool = Pool()
        Compliance = pool.get('commons.reciprocity.compliance')
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Party = pool.get('party.party')
        Summary = pool.get('commons.reporting.reciprocity')
        company, fiscalyear = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract, = Contract.create([{
                        'agent': agent.id,
                        'basis': 'revenue_rate',
                        'rate': Decimal('0.05'),
                        'frequency': 'quarterly',
                        'start_date': dt.date(2023, 1, 1),
                        'end_date': dt.date(2023, 12, 31),
                        'lines': [('create', [{
                                        'resource': fund.resource.id,
                                        'fund': fund.id,
                                        'share': 1,
                                        }])],
                        }])
            Contract.activate([contract])
            declarations = Declaration.create([{
                        'contract': contract.id,
                        'start_date': start,
                        'end_date': end,
                        'revenue': Decimal(revenue),
                        } for start, end, revenue in [
                        (dt.date(2023, 1, 1), dt.date(2023, 3, 31), 1000),
                        (dt.date(2023, 4, 1), dt.date(2023, 6, 30), 3000),
                        (dt.date(2023, 7, 1), dt.date(2023, 9, 30), 7000),
                        ]])
            Declaration.confirm(declarations[:2])
            with Transaction().set_context(fiscalyear=fiscalyear.id):
                row, = Summary.search([])
            self.assertEqual(row.agent, agent)
            self.assertEqual(row.declarations, 3)
            self.assertEqual(row.revenue, Decimal(11000))
            # The third quarter waits for its confirmation to be due
            self.assertEqual(row.due, Decimal(200))
            self.assertEqual(row.invoiced, Decimal(0))
            self.assertEqual(row.paid, Decimal(0))
            compliance, = Compliance.search([('year', '=', 2023)])
            self.assertEqual(
                (compliance.declarations, compliance.revenue,
                    compliance.amount),
                (row.declarations, row.revenue, row.due))

    @with_transaction()
    def test_open_data_export(self):
        "The export refuses an empty ledger and writes the public lines"
        pool = Pool()
        Export = pool.get(
            'commons.reporting.open_data.export', type='wizard')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, public = create_resource(company)
            _, private = create_resource(company, 'SECRET', public=False)
            organisation, person, consenting, unclassified = Party.create([{
                        'name': "Fabrique Monscobar",
                        'commons_organisation': True,
                        }, {
                        'name': "Jean Secret",
                        'commons_natural_person': True,
                        }, {
                        'name': "Alice Open",
                        'commons_natural_person': True,
                        'commons_public_consent': True,
                        }, {
                        'name': "Paul Nobody",
                        }])
            private_pledge, *pledges = confirm_pledges(
                company, fiscalyear, [
                    (organisation, private, 777),
                    (organisation, public, 3000),
                    (person, public, 100),
                    (consenting, public, 200),
                    (unclassified, public, 50),
                    ])
            book(company, [
                    (private, dt.date(2023, 3, 1), 'receipt', 777,
                        private_pledge)])
            session_id, _, _ = Export.create()
            export = Export(session_id)
            export.start.company = company
            export.start.fiscalyear = fiscalyear
            export.start.format = 'csv'
            with self.assertRaisesRegex(
                    OpenDataError,
                    r'public ledger of "ANIS" has no line for 2023'):
                export.transition_export()
            book(company, [
                    (public, dt.date(2023, 3, 1), 'receipt', p.amount, p)
                    for p in pledges])
            self.assertEqual(export.transition_export(), 'result')
            text = export.result.file.decode('utf-8')
            # As data tools expect it: the header first
            header, *rows = text.splitlines()
            self.assertTrue(header.startswith('id,date,resource,'))
            self.assertEqual(export.result.filename, 'public-ledger-2023.csv')
            rows = list(csv.DictReader([header, *rows]))
            self.assertEqual({r['resource'] for r in rows}, {'LOOT'})
            self.assertEqual(
                {r['amount']: (r['party'], r['anonymised'], r['description'])
                    for r in rows}, {
                    '3000.00': (
                        "Fabrique Monscobar", 'false',
                        "Gift of Fabrique Monscobar"),
                    '200.00': ("Alice Open", 'false', "Gift of Alice Open"),
                    '100.00': ('', 'true', ''),
                    '50.00': ('', 'true', ''),
                    })
            for name in ["Jean Secret", "Paul Nobody", "777"]:
                self.assertNotIn(name, text)

            export.start.format = 'json'
            self.assertEqual(export.transition_export(), 'result')
            data = json.loads(export.result.file.decode('utf-8'))
            self.assertEqual(
                {l['amount']: l['party'] for l in data['lines']}, {
                    '3000.00': "Fabrique Monscobar",
                    '200.00': "Alice Open",
                    '100.00': None,
                    '50.00': None,
                    })

    @with_transaction()
    def test_open_data_export_company(self):
        "The export is refused for another company than the user's current"
        pool = Pool()
        Export = pool.get(
            'commons.reporting.open_data.export', type='wizard')
        company, fiscalyear = setup_host()
        other_company, other_year = setup_host("Other")
        for host in [company, other_company]:
            with set_company(host):
                _, fund = create_resource(host)
                book(host, [(fund, dt.date(2023, 3, 1), 'receipt', 10)])
        with set_company(company):
            admin = create_user('admin_a', company, [ADMIN])

        def export(company, fiscalyear, context_company=None):
            session_id, _, _ = Export.create()
            export = Export(session_id)
            export.start.company = company
            export.start.fiscalyear = fiscalyear
            export.start.format = 'json'
            user, context = as_user(admin)
            with user, context, Transaction().set_context(
                    company=context_company or admin.company.id):
                export.transition_export()
            return json.loads(export.result.file.decode('utf-8'))

        data = export(company, fiscalyear)
        self.assertEqual(data['publisher'], "ANIS")
        self.assertEqual(len(data['lines']), 1)
        for args in [
                (other_company, other_year),
                (other_company, None),
                (other_company, other_year, other_company.id),
                (None, None),
                ]:
            with self.subTest(args=args):
                with self.assertRaisesRegex(
                        OpenDataError,
                        'only the data of your current company'):
                    export(*args)
        with self.assertRaisesRegex(
                OpenDataError,
                r'fiscal year "2023" for the company "ANIS": it is a fiscal '
                r'year of another company'):
            export(company, other_year)

    @with_transaction()
    def test_analysis_access(self):
        "Each role reads only the analyses and the rows it may"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Contribution = pool.get('commons.contribution')
        Contributor = pool.get('commons.reporting.contributor')
        Declaration = pool.get('commons.reciprocity.declaration')
        Funder = pool.get('commons.reporting.funder')
        Funding = pool.get('commons.reporting.resource_funding')
        Ledger = pool.get('commons.reporting.public_ledger')
        Party = pool.get('party.party')
        Reciprocity = pool.get('commons.reporting.reciprocity')
        Statement = pool.get(
            'commons.reporting.resource_funding.statement', type='report')
        company, fiscalyear = setup_host()
        with set_company(company):
            steward, other, alice, bob, funder, agent = Party.create([
                    {'name': "Steward"}, {'name': "Other steward"},
                    {'name': "Alice"}, {'name': "Bob"},
                    {'name': "Funder", 'commons_organisation': True},
                    {'name': "Agent"}])
            mine, my_fund = create_resource(company, 'MINE', [steward])
            theirs, their_fund = create_resource(company, 'THEIRS', [other])
            pledges = confirm_pledges(company, fiscalyear, [
                    (funder, my_fund, 100), (funder, their_fund, 200)])
            book(company, [
                    (p.fund, dt.date(2023, 3, 1), 'receipt', p.amount, p)
                    for p in pledges])
            contract, = Contract.create([{
                        'agent': agent.id,
                        'basis': 'fixed',
                        'fixed_amount': Decimal(50),
                        'frequency': 'yearly',
                        'start_date': dt.date(2023, 1, 1),
                        'lines': [('create', [{
                                        'resource': mine.id,
                                        'fund': my_fund.id,
                                        'share': 1,
                                        }])],
                        }])
            Contract.activate([contract])
            declaration, = Declaration.create([{
                        'contract': contract.id,
                        'start_date': dt.date(2023, 1, 1),
                        'end_date': dt.date(2023, 12, 31),
                        }])
            Declaration.confirm([declaration])

            admin = create_user('commons_admin', company, [ADMIN])
            steward_user = create_user(
                'steward', company, [STEWARD], steward)
            other_user = create_user('other', company, [STEWARD], other)
            contributor = create_user(
                'alice', company, [CONTRIBUTOR], alice)
            nobody = create_user('nobody', company, [])
            accountant = create_user(
                'accountant', company, ['account.group_account'])
            contributions = Contribution.create([{
                        'contributor': p.id,
                        'resource': r.id,
                        'date': dt.date(2023, 3, 1),
                        'kind': 'work',
                        'quantity': 2,
                        'unit_price': Decimal(40),
                        'remuneration': 'paid',
                        } for p, r in [(alice, mine), (bob, theirs)]])
            Contribution.submit(contributions)
            for user, contribution in zip(
                    [steward_user, other_user], contributions):
                with Transaction().set_user(user.id):
                    Contribution.approve([Contribution(contribution.id)])

        def funding_id(resource):
            return resource.id * 2 ** 31 + fiscalyear.id

        def read(Model, ids=None):
            "Return the rows the user reads, searching or by ids"
            with Transaction().set_context(fiscalyear=fiscalyear.id):
                if ids is None:
                    return Model.search([])
                return Model.read(ids, ['id'])

        user, context = as_user(admin)
        with user, context:
            self.assertEqual(
                {r.resource.code for r in read(Funding)}, {'MINE', 'THEIRS'})
            self.assertEqual(
                {(r.funder.name, r.fund.code) for r in read(Funder)},
                {("Funder", 'MINE'), ("Funder", 'THEIRS')})
            row, = read(Reciprocity)
            self.assertEqual((row.agent.name, row.due), ("Agent", 50))
            self.assertEqual(
                {r.contributor.name for r in read(Contributor)},
                {"Alice", "Bob"})

        user, context = as_user(steward_user)
        with user, context:
            row, = read(Funding)
            self.assertEqual(
                (row.resource.code, row.received), ('MINE', Decimal(100)))
            read(Funding, [funding_id(mine)])
            with self.assertRaises(AccessError):
                read(Funding, [funding_id(theirs)])
            # The steward prints the statement of the resource they steward
            _, content, _, _ = Statement.execute([funding_id(mine)], {})
            self.assertIn("Funder", text_of(content))
            with self.assertRaises(AccessError):
                Statement.execute([funding_id(theirs)], {})
            for Model in [Funder, Reciprocity, Contributor]:
                with self.subTest(model=Model.__name__), \
                        self.assertRaises(AccessError):
                    read(Model)

        user, context = as_user(contributor)
        with user, context:
            row, = read(Contributor)
            self.assertEqual(row.contributor, alice)
            for Model in [Funding, Funder, Reciprocity]:
                with self.subTest(model=Model.__name__), \
                        self.assertRaises(AccessError):
                    read(Model)
        with Transaction().set_context(fiscalyear=fiscalyear.id):
            bob_row, = Contributor.search([('contributor', '=', bob.id)])
        user, context = as_user(contributor)
        with user, context, self.assertRaises(AccessError):
            read(Contributor, [bob_row.id])

        for outsider in [nobody, accountant]:
            user, context = as_user(outsider)
            with user, context:
                for Model in [Funding, Funder, Reciprocity, Contributor]:
                    with self.subTest(
                            user=outsider.login, model=Model.__name__), \
                            self.assertRaises(AccessError):
                        read(Model)
                # The public ledger is public
                self.assertEqual(
                    {l.amount for l in read(Ledger)},
                    {Decimal(100), Decimal(200)})


del ModuleTestCase
