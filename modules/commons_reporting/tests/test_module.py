# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.commons_reporting.exceptions import (
    OpenDataError, ReportingError)
from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class CommonsReportingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Commons Reporting module"
    module = 'commons_reporting'
    extras = ['account_fr']

    @with_transaction()
    def test_resource_funding_matches_resource(self):
        "The funding analysis has the figures of the resource"
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
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
            FundLine.create([{
                        'fund': fund.id, 'resource': resource.id,
                        'date': d, 'kind': k, 'amount': Decimal(a),
                        } for d, k, a in [
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
                self.assertEqual(row.received, resource.received_amount)
                self.assertEqual(row.received, Decimal('400.00'))
                self.assertEqual(row.gap, resource.gap_amount)
                self.assertEqual(row.coverage, resource.coverage)
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
        "The reciprocity analysis sums the confirmed declarations"
        pool = Pool()
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
            self.assertEqual(row.declarations, 2)
            self.assertEqual(row.revenue, Decimal(4000))
            self.assertEqual(row.due, Decimal(200))
            self.assertEqual(row.invoiced, Decimal(0))
            self.assertEqual(row.paid, Decimal(0))

    @with_transaction()
    def test_open_data_export(self):
        "The export refuses an empty ledger and writes the public lines"
        pool = Pool()
        Export = pool.get(
            'commons.reporting.open_data.export', type='wizard')
        FundLine = pool.get('commons.fund.line')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, public = create_resource(company)
            _, private = create_resource(company, 'SECRET', public=False)
            FundLine.create([{
                        'fund': private.id, 'resource': private.resource.id,
                        'date': dt.date(2023, 3, 1), 'kind': 'receipt',
                        'amount': Decimal(777),
                        }])
            session_id, _, _ = Export.create()
            export = Export(session_id)
            export.start.company = company
            export.start.fiscalyear = fiscalyear
            export.start.format = 'csv'
            with self.assertRaisesRegex(
                    OpenDataError,
                    r'public ledger of "ANIS" has no line for 2023'):
                export.transition_export()
            FundLine.create([{
                        'fund': public.id, 'resource': public.resource.id,
                        'date': dt.date(2023, 3, 1), 'kind': 'receipt',
                        'amount': Decimal(300),
                        }])
            self.assertEqual(export.transition_export(), 'result')
            text = export.result.file.decode('utf-8')
            notice, header, row, *rest = text.splitlines()
            self.assertIn('Open Database License', notice)
            self.assertTrue(header.startswith('id,date,resource,'))
            self.assertIn(',LOOT,', row)
            self.assertIn(',300.00,', row)
            self.assertEqual(rest, [])
            self.assertEqual(export.result.filename, 'public-ledger-2023.csv')


del ModuleTestCase
