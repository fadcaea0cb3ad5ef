# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Cast, Literal, Null
from sql.conditionals import Case, Coalesce
from sql.functions import Round

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .model import CheckWizardMixin

SPENDING_STATES = [
    ('to_approve', "To Approve"),
    ('approved', "Approved"),
    ('refused', "Refused"),
    ('posted', "Posted"),
    ('cancelled', "Cancelled"),
    ]


class Spending(ModelSQL, ModelView):
    __name__ = 'commons.fund.spending'
    __string__ = "Fund Spending"
    company = fields.Many2One('company.company', "Company", readonly=True)
    fund = fields.Many2One(
        'commons.fund', "Fund", readonly=True,
        help="The fund the spending is charged to.")
    resource = fields.Many2One(
        'commons.resource', "Resource", readonly=True,
        help="The resource of the earmarked fund.")
    supplier = fields.Many2One(
        'party.party', "Supplier", readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who invoiced the host.")
    invoice_number = fields.Char(
        "Invoice Number", readonly=True,
        help="The number of the supplier invoice in the host's books.")
    invoice_reference = fields.Char(
        "Supplier Reference", readonly=True,
        help="The number the supplier gave its invoice.")
    invoice_date = fields.Date("Invoice Date", readonly=True)
    description = fields.Text("Description", readonly=True)
    milestone = fields.Many2One(
        'commons.resource.milestone', "Milestone", readonly=True,
        help="The milestone the spending pays.")
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True,
        help="The untaxed amount charged to the fund.")
    approved_by = fields.Many2One(
        'res.user', "Approved by", readonly=True,
        help="The steward who approved the spending.")
    approved_date = fields.DateTime("Approved on", readonly=True)
    approval_source = fields.Selection(
        'get_approval_sources', "Approved through", readonly=True,
        help="Whether a steward approved the spending itself or the "
        "validation of the contribution it pays.")
    refused_by = fields.Many2One(
        'res.user', "Refused by", readonly=True,
        help="The steward who refused the spending.")
    refused_date = fields.DateTime("Refused on", readonly=True)
    refusal_reason = fields.Text("Refusal Reason", readonly=True)
    state = fields.Selection(
        SPENDING_STATES, "State", readonly=True, sort=False,
        help="Where the spending stands.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('invoice_date', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        cls._buttons.update({
                'approve': {
                    'invisible': ~Eval('state').in_(
                        ['to_approve', 'refused']),
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'to_approve',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def table_query(cls):
        pool = Pool()
        Currency = pool.get('currency.currency')
        Fund = pool.get('commons.fund')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        fund = Fund.__table__()
        currency = Currency.__table__()
        amount = Round(
            Cast(Coalesce(line.quantity, 0), 'NUMERIC') * line.unit_price,
            currency.digits)
        state = Case(
            (invoice.state.in_(['posted', 'paid']), 'posted'),
            (invoice.state == 'cancelled', 'cancelled'),
            (line.commons_approved_by != Null, 'approved'),
            (line.commons_refused_by != Null, 'refused'),
            else_='to_approve')
        return (line
            .join(invoice, condition=line.invoice == invoice.id)
            .join(fund, condition=line.commons_fund == fund.id)
            .join(currency, condition=invoice.currency == currency.id)
            .select(
                line.id.as_('id'),
                line.create_uid.as_('create_uid'),
                line.create_date.as_('create_date'),
                line.write_uid.as_('write_uid'),
                line.write_date.as_('write_date'),
                invoice.company.as_('company'),
                line.commons_fund.as_('fund'),
                fund.resource.as_('resource'),
                invoice.party.as_('supplier'),
                invoice.number.as_('invoice_number'),
                invoice.reference.as_('invoice_reference'),
                invoice.invoice_date.as_('invoice_date'),
                line.description.as_('description'),
                line.commons_milestone.as_('milestone'),
                invoice.currency.as_('currency'),
                amount.as_('amount'),
                line.commons_approved_by.as_('approved_by'),
                line.commons_approved_date.as_('approved_date'),
                line.commons_approval_source.as_('approval_source'),
                line.commons_refused_by.as_('refused_by'),
                line.commons_refused_date.as_('refused_date'),
                line.commons_refusal_reason.as_('refusal_reason'),
                state.as_('state'),
                where=(invoice.type == 'in')
                & (line.type == 'line')
                & (amount > Literal(0))))

    @classmethod
    def get_approval_sources(cls):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        return InvoiceLine.fields_get(
            ['commons_approval_source'])['commons_approval_source'][
            'selection']

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.invoice_number or self.supplier.rec_name,
            self.description or self.fund.rec_name)

    @classmethod
    def _invoice_lines(cls, spendings):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        return InvoiceLine.browse([s.id for s in spendings])

    @classmethod
    @ModelView.button
    def approve(cls, spendings):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        InvoiceLine.commons_approve(cls._invoice_lines(spendings))

    @classmethod
    @ModelView.button_action('commons_fund.wizard_spending_refuse')
    def refuse(cls, spendings):
        pass


class RefuseStart(ModelView):
    __name__ = 'commons.fund.spending.refuse.start'
    __string__ = "Refuse Spending"
    reason = fields.Text(
        "Reason", required=True,
        help="Why the spending is refused, told to the host's accountant.")


class Refuse(CheckWizardMixin, Wizard):
    __name__ = 'commons.fund.spending.refuse'
    start = StateView(
        'commons.fund.spending.refuse.start',
        'commons_fund.spending_refuse_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Refuse", 'refuse', 'tryton-ok', default=True),
            ])
    refuse = StateTransition()

    def transition_refuse(self):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        InvoiceLine.commons_refuse(
            self.model._invoice_lines(self.records), self.start.reason)
        return 'end'
