# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum
from sql.operators import Exists

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.modules.account.exceptions import FiscalYearNotFoundError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction

from .exceptions import NeedValidationError, ValueTypeError
from .model import MAX_ID, CheckValuesMixin, context_id

KINDS = [
    ('software', "Software"),
    ('data', "Data"),
    ('knowledge', "Knowledge"),
    ('place', "Place"),
    ('other', "Other"),
    ]
NEED_CATEGORIES = [
    ('development', "Development"),
    ('maintenance', "Maintenance"),
    ('security', "Security"),
    ('hosting', "Hosting"),
    ('coordination', "Coordination"),
    ('other', "Other"),
    ]


class Resource(CheckValuesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'commons.resource'
    name = fields.Char(
        "Name", required=True, translate=True,
        help="The name of the commons resource.")
    code = fields.Char(
        "Code", required=True, strip=True,
        help="The unique code of the resource, used by imports and reports.")
    kind = fields.Selection(
        KINDS, "Kind", required=True,
        help="What sort of commons the resource is.")
    description = fields.Text(
        "Description", translate=True,
        help="What the resource is and whom it serves.")
    license = fields.Char(
        "License", help="The license under which the resource is shared.")
    website = fields.Char(
        "Website", help="The public address of the resource.")
    company = fields.Many2One(
        'company.company', "Company", required=True,
        help="The host that keeps the common account of the resource.")
    stewards = fields.Many2Many(
        'commons.resource-steward', 'resource', 'party', "Stewards",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The parties who decide how the resource's funds are spent.")
    public = fields.Boolean(
        "Public",
        help="Check to publish the resource and its ledger as open data.")
    contributors_count = fields.Numeric(
        "Contributors", digits=(None, 1),
        domain=['OR',
            ('contributors_count', '=', None),
            ('contributors_count', '>=', 0),
            ],
        help="How many people contribute to the resource "
        "(full-time equivalents, may be fractional).")
    users_count = fields.Integer(
        "Users",
        domain=['OR',
            ('users_count', '=', None),
            ('users_count', '>=', 0),
            ],
        help="How many people or organisations use the resource.")
    needs = fields.One2Many(
        'commons.resource.need', 'resource', "Needs",
        help="The yearly financing needs of the resource.")
    funds = fields.One2Many(
        'commons.fund', 'resource', "Funds", readonly=True,
        help="The earmarked funds of the resource.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    need_amount = fields.Function(Monetary(
            "Need", currency='currency', digits='currency',
            help="The financing need for the fiscal year of the context."),
        'get_funding')
    pledged_amount = fields.Function(Monetary(
            "Pledged", currency='currency', digits='currency',
            help="The amount confirmed by funders for the fiscal year."),
        'get_funding')
    allocated_amount = fields.Function(Monetary(
            "Allocated", currency='currency', digits='currency',
            help="The money moved to the resource from pooled funds "
            "during the fiscal year."),
        'get_funding')
    recognised_amount = fields.Function(Monetary(
            "Recognised", currency='currency', digits='currency',
            help="The income posted for the resource during the fiscal "
            "year, paid or not: receipts and reciprocity, net of "
            "reversals."),
        'get_funding')
    received_amount = fields.Function(Monetary(
            "Received", currency='currency', digits='currency',
            help="The part of the recognised income actually paid in."),
        'get_funding')
    host_share_amount = fields.Function(Monetary(
            "Host's Share", currency='currency', digits='currency',
            help="The host's own resources designated for the resource "
            "during the fiscal year, apart from the funders' money."),
        'get_funding')
    gap_amount = fields.Function(Monetary(
            "Gap", currency='currency', digits='currency',
            help="The part of the need covered neither by allocations, "
            "recognised income nor the host's share."),
        'get_funding')
    coverage = fields.Function(fields.Float(
            "Coverage (Recognised)", digits=(1, 4),
            help="The share of the need covered by allocations, recognised "
            "income and the host's share."),
        'get_funding')
    coverage_received = fields.Function(fields.Float(
            "Coverage (Received)", digits=(1, 4),
            help="The share of the need covered by allocations, received "
            "income and the host's share."),
        'get_funding')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_company_uniq', Unique(t, t.company, t.code),
                'commons_fund.msg_resource_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'software'

    @classmethod
    def default_public(cls):
        return True

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

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
    def _get_earmarked_fund_domain(cls, resources):
        return [
            ('type', '=', 'earmarked'),
            ('state', '=', 'open'),
            ('resource', 'in', [r.id for r in resources]),
            ]

    @classmethod
    def get_earmarked_funds(cls, resources):
        """Return by resource id the fund that receives the resource's money:
        its open earmarked fund of the smallest code"""
        pool = Pool()
        Fund = pool.get('commons.fund')
        funds = {}
        for sub_resources in grouped_slice(
                resources, backend.MAX_QUERY_PARAMS):
            for fund in Fund.search(
                    cls._get_earmarked_fund_domain(sub_resources),
                    order=[('code', 'ASC'), ('id', 'ASC')]):
                funds.setdefault(fund.resource.id, fund)
        return funds

    def get_earmarked_fund(self):
        "Return the fund that receives the money of the resource, or None"
        return self.get_earmarked_funds([self]).get(self.id)

    @classmethod
    def _context_fiscalyear(cls):
        "Return the fiscal year of the context, checked"
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        context = Transaction().context
        fiscalyear_id = context['fiscalyear']
        fiscalyears = []
        if (isinstance(fiscalyear_id, int)
                and not isinstance(fiscalyear_id, bool)
                and 0 < fiscalyear_id <= MAX_ID):
            fiscalyears = FiscalYear.search([('id', '=', fiscalyear_id)])
        company = context_id('company')
        if (not fiscalyears or company is not None
                and fiscalyears[0].company.id != company):
            raise ValueTypeError(gettext(
                    'commons_fund.msg_context_fiscalyear',
                    fiscalyear=fiscalyear_id))
        return fiscalyears[0]

    @classmethod
    def _funding_fiscalyear(cls):
        "Return the fiscal year of the context or the current one"
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        context = Transaction().context
        if context.get('fiscalyear') is not None:
            return cls._context_fiscalyear()
        try:
            return FiscalYear.find(context_id('company'), test_state=False)
        except FiscalYearNotFoundError:
            return None

    @classmethod
    def _latest_fiscalyear(cls):
        """Return the latest fiscal year up to today with figures of the
        context's company, or else the current one"""
        pool = Pool()
        Date = pool.get('ir.date')
        FiscalYear = pool.get('account.fiscalyear')
        fiscalyear = FiscalYear.__table__()
        cursor = Transaction().connection.cursor()
        company = context_id('company')
        if company is None:
            return None
        with Transaction().set_context(company=company):
            today = Date.today()
        cursor.execute(*fiscalyear.select(
                fiscalyear.id,
                where=(fiscalyear.company == company)
                & (fiscalyear.start_date <= today)
                & cls._fiscalyear_figures_condition(fiscalyear, company),
                order_by=[fiscalyear.start_date.desc],
                limit=1))
        row = cursor.fetchone()
        if row:
            return FiscalYear(row[0])
        try:
            return FiscalYear.find(company, test_state=False)
        except FiscalYearNotFoundError:
            return None

    @classmethod
    def _fiscalyear_figures_condition(cls, fiscalyear, company):
        """Return the SQL condition of the fiscal years with figures: needs,
        pledges not cancelled or lines in the fund ledger"""
        pool = Pool()
        Need = pool.get('commons.resource.need')
        Pledge = pool.get('commons.pledge')
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        resource = cls.__table__()
        need = Need.__table__()
        pledge = Pledge.__table__()
        fund = Fund.__table__()
        line = FundLine.__table__()
        return (
            Exists(need
                .join(resource, condition=need.resource == resource.id)
                .select(need.id,
                    where=(need.fiscalyear == fiscalyear.id)
                    & (resource.company == company)))
            | Exists(pledge.select(pledge.id,
                    where=(pledge.fiscalyear == fiscalyear.id)
                    & (pledge.state != 'cancelled')))
            | Exists(line
                .join(fund, condition=line.fund == fund.id)
                .select(line.id,
                    where=(fund.company == company)
                    & (line.date >= fiscalyear.start_date)
                    & (line.date <= fiscalyear.end_date))))

    @classmethod
    def get_funding(cls, resources, names):
        pool = Pool()
        Need = pool.get('commons.resource.need')
        Pledge = pool.get('commons.pledge')
        FundLine = pool.get('commons.fund.line')
        cursor = Transaction().connection.cursor()
        need = Need.__table__()
        pledge = Pledge.__table__()
        line = FundLine.__table__()

        amounts = {n: defaultdict(Decimal) for n in [
                'need_amount', 'pledged_amount', 'allocated_amount',
                'recognised_amount', 'received_amount',
                'host_share_amount']}
        fiscalyear = cls._funding_fiscalyear()
        if fiscalyear:
            ids = [r.id for r in resources]
            in_ = fields.SQL_OPERATORS['in']

            def in_year(line):
                return ((line.date >= fiscalyear.start_date)
                    & (line.date <= fiscalyear.end_date))
            queries = [
                ('need_amount', need.select(
                        need.resource, Sum(need.amount).as_('amount'),
                        where=in_(need.resource, ids)
                        & (need.fiscalyear == fiscalyear.id),
                        group_by=need.resource)),
                ('pledged_amount', pledge.select(
                        pledge.resource,
                        Sum(pledge.company_amount).as_('amount'),
                        where=in_(pledge.resource, ids)
                        & pledge.state.in_(['confirmed', 'done'])
                        & (pledge.funding_type != 'host_share')
                        & (pledge.fiscalyear == fiscalyear.id),
                        group_by=pledge.resource)),
                ('allocated_amount', line.select(
                        line.resource, Sum(line.amount).as_('amount'),
                        where=in_(line.resource, ids)
                        & (line.kind == 'allocation')
                        & in_year(line),
                        group_by=line.resource)),
                ('host_share_amount', line.select(
                        line.resource, Sum(line.amount).as_('amount'),
                        where=in_(line.resource, ids)
                        & (line.kind == 'host')
                        & in_year(line),
                        group_by=line.resource)),
                ]
            for name, query in queries:
                if backend.name == 'sqlite':
                    sqlite_apply_types(query, [None, 'NUMERIC'])
                cursor.execute(*query)
                amounts[name].update(cursor)
            if {'recognised_amount', 'received_amount', 'gap_amount',
                    'coverage', 'coverage_received'} & set(names):
                recognised, received = FundLine.get_income(
                    'resource', ids, where=in_year)
                amounts['recognised_amount'].update(recognised)
                amounts['received_amount'].update(received)

        result = {n: {} for n in names}
        for resource in resources:
            round_ = resource.currency.round
            values = {
                n: round_(amounts[n][resource.id] or Decimal(0))
                for n in amounts}
            need_amount = values['need_amount']
            # The host's own share covers the need as the funders' money
            own = values['allocated_amount'] + values['host_share_amount']
            recognised = own + values['recognised_amount']
            received = own + values['received_amount']
            values['gap_amount'] = max(need_amount - recognised, Decimal(0))
            values['coverage'] = (
                float(recognised / need_amount) if need_amount else None)
            values['coverage_received'] = (
                float(received / need_amount) if need_amount else None)
            for name in names:
                result[name][resource.id] = values[name]
        return result


class ResourceSteward(ModelSQL):
    __name__ = 'commons.resource-steward'
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Steward", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('resource_party_uniq', Unique(t, t.resource, t.party),
                'commons_fund.msg_resource_steward_unique'),
            ]
        cls.__access__.add('resource')


class ResourceNeed(CheckValuesMixin, ModelSQL, ModelView):
    __name__ = 'commons.resource.need'
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='CASCADE',
        help="The resource that needs the money.")
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True,
        domain=[
            If(Eval('company'),
                ('company', '=', Eval('company', -1)),
                ()),
            ],
        help="The year the need is for.")
    category = fields.Selection(
        NEED_CATEGORIES, "Category", required=True,
        help="What the money is needed for.")
    category_string = category.translated('category')
    description = fields.Char(
        "Description", help="A short description of the need.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        help="The amount needed for the year.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('resource')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.resource, Index.Range()),
                (t.fiscalyear, Index.Range())))

    @fields.depends('resource', '_parent_resource.company')
    def on_change_with_company(self, name=None):
        return self.resource.company if self.resource else None

    @classmethod
    def search_company(cls, name, clause):
        return [('resource.' + clause[0], *clause[1:])]

    @fields.depends('resource', '_parent_resource.company')
    def on_change_with_currency(self, name=None):
        if self.resource and self.resource.company:
            return self.resource.company.currency

    @classmethod
    def default_category(cls):
        return 'development'

    def get_rec_name(self, name):
        return '%s - %s - %s' % (
            self.resource.rec_name, self.fiscalyear.rec_name,
            self.category_string)

    @classmethod
    def validate_fields(cls, needs, field_names):
        super().validate_fields(needs, field_names)
        cls.check_amount(needs, field_names)
        cls.check_fiscalyear(needs, field_names)

    @classmethod
    def check_amount(cls, needs, field_names=None):
        if field_names and 'amount' not in field_names:
            return
        for need in needs:
            if need.amount is not None and need.amount <= 0:
                raise NeedValidationError(gettext(
                        'commons_fund.msg_need_amount_positive',
                        need=need.rec_name,
                        amount=need.amount))

    @classmethod
    def check_fiscalyear(cls, needs, field_names=None):
        if field_names and not (field_names & {'fiscalyear', 'resource'}):
            return
        for need in needs:
            if need.fiscalyear.company != need.resource.company:
                raise NeedValidationError(gettext(
                        'commons_fund.msg_need_fiscalyear_company',
                        need=need.rec_name,
                        fiscalyear=need.fiscalyear.rec_name,
                        company=need.resource.company.rec_name))


class ResourceContext(ModelView):
    __name__ = 'commons.resource.context'
    company = fields.Many2One('company.company', "Company", required=True)
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year whose needs and funding are shown.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_fiscalyear(cls):
        pool = Pool()
        Resource = pool.get('commons.resource')
        context = Transaction().context
        if 'fiscalyear' in context:
            return context['fiscalyear']
        fiscalyear = Resource._latest_fiscalyear()
        return fiscalyear.id if fiscalyear else None
