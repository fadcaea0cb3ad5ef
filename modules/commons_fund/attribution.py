# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction

from .distribution import attribute
from .model import YearEndRowMixin

# The origins of dedicated funds (ANC 2018-06: 194, 195, 196)
ORIGINS = [
    ('subsidy', "Subsidies (194)"),
    ('organisation', "Other Organisations (195)"),
    ('generosity', "Public Generosity (196)"),
    ]
# The origin of the money of each funding type of pledges
FUNDING_TYPE_ORIGINS = {
    'subsidy': 'subsidy',
    'donation': 'generosity',
    # Mécénat is a resource of public generosity (7542 under 754)
    'sponsorship': 'generosity',
    'organisation_contribution': 'organisation',
    'membership': 'organisation',
    'service': 'organisation',
    # The host's own resources are never dedicated funds
    'host_share': 'host',
    }
AMOUNTS = [
    'opening', 'year_resources', 'spent', 'used', 'reported', 'closing']


class Attribution(YearEndRowMixin, ModelSQL, ModelView):
    __name__ = 'commons.fund.attribution'
    __string__ = "Attribution by Pledge"
    origin = fields.Selection(
        ORIGINS + [('host', "Host's Share")], "Origin", required=True,
        readonly=True, sort=False,
        help="Where the money comes from: the 19x account of its dedicated "
        "funds, or the host's own resources.")
    origin_string = origin.translated('origin')
    pledge = fields.Many2One(
        'commons.pledge', "Pledge", readonly=True, ondelete='RESTRICT',
        help="The pledge that brought the money, empty for the money "
        "without pledge (reciprocity, allocations).")
    funder = fields.Function(fields.Many2One(
            'party.party', "Funder",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="The party of the pledge."),
        'on_change_with_funder')
    opening = Monetary(
        "Opening", currency='currency', digits='currency', readonly=True,
        help="What was left of the money at the start of the year.")
    year_resources = Monetary(
        "Resources of the Year", currency='currency', digits='currency',
        readonly=True,
        help="What the money brought during the year, net of host fees "
        "and refunds.")
    spent = Monetary(
        "Spent", currency='currency', digits='currency', readonly=True,
        help="The spending of the year charged to the money.")
    used = Monetary(
        "Used", currency='currency', digits='currency', readonly=True,
        help="The part of the opening used this year.")
    reported = Monetary(
        "Reported", currency='currency', digits='currency', readonly=True,
        help="The resources of the year left unspent.")
    closing = Monetary(
        "Closing", currency='currency', digits='currency', readonly=True,
        help="What is left at the end of the year: "
        "opening - used + reported.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('fiscalyear_fund_origin_pledge_uniq',
                Unique(t, t.fiscalyear, t.fund, t.origin, t.pledge),
                'commons_fund.msg_attribution_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.pledge, Index.Range())))
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('fund', 'ASC'),
            ('origin', 'ASC'),
            ('id', 'ASC'),
            ]

    @fields.depends('pledge')
    def on_change_with_funder(self, name=None):
        return self.pledge.funder if self.pledge else None

    def get_rec_name(self, name):
        return ' - '.join(filter(None, [
                    self.fiscalyear.rec_name, self.fund.rec_name,
                    self.origin_string,
                    self.pledge.rec_name if self.pledge else None]))

    @classmethod
    def dedicated_origins(cls):
        "The origins whose money becomes dedicated funds, in order"
        return [o for o, _ in ORIGINS]

    @classmethod
    def get_origin(cls, kind, funding_type):
        """Return the origin of the fund lines of kind whose pledge has
        funding_type (None without pledge).

        Lines without a pledge (reciprocity, allocations received, receipts
        invoiced without a pledge) are contributions of other organisations;
        the host's share is the host's own money."""
        if kind == 'host':
            return 'host'
        if funding_type:
            return FUNDING_TYPE_ORIGINS.get(funding_type, 'organisation')
        return 'organisation'

    @classmethod
    def is_spending(cls, kind, sign=None):
        """Tell if the fund lines of kind and sign (-1 or 1) are spending.

        An allocation given by a fund (negative) is spent by it; the fund
        that receives it (positive) gets a resource."""
        if kind == 'expense':
            return True
        if kind == 'allocation':
            return sign is not None and sign < 0
        return False

    @classmethod
    def _get_activity_query(cls, company, start_date, end_date, fund_ids):
        """Return the query of the fund ledger of the period by fund, pledge
        and kind, for the funds or all those of the company"""
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        Pledge = pool.get('commons.pledge')
        line = FundLine.__table__()
        fund = Fund.__table__()
        pledge = Pledge.__table__()
        where = ((fund.company == company.id)
            & (line.date >= start_date) & (line.date <= end_date))
        if fund_ids is not None:
            where &= fields.SQL_OPERATORS['in'](line.fund, fund_ids)
        return (line
            .join(fund, condition=line.fund == fund.id)
            .join(pledge, 'LEFT', condition=line.pledge == pledge.id)
            .select(
                line.fund.as_('fund'), line.pledge.as_('pledge'),
                pledge.funding_type.as_('funding_type'),
                line.kind.as_('kind'),
                Sum(line.amount, filter_=line.amount > 0).as_('positive'),
                Sum(line.amount, filter_=line.amount < 0).as_('negative'),
                where=where,
                group_by=[
                    line.fund, line.pledge, pledge.funding_type,
                    line.kind]))

    @classmethod
    def get_activity(cls, company, start_date, end_date, fund_ids=None):
        """Return by fund the resources and the named spending by key
        (origin, pledge id or 0) and the spending of the fund ledger
        between the dates"""
        cursor = Transaction().connection.cursor()
        activity = defaultdict(lambda: {
                'resources': defaultdict(Decimal),
                'named': defaultdict(Decimal),
                'spending': Decimal(0),
                })
        slices = [None]
        if fund_ids is not None:
            slices = grouped_slice(list(fund_ids), backend.MAX_QUERY_PARAMS)
        for sub_ids in slices:
            if sub_ids is not None:
                sub_ids = list(sub_ids)
            query = cls._get_activity_query(
                company, start_date, end_date, sub_ids)
            if backend.name == 'sqlite':
                sqlite_apply_types(
                    query, [None, None, None, None, 'NUMERIC', 'NUMERIC'])
            cursor.execute(*query)
            # One row per fund, pledge and kind: not the ledger lines
            for (fund_id, pledge_id, funding_type, kind, positive,
                    negative) in cursor:
                values = activity[fund_id]
                key = (cls.get_origin(kind, funding_type), pledge_id or 0)
                amounts = [(1, positive), (-1, negative)]
                if kind == 'allocation':
                    # An allocation and its reversal in the year cancel out
                    net = (positive or 0) + (negative or 0)
                    amounts = [(1 if net > 0 else -1, net)]
                for sign, amount in amounts:
                    if not amount:
                        continue
                    if cls.is_spending(kind, sign):
                        values['spending'] -= amount
                        if kind == 'expense' and pledge_id:
                            values['named'][key] -= amount
                    else:
                        values['resources'][key] += amount
        return activity

    @classmethod
    def _get_stored(cls, fiscalyears, fund_ids=None):
        "Return the rows written by the year ends of the fiscal years"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        stored = defaultdict(lambda: defaultdict(dict))
        if not fiscalyears:
            return stored
        slices = [None]
        if fund_ids is not None:
            slices = grouped_slice(list(fund_ids), backend.MAX_QUERY_PARAMS)
        for sub_ids in slices:
            where = fields.SQL_OPERATORS['in'](
                table.fiscalyear, [f.id for f in fiscalyears])
            if sub_ids is not None:
                where &= fields.SQL_OPERATORS['in'](table.fund, list(sub_ids))
            query = table.select(
                table.fiscalyear.as_('fiscalyear'), table.fund.as_('fund'),
                table.origin.as_('origin'), table.pledge.as_('pledge'),
                *[getattr(table, n).as_(n) for n in AMOUNTS],
                where=where)
            if backend.name == 'sqlite':
                sqlite_apply_types(
                    query, [None] * 4 + ['NUMERIC'] * len(AMOUNTS))
            cursor.execute(*query)
            for fiscalyear_id, fund_id, origin, pledge_id, *amounts in cursor:
                stored[fiscalyear_id][fund_id][(origin, pledge_id or 0)] = {
                    n: a or Decimal(0) for n, a in zip(AMOUNTS, amounts)}
        return stored

    @classmethod
    def compute(cls, openings, activity, currency):
        """Return by fund and key the amounts of the year from the closings
        of the previous year (openings) and the activity of the year"""
        dedicated = set(cls.dedicated_origins())
        result = {}
        for fund_id in sorted(set(openings) | set(activity)):
            opening = openings.get(fund_id, {})
            values = activity.get(fund_id, {})
            resources = values.get('resources', {})
            keys = set(opening) | set(resources) | set(values.get('named', {}))
            shares = attribute(
                opening, resources, values.get('spending', Decimal(0)),
                currency.rounding, named=values.get('named'),
                deferred={k for k in keys if k[0] not in dedicated})
            rows = {}
            for key, (used, spent, reported) in shares.items():
                amounts = {
                    'opening': opening.get(key, Decimal(0)),
                    'year_resources': resources.get(key, Decimal(0)),
                    'spent': spent,
                    'used': used,
                    'reported': reported,
                    }
                amounts = {n: currency.round(a) for n, a in amounts.items()}
                amounts['closing'] = (
                    amounts['opening'] - amounts['used']
                    + amounts['reported'])
                if any(amounts.values()):
                    rows[key] = amounts
            if rows:
                result[fund_id] = rows
        return result

    @classmethod
    def get_attribution(cls, fiscalyear, fund_ids=None):
        """Return by fund id and key (origin, pledge id or 0) the amounts
        (opening, year_resources, spent, used, reported, closing) of the
        money of the funds in the fiscal year.

        The opening of a year is the closing of the previous one: the rows
        of the last year end, then each later year computed in turn."""
        return cls.get_history(fiscalyear, fund_ids)[-1][1]

    @classmethod
    def get_history(cls, fiscalyear, fund_ids=None, since=None):
        """Return [(fiscal year, attribution)] for the fiscal years from
        since (or the fiscal year) to fiscalyear"""
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        company = fiscalyear.company
        fiscalyears = FiscalYear.search([
                ('company', '=', company.id),
                ('start_date', '<=', fiscalyear.start_date),
                ], order=[('start_date', 'ASC')])
        since = since or fiscalyear
        closed = [f for f in fiscalyears if f.commons_year_end]
        last = closed[-1] if closed else None
        stored = cls._get_stored(
            [f for f in closed if f.start_date >= since.start_date
                or f == last],
            fund_ids)
        history = []
        openings = {}
        for year in fiscalyears:
            if last and year.start_date <= last.start_date:
                attribution = stored.get(year.id, {})
            else:
                activity = cls.get_activity(
                    company, year.start_date, year.end_date, fund_ids)
                attribution = cls.compute(
                    openings, activity, company.currency)
            openings = {
                f: {k: v['closing'] for k, v in rows.items() if v['closing']}
                for f, rows in attribution.items()}
            if year.start_date >= since.start_date:
                history.append((year, attribution))
        return history
