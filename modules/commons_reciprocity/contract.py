# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from sql import Literal, Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.commons_fund.model import (
    CheckValuesMixin, LockMixin, NumberMixin)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import ContractError, ContractValidationError

FREQUENCIES = [
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ('yearly', "Yearly"),
    ]
FREQUENCY_MONTHS = {
    'monthly': 1,
    'quarterly': 3,
    'yearly': 12,
    }


def percent(rate):
    "Return the rate as a percentage text"
    return '{:f} %'.format((rate * 100).normalize())


class Contract(
        NumberMixin, CheckValuesMixin, LockMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commons.reciprocity.contract'
    _history = True
    _rec_name = 'number'
    _number_sequence = 'reciprocity_contract_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states,
        help="The host that receives the reciprocity payments.")
    reference = fields.Char(
        "Reference", strip=True, states=_states,
        help="The reference of the signed contract.")
    agent = fields.Many2One(
        'party.party', "Agent", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The business or freelancer that earns money thanks to the "
        "commons and pays a share back.")
    basis = fields.Selection([
            ('revenue_rate', "Rate of Declared Revenue"),
            ('fixed', "Fixed Amount"),
            ], "Basis", required=True, states=_states,
        help="How the amount due for each period is computed.")
    rate = fields.Numeric(
        "Rate", digits=(None, 4),
        states={
            'required': Eval('basis') == 'revenue_rate',
            'invisible': Eval('basis') != 'revenue_rate',
            'readonly': _states['readonly'],
            },
        help="The share of the declared revenue paid back to the commons.")
    fixed_amount = Monetary(
        "Fixed Amount", currency='currency', digits='currency',
        states={
            'required': Eval('basis') == 'fixed',
            'invisible': Eval('basis') != 'fixed',
            'readonly': _states['readonly'],
            },
        help="The amount paid back for each period.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    frequency = fields.Selection(
        FREQUENCIES, "Frequency", required=True, states=_states, sort=False,
        help="The length of the periods declared.")
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        help="The first day of the first period.")
    end_date = fields.Date(
        "End Date", states=_states,
        domain=[
            If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        help="The last day covered by the contract, empty while it runs.")
    declaration_delay = fields.Integer(
        "Declaration Delay", required=True, states=_states,
        domain=[
            ('declaration_delay', '>=', 0),
            ],
        help="The number of days after the end of a period within which "
        "the agent declares its revenue.")
    counterpart = fields.Boolean(
        "Counterpart", states=_states,
        help="Check if the host gives the agent something in return (a "
        "service, a licence, visibility): the payments are then invoiced as "
        "services. Unchecked, they are contributions without counterpart, "
        "asked for with payment requests rather than invoices.")
    public = fields.Boolean(
        "Public",
        help="Check if the agent consents to be shown by name as a "
        "contributor to the commons in the public data.")
    lines = fields.One2Many(
        'commons.reciprocity.contract.line', 'contract', "Beneficiaries",
        states=_states,
        help="The resources that benefit from the payments and their share.")
    total_share = fields.Function(fields.Numeric(
            "Total Share", digits=(None, 4),
            help="The sum of the shares of the beneficiaries, "
            "which must make 100 %."),
        'on_change_with_total_share')
    declarations = fields.One2Many(
        'commons.reciprocity.declaration', 'contract', "Declarations",
        readonly=True,
        help="The declarations of the periods of the contract.")
    next_period_start = fields.Date(
        "Next Period Start", readonly=True,
        help="The first day of the next period to declare.")
    description = fields.Text("Description", states=_states)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False,
        help="The progress of the contract.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.agent, Index.Range())),
                Index(
                    t, (t.next_period_start, Index.Range()),
                    where=t.state == 'active'),
                })
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'closed'),
            ('closed', 'active'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': ~Eval('state').in_(['draft', 'closed']),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
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
    def default_basis(cls):
        return 'revenue_rate'

    @classmethod
    def default_frequency(cls):
        return 'quarterly'

    @classmethod
    def default_declaration_delay(cls):
        return 30

    @classmethod
    def default_counterpart(cls):
        return False

    @classmethod
    def default_public(cls):
        return False

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        items = [self.number or self.agent.rec_name]
        if self.reference:
            items.append('[%s]' % self.reference)
        return ' '.join(items)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('reference', operator, operand, *extra),
            ('agent.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, contracts, field_names):
        super().validate_fields(contracts, field_names)
        cls.check_amounts(contracts, field_names)
        cls.check_shares(contracts, field_names)

    @classmethod
    def check_amounts(cls, contracts, field_names=None):
        if field_names and not (
                field_names & {'basis', 'rate', 'fixed_amount'}):
            return
        for contract in contracts:
            if contract.basis == 'revenue_rate' and contract.rate is not None:
                if not (0 <= contract.rate <= 1):
                    raise ContractValidationError(gettext(
                            'commons_reciprocity.msg_contract_rate',
                            contract=contract.rec_name,
                            rate=percent(contract.rate)))
            if (contract.basis == 'fixed'
                    and contract.fixed_amount is not None
                    and contract.fixed_amount <= 0):
                raise ContractValidationError(gettext(
                        'commons_reciprocity.msg_contract_fixed_amount',
                        contract=contract.rec_name,
                        amount=contract.fixed_amount))

    @fields.depends('lines')
    def on_change_with_total_share(self, name=None):
        return sum((l.share or 0 for l in self.lines), Decimal(0))

    @classmethod
    def check_shares(cls, contracts, field_names=None):
        if field_names and 'lines' not in field_names:
            return
        for contract in contracts:
            if not contract.lines:
                continue
            total = sum(l.share or 0 for l in contract.lines)
            if total != 1:
                raise ContractValidationError(gettext(
                        'commons_reciprocity.msg_contract_shares',
                        contract=contract.rec_name,
                        total=percent(total)))

    @classmethod
    def check_overlap(cls, contracts):
        """Raise if an active contract of the same agent benefits the same
        resource on an overlapping period"""
        pool = Pool()
        Line = pool.get('commons.reciprocity.contract.line')
        contract = cls.__table__()
        other = cls.__table__()
        line = Line.__table__()
        other_line = Line.__table__()
        cursor = Transaction().connection.cursor()
        ids = [c.id for c in contracts]
        # An open end date runs forever
        far = dt.date.max
        query = (contract
            .join(line, condition=line.contract == contract.id)
            .join(other, condition=(other.agent == contract.agent)
                & (other.company == contract.company)
                & (other.id != contract.id))
            .join(other_line, condition=(other_line.contract == other.id)
                & (other_line.resource == line.resource))
            .select(
                contract.id, other.id, line.resource,
                where=fields.SQL_OPERATORS['in'](contract.id, ids)
                & ((other.state == 'active') | fields.SQL_OPERATORS['in'](
                        other.id, ids))
                & (other.start_date <= Coalesce(contract.end_date, far))
                & (contract.start_date <= Coalesce(other.end_date, far)),
                limit=1))
        cursor.execute(*query)
        row = cursor.fetchone()
        if row:
            contract_id, other_id, resource_id = row
            Resource = pool.get('commons.resource')
            raise ContractValidationError(gettext(
                    'commons_reciprocity.msg_contract_overlap',
                    contract=cls(contract_id).rec_name,
                    other=cls(other_id).rec_name,
                    resource=Resource(resource_id).rec_name))

    @classmethod
    def check_modification(
            cls, mode, contracts, values=None, external=False):
        super().check_modification(
            mode, contracts, values=values, external=external)
        # Only activate checks the beneficiaries and the overlaps: the
        # fields are readonly only in the client
        if external and mode == 'create':
            moved = [
                c for c in contracts
                if c.state != 'draft' or c.next_period_start]
        elif external and mode == 'write' and values.keys() & {
                'state', 'next_period_start'}:
            moved = contracts
        else:
            moved = []
        if moved:
            raise ContractError(gettext(
                    'commons_reciprocity.msg_contract_workflow',
                    contract=moved[0].rec_name))
        if mode == 'delete':
            for contract in contracts:
                if contract.state != 'draft' or contract.declarations:
                    raise ContractError(gettext(
                            'commons_reciprocity.msg_contract_delete',
                            contract=contract.rec_name))
        elif mode == 'write' and values.keys() & cls._terms():
            for contract in contracts:
                if contract.state != 'draft':
                    raise ContractError(gettext(
                            'commons_reciprocity.msg_contract_terms',
                            contract=contract.rec_name))

    def _get_number_date(self):
        return self.start_date

    @classmethod
    def _terms(cls):
        "The fields that only a draft contract may change"
        return {
            'company', 'reference', 'agent', 'basis', 'rate', 'fixed_amount',
            'frequency', 'start_date', 'end_date', 'declaration_delay',
            'counterpart', 'lines'}

    @classmethod
    def copy(cls, contracts, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'draft')
        default.setdefault('declarations')
        default.setdefault('next_period_start')
        return super().copy(contracts, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, contracts):
        # Two activations of one agent at once must see each other's
        # contracts to refuse overlapping terms
        cls.lock(cls.search([
                    ('agent', 'in', list({c.agent.id for c in contracts})),
                    ]))
        for contract in contracts:
            if not contract.lines:
                raise ContractValidationError(gettext(
                        'commons_reciprocity.msg_contract_no_lines',
                        contract=contract.rec_name))
            for line in contract.lines:
                line.fund.check_open()
        cls.check_shares(contracts)
        cls.check_overlap(contracts)
        for contract in contracts:
            if not contract.next_period_start:
                contract.next_period_start = contract.start_date
        cls.save(contracts)
        cls.set_number(contracts)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, contracts):
        pass

    def compute_amount(self, revenue):
        "Return the amount due for a period with the revenue declared"
        if self.basis == 'fixed':
            if self.fixed_amount is None:
                return None
            return self.currency.round(self.fixed_amount)
        if revenue is None or self.rate is None:
            return None
        return self.currency.round(revenue * self.rate)

    def get_income_account(self):
        "Return the income account credited by the agent's payments"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        if self.counterpart:
            name = 'service_account'
        elif self.agent.commons_natural_person:
            name = 'donation_account'
        else:
            name = 'organisation_contribution_account'
        return config.get_required(name, company=self.company.id)

    def get_receivable_account(self):
        """Return the receivable of the payment requests of contributions
        without counterpart, None for the invoices of services"""
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        config = Configuration(1)
        if not self.counterpart:
            return config.get_required(
                'gift_receivable_account', company=self.company.id)

    @classmethod
    def public_agents(cls, company, year):
        """Return the agents of the company who consent to be shown as
        contributors to the commons, with a contract running in the year"""
        pool = Pool()
        Party = pool.get('party.party')
        contract = cls.__table__()
        cursor = Transaction().connection.cursor()
        company_id = company.id if hasattr(company, 'id') else company
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        cursor.execute(*contract.select(
                contract.agent,
                where=(contract.company == company_id)
                & contract.state.in_(['active', 'closed'])
                & (contract.public == Literal(True))
                & (contract.start_date <= end)
                & ((contract.end_date == Null) | (contract.end_date >= start)),
                group_by=contract.agent))
        return Party.browse(sorted(r for r, in cursor))


class ContractLine(
        CheckValuesMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'commons.reciprocity.contract.line'
    contract = fields.Many2One(
        'commons.reciprocity.contract', "Contract", required=True,
        ondelete='CASCADE',
        help="The contract the resource benefits from.")
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company')
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The resource that benefits from the payments.")
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'earmarked'),
            ('resource', '=', Eval('resource', -1)),
            ],
        help="The earmarked fund of the resource that receives the money.")
    share = fields.Numeric(
        "Share", digits=(None, 4), required=True,
        domain=[
            ('share', '>', 0),
            ('share', '<=', 1),
            ],
        help="The part of each payment that goes to the resource.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('contract')

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        # The shares of a contract in force are its terms
        for line in lines:
            if line.contract.state != 'draft':
                raise ContractError(gettext(
                        'commons_reciprocity.msg_contract_terms',
                        contract=line.contract.rec_name))

    @fields.depends('contract', '_parent_contract.company')
    def on_change_with_company(self, name=None):
        return self.contract.company if self.contract else None

    @fields.depends('resource', 'fund')
    def on_change_resource(self):
        if self.resource and (
                not self.fund or self.fund.resource != self.resource):
            self.fund = self.resource.get_earmarked_fund()

    def get_rec_name(self, name):
        return '%s %s' % (self.resource.rec_name, percent(self.share))
