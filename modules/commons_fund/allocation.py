# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Column
from sql.aggregate import Sum
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction

from .aggregate import sum_by
from .distribution import capped_proportional, priority, proportional
from .exceptions import AllocationError, AllocationValidationError
from .model import CheckValuesMixin, ExplanationMixin, NumberMixin

ALLOCATION_METHODS = [
    ('fixed', "Fixed Shares"),
    ('equal', "Equal"),
    ('needs', "Needs"),
    ('priority', "Priority"),
    ('round', "Round"),
    ]
COORDINATION_RATE_MIN = Decimal('0.10')
COORDINATION_RATE_MAX = Decimal('0.25')


def check_coordination_rate(record, rate):
    "Raise if the coordination rate is set outside 10 to 25 %"
    if rate and not (COORDINATION_RATE_MIN <= rate <= COORDINATION_RATE_MAX):
        raise AllocationValidationError(gettext(
                'commons_fund.msg_coordination_rate',
                record=record.rec_name,
                rate=format_percent(rate)))


def format_percent(rate):
    "Return the rate as a percentage without useless zeros: 0.125 → 12.5 %"
    return '%s %%' % format((rate * 100).normalize(), 'f')


def format_amount(amount, currency):
    lang = Pool().get('ir.lang').get()
    return lang.currency(amount, currency, grouping=True)


class Allocation(
        NumberMixin, CheckValuesMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'commons.allocation'
    _number_sequence = 'allocation_sequence'
    _states = {
        'readonly': ~Eval('state').in_(['draft', 'computed']),
        }
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': _states['readonly'] | Eval('lines', [0]),
            },
        help="The host that keeps the funds.")
    fund = fields.Many2One(
        'commons.fund', "Pooled Fund", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'pooled'),
            ],
        states=_states,
        help="The pooled fund whose money is allocated.")
    date = fields.Date(
        "Date", required=True, states=_states,
        help="When the money moves to the resources.")
    method = fields.Selection(
        ALLOCATION_METHODS, "Method", required=True, states=_states,
        help="How the amount is shared:\n"
        "Fixed Shares: by the shares set on the pooled fund;\n"
        "Equal: the same to each resource of the pooled fund;\n"
        "Needs: in proportion to each resource's uncovered need for the "
        "fiscal year, never above it;\n"
        "Priority: in the order of the pooled fund's resources, each up to "
        "its uncovered need;\n"
        "Round: as the round decided.")
    method_string = method.translated('method')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states={
            'readonly': _states['readonly'] | (Eval('method') == 'round'),
            },
        domain=[('amount', '>', 0)],
        help="The amount to allocate from the pooled fund.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('method').in_(['needs', 'priority']),
            },
        help="The year whose needs are covered.")
    round = fields.Many2One(
        'commons.round', "Round", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('fund', '=', Eval('fund', -1)),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('method') == 'round',
            'invisible': Eval('method') != 'round',
            },
        help="The round whose result is allocated.")
    coordination_rate = fields.Numeric(
        "Coordination Rate", digits=(None, 4), states=_states,
        help="The share of each line reserved for coordination and "
        "animation (10 to 25 %).")
    coordination_fund = fields.Many2One(
        'commons.fund', "Coordination Fund",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'earmarked'),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('coordination_rate', 0) > 0,
            'invisible': ~Eval('coordination_rate'),
            },
        help="The fund that receives the coordination share.")
    description = fields.Char("Description", states=_states)
    lines = fields.One2Many(
        'commons.allocation.line', 'allocation', "Lines", readonly=True,
        help="What each resource receives.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    placed_amount = fields.Function(Monetary(
            "Placed", currency='currency', digits='currency',
            help="The sum of the lines."),
        'get_placed')
    unplaced_amount = fields.Function(Monetary(
            "Left in the Pool", currency='currency', digits='currency',
            help="The part of the amount that no resource could take."),
        'get_placed')
    state = fields.Selection([
            ('draft', "Draft"),
            ('computed', "Computed"),
            ('posted', "Posted"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_(['draft', 'computed'])))
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'computed'),
            ('computed', 'computed'),
            ('computed', 'draft'),
            ('computed', 'posted'),
            ('draft', 'cancelled'),
            ('computed', 'cancelled'),
            ('posted', 'cancelled'),
            }
        cls._buttons.update({
                'compute': {
                    'invisible': ~Eval('state').in_(['draft', 'computed']),
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'computed',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'post': {
                    'invisible': Eval('state') != 'computed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') == 'cancelled',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_method(cls):
        return 'needs'

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('round', 'method')
    def on_change_round(self):
        if self.round and self.method == 'round':
            self.amount = self.round.allocation_amount

    @classmethod
    def get_placed(cls, allocations, names):
        pool = Pool()
        Line = pool.get('commons.allocation.line')
        placed = sum_by(Line, 'allocation', [a.id for a in allocations])
        result = {'placed_amount': {}, 'unplaced_amount': {}}
        for allocation in allocations:
            amount = placed[allocation.id]
            result['placed_amount'][allocation.id] = amount
            result['unplaced_amount'][allocation.id] = (
                (allocation.amount or 0) - amount)
        return {n: result[n] for n in names}

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '%s %s %s' % (
            self.fund.code if self.fund else '', self.date or '',
            self.description or self.method_string)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('fund.code', operator, operand, *extra),
            ('description', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, allocations, field_names):
        super().validate_fields(allocations, field_names)
        for allocation in allocations:
            check_coordination_rate(allocation, allocation.coordination_rate)

    @classmethod
    def check_modification(cls, mode, allocations, values=None,
            external=False):
        super().check_modification(
            mode, allocations, values=values, external=external)
        if mode == 'delete':
            for allocation in allocations:
                if allocation.state not in {'draft', 'computed'}:
                    raise AllocationError(gettext(
                            'commons_fund.msg_allocation_delete',
                            allocation=allocation.rec_name))
        elif (mode == 'write' and external
                and values.keys() - {'description'}):
            # The client's read-only states, enforced for direct calls
            for allocation in allocations:
                if allocation.state not in {'draft', 'computed'}:
                    raise AllocationError(gettext(
                            'commons_fund.msg_allocation_modify',
                            allocation=allocation.rec_name,
                            state=allocation.state_string))

    @classmethod
    def copy(cls, allocations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines')
        return super().copy(allocations, default=default)

    # -- computation ---------------------------------------------------------

    def _quantum(self):
        return self.currency.rounding

    def _pool_resources(self):
        """Return the resources of the pooled fund in their order, as a list
        of (resource id, share)"""
        pool = Pool()
        FundResource = pool.get('commons.fund-commons.resource')
        link = FundResource.__table__()
        cursor = Transaction().connection.cursor()
        query = link.select(
            link.resource.as_('resource'), link.share.as_('share'),
            where=link.fund == self.fund.id,
            order_by=[link.sequence.asc.nulls_last, link.id.asc])
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, 'NUMERIC'])
        cursor.execute(*query)
        return list(cursor)

    def _needs(self):
        """Return the need and what was recognised or allocated for the
        fiscal year by each resource of the pooled fund, as two
        dictionaries"""
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        FundResource = pool.get('commons.fund-commons.resource')
        Need = pool.get('commons.resource.need')
        cursor = Transaction().connection.cursor()
        link = FundResource.__table__()
        need = Need.__table__()
        line = FundLine.__table__()
        fiscalyear = self.fiscalyear
        resources = link.select(link.resource, where=link.fund == self.fund.id)
        amounts = []
        for query in [
                need.select(
                    need.resource, Sum(need.amount).as_('amount'),
                    where=need.resource.in_(resources)
                    & (need.fiscalyear == fiscalyear.id),
                    group_by=need.resource),
                line.select(
                    line.resource, Sum(line.amount).as_('amount'),
                    where=line.resource.in_(resources)
                    & line.kind.in_(FundLine.funding_kinds())
                    & (line.date >= fiscalyear.start_date)
                    & (line.date <= fiscalyear.end_date),
                    group_by=line.resource),
                ]:
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC'])
            cursor.execute(*query)
            round_ = self.currency.round
            amounts.append(defaultdict(
                    Decimal, ((r, round_(a or 0)) for r, a in cursor)))
        return amounts

    def _compute_amounts(self):
        """Return the amounts by resource id and their explanations, as
        ({resource id: amount}, {resource id: (message, values)})"""
        quantum = self._quantum()
        total = self.amount
        explanations = {}
        if self.method == 'round':
            return self.round.get_allocation_amounts()
        links = self._pool_resources()
        if not links:
            raise AllocationError(gettext(
                    'commons_fund.msg_allocation_no_resource',
                    allocation=self.rec_name, fund=self.fund.rec_name))
        resources = [r for r, _ in links]
        if self.method == 'fixed':
            shares = dict(links)
            share_sum = sum(s or 0 for s in shares.values())
            if (any(s is None for s in shares.values())
                    or share_sum != 1):
                raise AllocationError(gettext(
                        'commons_fund.msg_allocation_fixed_shares',
                        allocation=self.rec_name, fund=self.fund.rec_name,
                        total=format_percent(share_sum)))
            amounts = proportional(total, shares, quantum)
            for resource_id, share in shares.items():
                explanations[resource_id] = (
                    'commons_fund.msg_allocation_explain_fixed', {
                        'share': share,
                        'total': total,
                        })
        elif self.method == 'equal':
            amounts = proportional(
                total, {r: 1 for r in resources}, quantum)
            explanation = (
                'commons_fund.msg_allocation_explain_equal', {
                    'total': total,
                    'count': len(resources),
                    })
            explanations = {r: explanation for r in resources}
        else:
            needs, funded = self._needs()
            gaps = {
                r: max(needs[r] - funded[r], Decimal(0))
                for r in resources}
            if self.method == 'needs':
                amounts = capped_proportional(total, gaps, gaps, quantum)
                gap_sum = sum(gaps.values())
                message = 'commons_fund.msg_allocation_explain_needs'
            else:
                amounts = priority(total, resources, gaps, quantum)
                gap_sum = None
                message = 'commons_fund.msg_allocation_explain_priority'
            common = {
                'gaps': gap_sum or Decimal(0),
                'total': total,
                'fiscalyear': self.fiscalyear.rec_name,
                }
            for rank, resource_id in enumerate(resources, 1):
                if resource_id not in amounts:
                    continue
                explanations[resource_id] = (message, {
                        'need': needs[resource_id],
                        'funded': funded[resource_id],
                        'gap': gaps[resource_id],
                        'rank': rank,
                        **common,
                        })
        return amounts, explanations

    def _get_lines(self):
        "Return the values of the lines of the allocation"
        pool = Pool()
        Resource = pool.get('commons.resource')
        amounts, explanations = self._compute_amounts()
        funds = Resource.get_earmarked_funds(Resource.browse({
                    k[0] if isinstance(k, tuple) else k for k in amounts}))
        vlist = []
        for key in sorted(amounts, key=str):
            amount = amounts[key]
            if not amount:
                continue
            if isinstance(key, tuple):
                resource_id, milestone_id = key
            else:
                resource_id, milestone_id = key, None
            if resource_id not in funds:
                raise AllocationError(gettext(
                        'commons_fund.msg_allocation_no_fund',
                        allocation=self.rec_name,
                        resource=Resource(resource_id).rec_name))
            coordination = Decimal(0)
            if self.coordination_rate:
                coordination = self.currency.round(
                    amount * self.coordination_rate)
            message, values = explanations.get(key, (None, None))
            vlist.append({
                    'allocation': self.id,
                    'resource': resource_id,
                    'milestone': milestone_id,
                    'fund': funds[resource_id].id,
                    'amount': amount,
                    'coordination_amount': coordination,
                    'explanation_message': message,
                    'explanation_values': values,
                    })
        return vlist

    @classmethod
    @ModelView.button
    @Workflow.transition('computed')
    def compute(cls, allocations):
        pool = Pool()
        Fund = pool.get('commons.fund')
        Line = pool.get('commons.allocation.line')
        Line.delete([l for a in allocations for l in a.lines])
        vlist = []
        for allocation in allocations:
            allocation.fund.check_open()
            if allocation.method == 'round':
                if allocation.round.state != 'closed':
                    raise AllocationError(gettext(
                            'commons_fund.msg_allocation_round_closed',
                            allocation=allocation.rec_name,
                            round=allocation.round.rec_name))
                allocation.amount = allocation.round.allocation_amount
                allocation.save()
            Fund.check_available(
                [allocation.fund], {allocation.fund.id: allocation.amount})
            vlist.extend(allocation._get_lines())
        Line._insert(vlist)
        cls.set_number(allocations)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, allocations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, allocations):
        "Move the money of the lines out of the pooled fund"
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        vlist = []
        for allocation in allocations:
            allocation.fund.check_open()
            if not allocation.lines:
                raise AllocationError(gettext(
                        'commons_fund.msg_allocation_no_line',
                        allocation=allocation.rec_name))
            for line in allocation.lines:
                vlist.extend(line._fund_line_values(1))
        FundLine.book(vlist)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, allocations):
        """Cancel the allocations; those posted are reversed, as long as the
        funds that received the money still have it."""
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        vlist = []
        for allocation in allocations:
            if allocation.state == 'posted':
                for line in allocation.lines:
                    vlist.extend(line._fund_line_values(-1))
        FundLine.book(vlist)


class AllocationLine(ExplanationMixin, ModelSQL, ModelView):
    __name__ = 'commons.allocation.line'
    allocation = fields.Many2One(
        'commons.allocation', "Allocation", required=True,
        ondelete='CASCADE')
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='RESTRICT')
    milestone = fields.Many2One(
        'commons.resource.milestone', "Milestone", ondelete='RESTRICT',
        domain=[
            ('resource', '=', Eval('resource', -1)),
            ])
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, ondelete='RESTRICT',
        help="The earmarked fund that receives the money.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>=', 0)])
    coordination_amount = Monetary(
        "Coordination", currency='currency', digits='currency',
        required=True,
        help="The part of the amount reserved for coordination.")
    state = fields.Function(
        fields.Selection('get_states', "State"), 'on_change_with_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('allocation')
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.resource, Index.Range())))
        cls._order.insert(0, ('amount', 'DESC'))

    @classmethod
    def default_coordination_amount(cls):
        return Decimal(0)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        # The lines are what compute made of the allocation: only deleting
        # them with a draft or computed allocation is left to the client
        if external and (mode != 'delete' or any(
                    l.allocation.state not in {'draft', 'computed'}
                    for l in lines)):
            raise AllocationError(gettext(
                    'commons_fund.msg_allocation_line_computed',
                    allocation=lines[0].allocation.rec_name))

    @classmethod
    def _insert(cls, vlist):
        """Insert the lines computed by the allocation in bulk.

        The values are computed, never typed: the validation of the ORM's
        create (which instantiates every Many2One of every line) would cost
        far more than the computation for a pool of thousands of
        resources."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        names = [
            'allocation', 'resource', 'milestone', 'fund', 'amount',
            'coordination_amount', 'explanation_message',
            'explanation_values']
        columns = [Column(table, n) for n in names] + [
            table.create_uid, table.create_date]
        user = Transaction().user
        for sub_vlist in grouped_slice(vlist, 1000):
            cursor.execute(*table.insert(columns, [
                        [cls._fields[n].sql_format(v.get(n)) for n in names]
                        + [user, CurrentTimestamp()]
                        for v in sub_vlist]))

    @fields.depends('allocation', '_parent_allocation.company')
    def on_change_with_currency(self, name=None):
        if self.allocation and self.allocation.company:
            return self.allocation.company.currency

    @classmethod
    def get_states(cls):
        pool = Pool()
        Allocation = pool.get('commons.allocation')
        return Allocation.fields_get(['state'])['state']['selection']

    @fields.depends('allocation', '_parent_allocation.state')
    def on_change_with_state(self, name=None):
        if self.allocation:
            return self.allocation.state

    def get_rec_name(self, name):
        return '%s %s' % (self.allocation.rec_name, self.resource.rec_name)

    def _fund_line_values(self, sign):
        "Return the fund lines that move the line's money (reversed: -1)"
        allocation = self.allocation
        description = '%s: %s' % (
            allocation.rec_name, allocation.description or '')
        common = {
            'date': allocation.date,
            'kind': 'allocation',
            'origin': str(self),
            'description': description.rstrip(': '),
            }
        vlist = [{
                **common,
                'fund': allocation.fund.id,
                'amount': -sign * self.amount,
                }, {
                **common,
                'fund': self.fund.id,
                'amount': sign * (self.amount - self.coordination_amount),
                'resource': self.resource.id,
                }]
        if self.coordination_amount:
            coordination_fund = allocation.coordination_fund
            vlist.append({
                    **common,
                    'fund': coordination_fund.id,
                    'amount': sign * self.coordination_amount,
                    'resource': coordination_fund.resource.id,
                    })
        return vlist
