# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, SQLConstraintError
from trytond.modules.account.tests import get_fiscalyear
from trytond.modules.commons_fund.exceptions import (
    FundLineAccessError, FundValidationError, NeedValidationError, NumberError,
    PaymentRequestError, PledgeError, PledgeValidationError)
from trytond.modules.commons_fund.model import locking
from trytond.modules.commons_fund.tests.tools import (
    create_resource, customer_invoice_values, next_number, post_move,
    setup_host)
from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError


class CommonsFundTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Commons Fund module"
    module = 'commons_fund'
    extras = [
        'account_fr', 'account_statement_sepa', 'account_payment_clearing',
        'account_payment_sepa']

    @with_transaction()
    def test_need_amount_positive(self):
        "A need of zero or a negative amount is refused"
        pool = Pool()
        Need = pool.get('commons.resource.need')
        company, fiscalyear = setup_host()
        with set_company(company):
            resource, _ = create_resource(company)
            for amount in [Decimal(0), Decimal(-10)]:
                with self.subTest(amount=amount):
                    with self.assertRaisesRegex(
                            NeedValidationError,
                            'must have a positive amount'):
                        Need.create([{
                                    'resource': resource.id,
                                    'fiscalyear': fiscalyear.id,
                                    'category': 'hosting',
                                    'amount': amount,
                                    }])

    @with_transaction()
    def test_need_other_company_fiscalyear(self):
        "A need on the fiscal year of another company is refused"
        pool = Pool()
        Need = pool.get('commons.resource.need')
        company, fiscalyear = setup_host()
        other, other_fiscalyear = setup_host("Other host")
        with set_company(company):
            resource, _ = create_resource(company)
            with self.assertRaises(UserError) as cm:
                Need.create([{
                            'resource': resource.id,
                            'fiscalyear': other_fiscalyear.id,
                            'category': 'hosting',
                            'amount': Decimal(100),
                            }])
            self.assertIn('Fiscal Year', cm.exception.message)
            # Bypassing the domain still hits the rule of the model
            need, = Need.create([{
                        'resource': resource.id,
                        'fiscalyear': fiscalyear.id,
                        'category': 'hosting',
                        'amount': Decimal(100),
                        }])
            need.fiscalyear = other_fiscalyear
            with self.assertRaisesRegex(
                    NeedValidationError, 'does not belong to the company'):
                Need.check_fiscalyear([need])

    @with_transaction()
    def test_earmarked_fund_without_resource(self):
        "An earmarked fund needs a resource, a pooled fund has none"
        pool = Pool()
        Fund = pool.get('commons.fund')
        company, _ = setup_host()
        with set_company(company):
            resource, _ = create_resource(company)
            with self.assertRaisesRegex(
                    UserError, r'"Resource" in record "\[ORPHAN\] Orphan"'):
                Fund.create([{
                            'name': "Orphan", 'code': 'ORPHAN',
                            'type': 'earmarked',
                            'company': company.id,
                            }])
            with self.assertRaisesRegex(
                    FundValidationError, 'cannot be earmarked'):
                Fund.create([{
                            'name': "Pool", 'code': 'POOL',
                            'type': 'pooled',
                            'resource': resource.id,
                            'company': company.id,
                            }])

    @with_transaction()
    def test_pledge_amount_positive(self):
        "A pledge of zero or a negative amount is refused"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            funder, = Party.create([{'name': "Funder"}])
            for amount in [Decimal(0), Decimal('-0.01')]:
                with self.subTest(amount=amount):
                    with self.assertRaisesRegex(
                            PledgeValidationError,
                            'must have a positive amount'):
                        Pledge.create([{
                                    'funder': funder.id,
                                    'fund': fund.id,
                                    'amount': amount,
                                    'currency': company.currency.id,
                                    'date': dt.date(2023, 2, 1),
                                    'fiscalyear': fiscalyear.id,
                                    }])

    @with_transaction()
    def test_pledge_closed_fund(self):
        "A pledge on a closed fund is refused"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        Fund = pool.get('commons.fund')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            funder, = Party.create([{'name': "Funder"}])
            pledge, = Pledge.create([{
                        'funder': funder.id,
                        'fund': fund.id,
                        'amount': Decimal(100),
                        'currency': company.currency.id,
                        'date': dt.date(2023, 2, 1),
                        'fiscalyear': fiscalyear.id,
                        }])
            Fund.close([fund])

            with self.assertRaisesRegex(UserError, 'closed fund'):
                Pledge.create([{
                            'funder': funder.id,
                            'fund': fund.id,
                            'amount': Decimal(100),
                            'currency': company.currency.id,
                            'date': dt.date(2023, 2, 1),
                            'fiscalyear': fiscalyear.id,
                            }])
            with self.assertRaisesRegex(FundValidationError, 'is closed'):
                Pledge.confirm([pledge])
            self.assertEqual(pledge.state, 'draft')

    @with_transaction()
    def test_request_more_than_pledged(self):
        "Requesting a payment above the pledge or of nothing is refused"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            funder, = Party.create([{'name': "Funder"}])
            pledge, = Pledge.create([{
                        'funder': funder.id,
                        'fund': fund.id,
                        'amount': Decimal(100),
                        'currency': company.currency.id,
                        'date': dt.date(2023, 2, 1),
                        'fiscalyear': fiscalyear.id,
                        }])
            with self.assertRaisesRegex(PledgeError, 'must be confirmed'):
                pledge.check_request(Decimal(10))
            Pledge.confirm([pledge])
            for amount in [Decimal(0), Decimal(-1)]:
                with self.assertRaisesRegex(PledgeError, 'must be positive'):
                    pledge.check_request(amount)
            with self.assertRaisesRegex(
                    PledgeError, r'more than what remains to request: 100'):
                pledge.check_request(Decimal('100.01'))
            pledge.check_request(Decimal(100))

    @with_transaction()
    def test_pledge_number(self):
        "Confirming a pledge numbers it once, from its sequence"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            funder, = Party.create([{'name': "Fabrique"}])
            first, second = Pledge.create([{
                        'funder': funder.id,
                        'fund': fund.id,
                        'amount': amount,
                        'currency': company.currency.id,
                        'date': dt.date(2023, 2, 1),
                        'fiscalyear': fiscalyear.id,
                        } for amount in [Decimal(100), Decimal(200)]])
            self.assertIsNone(first.number)
            self.assertEqual(first.rec_name, "Fabrique - LOOT")

            Pledge.confirm([first])
            Pledge.confirm([second])
            # PostgreSQL's sequences are not rolled back with the tests
            # that used them: the counter is where they left it
            number = first.number
            self.assertRegex(number, r'^ENG-2023-\d{4}$')
            self.assertEqual(second.number, next_number(number))
            self.assertEqual(first.rec_name, number)
            self.assertEqual(
                Pledge.search([('rec_name', '=', second.number)]),
                [second])
            self.assertEqual(
                Pledge.search([('rec_name', 'ilike', '%Fabrique%')],
                    order=[('id', 'ASC')]),
                [first, second])
            with self.assertRaisesRegex(
                    PledgeError, 'pledge "%s" is more than' % number):
                first.check_request(Decimal('100.01'))

            # Back to draft and confirmed again, it keeps its number
            Pledge.cancel([first])
            Pledge.draft([first])
            Pledge.confirm([first])
            self.assertEqual(first.number, number)

            copy, = Pledge.copy([first])
            self.assertIsNone(copy.number)
            Pledge.confirm([copy])
            self.assertEqual(copy.number, next_number(second.number))

            with self.assertRaises(SQLConstraintError):
                Pledge.write([copy], {'number': number})

    @with_transaction()
    def test_tax_receipt_number_unique(self):
        "The issue dates and numbers a tax receipt, never twice the same"
        pool = Pool()
        Party = pool.get('party.party')
        TaxReceipt = pool.get('commons.tax.receipt')
        company, _ = setup_host()
        with set_company(company):
            donor, = Party.create([{'name': "Donor"}])
            first, second = TaxReceipt.create([{
                        'company': company.id,
                        'donor': donor.id,
                        }] * 2)
            TaxReceipt.set_number([first])
            self.assertRegex(first.number, r'^RF\d{4}-\d+$')
            # The number shows the year of the issue
            self.assertEqual(first.number[2:6], str(first.date.year))
            number = first.number
            TaxReceipt.set_number([first])
            self.assertEqual(first.number, number)
            with self.assertRaisesRegex(
                    SQLConstraintError, 'must be unique per company'):
                TaxReceipt.write([second], {'number': number})

    @with_transaction()
    def test_pledge_number_not_written(self):
        "Only the sequence numbers a pledge, whatever a client sends"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        Party = pool.get('party.party')
        company, fiscalyear = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            funder, = Party.create([{'name': "Fabrique"}])
            values = {
                'funder': funder.id,
                'fund': fund.id,
                'amount': Decimal(100),
                'currency': company.currency.id,
                'date': dt.date(2023, 2, 1),
                'fiscalyear': fiscalyear.id,
                }
            pledge, = Pledge.create([values])
            with Transaction().set_context(_check_access=True):
                with self.assertRaisesRegex(
                        NumberError,
                        'cannot set the number of "Fabrique - LOOT"'):
                    Pledge.write([pledge], {'number': 'ENG-2023-0042'})
                with self.assertRaisesRegex(NumberError, 'number'):
                    Pledge.create([{**values, 'number': 'ENG-2023-0042'}])
            self.assertIsNone(pledge.number)

    @with_transaction()
    def test_context_latest_fiscalyear(self):
        "The analyses open on the latest year up to today with figures"
        pool = Pool()
        Context = pool.get('commons.resource.context')
        FiscalYear = pool.get('account.fiscalyear')
        Need = pool.get('commons.resource.need')
        Pledge = pool.get('commons.pledge')
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        company, fiscalyear = setup_host()
        today = Date.today()
        with set_company(company):
            resource, fund = create_resource(company)
            years = {}
            for year in [2024, today.year + 1]:
                years[year] = get_fiscalyear(
                    company, today=dt.date(year, 6, 1))
                years[year].save()
                FiscalYear.create_period([years[year]])

            # Without figures: the current year, if there is one
            self.assertEqual(Context.default_fiscalyear(), None)

            Need.create([{
                        'resource': resource.id,
                        'fiscalyear': fiscalyear.id,
                        'category': 'hosting',
                        'amount': Decimal(600),
                        }])
            self.assertEqual(Context.default_fiscalyear(), fiscalyear.id)

            # The needs of a year to come do not count
            Need.create([{
                        'resource': resource.id,
                        'fiscalyear': years[today.year + 1].id,
                        'category': 'hosting',
                        'amount': Decimal(600),
                        }])
            self.assertEqual(Context.default_fiscalyear(), fiscalyear.id)

            funder, = Party.create([{'name': "Funder"}])
            pledge, = Pledge.create([{
                        'funder': funder.id,
                        'fund': fund.id,
                        'amount': Decimal(100),
                        'currency': company.currency.id,
                        'date': dt.date(2024, 2, 1),
                        'fiscalyear': years[2024].id,
                        }])
            self.assertEqual(Context.default_fiscalyear(), years[2024].id)
            Pledge.cancel([pledge])
            self.assertEqual(Context.default_fiscalyear(), fiscalyear.id)

            with Transaction().set_context(fiscalyear=years[2024].id):
                self.assertEqual(
                    Context.default_fiscalyear(), years[2024].id)

    @with_transaction()
    def test_invoice_line_other_company_fund(self):
        "An invoice line cannot be charged to another company's fund"
        pool = Pool()
        Account = pool.get('account.account')
        Invoice = pool.get('account.invoice')
        company, _ = setup_host()
        other, _ = setup_host("Other host")
        with set_company(company):
            _, fund = create_resource(company)
        with set_company(other):
            revenue, = Account.search([
                    ('company', '=', other.id),
                    ('type.revenue', '=', True),
                    ('closed', '!=', True),
                    ], limit=1)
            with self.assertRaises(UserError) as cm:
                Invoice.create([{
                            **customer_invoice_values(other),
                            'lines': [('create', [{
                                            'company': other.id,
                                            'account': revenue.id,
                                            'quantity': 1,
                                            'unit_price': Decimal(10),
                                            'commons_fund': fund.id,
                                            }])],
                            }])
            self.assertIn('Commons Fund', cm.exception.message)
            self.assertIn('not valid according to its domain',
                cm.exception.message)

    @with_transaction()
    def test_payment_request_not_written(self):
        "Nobody turns a payment request into an invoice or back by a write"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        company, _ = setup_host()
        with set_company(company):
            invoice, = Invoice.create([{
                        **customer_invoice_values(company, "Funder"),
                        'commons_request': True,
                        }])
            with Transaction().set_context(_check_access=True):
                with self.assertRaisesRegex(
                        PaymentRequestError, 'it cannot be changed'):
                    Invoice.write([invoice], {'commons_request': False})
                # Writing what it already is changes nothing
                Invoice.write([invoice], {'commons_request': True})
            self.assertTrue(Invoice(invoice.id).commons_request)

    @with_transaction()
    def test_fund_line_append_only(self):
        "Fund lines are created only through the gate, never edited"
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        company, _ = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            move = post_move(company, dt.date(2023, 3, 1), Decimal(10))
            values = {
                'fund': fund.id,
                'date': dt.date(2023, 3, 1),
                'kind': 'adjustment',
                'amount': Decimal(10),
                'origin': str(move),
                }
            for create in [
                    lambda: FundLine.create([values]),
                    lambda: Fund.write([fund], {
                            'lines': [('create', [values])]}),
                    ]:
                with self.assertRaisesRegex(
                        FundLineAccessError, 'cannot be created by hand'):
                    create()
            line, = FundLine.book([values])
            with self.assertRaisesRegex(
                    FundLineAccessError, 'reverse it with a new line'):
                FundLine.write([line], {'amount': Decimal(20)})
            with self.assertRaisesRegex(
                    FundLineAccessError, 'reverse it with a new line'):
                FundLine.delete([line])
            with self.assertRaisesRegex(
                    FundLineAccessError, 'cannot be created by hand'):
                FundLine.copy([line])
            copy, = Fund.copy([fund], {'code': 'COPY'})
            self.assertEqual(copy.lines, ())
            self.assertEqual(FundLine(line.id).amount, Decimal(10))

    @with_transaction()
    def test_fund_line_gate_checks(self):
        "The gate refuses money without a posted origin or a fund to give"
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        Move = pool.get('account.move')
        company, _ = setup_host()
        with set_company(company):
            _, fund = create_resource(company)
            date = dt.date(2023, 3, 1)
            move = post_move(company, date, Decimal(10), fund)
            self.assertEqual(
                [(l.kind, l.amount) for l in fund.lines],
                [('adjustment', Decimal(10))])
            with self.assertRaisesRegex(
                    FundValidationError,
                    r'has only \D*10.00 available: it cannot cover \D*10.01'):
                FundLine.book([{
                            'fund': fund.id, 'date': date,
                            'kind': 'adjustment', 'amount': Decimal('-10.01'),
                            'origin': str(move),
                            }])
            draft, = Move.copy([move])
            for origin, message in [
                    (None, 'needs a posted origin'),
                    (str(draft), 'needs a posted origin'),
                    ]:
                with self.assertRaisesRegex(FundLineAccessError, message):
                    FundLine.book([{
                                'fund': fund.id, 'date': date,
                                'kind': 'adjustment', 'amount': Decimal(1),
                                'origin': origin,
                                }])
            Fund.close([fund])
            with self.assertRaisesRegex(FundLineAccessError, 'is closed'):
                post_move(company, date, Decimal(5), fund)

    @with_transaction()
    def test_fund_amounts_one_query(self):
        "The amounts of many funds are read with the same queries as one"
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        company, _ = setup_host()
        with set_company(company):
            funds = [create_resource(company, 'R%s' % i)[1]
                for i in range(12)]
            date = dt.date(2023, 3, 1)
            move = post_move(company, date, Decimal(1))
            FundLine.book([{
                        'fund': f.id,
                        'date': date,
                        'kind': kind,
                        'amount': amount,
                        'origin': str(move),
                        }
                    for i, f in enumerate(funds)
                    for kind, amount in [
                        ('receipt', Decimal(100 + i)),
                        ('fee', Decimal(-5)),
                        ('allocation', Decimal(20)),
                        ('expense', Decimal(-30)),
                        ]])
            result = Fund.get_amounts(funds, [
                    'recognised', 'received', 'allocated', 'spent',
                    'balance', 'available', 'available_cash'])
            for i, fund in enumerate(funds):
                self.assertEqual(result['recognised'][fund.id], 100 + i)
                # Booked from a posted move without invoice: paid in
                self.assertEqual(result['received'][fund.id], 100 + i)
                self.assertEqual(result['allocated'][fund.id], 20)
                self.assertEqual(result['spent'][fund.id], 30)
                self.assertEqual(result['balance'][fund.id], 85 + i)
                self.assertEqual(result['available'][fund.id], 85 + i)
                self.assertEqual(result['available_cash'][fund.id], 85 + i)

            cursor = Transaction().connection.cursor()
            executed = []

            def count(records):
                class Cursor:
                    def __getattr__(self, name):
                        return getattr(cursor, name)

                    def execute(self, *args, **kwargs):
                        executed.append(args)
                        return cursor.execute(*args, **kwargs)

                    def __iter__(self):
                        return iter(cursor)
                connection = Transaction().connection
                original = connection.cursor
                connection.cursor = lambda *a, **k: Cursor()
                try:
                    executed.clear()
                    Fund.get_amounts(
                        records, ['balance', 'pledged', 'received'])
                    return len(executed)
                finally:
                    connection.cursor = original
            self.assertEqual(count(funds[:1]), count(funds))

    @with_transaction()
    def test_steward_edits_only_stewarded(self):
        "A steward edits the resources and needs they steward only"
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Need = pool.get('commons.resource.need')
        Party = pool.get('party.party')
        Resource = pool.get('commons.resource')
        User = pool.get('res.user')
        company, fiscalyear = setup_host()
        with set_company(company):
            steward, other = Party.create([
                    {'name': "Steward"}, {'name': "Other steward"}])
            mine, _ = create_resource(company, 'MINE', [steward])
            theirs, _ = create_resource(company, 'THEIRS', [other])
            group = Group(ModelData.get_id(
                    'commons_fund', 'group_commons_steward'))
            user, = User.create([{
                        'login': 'steward',
                        'name': "Steward",
                        'party': steward.id,
                        'groups': [('add', [group.id])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    _check_access=True, company=company.id):
            self.assertEqual(
                {r.code for r in Resource.search([])}, {'MINE', 'THEIRS'})
            Resource.write([Resource(mine.id)], {'description': "Ours"})
            Need.create([{
                        'resource': mine.id,
                        'fiscalyear': fiscalyear.id,
                        'category': 'hosting',
                        'amount': Decimal(600),
                        }])
            with self.assertRaises(AccessError):
                Resource.write(
                    [Resource(theirs.id)], {'description': "Not ours"})
            with self.assertRaises(AccessError):
                Need.create([{
                            'resource': theirs.id,
                            'fiscalyear': fiscalyear.id,
                            'category': 'hosting',
                            'amount': Decimal(600),
                            }])
            with self.assertRaises(AccessError):
                Resource.write(
                    [Resource(mine.id)], {'stewards': [('add', [other.id])]})
        self.assertEqual(Resource(mine.id).description, "Ours")

    @with_transaction()
    def test_locking_one_restart(self):
        "The locks missing in locking are asked by one restart"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        user, = User.search([('login', '=', 'admin')])
        lang, = Lang.search([('code', '=', 'en')])
        with self.assertRaises(TransactionError) as cm:
            with locking() as lock:
                lock(User, [user])
                # What is read before the locks may raise: the restart wins
                lock(Lang, [lang])
                raise UserError("read without the locks")
        extras = {}
        cm.exception.fix(extras)
        self.assertEqual(extras['_lock_records'], {
                User._table: [user.id],
                Lang._table: [lang.id],
                })
        # The restarted call has them all and runs through
        with Transaction().new_transaction(**extras):
            with locking() as lock:
                lock(User, [user])
                lock(Lang, [lang])

    @with_transaction()
    def test_migration_bank_journal(self):
        "The bank journal created by 8.0.0 stays the receipt journal"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        ConfigurationJournal = pool.get('commons.configuration.journal')
        Journal = pool.get('account.journal')
        ModelData = pool.get('ir.model.data')
        company, _ = setup_host()
        other, _ = setup_host("Other host")
        bank, chosen = Journal.create([{
                    'name': "Bank",
                    'code': 'BANK',
                    'type': 'cash',
                    }, {
                    'name': "Other Bank",
                    'code': 'BANK2',
                    'type': 'cash',
                    }])
        ModelData.create([{
                    'module': 'commons_fund',
                    'fs_id': 'journal_bank',
                    'model': 'account.journal',
                    'db_id': bank.id,
                    'noupdate': True,
                    }])
        configuration = Configuration(1)
        configuration.set_multivalue(
            'receipt_journal', chosen.id, company=other.id)

        ConfigurationJournal.__register__('commons_fund')

        self.assertFalse(ModelData.search([
                    ('module', '=', 'commons_fund'),
                    ('fs_id', '=', 'journal_bank'),
                    ]))
        self.assertEqual(Journal.search([('code', '=', 'BANK')]), [bank])
        configuration = Configuration(1)
        for company_, journal in [(company, bank), (other, chosen)]:
            with self.subTest(company=company_.rec_name):
                self.assertEqual(configuration.get_multivalue(
                        'receipt_journal', company=company_.id), journal)
        self.assertEqual(configuration.get_multivalue(
                'revenue_journal', company=company.id).code, 'REV')
        self.assertIsNone(Configuration(1).get_multivalue(
                'receipt_journal', company=setup_host("New host")[0].id))


del ModuleTestCase
