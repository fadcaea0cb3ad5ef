# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Fill a database with the demo of the common account of the commons.

The database must exist with the modules commons_fund, commons_contribution,
account_fr, account_statement_sepa, account_payment_clearing and
account_payment_sepa activated (scripts/demo.sh makes it with trytond-admin).
The demo is the association ANIS hosting the six commons of the tiers-lieux
of the seed, with the LOOT 2023 funding closed by the year end of its
dedicated funds and the current year under way.  Run on a database that
already holds the demo, it says so and changes nothing.
"""
import argparse
import datetime as dt
import os
import sys
import time
from contextlib import contextmanager
from decimal import Decimal

import demo_data as data
from demo_milestones import create_milestones, create_pending_spending
from demo_reciprocity import create_reciprocity
from demo_rounds import create_rounds
from proteus import Model, Wizard
from proteus import config as pconfig

from trytond.pool import Pool

STEPS = 18
# The UTC time of day of what the demo replays
REPLAY_TIME = dt.time(8, 30)


class Demo:

    def __init__(self, config, today=None):
        self.config = config
        self.today = today or dt.date.today()
        self.year = self.today.year
        self.step_no = 0
        self.started = time.monotonic()
        self.parties = {}
        self.resources = {}
        self.funds = {}
        self.fiscalyears = {}

    def step(self, text):
        self.step_no += 1
        print("[%d/%d] %s ..." % (self.step_no, STEPS, text), flush=True)

    def info(self, text):
        print("      %s" % text, flush=True)

    def date(self, month, day, year=None):
        "The date in the year, never after today in the current year"
        year = year or self.year
        return min(dt.date(year, month, day), self.today) \
            if year == self.year else dt.date(year, month, day)

    @contextmanager
    def replay(self, date):
        """Run what happened on date as if the server's today were date, so
        that what the buttons date (approvals, deliveries) and stamp
        (ir.date.now: acceptances, approvals of spending) says when it
        happened and not when the demo was built"""
        Date = Pool(self.config.database_name).get('ir.date')
        # Stored in UTC: the morning of the day in Paris
        now = dt.datetime.combine(date, REPLAY_TIME)
        Date.today = staticmethod(lambda timezone=None: date)
        Date.now = classmethod(lambda cls: now)
        try:
            yield
        finally:
            del Date.today
            del Date.now

    @contextmanager
    def as_user(self, login):
        "Act as the user with login until the end of the with block"
        User = Model.get('res.user')
        admin = self.config.user
        user, = User.find([('login', '=', login)])
        self.config.user = user.id
        self.config._context = User.get_preferences(True, {})
        try:
            yield user
        finally:
            self.config.user = admin
            self.config._context = User.get_preferences(True, {})

    def party(self, name):
        Party = Model.get('party.party')
        if name not in self.parties:
            party = Party(name=name)
            party.commons_organisation = name in data.ORGANISATIONS
            party.commons_natural_person = name in data.PERSONS
            party.save()
            self.parties[name] = party
        return self.parties[name]

    # -- steps ---------------------------------------------------------------

    def create_company(self):
        self.step("Host company %s (EUR)" % data.COMPANY['name'])
        Country = Model.get('country.country')
        Currency = Model.get('currency.currency')
        Lang = Model.get('ir.lang')
        Party = Model.get('party.party')
        PartyConfiguration = Model.get('party.configuration')
        User = Model.get('res.user')

        code, name, symbol = data.COMPANY['currency']
        currencies = Currency.find([('code', '=', code)])
        if currencies:
            currency, = currencies
        else:
            currency = Currency(
                name=name, code=code, symbol=symbol,
                rounding=Decimal('0.01'))
            currency.save()
        countries = Country.find([('code', '=', data.COMPANY['country_code'])])
        if countries:
            country, = countries
        else:
            country = Country(
                name=data.COMPANY['country_name'],
                code=data.COMPANY['country_code'])
            country.save()

        # The parties of a French host read French: its documents too
        language, = Lang.find([('code', '=', data.COMPANY['language'])])
        party_configuration = PartyConfiguration(1)
        party_configuration.party_lang = language
        party_configuration.save()

        party = Party(name=data.COMPANY['name'])
        party.commons_organisation = True
        # A French host: the users it creates read French
        party.lang, = Lang.find([('code', '=', data.COMPANY['language'])])
        address, = party.addresses
        address.street = data.COMPANY['street']
        address.city = data.COMPANY['city']
        address.postal_code = data.COMPANY['postal_code']
        address.country = country
        party.identifiers.new(type='fr_siren', code=data.COMPANY['siren'])
        party.save()
        self.company_party = party

        company_config = Wizard('company.company.config')
        company_config.execute('company')
        company = company_config.form
        company.party = party
        company.currency = currency
        company.timezone = data.COMPANY['timezone']
        company_config.execute('add')
        # The wizard sets the company on the admin user: reload its context
        self.config._context = User.get_preferences(True, {})
        self.company, = Model.get('company.company').find()
        self.info("company %s, currency %s" % (
                self.company.rec_name, currency.code))

    def create_chart(self):
        self.step("French chart of accounts and fiscal years")
        Account = Model.get('account.account')
        AccountTemplate = Model.get('account.account.template')
        FiscalYear = Model.get('account.fiscalyear')
        ModelData = Model.get('ir.model.data')
        Sequence = Model.get('ir.sequence.strict')
        SequenceType = Model.get('ir.sequence.type')

        template = AccountTemplate(
            ModelData.get_id('account_fr', 'root', self.config.context))
        create_chart = Wizard('account.create_chart')
        create_chart.execute('account')
        create_chart.form.account_template = template
        create_chart.form.company = self.company
        create_chart.execute('create_account')

        def account(code):
            account, = Account.find([
                    ('company', '=', self.company.id),
                    ('code', '=', code),
                    ])
            return account
        create_chart.form.account_receivable = account('4111')
        create_chart.form.account_payable = account('4011')
        create_chart.execute('create_properties')
        self.info("%d accounts, receivable 4111, payable 4011" % len(
                Account.find([('company', '=', self.company.id)])))

        move_type = SequenceType(ModelData.get_id(
                'account', 'sequence_type_account_move', self.config.context))
        invoice_type = SequenceType(ModelData.get_id(
                'account_invoice', 'sequence_type_account_invoice',
                self.config.context))
        for year in sorted({2023, self.year}):
            move_sequence = Sequence(
                name=str(year), sequence_type=move_type,
                company=self.company)
            move_sequence.save()
            fiscalyear = FiscalYear(name=str(year), company=self.company)
            fiscalyear.start_date = dt.date(year, 1, 1)
            fiscalyear.end_date = dt.date(year, 12, 31)
            fiscalyear.move_sequence = move_sequence
            # Each series of documents is numbered on its own
            sequences, = fiscalyear.invoice_sequences
            for field, name, prefix in data.INVOICE_SERIES:
                sequence = Sequence(
                    name="%s %s" % (name, year), sequence_type=invoice_type,
                    prefix='%s%s-' % (prefix, year), padding=4,
                    company=self.company)
                sequence.save()
                setattr(sequences, field, sequence)
            fiscalyear.save()
            fiscalyear.click('create_period')
            self.fiscalyears[year] = fiscalyear
            self.info("fiscal year %s with %d periods, series %s" % (
                    fiscalyear.name, len(fiscalyear.periods),
                    ", ".join('%s%s' % (p, year)
                        for _, _, p in data.INVOICE_SERIES)))

    def create_configuration(self):
        self.step("Commons configuration (accounts, journals, payment)")
        Configuration = Model.get('commons.configuration')
        Journal = Model.get('account.journal')
        PaymentMethod = Model.get('account.invoice.payment.method')

        configuration = Configuration(1)
        expected = {
            'subsidy_account': '741',
            'subsidy_region_account': '742',
            'subsidy_department_account': '743',
            'subsidy_municipality_account': '744',
            'subsidy_europe_account': '746',
            'subsidy_other_account': '748',
            'donation_account': '7541',
            'sponsorship_account': '7542',
            'organisation_contribution_account': '7551',
            'membership_account': '7561',
            'service_account': '706',
            'grant_receivable_account': '44171',
            'gift_receivable_account': '46871',
            'bank_account': '5121',
            }
        for name, code in expected.items():
            account = getattr(configuration, name)
            if not account or account.code != code:
                raise SystemExit(
                    "The commons configuration does not propose account %s "
                    "for %s but %s: is account_fr activated?" % (
                        code, name, account.code if account else None))
        revenue, = Journal.find([('code', '=', 'REV')])
        # The money arrives in the bank, not in the cash journal of core
        bank = Journal(name="Banque", code='BANK', type='cash')
        bank.save()
        configuration.revenue_journal = revenue
        configuration.receipt_journal = bank
        configuration.default_host_fee_rate = Decimal(0)
        # Store what the chart proposes so the configuration shows it
        for name in expected:
            setattr(configuration, name, getattr(configuration, name))
        configuration.save()
        self.info("accounts %s" % ", ".join(
                "%s %s" % (n.replace('_account', ''), c)
                for n, c in expected.items()))
        self.info("journals REV / BANK, default host fee rate 0")

        self.payment_method = PaymentMethod(name="Virement bancaire")
        self.payment_method.company = self.company
        self.payment_method.journal = bank
        self.payment_method.debit_account = configuration.bank_account
        self.payment_method.credit_account = configuration.bank_account
        self.payment_method.save()
        self.info("payment method %s (BANK, 5121)" % self.payment_method.name)

    def create_sepa(self):
        self.step("SEPA transfers: bank accounts and the payment journal")
        Bank = Model.get('bank')
        BankAccount = Model.get('bank.account')
        Configuration = Model.get('commons.configuration')
        Journal = Model.get('account.journal')
        Party = Model.get('party.party')
        PaymentJournal = Model.get('account.payment.journal')

        banks = {}

        def bank_account(owner, bank_name, bic, iban):
            if bic not in banks:
                party = Party(name=bank_name)
                party.commons_organisation = True
                party.save()
                banks[bic] = Bank(party=party, bic=bic)
                banks[bic].save()
            account = BankAccount(bank=banks[bic])
            account.owners.append(Party(owner.id))
            account.numbers.new(type='iban', number=iban)
            account.save()
            return account

        account = bank_account(
            self.company_party, *data.HOST_BANK_ACCOUNT)
        for name, values in data.BANK_ACCOUNTS.items():
            bank_account(self.party(name), *values)
        self.info("%s: %s (%s); %d contributors' IBAN" % (
                self.company_party.name, data.HOST_BANK_ACCOUNT[2],
                data.HOST_BANK_ACCOUNT[1], len(data.BANK_ACCOUNTS)))

        # A transfer succeeds when the bank has debited it: it is booked on
        # the bank account, in the bank journal
        configuration = Configuration(1)
        journal = PaymentJournal(name="Virements SEPA")
        journal.process_method = 'sepa'
        journal.sepa_bank_account_number, = account.numbers
        journal.sepa_payable_flavor = 'pain.001.001.03'
        journal.sepa_receivable_flavor = 'pain.008.001.02'
        journal.clearing_account = configuration.bank_account
        journal.clearing_journal, = Journal.find([('code', '=', 'BANK')])
        journal.save()
        self.payment_journal = journal
        self.info("payment journal %s (%s, clearing %s)" % (
                journal.name, journal.sepa_payable_flavor,
                journal.clearing_account.code))

    def create_resources(self):
        self.step("The %d commons of the tiers-lieux and their needs"
            % len(data.RESOURCES))
        Party = Model.get('party.party')
        Resource = Model.get('commons.resource')
        for (code, name, kind, contributors, users, license, website,
                description, needs) in data.RESOURCES:
            resource = Resource(name=name, code=code, kind=kind)
            resource.description = description
            resource.license = license
            resource.website = website
            resource.contributors_count = Decimal(contributors)
            resource.users_count = users
            resource.stewards.append(
                Party(self.party(data.STEWARDS[code]).id))
            for fiscalyear in self.fiscalyears.values():
                for category, amount, need_description in needs:
                    need = resource.needs.new(
                        fiscalyear=fiscalyear, category=category)
                    need.description = need_description
                    need.amount = Decimal(amount)
            resource.save()
            self.resources[code] = resource
            self.info("%-12s %-10s need %9s EUR/year, %s contributors, "
                "%d users" % (code, kind, format_amount(
                        sum(n[1] for n in needs)), contributors, users))

    def create_users(self):
        self.step("Users: admin in the company, the steward of LOOT and a "
            "contributor")
        Company = Model.get('company.company')
        Group = Model.get('res.group')
        Lang = Model.get('ir.lang')
        ModelData = Model.get('ir.model.data')
        User = Model.get('res.user')

        def group(module, xml_id):
            return Group(ModelData.get_id(module, xml_id, self.config.context))

        admin, = User.find([('login', '=', 'admin')])
        for module, xml_id in [
                ('commons_fund', 'group_commons_admin'),
                ('account', 'group_account'),
                ('account', 'group_account_admin'),
                ]:
            admin_group = group(module, xml_id)
            if admin_group not in admin.groups:
                admin.groups.append(admin_group)
        if self.company not in admin.companies:
            admin.companies.append(self.company)
        admin.company = self.company
        admin.save()
        self.config._context = User.get_preferences(True, {})
        self.info("admin: company %s, groups %s" % (
                self.company.rec_name,
                ", ".join(sorted(g.name for g in admin.groups))))

        def user(values, group, party):
            user = User(login=values['login'], name=values['name'])
            user.password = values['password']
            user.groups.append(group)
            user.companies.append(Company(self.company.id))
            user.company = self.company
            user.party = party
            user.language, = Lang.find([('code', '=', values['language'])])
            user.save()
            return user

        resource = self.resources[data.STEWARD_USER['resource']]
        steward = user(
            data.STEWARD_USER,
            group('commons_fund', 'group_commons_steward'),
            resource.stewards[0])
        self.info("%s (password %s, %s) stewards %s as %s" % (
                steward.login, data.STEWARD_USER['password'],
                steward.language.code, resource.code, steward.party.name))
        contributor = user(
            data.CONTRIBUTOR_USER,
            group('commons_contribution', 'group_commons_contributor'),
            self.party(data.CONTRIBUTOR_USER['party']))
        self.info("%s (password %s, %s) contributes as %s" % (
                contributor.login, data.CONTRIBUTOR_USER['password'],
                contributor.language.code, contributor.party.name))

    def create_funds(self):
        self.step("Funds: one earmarked fund per resource and the pooled fund")
        Fund = Model.get('commons.fund')
        Resource = Model.get('commons.resource')
        for code, resource in self.resources.items():
            fund = Fund(name="Fonds %s" % resource.name, code=code)
            fund.type = 'earmarked'
            fund.resource = resource
            fund.save()
            self.funds[code] = fund
        pooled = Fund(
            name=data.POOLED_FUND['name'], code=data.POOLED_FUND['code'])
        pooled.type = 'pooled'
        pooled.host_fee_rate = Decimal(data.POOLED_FUND['host_fee_rate'])
        pooled.pooled_resources.extend(
            Resource(r.id) for r in self.resources.values())
        pooled.save()
        self.funds[None] = pooled
        self.info("%d earmarked funds (host fee %s)" % (
                len(self.resources), self.funds['LOOT'].host_fee_rate or 0))
        self.info("%s: %d resources, host fee %s %%" % (
                pooled.rec_name, len(pooled.pooled_resources),
                pooled.host_fee_rate * 100))

    def pledge(self, fund, funder, funding_type, amount, date, fiscalyear):
        Pledge = Model.get('commons.pledge')
        pledge = Pledge(funder=funder, funding_type=funding_type)
        if funding_type == 'subsidy':
            pledge.grantor_level = data.GRANTOR_LEVELS[funder.name]
        pledge.fund = fund
        pledge.amount = Decimal(amount).quantize(Decimal('0.01'))
        pledge.date = date
        pledge.fiscalyear = fiscalyear
        pledge.save()
        return pledge

    def request_payment(self, pledge, date):
        request = pledge.click('request_payment')
        request.form.invoice_date = date
        request.execute('create_')
        invoice, = request.actions[0]
        invoice.click('post')
        return invoice

    def pay(self, invoice, date):
        pay = invoice.click('pay')
        pay.form.payment_method = self.payment_method
        pay.form.date = date
        pay.execute('choice')

    def pay_by_transfer(self, invoice, date):
        """Pay the supplier invoice by a SEPA transfer that the bank
        executes on date and return its payment group"""
        Move = Model.get('account.move')
        Payment = Model.get('account.payment')
        lines = invoice.lines_to_pay
        pay = Wizard('account.move.line.pay', lines)
        pay.form.date = date
        pay.execute('next_')
        pay.form.journal = self.payment_journal
        pay.execute('next_')
        payments = Payment.find([('line', 'in', [l.id for l in lines])])
        Payment.click(payments, 'submit')
        Payment.click(payments, 'approve')
        process = Payment.click(payments, 'process_wizard')
        group, = process.actions[0]
        succeed = Payment.click(payments, 'succeed_wizard')
        succeed.form.date = date
        succeed.execute('succeed')
        Move.click([Payment(p.id).clearing_move for p in payments], 'post')
        return group

    def designate(self, pledge, date):
        "Designate the host's own share on its fund: no move"
        designate = pledge.click('designate')
        designate.form.date = date
        designate.execute('designate')

    def record_receipt(self, pledge, date):
        receipt = pledge.click('record_receipt')
        receipt.form.date = date
        # The button of the wizard that posts the receipt
        state, = [s for s in receipt.states if s != 'end']
        receipt.execute(state)

    def create_loot_2023(self):
        self.step("Pledges of LOOT 2023 (the seed's closed funding)")
        fiscalyear = self.fiscalyears[2023]
        for funder, funding_type, amount, date, how in data.LOOT_2023:
            party = self.party(funder) if funder else self.company_party
            pledge = self.pledge(
                self.funds['LOOT'], party, funding_type, amount,
                dt.date(*date), fiscalyear)
            pledge.click('confirm')
            if how[0] == 'invoice':
                invoice = self.request_payment(pledge, dt.date(*how[1]))
                self.pay(invoice, dt.date(*how[2]))
                way = "%s posted %s, paid %s" % (
                    document(invoice), invoice.invoice_date,
                    dt.date(*how[2]))
            elif how[0] == 'statement':
                invoice = self.request_payment(pledge, dt.date(*how[1]))
                way = "%s posted %s, paid as the bank says" % (
                    document(invoice), invoice.invoice_date)
            elif how[0] == 'designate':
                self.designate(pledge, dt.date(*how[1]))
                way = "host's share designated %s" % dt.date(*how[1])
            else:
                self.record_receipt(pledge, dt.date(*how[1]))
                way = "received %s without invoice" % dt.date(*how[1])
            pledge.reload()
            self.info("%s %-20s %-25s %9s EUR: %s, %s" % (
                    pledge.number, party.name, funding_type,
                    format_amount(amount), way, pledge.state))

    def import_bank_statements(self):
        self.step("Bank statements of March and April 2023 (CAMT.053)")
        Account = Model.get('account.account')
        AccountJournal = Model.get('account.journal')
        BankAccount = Model.get('bank.account')
        Configuration = Model.get('commons.configuration')
        Party = Model.get('party.party')
        Statement = Model.get('account.statement')
        StatementJournal = Model.get('account.statement.journal')

        bank_account = BankAccount()
        bank_account.owners.append(Party(self.company_party.id))
        bank_account.currency = self.company.currency
        bank_account.numbers.new(type='iban', number=data.BANK['iban'])
        bank_account.save()
        journal = StatementJournal(name=data.BANK['journal'])
        journal.journal, = AccountJournal.find([('code', '=', 'STA')])
        journal.account = Configuration(1).bank_account
        journal.bank_account = bank_account
        journal.validation = 'balance'
        journal.save()
        for name, iban in data.IBANS.items():
            account = BankAccount()
            account.owners.append(self.party(name))
            account.numbers.new(type='iban', number=iban)
            account.save()
        self.info("journal %s: %s, %s" % (
                journal.name, data.BANK['iban'], journal.account.code))

        path = os.path.join(
            os.path.dirname(os.path.abspath(__file__)), data.BANK_STATEMENTS)
        with open(path, 'rb') as file_:
            camt = file_.read()
        import_ = Wizard('account.statement.import')
        import_.form.file_ = camt
        import_.form.file_format = 'camt_053_001'
        import_.execute('import_')
        fees, = Account.find([
                ('code', '=', data.BANK_FEES_ACCOUNT),
                ('company', '=', self.company.id),
                ])
        for statement in Statement.find([], order=[('date', 'ASC')]):
            for origin in statement.origins:
                if origin.lines:
                    line, = origin.lines
                    self.info("%s %9s EUR %-20s pays %s" % (
                            statement.name, format_amount(origin.amount),
                            origin.party.name, line.related_to.rec_name))
                    continue
                # The accountant enters what the matching left, the bank's
                # fees, by hand
                self.info("%s %9s EUR left: %s" % (
                        statement.name, format_amount(origin.amount),
                        origin.commons_reason))
                line = origin.lines.new()
                line.account = fees
                origin.save()
            statement.reload()
            statement.click('validate_statement')
            statement.click('post')
            self.info("%s %s, closing balance %s EUR" % (
                    statement.name, statement.state,
                    format_amount(statement.end_balance)))

    def create_loot_contributions(self):
        self.step("Contributions to LOOT 2023, validated by its steward")
        Configuration = Model.get('commons.configuration')
        Contribution = Model.get('commons.contribution')
        Invoice = Model.get('account.invoice')
        configuration = Configuration(1)
        configuration.default_hourly_rate = Decimal(data.CONTRIBUTIONS_RATE)
        configuration.save()
        loot = self.resources['LOOT']
        contributions = []
        for (contributor, kind, nature, remuneration, date, quantity, price,
                reference, description) in data.LOOT_2023_CONTRIBUTIONS:
            contribution = Contribution(
                contributor=self.party(contributor), resource=loot,
                kind=kind)
            if nature:
                contribution.in_kind_nature = nature
            contribution.remuneration = remuneration
            contribution.date = dt.date(2023, *date)
            contribution.quantity = Decimal(quantity)
            if price is not None:
                contribution.unit_price = Decimal(price)
            contribution.reference = reference
            contribution.description = description
            contribution.click('submit')
            contributions.append(contribution)

        # The steward of LOOT validates, in the web client as any steward,
        # each contribution a week after it was made
        with self.as_user(data.STEWARD_USER['login']):
            for contribution in contributions:
                approved = contribution.date + dt.timedelta(days=7)
                with self.replay(approved):
                    Contribution(contribution.id).click('approve')
        for contribution in contributions:
            contribution.reload()
            self.info("%s %-18s %-8s %-10s %9s EUR: %s on %s" % (
                    contribution.number, contribution.contributor.name,
                    contribution.kind,
                    contribution.remuneration,
                    format_amount(contribution.amount), contribution.state,
                    contribution.validations[0].date))

        contributor, invoice_date, paid_date = data.LOOT_2023_INVOICE
        to_invoice = [
            c for c in contributions
            if c.contributor.name == contributor
            and c.remuneration == 'paid']
        # The invoice is made on its date: the validations it carries are
        # the approval of the spending on that day
        invoice_date = dt.date(2023, *invoice_date)
        with self.replay(invoice_date):
            wizard = Wizard('commons.contribution.invoice', to_invoice)
            wizard.form.invoice_date = invoice_date
            wizard.execute('create_')
        invoice, = wizard.actions[0]
        invoice = Invoice(invoice.id)
        invoice.click('post')
        group = self.pay_by_transfer(invoice, dt.date(2023, *paid_date))
        invoice.reload()
        fund = self.funds['LOOT']
        fund.reload()
        self.info("invoice %s of %s: %s EUR, %s by the SEPA transfer %s; "
            "LOOT's fund spent %s, available %s" % (
                invoice.number, contributor,
                format_amount(invoice.total_amount), invoice.state,
                group.rec_name, format_amount(fund.spent),
                format_amount(fund.available)))

    def close_2023(self):
        self.step("Year end of the dedicated funds of 2023")
        Dedicated = Model.get('commons.fund.dedicated')
        fiscalyear = self.fiscalyears[2023]
        year_end = Wizard('commons.fund.year_end', [fiscalyear])
        year_end.execute('post')
        for row in Dedicated.find([('fiscalyear', '=', fiscalyear.id)]):
            self.info("%-8s %-12s resources %9s used %9s carried forward "
                "%9s EUR" % (
                    row.fund.code, row.origin,
                    format_amount(row.year_resources),
                    format_amount(row.used), format_amount(row.closing)))

    def create_current_year(self):
        self.step("Pledges of %d (the year under way)" % self.year)
        fiscalyear = self.fiscalyears[self.year]
        for (code, funder, funding_type, amount, date, how
                ) in data.CURRENT_YEAR:
            party = self.party(funder) if funder else self.company_party
            fund = self.funds[code]
            pledge = self.pledge(
                fund, party, funding_type, amount, self.date(*date),
                fiscalyear)
            way = "draft"
            if how != 'draft':
                pledge.click('confirm')
                way = "confirmed"
            if how[0] == 'invoice':
                invoice = self.request_payment(pledge, self.date(*how[1]))
                way = "%s posted, not paid" % document(invoice)
            elif how[0] == 'paid':
                invoice = self.request_payment(pledge, self.date(*how[1]))
                self.pay(invoice, self.date(*how[2]))
                way = "%s posted and paid" % document(invoice)
            elif how[0] == 'receipt':
                self.record_receipt(pledge, self.date(*how[1]))
                way = "received without invoice"
            elif how[0] == 'designate':
                self.designate(pledge, self.date(*how[1]))
                way = "host's share designated"
            pledge.reload()
            self.info("%-13s %-12s %-38s %9s EUR: %s, %s" % (
                    pledge.number or "(draft)", fund.code, party.name,
                    format_amount(amount), way, pledge.state))

    def create_tax_receipts(self):
        self.step("Tax receipts of the gifts received, one per gift")
        Configuration = Model.get('commons.configuration')
        configuration = Configuration(1)
        host = data.TAX_RECEIPT_HOST
        for name, value in host.items():
            if name.startswith('tax_receipt_'):
                setattr(configuration, name, value)
        configuration.save()
        for name, (street, postal_code, city, siren) in data.DONORS.items():
            party = self.party(name)
            address, = party.addresses
            address.street = street
            address.postal_code = postal_code
            address.city = city
            if siren:
                party.identifiers.new(type='fr_siren', code=siren)
            party.save()
        for year in sorted(self.fiscalyears):
            generate = Wizard('commons.tax.receipt.generate')
            generate.form.periodicity = 'gift'
            generate.form.start_date = dt.date(year, 1, 1)
            generate.form.end_date = dt.date(year, 12, 31)
            generate.execute('generate')
            result = generate.form
            self.info("%d: %d receipts issued for %d gifts, %d gifts "
                "skipped" % (year, result.issued, result.gifts,
                    result.skipped))
            for reason in (result.summary or '').splitlines():
                self.info("  skipped: %s" % reason)
            generate.execute('end')
        TaxReceipt = Model.get('commons.tax.receipt')
        for receipt in TaxReceipt.find([], order=[('number', 'ASC')]):
            self.info("%s %-25s art. %-6s %9s EUR: %s" % (
                    receipt.number, receipt.donor.name, receipt.article,
                    format_amount(receipt.amount), receipt.amount_words))

    def close_config_wizard(self):
        "Do not open the module configuration wizard at the first login"
        Item = Model.get('ir.module.config_wizard.item')
        items = Item.find([('state', '=', 'open')])
        for item in items:
            item.state = 'done'
        Item.save(items)

    def summary(self):
        self.step("Summary")
        Fund = Model.get('commons.fund')
        FundLine = Model.get('commons.fund.line')
        Invoice = Model.get('account.invoice')
        Pledge = Model.get('commons.pledge')
        Resource = Model.get('commons.resource')

        pledges = Pledge.find([])
        states = {}
        for pledge in pledges:
            states[pledge.state] = states.get(pledge.state, 0) + 1
        self.info("%d resources, %d funds, %d pledges (%s), %d invoices, "
            "%d fund lines" % (
                len(Resource.find([])), len(Fund.find([])), len(pledges),
                ", ".join("%d %s" % (n, s) for s, n in sorted(states.items())),
                len(Invoice.find([])), len(FundLine.find([]))))
        # Recognised (posted) and received (paid in) side by side, and
        # the coverage of the need by each
        columns = "  %-12s" + " %10s" * 6 + " %8s %8s"
        for year, fiscalyear in sorted(self.fiscalyears.items()):
            self.info("Funding of %d:" % year)
            self.info(columns % (
                    "resource", "need", "pledged", "allocated", "recognised",
                    "received", "gap", "cov.rec.", "cov.cash"))
            with self.config.set_context(fiscalyear=fiscalyear.id):
                for resource in Resource.find([]):
                    self.info(columns % (
                            resource.code,
                            format_amount(resource.need_amount),
                            format_amount(resource.pledged_amount),
                            format_amount(resource.allocated_amount),
                            format_amount(resource.recognised_amount),
                            format_amount(resource.received_amount),
                            format_amount(resource.gap_amount),
                            format_rate(resource.coverage),
                            format_rate(resource.coverage_received)))
        with self.config.set_context(fiscalyear=self.fiscalyears[2023].id):
            loot = Resource(self.resources['LOOT'].id)
            coverage = loot.coverage
        self.info("LOOT 2023 coverage: %s" % format_rate(coverage))
        if coverage is None or abs(coverage - 1) > 1e-6:
            raise SystemExit(
                "LOOT 2023 should be fully funded, its coverage is %s"
                % format_rate(coverage))
        # The Région's subsidy to DOKOS is invoiced, not paid
        with self.config.set_context(
                fiscalyear=self.fiscalyears[self.year].id):
            dokos = Resource(self.resources['DOKOS'].id)
            figures = dokos.recognised_amount, dokos.received_amount
        self.info("DOKOS %d: recognised %s, received %s" % (
                self.year, *map(format_amount, figures)))
        if figures != (Decimal(40000), Decimal(0)):
            raise SystemExit(
                "DOKOS %d should have 40,000.00 recognised and nothing "
                "received, not %s and %s" % (
                    self.year, *map(format_amount, figures)))
        for fund in Fund.find([]):
            if fund.recognised or fund.balance:
                self.info(
                    "  fund %-40s recognised %10s received %10s "
                    "balance %10s available %10s of which received %10s" % (
                        fund.rec_name, format_amount(fund.recognised),
                        format_amount(fund.received),
                        format_amount(fund.balance),
                        format_amount(fund.available),
                        format_amount(fund.available_cash)))
        self.info("Demo ready in %.1f s." % (time.monotonic() - self.started))

    def run(self):
        self.create_company()
        self.create_chart()
        self.create_configuration()
        self.create_sepa()
        self.create_resources()
        self.create_users()
        self.create_funds()
        self.create_loot_2023()
        self.import_bank_statements()
        self.create_loot_contributions()
        self.close_2023()
        self.create_current_year()
        create_rounds(self)
        create_reciprocity(self)
        create_milestones(self)
        create_pending_spending(self)
        self.create_tax_receipts()
        self.close_config_wizard()
        self.summary()


def format_amount(amount):
    if amount is None:
        return ''
    return '{:,.2f}'.format(Decimal(amount))


def document(invoice):
    "Tell what the invoice is to the funder, its number and its entry"
    return "%s %s (%s/%s)" % (
        "payment request" if invoice.commons_request else "invoice",
        invoice.number, invoice.account.code,
        "+".join(sorted({l.account.code for l in invoice.lines})))


def format_rate(rate):
    if rate is None:
        return '-'
    return '%.0f %%' % (rate * 100)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Fill a Tryton database with the demo of the common "
        "account of the commons (ANIS and the commons of the tiers-lieux). "
        "The database must exist with commons_fund, commons_contribution, "
        "account_fr, account_statement_sepa, account_payment_clearing and "
        "account_payment_sepa activated.")
    parser.add_argument(
        '-c', '--config', dest='config_file', required=True,
        help="the trytond configuration file")
    parser.add_argument(
        '-d', '--database', required=True, help="the database name")
    options = parser.parse_args(argv)

    config = pconfig.set_trytond(
        options.database, config_file=options.config_file)
    Company = Model.get('company.company')
    Module = Model.get('ir.module')
    needed = {
        'commons_fund', 'commons_contribution', 'account_fr',
        'account_statement_sepa', 'account_payment_clearing',
        'account_payment_sepa'}
    missing = needed - {m.name for m in Module.find([
                ('name', 'in', list(needed)),
                ('state', '=', 'activated'),
                ])}
    if missing:
        print("The database %s lacks the module(s) %s: make it with "
            "trytond-admin -c %s -d %s --all --activate-dependencies "
            "-u %s" % (
                options.database, ", ".join(sorted(missing)),
                options.config_file, options.database,
                " ".join(sorted(needed))), file=sys.stderr)
        return 1
    companies = Company.find([])
    if companies:
        print("The database %s already holds a company (%s): the demo is "
            "there, nothing done." % (
                options.database,
                ", ".join(c.rec_name for c in companies)))
        return 0
    Demo(config).run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
