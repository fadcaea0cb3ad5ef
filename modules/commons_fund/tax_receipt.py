# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from types import SimpleNamespace

from num2words import num2words
from sql import Cast, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case
from sql.functions import Extract

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.company import CompanyReport
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import TaxReceiptError, TaxReceiptValidationError
from .model import (
    CheckValuesMixin, CheckWizardMixin, NumberMixin, check_required)

ARTICLES = [
    ('200', "Art. 200 CGI (Individuals)"),
    ('238bis', "Art. 238 bis CGI (Companies)"),
    ]
FORMS = [
    ('cash', "Cash"),
    ('in_kind', "In Kind"),
    ('waived_expenses', "Waived Expenses"),
    ]
PAYMENT_METHODS = [
    (None, ""),
    ('cash', "Cash"),
    ('cheque', "Cheque"),
    ('transfer', "Transfer, Direct Debit or Card"),
    ]
PERIODICITIES = [
    ('gift', "One per Gift"),
    ('yearly', "Yearly"),
    ]


def amount_in_words(amount):
    "Return the amount in euros written in French words"
    amount = abs(amount).quantize(Decimal('0.01'))
    euros, cents = int(amount), int((amount * 100) % 100)
    parts = []
    if euros or not cents:
        words = num2words(euros, lang='fr')
        if words.endswith(('million', 'millions', 'milliard', 'milliards')):
            words += " d'euros"
        else:
            words += " euro" if euros in {0, 1} else " euros"
        parts.append(words)
    if cents:
        parts.append(num2words(cents, lang='fr')
            + (" centime" if cents == 1 else " centimes"))
    return " et ".join(parts)


def full_address(party):
    "Return the address of the party, without its name"
    pool = Pool()
    Address = pool.get('party.address')
    address = party.address_get()
    if not address:
        return ''
    with Transaction().set_context(address_with_party=False):
        return Address(address.id).full_address.strip()


class TaxReceipt(
        NumberMixin, CheckValuesMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commons.tax.receipt'
    _rec_name = 'number'
    _number_sequence = 'tax_receipt_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': _states['readonly'] | Eval('lines', [0]),
            },
        help="The host that received the gifts.")
    number = fields.Char(
        "Number", readonly=True,
        help="The number of the receipt, in a strict series, "
        "set when it is issued.")
    donor = fields.Many2One(
        'party.party', "Donor", required=True,
        states={
            'readonly': _states['readonly'] | Eval('lines', [0]),
            },
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The person or company who gave.")
    article = fields.Selection(
        ARTICLES, "Article", required=True, states=_states,
        help="The article of the general tax code under which the gifts "
        "reduce the donor's tax: 200 for individuals (cerfa 11580), "
        "238 bis for companies (cerfa 16216).")
    article_string = article.translated('article')
    periodicity = fields.Selection(
        PERIODICITIES, "Periodicity", required=True, states=_states,
        help="Whether the receipt acknowledges one gift or all the gifts "
        "of a year.")
    date = fields.Date(
        "Date", readonly=True,
        help="When the receipt was issued.")
    lines = fields.One2Many(
        'commons.tax.receipt.line', 'receipt', "Gifts",
        states={
            'readonly': _states['readonly'] | ~Eval('donor'),
            },
        help="The gifts that the receipt acknowledges.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = fields.Function(Monetary(
            "Amount", currency='currency', digits='currency',
            help="The total of the gifts."),
        'get_amount')
    amount_words = fields.Function(fields.Char(
            "Amount in Words",
            help="The total of the gifts in French words."),
        'get_amount_words')
    gift_start_date = fields.Function(
        fields.Date("First Gift", help="The date of the first gift."),
        'get_gift_dates')
    gift_end_date = fields.Function(
        fields.Date("Last Gift", help="The date of the last gift."),
        'get_gift_dates')
    replaces = fields.Many2One(
        'commons.tax.receipt', "Replaces", readonly=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('state', '=', 'cancelled'),
            ],
        help="The cancelled receipt that this one replaces.")
    replaced_by = fields.Function(fields.Many2One(
            'commons.tax.receipt', "Replaced By",
            help="The receipt issued in place of this cancelled one."),
        'get_replaced_by')
    state = fields.Selection([
            ('draft', "Draft"),
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False,
        help="A receipt issued cannot be changed: it is cancelled and "
        "replaced.")
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.donor, Index.Range()), (t.date, Index.Range())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'draft'),
                Index(t, (t.replaces, Index.Range())),
                })
        cls._order = [
            ('date', 'DESC NULLS FIRST'),
            ('number', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'issued'),
            ('issued', 'cancelled'),
            }
        cls._buttons.update({
                'issue': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                'replace': {
                    'invisible': Eval('state') != 'issued',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_periodicity(cls):
        return 'gift'

    @classmethod
    def default_article(cls):
        return '200'

    @fields.depends('donor')
    def on_change_donor(self):
        if self.donor:
            self.article = self.get_article(self.donor)

    @classmethod
    def get_article(cls, donor):
        "Return the article that applies to the gifts of the donor"
        # A party nobody classified is treated as a person
        return '238bis' if donor.commons_organisation else '200'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return self.number or self.donor.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('donor.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def get_amount(cls, receipts, name):
        pool = Pool()
        Line = pool.get('commons.tax.receipt.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        amounts = defaultdict(Decimal)
        for sub_ids in grouped_slice(
                [r.id for r in receipts], backend.MAX_QUERY_PARAMS):
            query = line.select(
                line.receipt, Sum(line.amount).as_('amount'),
                where=fields.SQL_OPERATORS['in'](line.receipt, sub_ids),
                group_by=line.receipt)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC'])
            cursor.execute(*query)
            for receipt_id, amount in cursor:
                amounts[receipt_id] = amount or Decimal(0)
        return {
            r.id: r.company.currency.round(amounts[r.id]) for r in receipts}

    def get_amount_words(self, name):
        if self.amount is not None:
            return amount_in_words(self.amount)

    @classmethod
    def get_gift_dates(cls, receipts, names):
        pool = Pool()
        Line = pool.get('commons.tax.receipt.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {r.id: None for r in receipts} for n in names}
        for sub_ids in grouped_slice(
                [r.id for r in receipts], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.receipt, Min(line.date), Max(line.date),
                    where=fields.SQL_OPERATORS['in'](line.receipt, sub_ids),
                    group_by=line.receipt))
            for receipt_id, start, end in cursor:
                for name, value in [
                        ('gift_start_date', start),
                        ('gift_end_date', end),
                        ]:
                    if name in result:
                        if isinstance(value, str):
                            value = dt.date.fromisoformat(value)
                        result[name][receipt_id] = value
        return result

    @classmethod
    def get_replaced_by(cls, receipts, name):
        replaced_by = {r.id: None for r in receipts}
        for sub_ids in grouped_slice(
                [r.id for r in receipts], backend.MAX_QUERY_PARAMS):
            for receipt in cls.search([
                        ('replaces', 'in', list(sub_ids)),
                        ], order=[('id', 'ASC')]):
                replaced_by[receipt.replaces.id] = receipt.id
        return replaced_by

    @property
    def forms(self):
        "The forms of the gifts, in the order of the cerfa"
        forms = {l.form for l in self.lines}
        return [f for f, _ in FORMS if f in forms]

    @property
    def payment_methods(self):
        "The payment methods of the gifts in cash"
        methods = {l.payment_method for l in self.lines if l.form == 'cash'}
        return [m for m, _ in PAYMENT_METHODS if m and m in methods]

    @classmethod
    def validate_fields(cls, receipts, field_names):
        super().validate_fields(receipts, field_names)
        cls.check_donor(receipts, field_names)

    @classmethod
    def check_donor(cls, receipts, field_names=None):
        if field_names and not (field_names & {'donor', 'company'}):
            return
        for receipt in receipts:
            if receipt.donor == receipt.company.party:
                raise TaxReceiptValidationError(gettext(
                        'commons_fund.msg_tax_receipt_host_donor',
                        receipt=receipt.rec_name))

    @classmethod
    def check_modification(cls, mode, receipts, values=None, external=False):
        super().check_modification(
            mode, receipts, values=values, external=external)
        if mode == 'delete':
            for receipt in receipts:
                if receipt.state != 'draft':
                    raise TaxReceiptError(gettext(
                            'commons_fund.msg_tax_receipt_delete',
                            receipt=receipt.rec_name))
        elif mode == 'write':
            # The state is written by the buttons only, which check it
            changed = values.keys() - {'state'}
            if external or changed:
                for receipt in receipts:
                    if receipt.state != 'draft':
                        raise TaxReceiptError(gettext(
                                'commons_fund.msg_tax_receipt_modify',
                                receipt=receipt.rec_name))
        elif mode == 'create' and external:
            for receipt in receipts:
                if receipt.state != 'draft' or receipt.number:
                    raise TaxReceiptError(gettext(
                            'commons_fund.msg_tax_receipt_create',
                            receipt=receipt.rec_name))

    @classmethod
    def copy(cls, receipts, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        default.setdefault('date')
        default.setdefault('replaces')
        # A gift is acknowledged by one receipt only
        default.setdefault('lines')
        return super().copy(receipts, default=default)

    @classmethod
    def set_number(cls, receipts):
        pool = Pool()
        Date = pool.get('ir.date')
        for receipt in receipts:
            if not receipt.date:
                with Transaction().set_context(company=receipt.company.id):
                    receipt.date = Date.today()
        super().set_number(receipts)

    @classmethod
    @ModelView.button
    @Workflow.transition('issued')
    def issue(cls, receipts):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        Line = pool.get('commons.tax.receipt.line')
        cls.lock(receipts)
        lines = [l for r in receipts for l in r.lines]
        # A gift acknowledged by two receipts issued at the same time
        FundLine.lock(list({l.fund_line for l in lines}))
        for company in {r.company for r in receipts}:
            cls.check_configuration(company)
        for receipt in receipts:
            receipt.check_issue()
        Line.check_gifts(lines)
        cls.set_number(receipts)

    @classmethod
    def check_configuration(cls, company):
        "Raise if what a receipt prints about the host is not configured"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        for name in [
                'tax_receipt_sequence', 'tax_receipt_object',
                'tax_receipt_signatory', 'tax_receipt_signatory_quality']:
            config.get_required(name, company=company.id)

    def check_issue(self):
        if not self.lines:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_no_gift',
                    receipt=self.rec_name))
        if self.amount <= 0:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_amount',
                    receipt=self.rec_name))
        if not full_address(self.donor):
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_donor_address',
                    receipt=self.rec_name,
                    donor=self.donor.rec_name))
        if self.article == '238bis' and not self.donor.siren:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_donor_siren',
                    receipt=self.rec_name,
                    donor=self.donor.rec_name))
        years = {l.date.year for l in self.lines}
        if self.periodicity == 'gift' and len(self.lines) > 1:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_gift_lines',
                    receipt=self.rec_name))
        if len(years) > 1:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_year',
                    receipt=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, receipts):
        pass

    @classmethod
    @ModelView.button
    def replace(cls, receipts):
        "Cancel the receipts and make their drafts of replacement"
        pool = Pool()
        Line = pool.get('commons.tax.receipt.line')
        receipts = [r for r in receipts if r.state == 'issued']
        cls.cancel(receipts)
        for receipt in receipts:
            replacement, = cls.copy([receipt], default={
                    'replaces': receipt.id,
                    })
            Line.copy(receipt.lines, default={
                    'receipt': replacement.id,
                    })

    @classmethod
    def create_from_gifts(cls, company, gifts, periodicity, date=None):
        """Create and return the draft receipts of the gifts (unsaved
        receipt lines), one per gift or one per donor and year"""
        groups = defaultdict(list)
        for gift in gifts:
            if periodicity == 'gift':
                key = (gift.donor, gift.date.year, len(groups))
            else:
                key = (gift.donor, gift.date.year)
            groups[key].append(gift)
        receipts = []
        for (donor, *_), lines in groups.items():
            receipts.append(cls(
                    company=company,
                    donor=donor,
                    article=cls.get_article(donor),
                    periodicity=periodicity,
                    date=date,
                    lines=sorted(lines, key=lambda l: (l.date, l.amount)),
                    ))
        cls.save(receipts)
        return receipts


class TaxReceiptLine(CheckValuesMixin, ModelSQL, ModelView):
    __name__ = 'commons.tax.receipt.line'
    __access__ = {'receipt'}
    _states = {
        'readonly': Eval('receipt_state') != 'draft',
        }
    receipt = fields.Many2One(
        'commons.tax.receipt', "Receipt", required=True, ondelete='CASCADE',
        states=_states)
    receipt_state = fields.Function(
        fields.Selection('get_receipt_states', "Receipt State"),
        'on_change_with_receipt_state')
    fund_line = fields.Many2One(
        'commons.fund.line', "Gift", required=True, ondelete='RESTRICT',
        states=_states,
        domain=[
            ('kind', 'in', ['receipt', 'reciprocity']),
            ('amount', '>', 0),
            ('fund.company', '=', Eval('_parent_receipt', {}).get(
                    'company', -1)),
            ],
        help="The money received, on the ledger of a fund.")
    date = fields.Date(
        "Date", required=True, readonly=True,
        help="When the gift was received.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True, help="The amount of the gift.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    form = fields.Selection(
        FORMS, "Form", required=True, states=_states,
        help="How the gift was made: in cash, in kind, or by waiving the "
        "refund of expenses.")
    form_string = form.translated('form')
    payment_method = fields.Selection(
        PAYMENT_METHODS, "Payment Method", states={
            'readonly': _states['readonly'],
            'required': Eval('form') == 'cash',
            'invisible': Eval('form') != 'cash',
            },
        help="How a gift in cash was paid.")
    payment_method_string = payment_method.translated('payment_method')
    pledge = fields.Function(fields.Many2One(
            'commons.pledge', "Pledge",
            help="The pledge the gift was given for."),
        'on_change_with_pledge')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'ASC'))
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.fund_line, Index.Range())),
                })

    @classmethod
    def default_form(cls):
        return 'cash'

    @classmethod
    def default_payment_method(cls):
        return 'transfer'

    @classmethod
    def _gift_kinds(cls):
        "The kinds of fund line that may be gifts"
        return ['receipt']

    @classmethod
    def get_receipt_states(cls):
        pool = Pool()
        Receipt = pool.get('commons.tax.receipt')
        return Receipt.fields_get(['state'])['state']['selection']

    @fields.depends('receipt', '_parent_receipt.state')
    def on_change_with_receipt_state(self, name=None):
        return self.receipt.state if self.receipt else 'draft'

    @fields.depends('fund_line')
    def on_change_with_currency(self, name=None):
        if self.fund_line:
            return self.fund_line.fund.company.currency

    @fields.depends('fund_line')
    def on_change_with_pledge(self, name=None):
        if self.fund_line:
            return self.fund_line.pledge

    @fields.depends('fund_line', 'date', 'amount', 'payment_method')
    def on_change_fund_line(self):
        if self.fund_line:
            self.date = self.gift_date
            self.amount = self.fund_line.amount
            self.payment_method = (
                self.payment_method or self.default_payment_method())

    def get_rec_name(self, name):
        return '%s - %s' % (self.receipt.rec_name, self.date)

    @property
    def gift_invoice(self):
        "The invoice that requested the gift, if any"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        move_line = self.fund_line.move_line
        if move_line and isinstance(move_line.move.origin, Invoice):
            return move_line.move.origin

    @property
    def gift_date(self):
        "When the gift was received: when its request was paid, if any"
        invoice = self.gift_invoice
        if invoice and invoice.reconciled:
            return invoice.reconciled
        return self.fund_line.date

    @property
    def donor(self):
        invoice = self.gift_invoice
        if self.fund_line.pledge:
            return self.fund_line.pledge.funder
        elif invoice:
            return invoice.party

    def check_eligible(self):
        """Raise if the fund line is not a gift that reduces the donor's
        tax, nor money received"""
        fund_line = self.fund_line
        pledge = fund_line.pledge
        if fund_line.kind == 'receipt' and pledge:
            if pledge.funding_type not in self._eligible_funding_types():
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_funding_type',
                        line=fund_line.rec_name,
                        pledge=pledge.rec_name,
                        funding_type=pledge.funding_type_string))
        elif fund_line.kind not in self._gift_kinds() or not self.donor:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_not_gift',
                    line=fund_line.rec_name))
        if fund_line.amount <= 0 or not fund_line.move_line:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_not_gift',
                    line=fund_line.rec_name))
        invoice = self.gift_invoice
        if invoice and invoice.state != 'paid':
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_not_received',
                    line=fund_line.rec_name,
                    invoice=invoice.rec_name))

    @classmethod
    def _eligible_funding_types(cls):
        "The funding types of the pledges whose money is a gift"
        return {'donation', 'sponsorship', 'membership'}

    @classmethod
    def check_gifts(cls, lines):
        """Check that each line is an eligible gift of its receipt's donor,
        its amount what was received, acknowledged by no other receipt"""
        pool = Pool()
        Receipt = pool.get('commons.tax.receipt')
        for line in lines:
            receipt = line.receipt
            line.check_eligible()
            fund_line = line.fund_line
            if line.donor != receipt.donor:
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_line_donor',
                        line=fund_line.rec_name,
                        donor=line.donor.rec_name,
                        receipt=receipt.rec_name))
            if (fund_line.fund.company != receipt.company
                    or line.amount != fund_line.amount
                    or line.date != line.gift_date):
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_line_gift',
                        line=fund_line.rec_name,
                        receipt=receipt.rec_name))
        others = cls.search([
                ('fund_line', 'in', [l.fund_line.id for l in lines]),
                ('receipt.state', '!=', 'cancelled'),
                ('id', 'not in', [l.id for l in lines]),
                ])
        for other in others:
            if other.receipt.state == 'issued' or other.receipt in {
                    l.receipt for l in lines}:
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_line_twice',
                        line=other.fund_line.rec_name,
                        receipt=other.receipt.rec_name))
        duplicates = Counter(l.fund_line for l in lines)
        for fund_line, count in duplicates.items():
            if count > 1:
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_line_twice',
                        line=fund_line.rec_name,
                        receipt=Receipt.__names__()['model']))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        values = super().preprocess_values(mode, values)
        if values.get('fund_line'):
            # The date and the amount are those of the gift, never typed
            for fund_line in FundLine.search([
                        ('id', '=', values['fund_line']),
                        ]):
                line = cls(fund_line=fund_line)
                values['date'] = line.gift_date
                values['amount'] = fund_line.amount
        return values

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        for line in lines:
            if line.receipt.state != 'draft':
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_modify',
                        receipt=line.receipt.rec_name))

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode in {'create', 'write'}:
            cls.check_gifts(lines)

    @classmethod
    def get_gifts(cls, company, start_date, end_date, donors=None):
        """Return the unsaved lines of the gifts received by the company
        between the dates and acknowledged by no receipt, and the
        fund lines skipped with the message that says why"""
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        domain = [
            ('fund.company', '=', company.id),
            ('kind', 'in', cls._gift_kinds()),
            ('amount', '>', 0),
            # What only restricts the host's own money is no gift
            ('move_line', '!=', None),
            # A request is paid after it is posted: keep the year before
            ('date', '<=', end_date),
            ('date', '>=', start_date - dt.timedelta(days=366)),
            ]
        fund_lines = FundLine.search(domain, order=[('date', 'ASC')])
        acknowledged = {
            l.fund_line for l in cls.search([
                    ('fund_line', 'in', [f.id for f in fund_lines]),
                    ('receipt.state', '!=', 'cancelled'),
                    ])}
        gifts, skipped = [], []
        for fund_line in fund_lines:
            if fund_line in acknowledged:
                continue
            line = cls(fund_line=fund_line, form='cash')
            try:
                line.check_eligible()
            except TaxReceiptError as exception:
                if fund_line.date >= start_date:
                    skipped.append((fund_line, exception.message))
                continue
            line.on_change_fund_line()
            if not (start_date <= line.date <= end_date):
                continue
            if donors and line.donor not in donors:
                continue
            gifts.append(line)
        return gifts, skipped


class TaxReceiptReport(CompanyReport):
    __name__ = 'commons.tax.receipt'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['host_of'] = cls.host_of
        context['address'] = full_address
        return context

    @classmethod
    def host_of(cls, receipt):
        "Return what the receipt prints about the host"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        company = receipt.company
        values = {
            name: config.get_multivalue(
                'tax_receipt_' + name, company=company.id) or ''
            for name in [
                'object', 'rna', 'signatory', 'signatory_quality']}
        category = config.get_multivalue(
            'tax_receipt_host_category', company=company.id)
        categories = dict(Configuration.fields_get(
                ['tax_receipt_host_category'])[
                'tax_receipt_host_category']['selection'])
        siren = company.party.siren
        return SimpleNamespace(
            name=company.party.rec_name,
            siren=siren.code if siren else '',
            address=full_address(company.party),
            category=categories.get(category) or '',
            **values)

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Receipt = pool.get('commons.tax.receipt')
        for receipt in Receipt.browse(ids):
            if receipt.state == 'draft':
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_print_draft',
                        receipt=receipt.rec_name))
        return super().execute(ids, data)


class GenerateStart(ModelView):
    __name__ = 'commons.tax.receipt.generate.start'
    __string__ = "Generate Tax Receipts"
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    periodicity = fields.Selection(
        PERIODICITIES, "Periodicity", required=True,
        help="One receipt per gift, or one per donor for all the gifts of "
        "the year.")
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[
            If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ],
        help="The first day of the gifts received.")
    end_date = fields.Date(
        "End Date", required=True,
        domain=[
            If(Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        help="The last day of the gifts received.")
    donors = fields.Many2Many(
        'party.party', None, None, "Donors",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Only the gifts of these donors; all if empty.")


class GenerateResult(ModelView):
    __name__ = 'commons.tax.receipt.generate.result'
    __string__ = "Generate Tax Receipts"
    issued = fields.Integer("Issued", readonly=True,
        help="The number of receipts issued.")
    gifts = fields.Integer("Gifts", readonly=True,
        help="The number of gifts the receipts acknowledge.")
    skipped = fields.Integer("Skipped", readonly=True,
        help="The number of gifts received without receipt.")
    summary = fields.Text("Summary", readonly=True,
        help="Why gifts were skipped.")
    receipts = fields.Many2Many(
        'commons.tax.receipt', None, None, "Receipts", readonly=True)


class Generate(CheckWizardMixin, Wizard):
    __name__ = 'commons.tax.receipt.generate'
    start = StateView(
        'commons.tax.receipt.generate.start',
        'commons_fund.tax_receipt_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateTransition()
    result = StateView(
        'commons.tax.receipt.generate.result',
        'commons_fund.tax_receipt_generate_result_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Open", 'open_', 'tryton-forward', default=True),
            ])
    open_ = StateAction('commons_fund.act_tax_receipt_form')

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        company = Transaction().context.get('company')
        with Transaction().set_context(company=company):
            year = Date.today().year - 1
        return {
            'company': company,
            'periodicity': 'yearly',
            'start_date': dt.date(year, 1, 1),
            'end_date': dt.date(year, 12, 31),
            }

    def transition_generate(self):
        pool = Pool()
        Company = pool.get('company.company')
        Line = pool.get('commons.tax.receipt.line')
        Receipt = pool.get('commons.tax.receipt')
        check_required(self.start)
        company = Company(Transaction().context.get('company'))
        start = self.start
        if start.start_date > start.end_date:
            raise TaxReceiptError(gettext(
                    'commons_fund.msg_tax_receipt_generate_dates'))
        Receipt.check_configuration(company)
        gifts, skipped = Line.get_gifts(
            company, start.start_date, start.end_date,
            donors=set(start.donors) or None)
        receipts = Receipt.create_from_gifts(
            company, gifts, start.periodicity)
        issued, reasons = [], list(skipped)
        for receipt in receipts:
            try:
                Receipt.issue([receipt])
            except TaxReceiptError as exception:
                reasons.append((receipt, gettext(
                            'commons_fund.msg_tax_receipt_generate_donor',
                            donor=receipt.donor.rec_name,
                            reason=exception.message)))
                Receipt.delete([receipt])
            else:
                issued.append(receipt)
        self.result.issued = len(issued)
        self.result.gifts = sum(len(r.lines) for r in issued)
        self.result.skipped = len(gifts) + len(skipped) - self.result.gifts
        self.result.summary = '\n'.join(message for _, message in reasons)
        self.result.receipts = issued
        return 'result'

    def default_result(self, fields):
        return {
            'issued': self.result.issued,
            'gifts': self.result.gifts,
            'skipped': self.result.skipped,
            'summary': self.result.summary,
            'receipts': [r.id for r in self.result.receipts],
            }

    def do_open_(self, action):
        action['domain'] = [
            ('id', 'in', [r.id for r in self.result.receipts]),
            ]
        return action, {}


class Declaration(ModelSQL, ModelView):
    __name__ = 'commons.tax.receipt.declaration'
    __string__ = "Tax Receipt Declaration"
    company = fields.Many2One('company.company', "Company", readonly=True)
    year = fields.Integer(
        "Year", readonly=True, help="The year the receipts were issued in.")
    receipts = fields.Integer(
        "Receipts", readonly=True,
        help="The number of receipts issued in the year, not cancelled.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True,
        help="The total of the gifts the receipts acknowledge.")
    cash_amount = Monetary(
        "Cash", currency='currency', digits='currency', readonly=True,
        help="The total of the gifts in cash.")
    in_kind_amount = Monetary(
        "In Kind", currency='currency', digits='currency', readonly=True,
        help="The total of the gifts in kind.")
    waived_expenses_amount = Monetary(
        "Waived Expenses", currency='currency', digits='currency',
        readonly=True,
        help="The total of the expenses waived by volunteers.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('year', 'DESC'))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Receipt = pool.get('commons.tax.receipt')
        Line = pool.get('commons.tax.receipt.line')
        receipt = Receipt.__table__()
        line = Line.__table__()
        year = Cast(Extract('YEAR', receipt.date), 'INTEGER')

        def total(form=None):
            amount = line.amount
            if form:
                amount = Case((line.form == form, line.amount), else_=0)
            return Sum(amount)
        query = (receipt
            .join(line, condition=line.receipt == receipt.id)
            .select(
                Min(receipt.id).as_('id'),
                receipt.company.as_('company'),
                year.as_('year'),
                Count(receipt.id, distinct=True).as_('receipts'),
                total().as_('amount'),
                total('cash').as_('cash_amount'),
                total('in_kind').as_('in_kind_amount'),
                total('waived_expenses').as_('waived_expenses_amount'),
                where=(receipt.state == 'issued') & (receipt.date != Null),
                group_by=[receipt.company, year]))
        return query

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None
