# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Cast, Column, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Function

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields,
    sequence_ordered)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import cursor_dict, grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction, without_check_access

from .exceptions import FundLineAccessError, FundValidationError
from .model import CheckValuesMixin, LockMixin

FUND_LINE_KINDS = [
    ('receipt', "Receipt"),
    ('fee', "Host Fee"),
    ('allocation', "Allocation"),
    ('expense', "Expense"),
    ('reciprocity', "Reciprocity"),
    ('refund', "Refund"),
    ('adjustment', "Adjustment"),
    ('host', "Host's Share"),
    ]


class _Any(Function):
    __slots__ = ()
    _function = 'ANY'


def _in_ids(column, ids):
    "Return the SQL condition column IN ids"
    if backend.name == 'postgresql':
        # psycopg binds a list of small Python ints as int2[] and
        # "int4 = ANY(int2[])" can not be hashed: PostgreSQL then filters
        # each row linearly or picks a serial index scan.
        return column == _Any(Cast(list(ids), 'INTEGER[]'))
    return fields.SQL_OPERATORS['in'](column, ids)


class Fund(
        CheckValuesMixin, LockMixin, DeactivableMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commons.fund'
    _states = {
        'readonly': Eval('state') == 'closed',
        }
    name = fields.Char(
        "Name", required=True, states=_states,
        help="The name of the fund.")
    code = fields.Char(
        "Code", required=True, strip=True, states=_states,
        help="The unique code of the fund.")
    type = fields.Selection([
            ('earmarked', "Earmarked"),
            ('pooled', "Pooled"),
            ], "Type", required=True,
        states={
            'readonly': (Eval('state') == 'closed') | Eval('lines', [0]),
            },
        help="Earmarked funds belong to one resource, "
        "pooled funds are shared by several.")
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': _states['readonly'] | Eval('lines', [0]),
            },
        help="The host that keeps the fund.")
    resource = fields.Many2One(
        'commons.resource', "Resource", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'required': Eval('type') == 'earmarked',
            'invisible': Eval('type') != 'earmarked',
            'readonly': _states['readonly'] | Eval('lines', [0]),
            },
        help="The resource the money of the fund is earmarked for.")
    pooled_shares = fields.One2Many(
        'commons.fund-commons.resource', 'fund', "Resources",
        states={
            'invisible': Eval('type') != 'pooled',
            'readonly': _states['readonly'],
            },
        help="The resources that share the pooled fund, in the order of "
        "priority, with their fixed shares.")
    pooled_resources = fields.Many2Many(
        'commons.fund-commons.resource', 'fund', 'resource', "Resources",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'invisible': Eval('type') != 'pooled',
            'readonly': _states['readonly'],
            },
        help="The resources that share the pooled fund.")
    host_fee_rate = fields.Numeric(
        "Host Fee Rate", digits=(None, 4), states=_states,
        domain=['OR',
            ('host_fee_rate', '=', None),
            [
                ('host_fee_rate', '>=', 0),
                ('host_fee_rate', '<', 1),
                ],
            ],
        help="The share of each receipt kept by the host for its services.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    lines = fields.One2Many(
        'commons.fund.line', 'fund', "Lines", readonly=True,
        help="The ledger of the fund.")
    pledged = fields.Function(Monetary(
            "Pledged", currency='currency', digits='currency',
            help="The amount confirmed by funders and not cancelled."),
        'get_amounts')
    recognised = fields.Function(Monetary(
            "Recognised", currency='currency', digits='currency',
            help="The income posted for the fund, net of reversals: "
            "receipts and reciprocity, paid or not."),
        'get_amounts')
    received = fields.Function(Monetary(
            "Received", currency='currency', digits='currency',
            help="The part of the recognised income actually paid in: "
            "receipts without invoice and what was paid of the invoices."),
        'get_amounts')
    allocated = fields.Function(Monetary(
            "Allocated", currency='currency', digits='currency',
            help="The amount moved by allocations: positive when received "
            "from a pooled fund, negative when given."),
        'get_amounts')
    host_share = fields.Function(Monetary(
            "Host's Share", currency='currency', digits='currency',
            help="The host's own resources designated for the fund: "
            "not income, and never dedicated funds."),
        'get_amounts')
    spent = fields.Function(Monetary(
            "Spent", currency='currency', digits='currency',
            help="The amount paid out of the fund."),
        'get_amounts')
    committed = fields.Function(Monetary(
            "Committed", currency='currency', digits='currency',
            help="The spending approved by stewards but not yet posted."),
        'get_amounts')
    balance = fields.Function(Monetary(
            "Balance", currency='currency', digits='currency',
            help="The sum of all the lines of the fund."),
        'get_amounts')
    available = fields.Function(Monetary(
            "Available", currency='currency', digits='currency',
            help="The balance less what is committed."),
        'get_amounts')
    available_cash = fields.Function(Monetary(
            "Of Which Received", currency='currency', digits='currency',
            help="The part of the available amount already paid in: "
            "the available amount less the recognised income not yet "
            "received."),
        'get_amounts')
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False,
        help="A closed fund receives no more pledges.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_company_uniq', Unique(t, t.company, t.code),
                'commons_fund.msg_fund_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))
        cls._transitions |= {
            ('open', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_type(cls):
        return 'earmarked'

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_host_fee_rate(cls, **pattern):
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        company = pattern.get('company', cls.default_company())
        if company is None:
            return None
        return Configuration(1).get_multivalue(
            'default_host_fee_rate', company=company)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('type', 'resource', 'name', 'code')
    def on_change_resource(self):
        if self.type == 'earmarked' and self.resource:
            if not self.name:
                self.name = self.resource.name
            if not self.code:
                self.code = self.resource.code

    def get_rec_name(self, name):
        return '[%s] %s' % (self.code, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('code', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]

    @classmethod
    def _get_line_amounts_query(cls, fund_ids, names=None):
        "Return the query of the ledger amounts by kind for the funds"
        pool = Pool()
        Line = pool.get('commons.fund.line')
        line = Line.__table__()
        if names is None:
            names = {
                'recognised', 'allocated', 'host_share', 'spent', 'balance'}
        columns = [line.fund.as_('fund')]
        for name, kinds in [
                ('recognised', Line.recognised_kinds()),
                ('allocated', ['allocation']),
                ('host_share', ['host']),
                ('spent', ['expense']),
                ]:
            if name in names:
                columns.append(Sum(
                        line.amount, filter_=line.kind.in_(kinds)).as_(name))
        if {'balance', 'available', 'available_cash'} & set(names):
            columns.append(Sum(line.amount).as_('balance'))
        return line.select(
            *columns,
            where=_in_ids(line.fund, fund_ids),
            group_by=line.fund)

    @classmethod
    def _get_pledged_query(cls, fund_ids):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        pledge = Pledge.__table__()
        return pledge.select(
            pledge.fund, Sum(pledge.company_amount).as_('pledged'),
            where=fields.SQL_OPERATORS['in'](pledge.fund, fund_ids)
            & pledge.state.in_(['confirmed', 'done'])
            & (pledge.funding_type != 'host_share'),
            group_by=pledge.fund)

    @classmethod
    def _get_committed(cls, fund_ids):
        "Return the approved spending not yet posted per fund id"
        pool = Pool()
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        cursor = Transaction().connection.cursor()
        invoice = Invoice.__table__()
        line = InvoiceLine.__table__()
        company = Company.__table__()
        query = (line
            .join(invoice, condition=line.invoice == invoice.id)
            .join(company, condition=invoice.company == company.id)
            .select(
                line.commons_fund, invoice.currency, company.currency,
                Sum(Cast(Coalesce(line.quantity, 0), 'NUMERIC')
                    * line.unit_price).as_('amount'),
                where=_in_ids(line.commons_fund, fund_ids)
                & (line.commons_approved_by != Null)
                & (invoice.type == 'in')
                & invoice.state.in_(['draft', 'validated']),
                group_by=[
                    line.commons_fund, invoice.currency, company.currency]))
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, None, None, 'NUMERIC'])
        cursor.execute(*query)
        committed = defaultdict(Decimal)
        today = Date.today()
        for fund_id, currency_id, company_currency_id, amount in cursor:
            if currency_id != company_currency_id:
                # Not yet posted: estimated at today's rate
                with Transaction().set_context(date=today):
                    amount = Currency.compute(
                        Currency(currency_id), amount,
                        Currency(company_currency_id), round=False)
            committed[fund_id] += amount
        return committed

    @classmethod
    def get_amounts(cls, funds, names):
        pool = Pool()
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        FundLine = pool.get('commons.fund.line')
        cursor = Transaction().connection.cursor()
        (recognised, received, allocated, host_share, spent, balance,
            pledged) = (defaultdict(Decimal) for _ in range(7))
        committed = {}
        ids = [f.id for f in funds]
        line_names = {
            'recognised', 'allocated', 'host_share', 'spent', 'balance',
            'available', 'available_cash'} & set(names)
        if {'received', 'available_cash'} & set(names):
            recognised, received = FundLine.get_income('fund', ids)
            line_names.discard('recognised')
        if line_names:
            query = cls._get_line_amounts_query(ids, line_names)
            if backend.name == 'sqlite':
                sqlite_apply_types(
                    query, [None] + ['NUMERIC'] * (len(query.columns) - 1))
            cursor.execute(*query)
            for row in cursor_dict(cursor):
                fund_id = row['fund']
                if 'recognised' in row:
                    recognised[fund_id] = row['recognised']
                allocated[fund_id] = row.get('allocated')
                host_share[fund_id] = row.get('host_share')
                spent[fund_id] = -(row.get('spent') or 0)
                balance[fund_id] = row.get('balance')
        if 'pledged' in names:
            query = cls._get_pledged_query(ids)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC'])
            cursor.execute(*query)
            pledged.update(cursor)
        if {'committed', 'available', 'available_cash'} & set(names):
            committed.update(cls._get_committed(ids))

        # Round with the currency of each company, read in one query rather
        # than through the currency Function field of each fund
        fund = cls.__table__()
        company = Company.__table__()
        cursor.execute(*fund.join(
                company, condition=fund.company == company.id).select(
                fund.id, company.currency,
                where=_in_ids(fund.id, ids)))
        fund_currency = dict(cursor)
        rounds = {
            c.id: c.round
            for c in Currency.browse(set(fund_currency.values()))}
        result = {n: {} for n in names}
        for fund_id in ids:
            round_ = rounds[fund_currency[fund_id]]
            values = {
                'pledged': pledged[fund_id],
                'recognised': round_(recognised[fund_id] or Decimal(0)),
                'received': round_(received[fund_id]),
                'allocated': allocated[fund_id],
                'host_share': host_share[fund_id],
                'spent': spent[fund_id],
                'balance': balance[fund_id],
                'committed': committed.get(fund_id, Decimal(0)),
                }
            values['available'] = available = round_(
                (values['balance'] or Decimal(0)) - values['committed'])
            # What is not yet paid in is not cash, and a credit note not
            # yet paid back makes no cash available either
            not_received = values['recognised'] - values['received']
            values['available_cash'] = min(
                max(available - not_received, Decimal(0)), available)
            for name in names:
                result[name][fund_id] = round_(values[name] or Decimal(0))
        return result

    @classmethod
    def validate_fields(cls, funds, field_names):
        super().validate_fields(funds, field_names)
        cls.check_resource(funds, field_names)

    @classmethod
    def validate(cls, funds):
        super().validate(funds)
        cls.check_shares(funds)

    @classmethod
    def check_shares(cls, funds):
        "Check that the fixed shares of a pooled fund sum to 100 %"
        for fund in funds:
            shares = [l.share for l in fund.pooled_shares]
            if any(s is not None for s in shares):
                total = sum(s or 0 for s in shares)
                if total != 1:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_shares',
                            fund=fund.rec_name,
                            total='%s %%' % format(
                                (total * 100).normalize(), 'f')))

    @classmethod
    def check_resource(cls, funds, field_names=None):
        if field_names and not (
                field_names & {'type', 'resource', 'company'}):
            return
        for fund in funds:
            if fund.type == 'earmarked':
                if not fund.resource:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_earmarked_resource',
                            fund=fund.rec_name))
                if fund.resource.company != fund.company:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_resource_company',
                            fund=fund.rec_name,
                            resource=fund.resource.rec_name))
            elif fund.resource:
                raise FundValidationError(gettext(
                        'commons_fund.msg_fund_pooled_resource',
                        fund=fund.rec_name))

    @classmethod
    def check_modification(cls, mode, funds, values=None, external=False):
        super().check_modification(
            mode, funds, values=values, external=external)
        if mode == 'delete':
            with_lines = cls._with_lines(funds)
            for fund in funds:
                if fund.id in with_lines:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_delete_lines',
                            fund=fund.rec_name))
        elif mode == 'write':
            for fund in funds:
                if fund.state == 'closed' and values.keys() - {
                        'state', 'active'}:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_modify_closed',
                            fund=fund.rec_name))
            # The money of a fund belongs to what it was given for
            changed = []
            for fund in funds:
                current = {
                    'type': fund.type,
                    'resource': fund.resource.id if fund.resource else None,
                    'company': fund.company.id,
                    }
                changed.extend(
                    (fund, n) for n, v in current.items()
                    if n in values and values[n] != v)
            with_lines = cls._with_lines({f for f, _ in changed})
            for fund, name in changed:
                if fund.id in with_lines:
                    raise FundValidationError(gettext(
                            'commons_fund.msg_fund_modify_lines',
                            fund=fund.rec_name,
                            field=cls.fields_get([name])[name]['string']))

    @classmethod
    def _with_lines(cls, funds):
        "Return the ids of the funds that have ledger lines"
        pool = Pool()
        Line = pool.get('commons.fund.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        ids = set()
        for sub_ids in grouped_slice(
                [f.id for f in funds], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.fund,
                    where=fields.SQL_OPERATORS['in'](line.fund, sub_ids),
                    group_by=line.fund))
            ids.update(f for f, in cursor)
        return ids

    @classmethod
    def copy(cls, funds, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines')
        default.setdefault('state', 'open')
        return super().copy(funds, default=default)

    @classmethod
    def check_available(cls, funds, asked=None):
        "Raise if what is available in the funds does not cover what is asked"
        asked = asked or {}
        if not funds:
            return
        available = cls.get_amounts(funds, ['available'])['available']
        for fund in funds:
            amount = asked.get(fund.id, Decimal(0))
            if available[fund.id] - amount < 0:
                lang = Pool().get('ir.lang').get()
                raise FundValidationError(gettext(
                        'commons_fund.msg_fund_not_available',
                        fund=fund.rec_name,
                        available=lang.currency(
                            available[fund.id], fund.currency),
                        amount=lang.currency(amount, fund.currency)))

    def is_steward(self, party):
        "Tell if the party is a steward of the resources of the fund"
        if not party:
            return False
        if self.type == 'earmarked':
            resources = [self.resource]
        else:
            resources = self.pooled_resources
        return any(party in r.stewards for r in resources)

    def _fee_amount(self, amount, kind):
        "Return the host fee line amount for a line of the fund"
        if kind != 'receipt' or not self.host_fee_rate:
            return Decimal(0)
        return -self.currency.round(amount * self.host_fee_rate)

    def check_open(self):
        if self.state != 'open':
            raise FundValidationError(gettext(
                    'commons_fund.msg_fund_closed',
                    fund=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, funds):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, funds):
        pass


class FundResource(CheckValuesMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'commons.fund-commons.resource'
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, ondelete='CASCADE')
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='CASCADE',
        domain=[
            ('company', '=', Eval('_parent_fund', {}).get('company', -1)),
            ])
    share = fields.Numeric(
        "Share", digits=(None, 4),
        domain=['OR',
            ('share', '=', None),
            [('share', '>=', 0), ('share', '<=', 1)],
            ],
        help="The share of the resource in allocations by fixed shares.\n"
        "The shares of a pooled fund sum to 100 %.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('fund_resource_uniq', Unique(t, t.fund, t.resource),
                'commons_fund.msg_fund_resource_unique'),
            ]
        cls.__access__.add('fund')


class FundLine(ModelSQL, ModelView):
    __name__ = 'commons.fund.line'
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, ondelete='RESTRICT',
        help="The fund whose money moves.")
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    date = fields.Date(
        "Date", required=True, help="When the money moved.")
    kind = fields.Selection(
        FUND_LINE_KINDS, "Kind", required=True,
        help="What moved the money.")
    kind_string = kind.translated('kind')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        help="Positive when the fund receives, negative when it gives.")
    resource = fields.Many2One(
        'commons.resource', "Resource", ondelete='RESTRICT',
        help="The resource the money is for.")
    origin = fields.Reference(
        "Origin", selection='get_origin',
        help="The document that moved the money.")
    move_line = fields.Many2One(
        'account.move.line', "Move Line", ondelete='RESTRICT',
        help="The posted move line that justifies the money.")
    pledge = fields.Many2One(
        'commons.pledge', "Pledge", ondelete='RESTRICT',
        help="The pledge the money comes from.")
    description = fields.Char("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.fund, Index.Range()), (t.kind, Index.Equality())),
                Index(t, (t.resource, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.move_line, Index.Range())),
                Index(t, (t.pledge, Index.Range())),
                })

    @fields.depends('fund', '_parent_fund.company')
    def on_change_with_company(self, name=None):
        return self.fund.company if self.fund else None

    @classmethod
    def search_company(cls, name, clause):
        return [('fund.' + clause[0], *clause[1:])]

    @fields.depends('fund', '_parent_fund.company')
    def on_change_with_currency(self, name=None):
        if self.fund and self.fund.company:
            return self.fund.company.currency

    @classmethod
    def _get_origin(cls):
        return [
            'commons.pledge',
            'account.invoice.line',
            'account.move',
            'account.move.line',
            'commons.allocation.line',
            ]

    @classmethod
    def get_origin(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        get_name = IrModel.get_name
        models = cls._get_origin()
        return [(None, '')] + [(m, get_name(m)) for m in models]

    @classmethod
    def funding_kinds(cls):
        "The kinds of line that bring money to a resource"
        return cls.recognised_kinds() + ['allocation']

    @classmethod
    def recognised_kinds(cls):
        "The kinds of line that are income posted for a fund"
        return ['receipt', 'reciprocity', 'refund']

    @classmethod
    def income_kinds(cls):
        "The kinds of line that bring new money into a fund"
        return ['receipt', 'reciprocity', 'allocation', 'adjustment', 'host']

    @classmethod
    def get_income(cls, key, ids, where=None):
        """Return per id of the key column (fund, resource or pledge) the
        income recognised and the part of it received, as two
        dictionaries, in company currency and not rounded.

        An income line is received once posted, unless it belongs to a
        posted invoice (its move or, for a levy, its origin line): then
        it is received in proportion of what was paid of the invoice.
        where, if given, is called with the table of the fund lines and
        returns an extra condition."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        MoveLine = pool.get('account.move.line')
        cursor = Transaction().connection.cursor()
        line = cls.__table__()
        move_line = MoveLine.__table__()
        move_invoice = Invoice.__table__()
        origin_line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        key_column = Column(line, key)
        origin_id = Case(
            (line.origin.like(InvoiceLine.__name__ + ',%'),
                cls.origin.sql_id(line.origin, InvoiceLine)),
            else_=Null)

        by_invoice = defaultdict(Decimal)
        recognised = defaultdict(Decimal)
        for sub_ids in grouped_slice(list(ids), backend.MAX_QUERY_PARAMS):
            condition = (fields.SQL_OPERATORS['in'](key_column, sub_ids)
                & line.kind.in_(cls.recognised_kinds()))
            if where is not None:
                condition &= where(line)
            query = (line
                .join(move_line, 'LEFT',
                    condition=line.move_line == move_line.id)
                .join(move_invoice, 'LEFT',
                    condition=move_invoice.move == move_line.move)
                .join(origin_line, 'LEFT',
                    condition=(line.move_line == Null)
                    & (origin_line.id == origin_id))
                .join(invoice, 'LEFT',
                    condition=(invoice.id == Coalesce(
                            move_invoice.id, origin_line.invoice))
                    & (invoice.state == 'posted'))
                .select(
                    key_column.as_('key'), invoice.id.as_('invoice'),
                    Sum(line.amount).as_('amount'),
                    where=condition,
                    group_by=[key_column, invoice.id]))
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, None, 'NUMERIC'])
            cursor.execute(*query)
            for key_id, invoice_id, amount in cursor:
                recognised[key_id] += amount or 0
                by_invoice[key_id, invoice_id] += amount or 0

        to_pay = Invoice.get_commons_amount_to_pay(
            {i for _, i in by_invoice if i is not None})
        received = defaultdict(Decimal)
        for (key_id, invoice_id), amount in by_invoice.items():
            if invoice_id is not None:
                amount_to_pay, total = to_pay.get(
                    invoice_id, (Decimal(0), Decimal(0)))
                if total:
                    amount -= amount * amount_to_pay / total
            received[key_id] += amount
        return recognised, received

    @classmethod
    def book(cls, vlist):
        """Create the fund lines of vlist: the only way money enters or
        leaves a fund.

        The funds are locked, what each fund gives must be available, then
        the lines are created, each checked by the rule of its kind (the
        fund open for new money, the fiscal year open, the origin
        posted)."""
        pool = Pool()
        Fund = pool.get('commons.fund')
        with without_check_access():
            funds = Fund.browse(sorted({int(v['fund']) for v in vlist}))
            Fund.lock(funds)
            currencies = {f.id: f.company.currency for f in funds}
            vlist = [{
                    **v,
                    'amount': currencies[int(v['fund'])].round(v['amount']),
                    } for v in vlist]
            vlist = [v for v in vlist if v['amount']]
            given = defaultdict(Decimal)
            for values in vlist:
                given[int(values['fund'])] -= values['amount']
            given = {f: a for f, a in given.items() if a > 0}
            Fund.check_available(Fund.browse(sorted(given)), given)
            with Transaction().set_context(_commons_fund_line_book=True):
                return cls.create(vlist)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise FundLineAccessError(gettext(
                    'commons_fund.msg_fund_line_append_only',
                    line=lines[0].rec_name))
        elif mode == 'create':
            if not Transaction().context.get('_commons_fund_line_book'):
                raise FundLineAccessError(gettext(
                        'commons_fund.msg_fund_line_create',
                        line=lines[0].rec_name))
            cls.check_book(lines)

    @classmethod
    def check_book(cls, lines):
        "Check what the rule of each kind requires before it is booked"
        cls.check_host_share([l for l in lines if l.kind == 'host'])
        for line in lines:
            if (line.kind in cls.income_kinds() and line.amount > 0
                    and line.fund.state != 'open'):
                raise FundLineAccessError(gettext(
                        'commons_fund.msg_fund_line_fund_closed',
                        line=line.rec_name,
                        fund=line.fund.rec_name))
            if not line.origin_posted:
                raise FundLineAccessError(gettext(
                        'commons_fund.msg_fund_line_origin_posted',
                        line=line.rec_name,
                        origin=(
                            line.origin.rec_name if line.origin else '-')))
        cls.check_year_end(lines)

    @classmethod
    def check_host_share(cls, lines):
        """Check that the lines of the host's share come from its pledge and
        are booked by the Commons Administration"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        if not lines:
            return
        for line in lines:
            pledge = line.pledge
            if (not pledge or pledge.funding_type != 'host_share'
                    or pledge.fund != line.fund or line.origin != pledge):
                raise FundLineAccessError(gettext(
                        'commons_fund.msg_fund_line_host_pledge',
                        line=line.rec_name))
        group = ModelData.get_id('commons_fund', 'group_commons_admin')
        if Transaction().user and group not in User.get_groups():
            raise FundLineAccessError(gettext(
                    'commons_fund.msg_fund_line_host_group',
                    line=lines[0].rec_name))

    @property
    def origin_posted(self):
        "Tell if the document that moves the money is posted"
        pool = Pool()
        AllocationLine = pool.get('commons.allocation.line')
        InvoiceLine = pool.get('account.invoice.line')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Pledge = pool.get('commons.pledge')
        if self.move_line:
            return self.move_line.move.state == 'posted'
        origin = self.origin
        if isinstance(origin, MoveLine):
            return origin.move.state == 'posted'
        elif isinstance(origin, Move):
            return origin.state == 'posted'
        elif isinstance(origin, InvoiceLine):
            move = origin.invoice.move if origin.invoice else None
            return bool(move) and move.state == 'posted'
        elif isinstance(origin, AllocationLine):
            # The allocation posts (or cancels) its lines before its state
            # is written
            return origin.allocation.state in {'computed', 'posted'}
        elif isinstance(origin, Pledge) and self.kind == 'host':
            # The host's share is designated without a move
            return origin.state in {'confirmed', 'done'}
        return False

    @classmethod
    def check_year_end(cls, lines):
        """Refuse lines dated in a fiscal year whose dedicated funds are
        closed, or that is closed: the annex and the 19x accounts would no
        longer agree"""
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        dates = {(l.fund.company.id, l.date) for l in lines}
        for company_id in {c for c, _ in dates}:
            days = [d for c, d in dates if c == company_id]
            closed = FiscalYear.search([
                    ('company', '=', company_id),
                    ['OR',
                        ('commons_year_end', '=', True),
                        ('state', '!=', 'open'),
                        ],
                    ('start_date', '<=', max(days)),
                    ('end_date', '>=', min(days)),
                    ])
            for fiscalyear in closed:
                for line in lines:
                    if (line.fund.company.id == company_id
                            and fiscalyear.start_date <= line.date
                            <= fiscalyear.end_date):
                        if fiscalyear.commons_year_end:
                            message = 'commons_fund.msg_fund_line_year_end'
                        else:
                            message = (
                                'commons_fund.msg_fund_line_fiscalyear_closed')
                        raise FundLineAccessError(gettext(
                                message,
                                line=line.rec_name,
                                fiscalyear=fiscalyear.rec_name))

    def get_rec_name(self, name):
        return '%s %s %s' % (
            self.fund.rec_name, self.kind_string, self.amount)

    @classmethod
    def create_from_move_lines(cls, move_lines):
        "Book the fund lines of the posted move lines charged to a fund"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        to_create = []
        for line in move_lines:
            if not line.commons_fund:
                continue
            kind = line.commons_fund_kind()
            if not kind:
                continue
            amount = line.credit - line.debit
            if not amount:
                continue
            values = cls._move_line_values(line, kind, amount)
            to_create.append(values)
            fee = line.commons_fund._fee_amount(amount, kind)
            if fee:
                to_create.append({
                        **values,
                        'kind': 'fee',
                        'amount': fee,
                        'move_line': None,
                        'origin': str(line),
                        })
        lines = cls.book(to_create)
        pledges = {l.pledge for l in lines if l.pledge}
        if pledges:
            Pledge.process(list(pledges))
        return lines

    @classmethod
    def _move_line_values(cls, line, kind, amount):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        fund = line.commons_fund
        origin = line.origin or line.move.origin
        pledge = line.commons_pledge
        if (kind == 'expense' and not pledge
                and isinstance(line.origin, InvoiceLine)):
            # The spending charged to a pledge (also the cancellation of a
            # move, whose lines keep the origin of the lines they reverse)
            pledge = line.origin.commons_pledge
        return {
            'fund': fund.id,
            'date': line.move.date,
            'kind': kind,
            'amount': amount,
            'resource': fund.resource.id if fund.resource else None,
            'origin': str(origin) if origin else str(line.move),
            'move_line': line.id,
            'pledge': pledge.id if pledge else None,
            'description': line.description or line.move.description,
            }
