# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.commons_fund.distribution import proportional
from trytond.modules.commons_fund.model import (
    CheckValuesMixin, LockMixin, NumberMixin, host_language)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .contract import FREQUENCY_MONTHS
from .exceptions import DeclarationError, DeclarationValidationError


def next_period_start(contract_start, period_start, frequency):
    """Return the start of the period after the one starting at
    period_start, counted from contract_start so that the days never drift"""
    months = FREQUENCY_MONTHS[frequency]
    elapsed = ((period_start.year - contract_start.year) * 12
        + period_start.month - contract_start.month)
    return contract_start + relativedelta(
        months=months * (elapsed // months + 1))


class Declaration(
        NumberMixin, CheckValuesMixin, LockMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commons.reciprocity.declaration'
    _history = True
    _number_sequence = 'reciprocity_declaration_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        help="The host of the contract.")
    contract = fields.Many2One(
        'commons.reciprocity.contract', "Contract", required=True,
        ondelete='RESTRICT', states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('state') == 'draft',
                ('state', '=', 'active'),
                ()),
            ],
        help="The contract whose period is declared.")
    agent = fields.Function(fields.Many2One(
            'party.party', "Agent",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="The party that declares and pays."),
        'on_change_with_agent', searcher='search_agent')
    basis = fields.Function(fields.Selection(
            'get_bases', "Basis"), 'on_change_with_basis')
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        help="The first day of the period declared.")
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[
            If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        help="The last day of the period declared.")
    due_date = fields.Date(
        "Due Date", required=True, states=_states,
        help="The day by which the agent declares the period.")
    revenue = Monetary(
        "Revenue", currency='currency', digits='currency',
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('basis') != 'revenue_rate',
            },
        help="The revenue the agent made in the period thanks to the "
        "commons.")
    amount = Monetary(
        "Amount Due", currency='currency', digits='currency', readonly=True,
        help="What the agent owes for the period.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    confirmed_date = fields.Date(
        "Confirmed on", readonly=True,
        help="The day the declaration was confirmed.")
    late = fields.Function(fields.Boolean(
            "Late",
            help="Checked when the declaration was or still is not confirmed "
            "by its due date."),
        'get_late', searcher='search_late')
    agent_invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT',
        help="The invoice sent to the agent for the amount due.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('invoiced', "Invoiced"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False,
        help="The progress of the declaration.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints.append(
            ('contract_start_uniq', Unique(t, t.contract, t.start_date),
                'commons_reciprocity.msg_declaration_period_unique'))
        cls._sql_indexes.update({
                Index(t, (t.contract, Index.Range()),
                    (t.start_date, Index.Range())),
                Index(t, (t.agent_invoice, Index.Range())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'confirmed'])),
                })
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('confirmed', 'draft'),
            ('confirmed', 'invoiced'),
            ('invoiced', 'confirmed'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'invoice': {
                    'invisible': Eval('state') != 'confirmed',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'confirmed']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['confirmed', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('contract', '_parent_contract.agent')
    def on_change_with_agent(self, name=None):
        return self.contract.agent if self.contract else None

    @classmethod
    def search_agent(cls, name, clause):
        return [('contract.' + clause[0], *clause[1:])]

    @classmethod
    def get_bases(cls):
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        return Contract.fields_get(['basis'])['basis']['selection']

    @fields.depends('contract', '_parent_contract.basis')
    def on_change_with_basis(self, name=None):
        return self.contract.basis if self.contract else None

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('contract', 'revenue', 'amount',
        '_parent_contract.basis', '_parent_contract.rate',
        '_parent_contract.fixed_amount', '_parent_contract.company')
    def on_change_revenue(self):
        if self.contract:
            self.amount = self.contract.compute_amount(self.revenue)

    @fields.depends('contract', 'start_date', 'end_date', 'due_date',
        methods=['on_change_revenue'])
    def on_change_contract(self):
        if self.contract:
            self.company = self.contract.company
            if self.start_date and self.end_date and not self.due_date:
                self.due_date = self.end_date + dt.timedelta(
                    days=self.contract.declaration_delay)
        self.on_change_revenue()

    @fields.depends(
        'contract', 'end_date', '_parent_contract.declaration_delay')
    def on_change_end_date(self):
        if self.contract and self.end_date:
            self.due_date = self.end_date + dt.timedelta(
                days=self.contract.declaration_delay)

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '%s %s - %s' % (
            self.contract.rec_name, self.start_date, self.end_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('contract.rec_name', operator, operand, *extra),
            ]

    def _get_number_date(self):
        return self.start_date

    @classmethod
    def _late_condition(cls, table, today):
        "Return the SQL condition of the declarations late at today"
        return (table.state != 'cancelled') & (
            (table.confirmed_date > table.due_date)
            | ((table.confirmed_date == Null) & (table.due_date < today)))

    @classmethod
    def _due_condition(cls, table, contract, today):
        """Return the SQL condition of the declarations whose amount is due:
        the confirmed ones, and the ended periods of fixed amounts even
        before the agent confirms them"""
        return (table.state.in_(['confirmed', 'invoiced'])
            | ((table.state == 'draft') & (contract.basis == 'fixed')
                & (table.end_date < today)))

    @classmethod
    def get_late(cls, declarations, name):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        result = {}
        for declaration in declarations:
            if declaration.state == 'cancelled':
                late = False
            elif declaration.confirmed_date:
                late = declaration.confirmed_date > declaration.due_date
            else:
                late = declaration.due_date < today
            result[declaration.id] = late
        return result

    @classmethod
    def search_late(cls, name, clause):
        pool = Pool()
        Date = pool.get('ir.date')
        table = cls.__table__()
        _, operator, value = clause
        query = table.select(
            table.id,
            where=cls._late_condition(table, Date.today()))
        if (operator == '=') == bool(value):
            return [('id', 'in', query)]
        return [('id', 'not in', query)]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('contract'):
            contract = Contract(values['contract'])
            if 'company' not in values:
                values['company'] = contract.company.id
            if values.get('end_date') and not values.get('due_date'):
                values['due_date'] = values['end_date'] + dt.timedelta(
                    days=contract.declaration_delay)
            if 'amount' not in values:
                values['amount'] = contract.compute_amount(
                    values.get('revenue'))
        return values

    @classmethod
    def validate_fields(cls, declarations, field_names):
        super().validate_fields(declarations, field_names)
        cls.check_revenue(declarations, field_names)
        cls.check_dates(declarations, field_names)

    @classmethod
    def check_revenue(cls, declarations, field_names=None):
        if field_names and 'revenue' not in field_names:
            return
        for declaration in declarations:
            if declaration.revenue is not None and declaration.revenue < 0:
                raise DeclarationValidationError(gettext(
                        'commons_reciprocity.msg_declaration_revenue_negative',
                        declaration=declaration.rec_name,
                        revenue=declaration.revenue))

    @classmethod
    def check_dates(cls, declarations, field_names=None):
        if field_names and not (
                field_names & {'contract', 'start_date', 'end_date'}):
            return
        for declaration in declarations:
            contract = declaration.contract
            if (declaration.start_date < contract.start_date
                    or (contract.end_date
                        and declaration.end_date > contract.end_date)):
                lang = Pool().get('ir.lang').get()
                raise DeclarationValidationError(gettext(
                        'commons_reciprocity.msg_declaration_contract_dates',
                        declaration=declaration.rec_name,
                        contract=contract.rec_name,
                        start_date=lang.strftime(contract.start_date),
                        end_date=(lang.strftime(contract.end_date)
                            if contract.end_date else '…')))
            if declaration.company != contract.company:
                raise DeclarationValidationError(gettext(
                        'commons_reciprocity.msg_declaration_company',
                        declaration=declaration.rec_name,
                        contract=contract.rec_name))

    @classmethod
    def check_modification(
            cls, mode, declarations, values=None, external=False):
        super().check_modification(
            mode, declarations, values=values, external=external)
        # The buttons alone move a declaration through its workflow: the
        # fields are readonly only in the client
        if external and mode == 'create':
            moved = [
                d for d in declarations
                if d.state != 'draft' or d.agent_invoice or d.confirmed_date]
        elif external and mode == 'write' and values.keys() & {
                'state', 'agent_invoice', 'confirmed_date'}:
            moved = declarations
        else:
            moved = []
        if moved:
            raise DeclarationError(gettext(
                    'commons_reciprocity.msg_declaration_workflow',
                    declaration=moved[0].rec_name))
        if mode == 'write' and values.keys() & {
                'company', 'contract', 'start_date', 'end_date', 'due_date',
                'revenue', 'amount'}:
            for declaration in declarations:
                if declaration.state != 'draft':
                    raise DeclarationError(gettext(
                            'commons_reciprocity.msg_declaration_modify_state',
                            declaration=declaration.rec_name))
        elif mode == 'delete':
            for declaration in declarations:
                if (declaration.state not in {'draft', 'cancelled'}
                        or declaration.agent_invoice):
                    raise DeclarationError(gettext(
                            'commons_reciprocity.msg_declaration_delete_state',
                            declaration=declaration.rec_name))

    @classmethod
    def copy(cls, declarations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'draft')
        default.setdefault('agent_invoice')
        default.setdefault('confirmed_date')
        return super().copy(declarations, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, declarations):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for declaration in declarations:
            contract = declaration.contract
            if (contract.basis == 'revenue_rate'
                    and declaration.revenue is None):
                raise DeclarationError(gettext(
                        'commons_reciprocity.msg_declaration_revenue_required',
                        declaration=declaration.rec_name))
            declaration.amount = contract.compute_amount(declaration.revenue)
            declaration.confirmed_date = today
        cls.save(declarations)
        cls.set_number(declarations)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, declarations):
        cls.write(declarations, {'confirmed_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, declarations):
        pass

    @classmethod
    @ModelView.button
    def invoice(cls, declarations):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        cls.lock(declarations)
        for declaration in declarations:
            if declaration.state != 'confirmed':
                raise DeclarationError(gettext(
                        'commons_reciprocity.msg_declaration_invoice_state',
                        declaration=declaration.rec_name))
        invoices = {}
        for declaration in declarations:
            invoice = declaration.get_invoice()
            if invoice:
                invoices[declaration] = invoice
        # Core computes the taxes of draft invoices when they are saved
        Invoice.save(list(invoices.values()))
        for declaration, invoice in invoices.items():
            declaration.agent_invoice = invoice
        cls.save(declarations)
        cls._invoice(declarations)

    @classmethod
    @Workflow.transition('invoiced')
    def _invoice(cls, declarations):
        pass

    @classmethod
    @Workflow.transition('confirmed')
    def reconfirm(cls, declarations):
        "Bring back the declarations whose invoice was cancelled"
        cls.write(declarations, {'agent_invoice': None})

    def get_invoice(self):
        "Return the invoice of the amount due, one line per beneficiary"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Date = pool.get('ir.date')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Lang = pool.get('ir.lang')
        if not self.amount:
            return None
        config = Configuration(1)
        contract = self.contract
        company = self.company
        with Transaction().set_context(company=company.id):
            today = Date.today()
        # The invoice is written for the agent who receives it
        lang = contract.agent.lang or host_language(company)
        if not lang:
            lang = Lang.get()
        description = gettext(
            'commons_reciprocity.msg_declaration_invoice_description',
            lang.code, contract=contract.rec_name,
            start_date=lang.strftime(self.start_date),
            end_date=lang.strftime(self.end_date))
        invoice = Invoice(
            type='out',
            company=company,
            party=contract.agent,
            currency=company.currency,
            invoice_date=today,
            description=description,
            )
        # What the party gives; the journal is the configuration's
        invoice.on_change_party()
        invoice.journal = config.get_required(
            'revenue_journal', company=company.id)
        # Only a payment with a counterpart is a sale
        invoice.commons_request = not contract.counterpart
        if invoice.commons_request:
            invoice.account = contract.get_receivable_account()
        account = contract.get_income_account()
        parts = proportional(
            self.amount, {l: l.share for l in contract.lines},
            company.currency.rounding)
        lines = []
        for contract_line in contract.lines:
            amount = parts.get(contract_line)
            if not amount:
                continue
            line = InvoiceLine(
                invoice=invoice,
                type='line',
                company=company,
                currency=company.currency,
                quantity=1,
                unit_price=amount,
                description='%s - %s' % (
                    description, contract_line.resource.rec_name),
                account=account,
                commons_fund=contract_line.fund,
                origin=self,
                taxes=[],
                )
            if contract.counterpart:
                # The taxes of a service are those of the host's regime
                line.on_change_account()
            lines.append(line)
        invoice.lines = lines
        return invoice

    @classmethod
    def create_declarations(cls, date=None):
        """Create the draft declarations of the periods of the active
        contracts that ended before date (today by default)"""
        pool = Pool()
        Company = pool.get('company.company')
        Contract = pool.get('commons.reciprocity.contract')
        Date = pool.get('ir.date')
        contract = Contract.__table__()
        declaration = cls.__table__()
        cursor = Transaction().connection.cursor()
        if date is None:
            date = Date.today()
        cursor.execute(*contract
            .join(declaration, 'LEFT',
                condition=(declaration.contract == contract.id)
                & (declaration.start_date == contract.next_period_start))
            .select(
                contract.id, contract.company, contract.start_date,
                contract.end_date, contract.next_period_start,
                contract.frequency, contract.declaration_delay,
                contract.basis, contract.fixed_amount,
                where=(contract.state == 'active')
                & (contract.next_period_start != Null)
                & (contract.next_period_start < date)
                & ((contract.end_date == Null)
                    | (contract.next_period_start <= contract.end_date))
                & (declaration.id == Null)))
        rows = cursor.fetchall()
        companies = {r[1] for r in rows}
        rounds = {c.id: c.currency.round for c in Company.browse(companies)}
        to_create = []
        next_starts = defaultdict(list)
        for (contract_id, company_id, contract_start, contract_end,
                first_start, frequency, delay, basis, fixed_amount) in rows:
            next_start = start = first_start
            while True:
                following = next_period_start(
                    contract_start, start, frequency)
                end = following - dt.timedelta(days=1)
                if contract_end and end > contract_end:
                    end = contract_end
                if end >= date:
                    break
                to_create.append({
                        'contract': contract_id,
                        'company': company_id,
                        'start_date': start,
                        'end_date': end,
                        'due_date': end + dt.timedelta(days=delay),
                        'amount': (
                            rounds[company_id](Decimal(str(fixed_amount)))
                            if basis == 'fixed'
                            else None),
                        })
                next_start = start = following
                if contract_end and start > contract_end:
                    break
            if next_start != first_start:
                next_starts[next_start].append(contract_id)
        # In slices: the validation of one create or write grows with the
        # square of its size in Tryton's records
        declarations = []
        for sub_vlist in grouped_slice(to_create, 500):
            declarations.extend(cls.create(list(sub_vlist)))
        with without_check_access():
            for next_start, contract_ids in next_starts.items():
                for sub_ids in grouped_slice(contract_ids, 500):
                    Contract.write(Contract.browse(sub_ids), {
                            'next_period_start': next_start,
                            })
        return declarations
