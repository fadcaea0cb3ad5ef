# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Case
from stdnum.fr import siren as fr_siren

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, dualmethod, fields
from trytond.modules.account_invoice.exceptions import InvoiceNumberError
from trytond.modules.account_invoice.invoice import \
    InvoiceReport as _InvoiceReport
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, Id, If
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction, without_check_access

from .exceptions import (
    InvoiceLineFundError, PaymentError, PaymentRequestError, SpendingError)
from .model import HostReportMixin


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.pledge']

    @dualmethod
    def post(cls, moves):
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        lines = [l for m in moves for l in m.lines if l.commons_fund]
        # The gate locks the funds: take the lock before posting, which
        # would otherwise be done twice
        Fund.lock(Fund.browse(sorted({l.commons_fund.id for l in lines})))
        super().post(moves)
        FundLine.create_from_move_lines(lines)


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'
    commons_fund = fields.Many2One(
        'commons.fund', "Commons Fund", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') == 'valid',
            },
        help="The fund of the commons whose money this line moves.")
    commons_pledge = fields.Many2One(
        'commons.pledge', "Commons Pledge", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('commons_fund'),
                ('fund', '=', Eval('commons_fund', -1)),
                ()),
            ],
        states={
            'readonly': Eval('state') == 'valid',
            'invisible': ~Eval('commons_fund'),
            },
        help="The pledge the money comes from.")

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.pledge']

    def commons_fund_kind(self):
        "Return the kind of fund line this move line writes"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Pledge = pool.get('commons.pledge')
        origin = self.origin
        if isinstance(origin, self.__class__):
            # A cancellation reverses the line it comes from
            return origin.commons_fund_kind()
        elif isinstance(origin, InvoiceLine):
            type_ = origin.invoice.type if origin.invoice else None
            return 'receipt' if type_ == 'out' else 'expense'
        elif isinstance(origin, Pledge):
            return 'receipt'
        return 'adjustment'

    @classmethod
    def check_commons_payable(cls, lines):
        """Check that the lines to pay are posted: an invoice charged to a
        fund is posted only once its spending is approved"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        for line in lines:
            if line.move.state == 'posted':
                continue
            origin = line.move.origin
            if isinstance(origin, Invoice):
                raise PaymentError(gettext(
                        'commons_fund.msg_payment_invoice_not_posted',
                        line=line.rec_name,
                        invoice=origin.rec_name))
            raise PaymentError(gettext(
                    'commons_fund.msg_payment_line_not_posted',
                    line=line.rec_name))


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'
    commons_fund = fields.Many2One(
        'commons.fund', "Commons Fund", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'invisible': Eval('type') != 'line',
            'readonly': Eval('invoice_state') != 'draft',
            },
        help="The fund of the commons this line is received for "
        "(customer invoices) or spent from (supplier invoices).")
    commons_pledge = fields.Many2One(
        'commons.pledge', "Commons Pledge", ondelete='RESTRICT',
        domain=[
            If(Eval('_parent_invoice', {}).get(
                    'type', Eval('invoice_type')) == 'in',
                [
                    ('fund', '=', Eval('commons_fund', -1)),
                    ('state', 'in', ['confirmed', 'done']),
                    ],
                []),
            ],
        states={
            'invisible': (
                ~Eval('commons_fund') | ((Eval('_parent_invoice', {}).get(
                            'type', Eval('invoice_type')) == 'out')
                    & ~Eval('commons_pledge'))),
            'readonly': (
                (Eval('invoice_state') != 'draft')
                | (Eval('_parent_invoice', {}).get(
                        'type', Eval('invoice_type')) == 'out')),
            },
        help="On a customer invoice, the pledge whose payment the line "
        "requests; on a supplier invoice, the pledge whose money the "
        "spending uses first.")

    commons_milestone = fields.Many2One(
        'commons.resource.milestone', "Milestone", ondelete='RESTRICT',
        domain=[
            ('resource.funds', '=', Eval('commons_fund', -1)),
            ],
        states={
            'invisible': (
                ~Eval('commons_fund') | (Eval('invoice_type') == 'out')),
            'readonly': Eval('invoice_state') != 'draft',
            },
        help="The milestone the spending pays: it is approved only once "
        "the stewards accepted the milestone.")
    commons_approved_by = fields.Many2One(
        'res.user', "Approved by", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': (
                ~Eval('commons_fund') | (Eval('invoice_type') == 'out')),
            },
        help="The steward who approved the spending from the fund.")
    commons_approved_date = fields.DateTime(
        "Approved on", readonly=True,
        states={
            'invisible': ~Eval('commons_approved_by'),
            },
        help="When the spending from the fund was approved.")
    commons_approval_source = fields.Selection([
            (None, ""),
            ('steward', "Steward"),
            ('validation', "Contribution Validation"),
            ], "Approved through", readonly=True,
        states={
            'invisible': ~Eval('commons_approved_by'),
            },
        help="Whether a steward approved the spending itself or their "
        "validation of the contribution it pays did.")
    commons_refused_by = fields.Many2One(
        'res.user', "Refused by", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('commons_refused_by'),
            },
        help="The steward who refused the spending from the fund.")
    commons_refused_date = fields.DateTime(
        "Refused on", readonly=True,
        states={
            'invisible': ~Eval('commons_refused_by'),
            },
        help="When the spending from the fund was refused.")
    commons_refusal_reason = fields.Text(
        "Refusal Reason", readonly=True,
        states={
            'invisible': ~Eval('commons_refused_by'),
            },
        help="Why the steward refused the spending.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # account_fr flags as revenue only the types of 70x, while the
        # resources of associations are on 74x-75x: a line charged to a fund
        # takes any account of the income statement.
        cls.account.domain = [
            If(Bool(Eval('commons_fund')),
                [
                    ('closed', '!=', True),
                    ('company', '=', Eval('company', -1)),
                    ('type.statement', '=', 'income'),
                    ],
                cls.account.domain),
            ]

        cls._buttons.update({
                'commons_approve': {
                    'invisible': (
                        ~Eval('commons_fund')
                        | Eval('commons_approved_by')
                        | (Eval('invoice_type') == 'out')
                        | (Eval('_parent_invoice', {}).get('type') == 'out')),
                    'readonly': ~Eval('invoice_state', 'draft').in_(
                        ['draft', 'validated']),
                    'depends': [
                        'commons_fund', 'commons_approved_by',
                        'invoice_type', 'invoice_state'],
                    },
                })
        cls._check_modify_exclude |= {
            'commons_approved_by', 'commons_approved_date',
            'commons_approval_source', 'commons_refused_by',
            'commons_refused_date', 'commons_refusal_reason'}

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        cls.check_commons_fund(lines, field_names)

    @classmethod
    def check_commons_fund(cls, lines, field_names=None):
        if field_names and not (
                field_names & {
                    'commons_fund', 'commons_pledge', 'company', 'invoice'}):
            return
        for line in lines:
            fund = line.commons_fund
            if not fund:
                continue
            company = line.invoice.company if line.invoice else line.company
            if fund.company != company:
                raise InvoiceLineFundError(gettext(
                        'commons_fund.msg_invoice_line_fund_company',
                        line=line.rec_name,
                        fund=fund.rec_name,
                        company=company.rec_name))
        for line in lines:
            pledge = line.commons_pledge
            if pledge and (pledge.fund != line.commons_fund
                    or pledge.state not in {'confirmed', 'done'}):
                raise InvoiceLineFundError(gettext(
                        'commons_fund.msg_invoice_line_pledge_fund',
                        line=line.rec_name,
                        pledge=pledge.rec_name,
                        fund=(line.commons_fund.rec_name
                            if line.commons_fund else '-')))

    @property
    def commons_spending(self):
        "Tell if the line spends money from a fund (a credit note gives back)"
        type_ = self.invoice.type if self.invoice else self.invoice_type
        return (bool(self.commons_fund) and type_ == 'in'
            and (self.amount or 0) > 0)

    @property
    def commons_company_amount(self):
        "The amount of the line in the company's currency"
        pool = Pool()
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        invoice = self.invoice
        currency = invoice.currency if invoice else self.currency
        company = self.company or invoice.company
        if currency == company.currency:
            return self.amount
        with Transaction().set_context(
                date=invoice.currency_date if invoice else Date.today()):
            return Currency.compute(
                currency, self.amount, company.currency)

    @classmethod
    @ModelView.button
    def commons_approve(cls, lines):
        "Approve the spending of the lines as a steward of their funds"
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        cls.check_commons_steward(lines, user)
        cls._commons_approve(lines, user)

    @classmethod
    def check_commons_steward(cls, lines, user):
        "Raise if the user is not a steward of the funds the lines spend"
        for line in lines:
            if not line.commons_spending:
                continue
            if not line.commons_fund.is_steward(user.party):
                raise SpendingError(gettext(
                        'commons_fund.msg_invoice_line_approve_steward',
                        line=line.rec_name,
                        fund=line.commons_fund.rec_name,
                        user=user.rec_name))

    @classmethod
    def _check_commons_decision(cls, lines):
        for line in lines:
            if line.invoice and line.invoice.state not in {
                    'draft', 'validated'}:
                raise SpendingError(gettext(
                        'commons_fund.msg_invoice_line_approve_state',
                        line=line.rec_name,
                        invoice=line.invoice.rec_name))

    @classmethod
    def _commons_approve(cls, lines, user, source='steward'):
        """Approve the spending of the lines in the name of the user.

        The funds are locked, then what is available is checked, then the
        approval is written: the amount is committed."""
        pool = Pool()
        Date = pool.get('ir.date')
        Fund = pool.get('commons.fund')
        lines = [
            l for l in lines
            if l.commons_spending and not l.commons_approved_by]
        if not lines:
            return
        cls._check_commons_decision(lines)
        for line in lines:
            line.check_commons_milestone()
        asked = defaultdict(Decimal)
        for line in lines:
            asked[line.commons_fund.id] += line.commons_company_amount
        funds = Fund.browse(sorted(asked))
        Fund.lock(funds)
        Fund.check_available(funds, asked)
        # Nobody writes the approval fields but this method (field access)
        with without_check_access():
            cls.write(lines, {
                    'commons_approved_by': user.id,
                    'commons_approved_date': Date.now(),
                    'commons_approval_source': source,
                    'commons_refused_by': None,
                    'commons_refused_date': None,
                    'commons_refusal_reason': None,
                    })

    @classmethod
    def commons_refuse(cls, lines, reason):
        "Refuse the spending of the lines as a steward of their funds"
        pool = Pool()
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        user = User(Transaction().user)
        cls.check_commons_steward(lines, user)
        lines = [l for l in lines if l.commons_spending]
        cls._check_commons_decision(lines)
        for line in lines:
            if line.commons_approved_by:
                raise SpendingError(gettext(
                        'commons_fund.msg_invoice_line_refuse_approved',
                        line=line.rec_name,
                        user=line.commons_approved_by.rec_name))
        with without_check_access():
            cls.write(lines, {
                    'commons_refused_by': user.id,
                    'commons_refused_date': Date.now(),
                    'commons_refusal_reason': reason,
                    })

    def check_commons_milestone(self):
        "Raise if the line pays a milestone the stewards did not accept"
        if (self.commons_milestone
                and self.commons_milestone.state != 'accepted'):
            raise SpendingError(gettext(
                    'commons_fund.msg_invoice_line_milestone_accepted',
                    line=self.rec_name,
                    milestone=self.commons_milestone.rec_name,
                    state=self.commons_milestone.state_string))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write':
            changed = values.keys() & cls._commons_decided_fields()
            if changed:
                for line in lines:
                    if line.commons_approved_by:
                        raise SpendingError(gettext(
                                'commons_fund'
                                '.msg_invoice_line_approved_modify',
                                line=line.rec_name))

    @classmethod
    def _commons_decided_fields(cls):
        "The fields a steward's approval or refusal decides on"
        return {
            'commons_fund', 'commons_milestone', 'quantity', 'unit_price',
            'account', 'invoice', 'currency'}

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # What is changed after a refusal is to be decided again
        if mode == 'write' and values.keys() & cls._commons_decided_fields():
            values.update({
                    'commons_refused_by': None,
                    'commons_refused_date': None,
                    'commons_refusal_reason': None,
                    })
        return values

    def get_move_lines(self):
        lines = super().get_move_lines()
        if self.type == 'line' and self.commons_fund:
            for line in lines:
                line.commons_fund = self.commons_fund
                # The income of a pledge; the spending that names a pledge
                # finds it on the invoice line, the origin of its move line
                if self.invoice.type == 'out':
                    line.commons_pledge = self.commons_pledge
        return lines

    def _credit(self):
        line = super()._credit()
        line.commons_fund = self.commons_fund
        line.commons_pledge = self.commons_pledge
        return line

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('commons_pledge')
        for name in [
                'commons_approved_by', 'commons_approved_date',
                'commons_approval_source', 'commons_refused_by',
                'commons_refused_date', 'commons_refusal_reason']:
            default.setdefault(name)
        return super().copy(lines, default=default)


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'
    commons_request = fields.Boolean(
        "Payment Request", readonly=True,
        states={
            'invisible': Eval('type') != 'out',
            },
        help="Checked if the document asks a funder for a gift or a grant "
        "without counterpart: it is not a sale, it is numbered in the "
        "series of the payment requests and printed as a call for funds.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'commons_approve': {
                    'invisible': (
                        (Eval('type') != 'in')
                        | ~Eval('state').in_(['draft', 'validated'])),
                    'depends': ['type', 'state'],
                    },
                })

    @classmethod
    def default_commons_request(cls):
        return False

    @property
    def _sequence_field(self):
        if self.commons_request:
            if self.sequence_type == 'credit_note':
                return 'commons_request_credit_note_sequence'
            return 'commons_request_sequence'
        return super()._sequence_field

    def _number_sequence(self, pattern=None):
        pool = Pool()
        Lang = pool.get('ir.lang')
        sequence, date = super()._number_sequence(pattern=pattern)
        if self.commons_request and not sequence:
            # Never in the series of the invoices: a gift is not a sale
            raise InvoiceNumberError(gettext(
                    'commons_fund.msg_invoice_request_no_sequence',
                    invoice=self.rec_name,
                    date=Lang.get().strftime(date)))
        return sequence, date

    def _credit(self, **values):
        credit = super()._credit(**values)
        credit.commons_request = self.commons_request
        return credit

    @classmethod
    def check_modification(cls, mode, invoices, values=None, external=False):
        super().check_modification(
            mode, invoices, values=values, external=external)
        # The document a funder receives is decided by who made it
        if mode == 'write' and external and 'commons_request' in values:
            for invoice in invoices:
                if invoice.commons_request != values['commons_request']:
                    raise PaymentRequestError(gettext(
                            'commons_fund.msg_invoice_request_modify',
                            invoice=invoice.rec_name))

    @classmethod
    @ModelView.button
    def commons_approve(cls, invoices):
        "Approve the spending of all the lines charged to a fund"
        pool = Pool()
        Line = pool.get('account.invoice.line')
        Line.commons_approve([
                l for i in invoices for l in i.lines
                if l.commons_spending and not l.commons_approved_by])

    @classmethod
    def check_commons_approval(cls, invoices):
        for invoice in invoices:
            for line in invoice.lines:
                if (line.commons_spending and not line.commons_approved_by
                        and line.commons_refused_by):
                    raise SpendingError(gettext(
                            'commons_fund.msg_invoice_line_refused',
                            invoice=invoice.rec_name,
                            line=line.rec_name,
                            fund=line.commons_fund.rec_name,
                            user=line.commons_refused_by.rec_name,
                            reason=line.commons_refusal_reason))
                if line.commons_spending and not line.commons_approved_by:
                    raise SpendingError(gettext(
                            'commons_fund.msg_invoice_line_not_approved',
                            invoice=invoice.rec_name,
                            line=line.rec_name,
                            fund=line.commons_fund.rec_name))
                if line.commons_spending:
                    line.check_commons_milestone()

    @classmethod
    def validate_invoice(cls, invoices):
        cls.check_commons_approval(invoices)
        super().validate_invoice(invoices)

    @classmethod
    def _post(cls, invoices):
        pool = Pool()
        Fund = pool.get('commons.fund')
        # Posting books the fund lines, which locks the funds: lock them
        # first, before the work that restarting the transaction to take
        # the lock would redo
        funds = cls._get_commons_funds_to_lock(invoices)
        if funds:
            Fund.lock(Fund.browse(sorted(funds)))
        cls.check_commons_approval(invoices)
        super()._post(invoices)

    @classmethod
    def _get_commons_funds_to_lock(cls, invoices):
        "Return the ids of the funds that posting the invoices books on"
        return {
            l.commons_fund.id for i in invoices for l in i.lines
            if l.commons_fund}

    @classmethod
    def get_commons_amount_to_pay(cls, invoice_ids):
        """Return per id of the posted invoices their amount to pay and
        their total, in the invoice currency.

        The amount to pay is core's amount_to_pay, summed in one query for
        all the invoices rather than line by line."""
        pool = Pool()
        Currency = pool.get('currency.currency')
        MoveLine = pool.get('account.move.line')
        PaymentLine = pool.get('account.invoice-account.move.line')
        cursor = Transaction().connection.cursor()
        invoice = cls.__table__()
        line = MoveLine.__table__()
        payment = PaymentLine.__table__()
        in_ = fields.SQL_OPERATORS['in']
        amounts = {}
        # The ids are used three times by the query
        for sub_ids in grouped_slice(
                list(invoice_ids), backend.MAX_QUERY_PARAMS // 3):
            sub_ids = list(sub_ids)
            lines_to_pay = cls._query_lines_to_pay(sub_ids)
            lines = (
                lines_to_pay.select(
                    lines_to_pay.invoice.as_('invoice'),
                    lines_to_pay.line.as_('line'))
                | payment.select(
                    payment.invoice.as_('invoice'),
                    payment.line.as_('line'),
                    where=in_(payment.invoice, sub_ids)))
            in_currency = line.second_currency == invoice.currency
            query = (lines
                .join(invoice, condition=lines.invoice == invoice.id)
                .join(line, condition=lines.line == line.id)
                .select(
                    invoice.id.as_('invoice'),
                    Sum(Case(
                            (in_currency, line.amount_second_currency),
                            else_=0)).as_('amount_currency'),
                    Sum(Case(
                            (in_currency, 0),
                            else_=line.debit - line.credit)).as_('amount'),
                    where=(line.reconciliation == Null)
                    & (invoice.state == 'posted'),
                    group_by=invoice.id))
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC', 'NUMERIC'])
            cursor.execute(*query)
            amounts.update(
                (i, (a or Decimal(0), c or Decimal(0))) for i, a, c in cursor)
        result = {}
        for invoice in cls.browse(list(invoice_ids)):
            if invoice.state != 'posted':
                continue
            amount_currency, amount = amounts.get(
                invoice.id, (Decimal(0), Decimal(0)))
            if amount:
                with Transaction().set_context(date=invoice.currency_date):
                    amount_currency += Currency.compute(
                        invoice.company.currency, amount, invoice.currency)
            if invoice.type == 'in':
                amount_currency *= -1
            result[invoice.id] = (amount_currency, invoice.total_amount)
        return result

    @classmethod
    def process(cls, invoices):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        super().process(invoices)
        pledges = {
            l.commons_pledge for i in invoices for l in i.lines
            if l.commons_pledge}
        if pledges:
            Pledge.process(list(pledges))


class InvoiceSequence(metaclass=PoolMeta):
    __name__ = 'account.fiscalyear.invoice_sequence'
    commons_request_sequence = fields.Many2One(
        'ir.sequence.strict', "Payment Request Sequence",
        domain=[
            ('sequence_type', '=',
                Id('account_invoice', 'sequence_type_account_invoice')),
            ('company', '=', Eval('company', -1)),
            ],
        help="The sequence of the payment requests of gifts and grants, "
        "apart from the invoices.")
    commons_request_credit_note_sequence = fields.Many2One(
        'ir.sequence.strict', "Payment Request Cancellation Sequence",
        domain=[
            ('sequence_type', '=',
                Id('account_invoice', 'sequence_type_account_invoice')),
            ('company', '=', Eval('company', -1)),
            ],
        help="The sequence of the credit notes that cancel payment "
        "requests, apart from the credit notes of invoices.")


class InvoiceReport(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        RequestReport = pool.get(
            'account.invoice.commons_request', type='report')
        # A payment request is never printed as an invoice
        if ids and all(i.commons_request for i in Invoice.browse(ids)):
            data = {k: v for k, v in data.items() if k != 'action_id'}
            return RequestReport.execute(ids, data)
        return super().execute(ids, data)

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Invoice = pool.get('account.invoice')
        ModelData = pool.get('ir.model.data')
        invoice, = Invoice.browse(records)
        if (invoice.commons_request
                and action.report_name != 'account.invoice.commons_request'):
            # The template of the payment requests, also in the cache
            action = ActionReport(ModelData.get_id(
                    'commons_fund', 'report_payment_request'))
        return super()._execute(records, header, data, action)


class PaymentRequestReport(HostReportMixin, _InvoiceReport):
    __name__ = 'account.invoice.commons_request'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['is_grant'] = cls.is_grant
        context['is_cancellation'] = cls.is_cancellation
        context['company_address'] = cls.company_address
        return context

    @classmethod
    def is_grant(cls, invoice):
        "Tell if the request asks for the payment of subsidies"
        return all(
            l.commons_pledge and l.commons_pledge.funding_type == 'subsidy'
            for l in invoice.line_lines)

    @classmethod
    def is_cancellation(cls, invoice):
        "Tell if the document cancels a payment request"
        return invoice.sequence_type == 'credit_note'

    @classmethod
    def company_address(cls, invoice):
        "Return the address of the host, without its name"
        pool = Pool()
        Address = pool.get('party.address')
        address = invoice.company.party.address_get(type='invoice')
        if not address:
            return ''
        with Transaction().set_context(address_with_party=False):
            return Address(address.id).full_address

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        for invoice in Invoice.browse(ids):
            if not invoice.commons_request:
                raise PaymentRequestError(gettext(
                        'commons_fund.msg_invoice_not_request',
                        invoice=invoice.rec_name))
        return super().execute(ids, data)


class FrFEC(metaclass=PoolMeta):
    __name__ = 'account.fr.fec'

    def default_result(self, fields):
        result = super().default_result(fields)
        if result.get('filename'):
            # account_fr formats the SIREN identifier record, not its code
            siren = self.start.fiscalyear.company.party.siren
            format_date = self.get_format_date()
            result['filename'] = '%sFEC%s.csv' % (
                fr_siren.compact(siren.code) if siren else '',
                format_date(self.start.fiscalyear.end_date))
        return result
