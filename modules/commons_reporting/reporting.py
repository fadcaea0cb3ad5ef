# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Cast, Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CharLength, Round

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.commons_fund.fund import _in_ids
from trytond.modules.commons_fund.model import context_id
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction, without_check_access

# The id of a resource funding row is made of the resource and the fiscal
# year ids, both 31-bit integers.
ID_FACTOR = 2 ** 31


def _total(value, currency, condition=None):
    "Return the sum of value where condition holds, rounded to the currency"
    if condition is not None:
        value = Case((condition, value), else_=Literal(0))
    return Round(Coalesce(Sum(value), 0), currency.digits)


class _ContextMixin:
    __slots__ = ()

    @classmethod
    def _context_where(cls, company_column, fiscalyear_column):
        pool = Pool()
        Resource = pool.get('commons.resource')
        context = Transaction().context
        where = Literal(True)
        if context.get('company') is not None:
            where &= company_column == context_id('company')
        if context.get('fiscalyear') is not None:
            where &= fiscalyear_column == Resource._context_fiscalyear().id
        return where


class ReportingContext(ModelView):
    __name__ = 'commons.reporting.context'
    company = fields.Many2One(
        'company.company', "Company", required=True,
        help="The host whose books are analysed.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year analysed, or empty for every year.")

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


class ResourceFunding(_ContextMixin, ModelSQL, ModelView):
    __name__ = 'commons.reporting.resource_funding'
    company = fields.Many2One(
        'company.company', "Company",
        help="The host that keeps the common account of the resource.")
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True,
        context={
            'company': Eval('company', -1),
            'fiscalyear': Eval('fiscalyear', -1),
            },
        depends={'company', 'fiscalyear'},
        help="The commons resource.")
    resource_code = fields.Char("Code", help="The code of the resource.")
    public = fields.Boolean(
        "Public", help="Whether the resource is published as open data.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", help="The year of the figures.")
    currency = fields.Many2One('currency.currency', "Currency")
    need = fields.Function(Monetary(
            "Need", currency='currency', digits='currency',
            help="The financing need of the resource for the year."),
        'get_amounts')
    pledged = fields.Function(Monetary(
            "Pledged", currency='currency', digits='currency',
            help="The amount confirmed by funders for the year."),
        'get_amounts')
    allocated = fields.Function(Monetary(
            "Allocated", currency='currency', digits='currency',
            help="The money moved to the resource from pooled funds "
            "during the year."),
        'get_amounts')
    recognised = fields.Function(Monetary(
            "Recognised", currency='currency', digits='currency',
            help="The income posted for the resource during the year, paid "
            "or not: receipts and reciprocity, net of reversals."),
        'get_amounts')
    received = fields.Function(Monetary(
            "Received", currency='currency', digits='currency',
            help="The part of the recognised income actually paid in."),
        'get_amounts')
    fees = fields.Function(Monetary(
            "Host Fees", currency='currency', digits='currency',
            help="The part of the receipts kept by the host during the year "
            "(negative)."),
        'get_amounts')
    host_share = fields.Function(Monetary(
            "Host's Share", currency='currency', digits='currency',
            help="The host's own resources designated for the resource "
            "during the year, apart from the funders' money."),
        'get_amounts')
    spent = fields.Function(Monetary(
            "Spent", currency='currency', digits='currency',
            help="The money paid out for the resource during the year."),
        'get_amounts')
    available = fields.Function(Monetary(
            "Available", currency='currency', digits='currency',
            help="The money of the resource left at the end of the year, "
            "including what was carried over from earlier years."),
        'get_amounts')
    gap = fields.Function(Monetary(
            "Gap", currency='currency', digits='currency',
            help="The part of the need covered neither by allocations nor "
            "by recognised income."),
        'get_amounts')
    coverage = fields.Function(fields.Float(
            "Coverage (Recognised)", digits=(1, 4),
            help="The share of the need covered by allocations and "
            "recognised income."),
        'get_amounts')
    coverage_received = fields.Function(fields.Float(
            "Coverage (Received)", digits=(1, 4),
            help="The share of the need covered by allocations and "
            "received income."),
        'get_amounts')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('resource_code', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        FiscalYear = pool.get('account.fiscalyear')
        Resource = pool.get('commons.resource')
        resource = Resource.__table__()
        fiscalyear = FiscalYear.__table__()
        company = Company.__table__()
        return (resource
            .join(fiscalyear,
                condition=fiscalyear.company == resource.company)
            .join(company, condition=resource.company == company.id)
            .select(
                (Cast(resource.id, 'BIGINT') * ID_FACTOR
                    + fiscalyear.id).as_('id'),
                resource.company.as_('company'),
                resource.id.as_('resource'),
                resource.code.as_('resource_code'),
                resource.public.as_('public'),
                fiscalyear.id.as_('fiscalyear'),
                company.currency.as_('currency'),
                where=cls._context_where(
                    resource.company, fiscalyear.id)))

    @classmethod
    def get_amounts(cls, records, names):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        Resource = pool.get('commons.resource')
        line = FundLine.__table__()
        cursor = Transaction().connection.cursor()
        # The funding figures are those of the resource so that the
        # analysis and the resources agree
        funding_names = {
            'need': 'need_amount',
            'pledged': 'pledged_amount',
            'allocated': 'allocated_amount',
            'recognised': 'recognised_amount',
            'received': 'received_amount',
            'host_share': 'host_share_amount',
            'gap': 'gap_amount',
            'coverage': 'coverage',
            'coverage_received': 'coverage_received',
            }
        columns = ['fees', 'spent', 'available']

        by_year = defaultdict(list)
        for record in records:
            by_year[record.fiscalyear].append(record)
        result = {n: {} for n in names}
        for fiscalyear, year_records in by_year.items():
            resources = list({r.resource for r in year_records})
            resource_ids = [r.id for r in resources]
            with Transaction().set_context(fiscalyear=fiscalyear.id):
                funding = Resource.get_funding(resources, [
                        funding_names[n] for n in names
                        if n in funding_names])
            in_year = line.date >= fiscalyear.start_date
            query = line.select(
                line.resource,
                Sum(line.amount,
                    filter_=in_year & (line.kind == 'fee')).as_('fees'),
                Sum(line.amount,
                    filter_=in_year & (line.kind == 'expense')).as_('spent'),
                Sum(line.amount).as_('available'),
                where=_in_ids(line.resource, resource_ids)
                & (line.date <= fiscalyear.end_date),
                group_by=line.resource)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None] + ['NUMERIC'] * len(columns))
            cursor.execute(*query)
            amounts = {
                resource_id: dict(zip(columns, values))
                for resource_id, *values in cursor}
            for record in year_records:
                resource_id = record.resource.id
                sums = amounts.get(resource_id, {})
                values = {
                    c: record.currency.round(sums.get(c) or Decimal(0))
                    for c in columns}
                values['spent'] = -values['spent']
                for name in names:
                    if name in funding_names:
                        value = funding[funding_names[name]][resource_id]
                    else:
                        value = values[name]
                    result[name][record.id] = value
        return result

    @classmethod
    def get_funders(cls, records):
        """Return by record id who brought the money of the resource's
        earmarked funds and what of it the year spent, by the attribution
        rule: one dict by origin and funder, the parties that are neither
        organisations nor consenting persons anonymised together"""
        pool = Pool()
        Attribution = pool.get('commons.fund.attribution')
        Fund = pool.get('commons.fund')
        Pledge = pool.get('commons.pledge')
        names = ['opening', 'year_resources', 'spent', 'closing']
        by_year = defaultdict(list)
        for record in records:
            by_year[record.fiscalyear].append(record)
        result = {}
        for fiscalyear, year_records in by_year.items():
            with without_check_access():
                funds = Fund.search([
                        ('type', '=', 'earmarked'),
                        ('resource', 'in', [
                                r.resource.id for r in year_records]),
                        ])
                attribution = Attribution.get_attribution(
                    fiscalyear, [f.id for f in funds])
                pledges = {p.id: p for p in Pledge.browse(list({
                                k[1] for a in attribution.values()
                                for k in a if k[1]}))}
            totals = defaultdict(lambda: dict.fromkeys(names, Decimal(0)))
            for fund in funds:
                for (origin, pledge_id), amounts in attribution.get(
                        fund.id, {}).items():
                    party = (
                        pledges[pledge_id].funder if pledge_id else None)
                    named = bool(party) and bool(
                        party.commons_organisation
                        or party.commons_public_consent)
                    key = (
                        fund.resource.id, origin,
                        party.name if named else None,
                        bool(party) and not named)
                    for name in names:
                        totals[key][name] += amounts[name]
            for record in year_records:
                round_ = record.currency.round
                result[record.id] = [{
                        'origin': origin,
                        'funder': funder,
                        'anonymised': anonymised,
                        **{n: round_(a) for n, a in amounts.items()},
                        } for (resource_id, origin, funder, anonymised),
                    amounts in sorted(
                        totals.items(), key=lambda i: (
                            i[0][1], i[0][3], i[0][2] or ''))
                    if resource_id == record.resource.id]
        return result

    def get_rec_name(self, name):
        return '%s - %s' % (self.resource.rec_name, self.fiscalyear.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('resource.rec_name', *clause[1:])]

    def is_empty(self):
        "Tell if there is nothing to report for the resource in the year"
        return not any([
                self.need, self.pledged, self.allocated, self.recognised,
                self.spent, self.fees, self.host_share])


class FunderSummary(_ContextMixin, ModelSQL, ModelView):
    __name__ = 'commons.reporting.funder'
    company = fields.Many2One('company.company', "Company")
    funder = fields.Many2One(
        'party.party', "Funder",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who pledged the money.")
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True,
        help="The fund that received the money.")
    resource = fields.Many2One(
        'commons.resource', "Resource",
        help="The resource the money is for.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        help="The year whose needs the pledges cover.")
    currency = fields.Many2One('currency.currency', "Currency")
    pledged = Monetary(
        "Pledged", currency='currency', digits='currency',
        help="The amount of the confirmed pledges.")
    recognised = Monetary(
        "Recognised", currency='currency', digits='currency',
        help="The income of those pledges posted, paid or not, net of "
        "reversals.")
    received = fields.Function(Monetary(
            "Received", currency='currency', digits='currency',
            help="The part of the recognised income actually paid in."),
        'get_received')
    fees = Monetary(
        "Host Fees", currency='currency', digits='currency',
        help="The part of the recognised income kept by the host "
        "(negative).")
    net = Monetary(
        "Net", currency='currency', digits='currency',
        help="What the fund keeps of the recognised income.")
    spent = fields.Function(Monetary(
            "Spent", currency='currency', digits='currency',
            help="What the fund spent of the money of those pledges up to "
            "the current fiscal year, by the attribution rule of the "
            "fund."),
        'get_spent')
    remaining = fields.Function(Monetary(
            "Remaining", currency='currency', digits='currency',
            help="What is left of the money of those pledges: in the "
            "dedicated funds at the end of a closed year."),
        'get_spent')
    pledge_numbers = fields.Function(fields.Char(
            "Pledges",
            help="The numbers of those pledges, to refer to them."),
        'get_pledge_numbers')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('pledged', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def _pledge_where(cls, pledge):
        # The host's own share is not a funder's money
        return (pledge.state.in_(['confirmed', 'done'])
            & (pledge.funding_type != 'host_share')
            & cls._context_where(pledge.company, pledge.fiscalyear))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        FundLine = pool.get('commons.fund.line')
        Pledge = pool.get('commons.pledge')
        pledge = Pledge.__table__()
        line = FundLine.__table__()
        company = Company.__table__()
        currency = Currency.__table__()

        lines = line.select(
            line.pledge.as_('pledge'),
            Sum(line.amount,
                filter_=line.kind.in_(FundLine.recognised_kinds())).as_(
                'recognised'),
            Sum(line.amount, filter_=line.kind == 'fee').as_('fees'),
            where=line.pledge != Null,
            group_by=line.pledge)
        recognised = Coalesce(lines.recognised, 0)
        fees = Coalesce(lines.fees, 0)
        return (pledge
            .join(company, condition=pledge.company == company.id)
            .join(currency, condition=company.currency == currency.id)
            .join(lines, 'LEFT', condition=lines.pledge == pledge.id)
            .select(
                Min(pledge.id).as_('id'),
                pledge.company.as_('company'),
                pledge.funder.as_('funder'),
                pledge.fund.as_('fund'),
                pledge.resource.as_('resource'),
                pledge.fiscalyear.as_('fiscalyear'),
                company.currency.as_('currency'),
                _total(pledge.company_amount, currency).as_(
                    'pledged'),
                _total(recognised, currency).as_('recognised'),
                _total(fees, currency).as_('fees'),
                _total(recognised + fees, currency).as_('net'),
                where=cls._pledge_where(pledge),
                group_by=[
                    pledge.company, pledge.funder, pledge.fund,
                    pledge.resource, pledge.fiscalyear, company.currency,
                    currency.digits]))

    @classmethod
    def _get_pledges(cls, records):
        "Return the id and number of the pledges of each record by record id"
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        pledge = Pledge.__table__()
        cursor = Transaction().connection.cursor()

        def key(row):
            return (row.company.id, row.funder.id, row.fund.id,
                row.resource.id if row.resource else None,
                row.fiscalyear.id)
        rows = {key(r): r for r in records}
        pledges = defaultdict(list)
        # The fund and funder ids are both in the query
        for sub_records in grouped_slice(
                records, backend.MAX_QUERY_PARAMS // 2):
            sub_records = list(sub_records)
            query = pledge.select(
                pledge.id, pledge.number, pledge.company, pledge.funder,
                pledge.fund, pledge.resource, pledge.fiscalyear,
                where=cls._pledge_where(pledge)
                & fields.SQL_OPERATORS['in'](
                    pledge.fund, list({r.fund.id for r in sub_records}))
                & fields.SQL_OPERATORS['in'](
                    pledge.funder,
                    list({r.funder.id for r in sub_records})),
                order_by=[
                    CharLength(pledge.number), pledge.number, pledge.id])
            cursor.execute(*query)
            for pledge_id, number, *row_key in cursor:
                if tuple(row_key) in rows:
                    pledges[rows[tuple(row_key)].id].append(
                        (pledge_id, number))
        return pledges

    @classmethod
    def get_received(cls, records, name):
        "Return the part of the recognised income of the pledges paid in"
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        pledges = {
            pledge_id: record_id
            for record_id, numbers in cls._get_pledges(records).items()
            for pledge_id, _ in numbers}
        _, received = FundLine.get_income('pledge', pledges)
        amounts = defaultdict(Decimal)
        for pledge_id, record_id in pledges.items():
            amounts[record_id] += received[pledge_id]
        return {
            r.id: r.currency.round(amounts[r.id]) for r in records}

    @classmethod
    def get_pledge_numbers(cls, records, name):
        pledges = cls._get_pledges(records)
        return {
            r.id: ', '.join(n for _, n in pledges[r.id] if n)
            for r in records}

    @classmethod
    def get_spent(cls, records, names):
        """Sum what the attribution rule of the funds charged to the pledges
        of each row, from their first year to the current one"""
        pool = Pool()
        Attribution = pool.get('commons.fund.attribution')
        Pledge = pool.get('commons.pledge')
        pledge = Pledge.__table__()
        cursor = Transaction().connection.cursor()

        by_company = defaultdict(list)
        for record in records:
            by_company[record.company].append(record)
        result = {n: {} for n in names}
        for company, company_records in by_company.items():
            fund_ids = sorted({r.fund.id for r in company_records})
            pledges = defaultdict(list)
            cursor.execute(*pledge.select(
                    pledge.id, pledge.funder, pledge.fund, pledge.resource,
                    pledge.fiscalyear,
                    where=fields.SQL_OPERATORS['in'](pledge.fund, fund_ids)
                    & cls._pledge_where(pledge)))
            for pledge_id, *key in cursor:
                pledges[tuple(key)].append(pledge_id)
            spent, closing = defaultdict(Decimal), defaultdict(Decimal)
            history = Attribution.get_history(
                cls._attribution_fiscalyear(company_records), fund_ids,
                since=cls._first_fiscalyear(company))
            for _, attribution in history:
                closing.clear()
                for shares in attribution.values():
                    for (_, pledge_id), amounts in shares.items():
                        spent[pledge_id] += amounts['spent']
                        closing[pledge_id] += amounts['closing']
            for record in company_records:
                ids = pledges[(
                        record.funder.id, record.fund.id,
                        record.resource.id if record.resource else None,
                        record.fiscalyear.id)]
                values = {
                    'spent': sum((spent[i] for i in ids), Decimal(0)),
                    'remaining': sum((closing[i] for i in ids), Decimal(0)),
                    }
                for name in names:
                    result[name][record.id] = values[name]
        return result

    @classmethod
    def _first_fiscalyear(cls, company):
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        return FiscalYear.search([
                ('company', '=', company.id),
                ], order=[('start_date', 'ASC')], limit=1)[0]

    @classmethod
    def _attribution_fiscalyear(cls, records):
        """Return the fiscal year up to which the money of the records is
        followed: the current one, or the latest year of the records"""
        pool = Pool()
        Date = pool.get('ir.date')
        FiscalYear = pool.get('account.fiscalyear')
        company = records[0].company
        with Transaction().set_context(company=company.id):
            today = Date.today()
        fiscalyears = FiscalYear.search([
                ('company', '=', company.id),
                ('start_date', '<=', today),
                ], order=[('start_date', 'DESC')], limit=1)
        latest = max(
            (r.fiscalyear for r in records), key=lambda f: f.start_date)
        if fiscalyears and fiscalyears[0].start_date > latest.start_date:
            return fiscalyears[0]
        return latest

    def get_rec_name(self, name):
        return '%s - %s - %s' % (
            self.funder.rec_name, self.fund.rec_name,
            self.fiscalyear.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('funder.rec_name', *clause[1:])]


class ContributorSummary(_ContextMixin, ModelSQL, ModelView):
    __name__ = 'commons.reporting.contributor'
    company = fields.Many2One('company.company', "Company")
    contributor = fields.Many2One(
        'party.party', "Contributor",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who contributed.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        help="The year of the contributions.")
    currency = fields.Many2One('currency.currency', "Currency")
    contributions = fields.Integer(
        "Contributions", help="The number of validated contributions.")
    hours = fields.Float(
        "Hours", digits=(None, 2),
        help="The hours of validated work.")
    validated = Monetary(
        "Validated", currency='currency', digits='currency',
        help="The value of all the validated contributions.")
    paid = Monetary(
        "Paid", currency='currency', digits='currency',
        help="The value of the validated contributions paid to the "
        "contributor.")
    volunteer = Monetary(
        "Volunteer", currency='currency', digits='currency',
        help="The value of the validated contributions given for free "
        "(contributions volontaires en nature).")
    debt = Monetary(
        "Contributive Debt", currency='currency', digits='currency',
        help="The paid contributions not yet invoiced or whose invoice is "
        "not paid.")
    settled = Monetary(
        "Settled", currency='currency', digits='currency',
        help="The paid contributions whose invoice is paid.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('validated', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Contribution = pool.get('commons.contribution')
        Currency = pool.get('currency.currency')
        FiscalYear = pool.get('account.fiscalyear')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Participation = pool.get('commons.contribution.participation')
        contribution = Contribution.__table__()
        company = Company.__table__()
        currency = Currency.__table__()
        fiscalyear = FiscalYear.__table__()
        line = InvoiceLine.__table__()
        invoice = Invoice.__table__()

        amount = contribution.amount
        paid = contribution.remuneration == 'paid'
        # The same rule as the participation of commons_contribution
        debt = Participation.debt_condition(contribution, invoice)

        hours = Sum(Case(
                (contribution.kind == 'work',
                    Coalesce(contribution.quantity, 0)),
                else_=Literal(0)))
        return (contribution
            .join(fiscalyear,
                condition=(fiscalyear.company == contribution.company)
                & (contribution.date >= fiscalyear.start_date)
                & (contribution.date <= fiscalyear.end_date))
            .join(company, condition=contribution.company == company.id)
            .join(currency, condition=company.currency == currency.id)
            .join(line, 'LEFT',
                condition=contribution.invoice_line == line.id)
            .join(invoice, 'LEFT', condition=line.invoice == invoice.id)
            .select(
                Min(contribution.id).as_('id'),
                contribution.company.as_('company'),
                contribution.contributor.as_('contributor'),
                fiscalyear.id.as_('fiscalyear'),
                company.currency.as_('currency'),
                Count(contribution.id).as_('contributions'),
                hours.as_('hours'),
                _total(amount, currency).as_('validated'),
                _total(amount, currency, paid).as_('paid'),
                _total(amount, currency,
                    contribution.remuneration == 'volunteer').as_(
                    'volunteer'),
                _total(amount, currency, debt).as_('debt'),
                _total(amount, currency, paid & ~debt).as_('settled'),
                where=contribution.state.in_(['validated', 'invoiced'])
                & cls._context_where(contribution.company, fiscalyear.id),
                group_by=[
                    contribution.company, contribution.contributor,
                    fiscalyear.id, company.currency, currency.digits]))

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.contributor.rec_name, self.fiscalyear.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contributor.rec_name', *clause[1:])]


class ReciprocitySummary(_ContextMixin, ModelSQL, ModelView):
    __name__ = 'commons.reporting.reciprocity'
    company = fields.Many2One('company.company', "Company")
    agent = fields.Many2One(
        'party.party', "Economic Agent",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who earns money thanks to the commons.")
    contract = fields.Many2One(
        'commons.reciprocity.contract', "Contract", required=True,
        help="The reciprocity contract.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        help="The year in which the declared periods end.")
    currency = fields.Many2One('currency.currency', "Currency")
    declarations = fields.Integer(
        "Declarations", help="The number of declarations not cancelled.")
    revenue = Monetary(
        "Revenue", currency='currency', digits='currency',
        help="The revenue declared thanks to the commons.")
    due = Monetary(
        "Due", currency='currency', digits='currency',
        help="The reciprocity contributions due for the confirmed "
        "declarations and for the ended periods of fixed amounts, "
        "confirmed or not.")
    invoiced = Monetary(
        "Invoiced", currency='currency', digits='currency',
        help="The part of what is due that was invoiced.")
    paid = Monetary(
        "Paid", currency='currency', digits='currency',
        help="The part of what is due whose invoice is paid.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('due', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Contract = pool.get('commons.reciprocity.contract')
        Currency = pool.get('currency.currency')
        Date = pool.get('ir.date')
        Declaration = pool.get('commons.reciprocity.declaration')
        FiscalYear = pool.get('account.fiscalyear')
        Invoice = pool.get('account.invoice')
        declaration = Declaration.__table__()
        contract = Contract.__table__()
        company = Company.__table__()
        currency = Currency.__table__()
        fiscalyear = FiscalYear.__table__()
        invoice = Invoice.__table__()

        amount = declaration.amount
        # The same rule as the compliance of the agents
        due = Declaration._due_condition(declaration, contract, Date.today())

        return (declaration
            .join(contract, condition=declaration.contract == contract.id)
            .join(fiscalyear,
                condition=(fiscalyear.company == declaration.company)
                & (declaration.end_date >= fiscalyear.start_date)
                & (declaration.end_date <= fiscalyear.end_date))
            .join(company, condition=declaration.company == company.id)
            .join(currency, condition=company.currency == currency.id)
            .join(invoice, 'LEFT',
                condition=declaration.agent_invoice == invoice.id)
            .select(
                Min(declaration.id).as_('id'),
                declaration.company.as_('company'),
                contract.agent.as_('agent'),
                declaration.contract.as_('contract'),
                fiscalyear.id.as_('fiscalyear'),
                company.currency.as_('currency'),
                Count(declaration.id).as_('declarations'),
                _total(declaration.revenue, currency).as_('revenue'),
                _total(amount, currency, due).as_('due'),
                _total(amount, currency, declaration.state == 'invoiced').as_(
                    'invoiced'),
                _total(amount, currency, invoice.state == 'paid').as_('paid'),
                where=(declaration.state != 'cancelled')
                & cls._context_where(declaration.company, fiscalyear.id),
                group_by=[
                    declaration.company, contract.agent,
                    declaration.contract, fiscalyear.id, company.currency,
                    currency.digits]))

    def get_rec_name(self, name):
        return '%s - %s' % (self.contract.rec_name, self.fiscalyear.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('agent.rec_name', *clause[1:])]
