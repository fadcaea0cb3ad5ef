# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Cast, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.account.exceptions import FiscalYearNotFoundError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .aggregate import sum_by
from .exceptions import PledgeError, PledgeValidationError
from .model import (
    CheckValuesMixin, CheckWizardMixin, LockMixin, NumberMixin, check_required)

FUNDING_TYPES = [
    ('subsidy', "Subsidy"),
    ('donation', "Donation"),
    ('sponsorship', "Sponsorship"),
    ('organisation_contribution', "Organisation Contribution"),
    ('membership', "Membership"),
    ('service', "Service"),
    ('host_share', "Host's Share"),
    ]
# The configuration field of the income account of each funding type
FUNDING_ACCOUNTS = {
    'subsidy': 'subsidy_account',
    'donation': 'donation_account',
    'sponsorship': 'sponsorship_account',
    'organisation_contribution': 'organisation_contribution_account',
    'membership': 'membership_account',
    'service': 'service_account',
    }
# The public bodies that grant subsidies, each on its own 74x account
GRANTOR_LEVELS = [
    (None, ""),
    ('state', "State"),
    ('region', "Region"),
    ('department', "Department"),
    ('municipality', "Municipality or Grouping"),
    ('europe', "European Funds"),
    ('other', "Other Public Body"),
    ]
GRANTOR_ACCOUNTS = {
    'state': 'subsidy_account',
    'region': 'subsidy_region_account',
    'department': 'subsidy_department_account',
    'municipality': 'subsidy_municipality_account',
    'europe': 'subsidy_europe_account',
    'other': 'subsidy_other_account',
    }


class Pledge(
        LockMixin, NumberMixin, CheckValuesMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commons.pledge'
    _history = True
    _number_sequence = 'pledge_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states,
        help="The host that receives the money.")
    funder = fields.Many2One(
        'party.party', "Funder", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who pledges the money.")
    funding_type = fields.Selection(
        FUNDING_TYPES, "Funding Type", required=True, states=_states,
        help="The nature of the money, which sets the income account "
        "and the origin of the dedicated funds at year end.")
    funding_type_string = funding_type.translated('funding_type')
    grantor_level = fields.Selection(
        GRANTOR_LEVELS, "Grantor Level", sort=False,
        states={
            'required': Eval('funding_type') == 'subsidy',
            'invisible': Eval('funding_type') != 'subsidy',
            'readonly': Eval('state') != 'draft',
            },
        help="The public body that grants the subsidy, which sets the "
        "subsidy account (74x).")
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The fund that receives the money.")
    fund_type = fields.Function(
        fields.Selection('get_fund_types', "Fund Type"),
        'on_change_with_fund_type')
    resource = fields.Many2One(
        'commons.resource', "Resource",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': (Eval('state') != 'draft')
            | (Eval('fund_type') == 'earmarked'),
            },
        help="The resource the money is for.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states, help="The amount pledged in the pledge's currency.")
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states,
        help="The currency in which the funder pays.")
    company_currency = fields.Function(
        fields.Many2One('currency.currency', "Company Currency"),
        'on_change_with_company_currency')
    company_amount = Monetary(
        "Company Amount", currency='company_currency',
        digits='company_currency', readonly=True,
        help="The amount in the company's currency at the pledge date, "
        "set when the pledge is confirmed.")
    date = fields.Date(
        "Date", required=True, states=_states,
        help="When the funder committed to pay.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year whose needs the money covers.")
    conditional = fields.Boolean(
        "Conditional", states=_states,
        help="Check if the pledge binds only when a condition is met, "
        "such as a round bucket reaching its minimum.")
    description = fields.Char(
        "Description", states=_states,
        help="What the money is given for.")
    invoices = fields.Function(fields.Many2Many(
            'account.invoice', None, None, "Invoices",
            help="The invoices that request the payment of the pledge."),
        'get_invoices')
    invoiced_amount = fields.Function(Monetary(
            "Invoiced", currency='currency', digits='currency',
            help="The amount of the posted invoices, net of credit notes."),
        'get_amounts')
    received_amount = fields.Function(Monetary(
            "Received", currency='currency', digits='currency',
            help="The amount actually paid by the funder."),
        'get_amounts')
    designated_amount = fields.Function(Monetary(
            "Designated", currency='currency', digits='currency',
            states={
                'invisible': Eval('funding_type') != 'host_share',
                },
            help="The part of the host's share designated on the fund."),
        'get_designated_amount')
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False,
        help="The progress of the pledge.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.fund, Index.Range()), (t.state, Index.Equality())),
                Index(
                    t, (t.resource, Index.Range()),
                    (t.fiscalyear, Index.Range())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'confirmed'])),
                })
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('confirmed', 'done'),
            ('done', 'confirmed'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('done', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': (
                        ~Eval('state').in_(['draft', 'confirmed'])
                        & ((Eval('state') != 'done')
                            | (Eval('funding_type') != 'host_share'))),
                    'depends': ['state', 'funding_type'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'request_payment': {
                    'invisible': (
                        (Eval('state') != 'confirmed')
                        | (Eval('funding_type') == 'host_share')),
                    'depends': ['state', 'funding_type'],
                    },
                'record_receipt': {
                    'invisible': (
                        (Eval('state') != 'confirmed')
                        | (Eval('funding_type') == 'host_share')),
                    'depends': ['state', 'funding_type'],
                    },
                'designate': {
                    'invisible': (
                        (Eval('state') != 'confirmed')
                        | (Eval('funding_type') != 'host_share')),
                    'depends': ['state', 'funding_type'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_funding_type(cls):
        return 'donation'

    @classmethod
    def default_conditional(cls):
        return False

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def default_fiscalyear(cls):
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        company = cls.default_company()
        try:
            fiscalyear = FiscalYear.find(company, test_state=False)
        except FiscalYearNotFoundError:
            return None
        return fiscalyear.id

    @fields.depends('company', 'date', 'fiscalyear')
    def on_change_date(self):
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        if self.company and self.date:
            try:
                self.fiscalyear = FiscalYear.find(
                    self.company, date=self.date, test_state=False)
            except FiscalYearNotFoundError:
                pass

    @fields.depends('funding_type', 'grantor_level')
    def on_change_funding_type(self):
        if self.funding_type != 'subsidy':
            self.grantor_level = None

    @fields.depends('company')
    def on_change_with_company_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def get_fund_types(cls):
        pool = Pool()
        Fund = pool.get('commons.fund')
        return Fund.fields_get(['type'])['type']['selection']

    @fields.depends('fund')
    def on_change_with_fund_type(self, name=None):
        return self.fund.type if self.fund else None

    @fields.depends('fund', 'resource')
    def on_change_fund(self):
        if self.fund and self.fund.type == 'earmarked':
            self.resource = self.fund.resource
        elif self.fund and self.resource not in self.fund.pooled_resources:
            self.resource = None

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '%s - %s' % (self.funder.rec_name, self.fund.code)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('funder.rec_name', operator, operand, *extra),
            ('fund.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def get_invoices(cls, pledges, name):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        cursor = Transaction().connection.cursor()
        invoices = defaultdict(list)
        # Customer invoices only: a supplier invoice that names a pledge
        # spends its money
        cursor.execute(*line.join(
                invoice, condition=line.invoice == invoice.id).select(
                line.commons_pledge, line.invoice,
                where=fields.SQL_OPERATORS['in'](
                    line.commons_pledge, [p.id for p in pledges])
                & (invoice.type == 'out'),
                group_by=[line.commons_pledge, line.invoice],
                order_by=[line.invoice]))
        for pledge_id, invoice_id in cursor:
            invoices[pledge_id].append(invoice_id)
        return {p.id: invoices[p.id] for p in pledges}

    @classmethod
    def _get_recognised_query(cls, pledge_ids):
        "Return the query of the income posted per pledge in its currency"
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Pledge = pool.get('commons.pledge')
        Company = pool.get('company.company')
        line = MoveLine.__table__()
        move = Move.__table__()
        pledge = Pledge.__table__()
        company = Company.__table__()
        # Income is credited: a credit line brings money to the pledge
        amount = Case(
            (line.second_currency == pledge.currency,
                -line.amount_second_currency),
            else_=line.credit - line.debit)
        return (line
            .join(move, condition=line.move == move.id)
            .join(pledge, condition=line.commons_pledge == pledge.id)
            .join(company, condition=pledge.company == company.id)
            .select(
                line.commons_pledge, Sum(amount).as_('amount'),
                where=fields.SQL_OPERATORS['in'](
                    line.commons_pledge, pledge_ids)
                & (move.state == 'posted')
                & ((line.second_currency == pledge.currency)
                    | (company.currency == pledge.currency)),
                group_by=line.commons_pledge))

    @classmethod
    def _get_invoiced_query(cls, pledge_ids, posted):
        """Return the query of the invoiced amount per pledge: only of the
        posted invoices if posted is set, else also of the draft ones.
        A cancelled invoice and the credit note or move that cancelled it
        count for nothing."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Move = pool.get('account.move')
        invoice = Invoice.__table__()
        cancelling = Invoice.__table__()
        line = InvoiceLine.__table__()
        move = Move.__table__()
        where = (fields.SQL_OPERATORS['in'](line.commons_pledge, pledge_ids)
            & (invoice.type == 'out')
            & (invoice.state != 'cancelled')
            & (cancelling.id == Null))
        if posted:
            where &= (move.state == 'posted')
        return (line
            .join(invoice, condition=line.invoice == invoice.id)
            .join(move, 'LEFT', condition=invoice.move == move.id)
            .join(cancelling, 'LEFT',
                condition=(cancelling.cancel_move == invoice.move)
                & (cancelling.id != invoice.id))
            .select(
                line.commons_pledge,
                Sum(Cast(Coalesce(line.quantity, 0), 'NUMERIC')
                    * line.unit_price).as_('amount'),
                where=where,
                group_by=line.commons_pledge))

    @classmethod
    def _get_totals(cls, pledge_ids):
        """Return per pledge id the income posted (recognised), the amount
        of the posted invoices (invoiced) and of all the invoices not
        cancelled (requested), in the pledge's currency"""
        cursor = Transaction().connection.cursor()
        totals = {
            n: defaultdict(Decimal)
            for n in ['recognised', 'invoiced', 'requested']}
        for name, query in [
                ('recognised', cls._get_recognised_query(pledge_ids)),
                ('invoiced', cls._get_invoiced_query(pledge_ids, True)),
                ('requested', cls._get_invoiced_query(pledge_ids, False)),
                ]:
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC'])
            cursor.execute(*query)
            for pledge_id, amount in cursor:
                totals[name][pledge_id] = amount or Decimal(0)
        return totals

    @classmethod
    def _get_posted_invoice_query(cls, pledge_ids):
        """Return the query of the amount of each posted invoice per pledge,
        in the invoice's currency"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        invoice = Invoice.__table__()
        line = InvoiceLine.__table__()
        return (line
            .join(invoice, condition=line.invoice == invoice.id)
            .select(
                line.commons_pledge.as_('pledge'), invoice.id.as_('invoice'),
                Sum(Cast(Coalesce(line.quantity, 0), 'NUMERIC')
                    * line.unit_price).as_('amount'),
                where=fields.SQL_OPERATORS['in'](
                    line.commons_pledge, pledge_ids)
                & (invoice.type == 'out')
                & (invoice.state == 'posted'),
                group_by=[line.commons_pledge, invoice.id]))

    @classmethod
    def get_amounts(cls, pledges, names):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        cursor = Transaction().connection.cursor()
        ids = [p.id for p in pledges]
        totals = cls._get_totals(ids)
        outstanding = defaultdict(Decimal)
        if 'received_amount' in names:
            # What is still to pay on the posted invoices is not received,
            # the same rule as the fund ledger's
            query = cls._get_posted_invoice_query(ids)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, None, 'NUMERIC'])
            cursor.execute(*query)
            invoiced = list(cursor)
            to_pay = Invoice.get_commons_amount_to_pay(
                {i for _, i, _ in invoiced})
            for pledge_id, invoice_id, amount in invoiced:
                amount_to_pay, total = to_pay.get(
                    invoice_id, (Decimal(0), Decimal(0)))
                if total:
                    outstanding[pledge_id] += amount * amount_to_pay / total

        result = {n: {} for n in names}
        for pledge in pledges:
            round_ = pledge.currency.round
            values = {
                'invoiced_amount': totals['invoiced'][pledge.id],
                'received_amount': (
                    totals['recognised'][pledge.id]
                    - outstanding[pledge.id]),
                }
            for name in names:
                result[name][pledge.id] = round_(values[name])
        return result

    @classmethod
    def get_designated_amount(cls, pledges, name):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        designated = sum_by(
            FundLine, 'pledge', [p.id for p in pledges],
            where=lambda line: line.kind == 'host')
        return {
            p.id: p.currency.round(designated[p.id]) for p in pledges}

    @classmethod
    def validate_fields(cls, pledges, field_names):
        super().validate_fields(pledges, field_names)
        cls.check_amount(pledges, field_names)
        cls.check_fund(pledges, field_names)
        cls.check_host_share(pledges, field_names)

    @classmethod
    def check_host_share(cls, pledges, field_names=None):
        """Check that the host's own share is a pledge of the host in its
        currency, and that the host funds nothing else"""
        if field_names and not (
                field_names & {'funder', 'funding_type', 'company',
                    'currency'}):
            return
        for pledge in pledges:
            host = pledge.company.party
            if pledge.funding_type == 'host_share':
                if pledge.funder != host:
                    raise PledgeValidationError(gettext(
                            'commons_fund.msg_pledge_host_share_funder',
                            pledge=pledge.rec_name,
                            host=host.rec_name))
                if pledge.currency != pledge.company.currency:
                    raise PledgeValidationError(gettext(
                            'commons_fund.msg_pledge_host_share_currency',
                            pledge=pledge.rec_name,
                            currency=pledge.company.currency.rec_name))
            elif pledge.funder == host:
                raise PledgeValidationError(gettext(
                        'commons_fund.msg_pledge_host_funding_type',
                        pledge=pledge.rec_name,
                        host=host.rec_name))

    @classmethod
    def check_amount(cls, pledges, field_names=None):
        if field_names and 'amount' not in field_names:
            return
        for pledge in pledges:
            if pledge.amount is not None and pledge.amount <= 0:
                raise PledgeValidationError(gettext(
                        'commons_fund.msg_pledge_amount_positive',
                        pledge=pledge.rec_name,
                        amount=pledge.amount))

    @classmethod
    def check_fund(cls, pledges, field_names=None):
        if field_names and not (
                field_names & {'fund', 'resource', 'company', 'state',
                    'fiscalyear'}):
            return
        for pledge in pledges:
            fund = pledge.fund
            if pledge.state == 'draft' and fund.state != 'open':
                raise PledgeValidationError(gettext(
                        'commons_fund.msg_pledge_fund_closed',
                        pledge=pledge.rec_name,
                        fund=fund.rec_name))
            if fund.company != pledge.company:
                raise PledgeValidationError(gettext(
                        'commons_fund.msg_pledge_fund_company',
                        pledge=pledge.rec_name,
                        fund=fund.rec_name))
            if pledge.fiscalyear.company != pledge.company:
                raise PledgeValidationError(gettext(
                        'commons_fund.msg_pledge_fiscalyear_company',
                        pledge=pledge.rec_name,
                        fiscalyear=pledge.fiscalyear.rec_name))
            if pledge.resource:
                if fund.type == 'earmarked':
                    resources = [fund.resource]
                else:
                    resources = fund.pooled_resources
                if pledge.resource not in resources:
                    raise PledgeValidationError(gettext(
                            'commons_fund.msg_pledge_resource_fund',
                            pledge=pledge.rec_name,
                            resource=pledge.resource.rec_name,
                            fund=fund.rec_name))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Fund = pool.get('commons.fund')
        values = super().preprocess_values(mode, values)
        if values.get('fund') and not values.get('resource'):
            # An unknown fund is left to the foreign key's error
            for fund in Fund.search([('id', '=', values['fund'])]):
                if fund.type == 'earmarked':
                    values['resource'] = fund.resource.id
        return values

    @classmethod
    def check_modification(cls, mode, pledges, values=None, external=False):
        super().check_modification(
            mode, pledges, values=values, external=external)
        if mode == 'delete':
            for pledge in pledges:
                if pledge.state not in {'draft', 'cancelled'}:
                    raise PledgeError(gettext(
                            'commons_fund.msg_pledge_delete_state',
                            pledge=pledge.rec_name))
                if pledge.invoices:
                    raise PledgeError(gettext(
                            'commons_fund.msg_pledge_delete_invoices',
                            pledge=pledge.rec_name))
        elif (mode == 'write' and external
                and values.keys() - {'description'}):
            # The client's read-only states, enforced for direct calls
            for pledge in pledges:
                if pledge.state != 'draft':
                    raise PledgeError(gettext(
                            'commons_fund.msg_pledge_modify',
                            pledge=pledge.rec_name))

    @classmethod
    def copy(cls, pledges, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('company_amount')
        return super().copy(pledges, default=default)

    def _get_company_amount(self):
        pool = Pool()
        Currency = pool.get('currency.currency')
        with Transaction().set_context(date=self.date):
            return Currency.compute(
                self.currency, self.amount, self.company.currency)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, pledges):
        for pledge in pledges:
            pledge.fund.check_open()
            pledge.company_amount = pledge._get_company_amount()
        cls.save(pledges)
        cls.set_number(pledges)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, pledges):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        designations = []
        for pledge in pledges:
            if pledge.funding_type == 'host_share':
                designations.extend(pledge._get_designation_reversals())
                continue
            if pledge.invoiced_amount or pledge.received_amount:
                raise PledgeError(gettext(
                        'commons_fund.msg_pledge_cancel_received',
                        pledge=pledge.rec_name))
            if any(i.state in {'draft', 'validated'}
                    for i in pledge.invoices):
                raise PledgeError(gettext(
                        'commons_fund.msg_pledge_cancel_invoices',
                        pledge=pledge.rec_name))
        if designations:
            # The designation is reversed through the gate, which refuses
            # it when the stewards already spent it
            FundLine.book(designations)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, pledges):
        cls.write(pledges, {'company_amount': None})

    @classmethod
    @ModelView.button_action('commons_fund.wizard_pledge_request_payment')
    def request_payment(cls, pledges):
        pass

    @classmethod
    @ModelView.button_action('commons_fund.wizard_pledge_record_receipt')
    def record_receipt(cls, pledges):
        pass

    @classmethod
    @ModelView.button_action('commons_fund.wizard_pledge_designate')
    def designate(cls, pledges):
        pass

    def _get_designation_reversals(self):
        """Return the values of the fund lines that reverse the designations
        of the host's share: at their date, or today once their fiscal year
        is closed"""
        pool = Pool()
        Date = pool.get('ir.date')
        FiscalYear = pool.get('account.fiscalyear')
        FundLine = pool.get('commons.fund.line')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        amounts = defaultdict(Decimal)
        for line in FundLine.search([
                    ('pledge', '=', self.id),
                    ('kind', '=', 'host'),
                    ]):
            date = line.date
            fiscalyears = FiscalYear.search([
                    ('company', '=', self.company.id),
                    ('start_date', '<=', date),
                    ('end_date', '>=', date),
                    ('state', '=', 'open'),
                    ('commons_year_end', '=', False),
                    ], limit=1)
            if not fiscalyears:
                date = today
            amounts[date] -= line.amount
        return [
            self._designation(amount, date)
            for date, amount in sorted(amounts.items()) if amount]

    def _designation(self, amount, date, description=None):
        "Return the values of the fund line that designates the host's share"
        return {
            'fund': self.fund.id,
            'date': date,
            'kind': 'host',
            'amount': amount,
            'resource': self.resource.id if self.resource else None,
            'origin': str(self),
            'pledge': self.id,
            'description': description or self.description,
            }

    @classmethod
    def process(cls, pledges):
        "Mark done the pledges fully received, confirmed the others"
        to_done, to_confirm = [], []
        for pledge in cls.browse(pledges):
            if pledge.state not in {'confirmed', 'done'}:
                continue
            if pledge.funding_type == 'host_share':
                received = pledge.designated_amount >= pledge.amount
            else:
                received = pledge.received_amount >= pledge.amount
            if pledge.state == 'confirmed' and received:
                to_done.append(pledge)
            elif pledge.state == 'done' and not received:
                to_confirm.append(pledge)
        if to_done:
            cls.do(to_done)
        if to_confirm:
            cls.reconfirm(to_confirm)

    @classmethod
    @Workflow.transition('done')
    def do(cls, pledges):
        pass

    @classmethod
    @Workflow.transition('confirmed')
    def reconfirm(cls, pledges):
        pass

    @property
    def remaining_amount(self):
        "The amount neither requested by invoice nor received without one"
        if self.funding_type == 'host_share':
            return self.currency.round(self.amount - self.designated_amount)
        totals = self._get_totals([self.id])
        # The income posted without an invoice was received directly
        direct = totals['recognised'][self.id] - totals['invoiced'][self.id]
        return self.currency.round(
            self.amount - totals['requested'][self.id] - direct)

    def check_request(self, amount):
        if self.funding_type == 'host_share':
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_host_share_money',
                    pledge=self.rec_name))
        self.check_remaining(amount)

    def check_remaining(self, amount):
        if self.state != 'confirmed':
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_not_confirmed',
                    pledge=self.rec_name))
        # What the invoice or the move will say
        amount = self.currency.round(amount)
        if amount <= 0:
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_request_positive',
                    pledge=self.rec_name,
                    amount=amount))
        remaining = self.remaining_amount
        if amount > remaining:
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_request_remaining',
                    pledge=self.rec_name,
                    amount=amount,
                    remaining=remaining))

    @property
    def gift(self):
        "Tell if the money is given without counterpart"
        return self.funding_type != 'service'

    def get_income_account(self):
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        if self.funding_type == 'subsidy':
            name = GRANTOR_ACCOUNTS.get(
                self.grantor_level, FUNDING_ACCOUNTS['subsidy'])
        else:
            name = FUNDING_ACCOUNTS[self.funding_type]
        return config.get_required(name, company=self.company.id)

    def get_receivable_account(self):
        "Return the receivable of the payment requests, None for invoices"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        if self.funding_type == 'subsidy':
            return config.get_required(
                'grant_receivable_account', company=self.company.id)
        elif self.gift:
            return config.get_required(
                'gift_receivable_account', company=self.company.id)

    def get_receipt_line(self, amount, date, description=None):
        """Return the move line that credits the pledge's income with the
        amount received on the date in the pledge's currency: the receipt
        of money that comes without invoice, whether recorded by hand or
        from a bank statement"""
        pool = Pool()
        Currency = pool.get('currency.currency')
        MoveLine = pool.get('account.move.line')
        company = self.company
        with Transaction().set_context(date=date):
            company_amount = Currency.compute(
                self.currency, amount, company.currency)
        line = MoveLine(
            account=self.get_income_account(),
            debit=Decimal(0),
            credit=company_amount,
            commons_fund=self.fund,
            commons_pledge=self,
            origin=self,
            description=description,
            second_currency=None,
            amount_second_currency=None,
            )
        if self.currency != company.currency:
            line.second_currency = self.currency
            line.amount_second_currency = -amount
        if line.account.party_required:
            line.party = self.funder
        return line


class RequestPaymentStart(ModelView):
    __name__ = 'commons.pledge.request_payment.start'
    __string__ = "Request Payment"
    pledge = fields.Many2One('commons.pledge', "Pledge", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    remaining_amount = Monetary(
        "Remaining", currency='currency', digits='currency', readonly=True,
        help="The part of the pledge not yet requested nor received.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[
            ('amount', '>', 0),
            ('amount', '<=', Eval('remaining_amount', 0)),
            ],
        help="The amount of this payment request (one tranche or all).")
    invoice_date = fields.Date(
        "Invoice Date", required=True, help="The date of the invoice.")
    description = fields.Char(
        "Description", required=True,
        help="The text of the invoice line.")


class RequestPayment(CheckWizardMixin, Wizard):
    __name__ = 'commons.pledge.request_payment'
    start = StateView(
        'commons.pledge.request_payment.start',
        'commons_fund.pledge_request_payment_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create Invoice", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction('account_invoice.act_invoice_out_form')

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        pledge = self.record
        remaining = pledge.remaining_amount
        with Transaction().set_context(company=pledge.company.id):
            today = Date.today()
        return {
            'pledge': pledge.id,
            'currency': pledge.currency.id,
            'remaining_amount': remaining,
            'amount': max(remaining, Decimal(0)),
            'invoice_date': today,
            'description': pledge.description or pledge.rec_name,
            }

    def do_create_(self, action):
        pledge = self.record
        check_required(self.start)
        # What remains is read under the lock: two requests at once cannot
        # both take it
        self.model.lock([pledge])
        pledge.check_request(self.start.amount)
        invoice = self.get_invoice(pledge)
        # Core computes the taxes of draft invoices when they are saved
        invoice.save()
        action['res_id'] = [invoice.id]
        action['views'].reverse()
        return action, {}

    def get_invoice(self, pledge):
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        config = Configuration(1)
        company = pledge.company
        invoice = Invoice(
            type='out',
            company=company,
            party=pledge.funder,
            currency=pledge.currency,
            invoice_date=self.start.invoice_date,
            description=self.start.description,
            )
        # What the party gives; the journal is the configuration's
        invoice.on_change_party()
        invoice.journal = config.get_required(
            'revenue_journal', company=company.id)
        # A gift is not a sale: it is requested, not invoiced
        invoice.commons_request = pledge.gift
        if pledge.gift:
            invoice.account = pledge.get_receivable_account()
        line = InvoiceLine(
            invoice=invoice,
            type='line',
            company=company,
            currency=pledge.currency,
            quantity=1,
            unit_price=self.start.amount,
            description=self.start.description,
            account=pledge.get_income_account(),
            commons_fund=pledge.fund,
            commons_pledge=pledge,
            taxes=[],
            )
        if not pledge.gift:
            # The taxes of a service are those of the host's regime
            line.on_change_account()
        invoice.lines = [line]
        return invoice


class RecordReceiptStart(ModelView):
    __name__ = 'commons.pledge.record_receipt.start'
    __string__ = "Record Receipt"
    pledge = fields.Many2One('commons.pledge', "Pledge", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    remaining_amount = Monetary(
        "Remaining", currency='currency', digits='currency', readonly=True,
        help="The part of the pledge not yet requested nor received.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[
            ('amount', '>', 0),
            ('amount', '<=', Eval('remaining_amount', 0)),
            ],
        help="The amount received, in the pledge's currency.")
    date = fields.Date(
        "Date", required=True, help="When the money was received.")
    journal = fields.Many2One(
        'account.journal', "Journal", required=True,
        domain=[('type', '=', 'cash')],
        help="The journal of the receipt.")
    account = fields.Many2One(
        'account.account', "Account", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('closed', '!=', True),
            ('type', '!=', None),
            ('party_required', '=', False),
            ],
        help="The bank or cash account that received the money.")
    description = fields.Char(
        "Description", required=True,
        help="The text of the move.")


class RecordReceipt(CheckWizardMixin, Wizard):
    __name__ = 'commons.pledge.record_receipt'
    start = StateView(
        'commons.pledge.record_receipt.start',
        'commons_fund.pledge_record_receipt_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'post', 'tryton-ok', default=True),
            ])
    post = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Date = pool.get('ir.date')
        config = Configuration(1)
        pledge = self.record
        company = pledge.company
        remaining = pledge.remaining_amount
        with Transaction().set_context(company=company.id):
            today = Date.today()
        journal = config.get_multivalue('receipt_journal', company=company.id)
        account = config.get_multivalue('bank_account', company=company.id)
        return {
            'pledge': pledge.id,
            'company': company.id,
            'currency': pledge.currency.id,
            'remaining_amount': remaining,
            'amount': max(remaining, Decimal(0)),
            'date': today,
            'journal': journal.id if journal else None,
            'account': account.id if account else None,
            'description': pledge.description or pledge.rec_name,
            }

    def transition_post(self):
        pool = Pool()
        Move = pool.get('account.move')
        pledge = self.record
        check_required(self.start)
        self.check_start(pledge)
        self.model.lock([pledge])
        pledge.check_request(self.start.amount)
        move = self.get_move(pledge)
        move.save()
        Move.post([move])
        return 'end'

    def check_start(self, pledge):
        "Check the domains of the form, which only the client applies"
        journal, account = self.start.journal, self.start.account
        if journal.type != 'cash':
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_receipt_journal',
                    pledge=pledge.rec_name,
                    journal=journal.rec_name))
        if (account.company != pledge.company or account.closed
                or not account.type or account.party_required):
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_receipt_account',
                    pledge=pledge.rec_name,
                    account=account.rec_name))

    def get_move(self, pledge):
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        company = pledge.company
        period = Period.find(company, date=self.start.date)
        move = Move(
            company=company,
            journal=self.start.journal,
            period=period,
            date=self.start.date,
            origin=pledge,
            description=self.start.description,
            )
        income = pledge.get_receipt_line(
            self.start.amount, self.start.date, self.start.description)
        bank = MoveLine(
            account=self.start.account,
            debit=income.credit,
            credit=Decimal(0),
            second_currency=income.second_currency,
            )
        if income.second_currency:
            bank.amount_second_currency = -income.amount_second_currency
        if bank.account.party_required:
            bank.party = pledge.funder
        move.lines = [bank, income]
        return move


class DesignateStart(ModelView):
    __name__ = 'commons.pledge.designate.start'
    __string__ = "Designate Host's Share"
    pledge = fields.Many2One('commons.pledge', "Pledge", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    remaining_amount = Monetary(
        "Remaining", currency='currency', digits='currency', readonly=True,
        help="The part of the host's share not yet designated.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[
            ('amount', '>', 0),
            ('amount', '<=', Eval('remaining_amount', 0)),
            ],
        help="The amount of its own resources the host designates for "
        "the fund.")
    date = fields.Date(
        "Date", required=True,
        help="When the host's bodies decided the designation.")
    description = fields.Char(
        "Description", required=True,
        help="The text of the fund line.")


class Designate(CheckWizardMixin, Wizard):
    __name__ = 'commons.pledge.designate'
    start = StateView(
        'commons.pledge.designate.start',
        'commons_fund.pledge_designate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Designate", 'designate', 'tryton-ok', default=True),
            ])
    designate = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        pledge = self.record
        remaining = pledge.remaining_amount
        with Transaction().set_context(company=pledge.company.id):
            today = Date.today()
        return {
            'pledge': pledge.id,
            'currency': pledge.currency.id,
            'remaining_amount': remaining,
            'amount': max(remaining, Decimal(0)),
            'date': today,
            'description': pledge.description or pledge.rec_name,
            }

    def transition_designate(self):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        Pledge = pool.get('commons.pledge')
        pledge = self.record
        check_required(self.start)
        if pledge.funding_type != 'host_share':
            raise PledgeError(gettext(
                    'commons_fund.msg_pledge_designate_funder',
                    pledge=pledge.rec_name))
        Pledge.lock([pledge])
        pledge.check_remaining(self.start.amount)
        FundLine.book([pledge._designation(
                    self.start.amount, self.start.date,
                    self.start.description)])
        Pledge.process([pledge])
        return 'end'
