# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Cast, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Round

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.commons_fund.model import context_id
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction

ID_FACTOR = 2 ** 31


class Participation(ModelSQL, ModelView):
    __name__ = 'commons.contribution.participation'
    company = fields.Many2One('company.company', "Company")
    resource = fields.Many2One(
        'commons.resource', "Resource",
        help="The resource contributed to.")
    contributor = fields.Many2One(
        'party.party', "Contributor",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who contributed.")
    currency = fields.Many2One('currency.currency', "Currency")
    validated_amount = Monetary(
        "Validated", currency='currency', digits='currency',
        help="The value of all the validated contributions.")
    paid_amount = Monetary(
        "Paid", currency='currency', digits='currency',
        help="The value of the validated contributions paid to the "
        "contributor.")
    volunteer_amount = Monetary(
        "Volunteer", currency='currency', digits='currency',
        help="The value of the validated contributions given for free.")
    debt_amount = Monetary(
        "Contributive Debt", currency='currency', digits='currency',
        help="The validated paid contributions not yet invoiced or whose "
        "invoice is not paid: what the commons owes the contributor.")
    share = fields.Function(fields.Float(
            "Share", digits=(1, 4),
            help="The part of the validated value of the resource given by "
            "the contributor."),
        'get_share')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('resource', 'ASC'),
            ('validated_amount', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def _where(cls, contribution):
        "Return the condition on the contributions counted by the view"
        pool = Pool()
        Resource = pool.get('commons.resource')
        context = Transaction().context
        where = contribution.state.in_(['validated', 'invoiced'])
        if context.get('company') is not None:
            where &= contribution.company == context_id('company')
        if context.get('fiscalyear') is not None:
            fiscalyear = Resource._context_fiscalyear()
            where &= ((contribution.date >= fiscalyear.start_date)
                & (contribution.date <= fiscalyear.end_date))
        return where

    @staticmethod
    def debt_condition(contribution, invoice):
        """Return the SQL condition of a contribution the host owes: paid
        work validated but not invoiced, or whose invoice is not paid
        (invoice is the contributor's invoice, joined LEFT)"""
        return (contribution.remuneration == 'paid') & (
            (contribution.state == 'validated')
            | (invoice.state == Null)
            | (invoice.state != 'paid'))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Contribution = pool.get('commons.contribution')
        Currency = pool.get('currency.currency')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        contribution = Contribution.__table__()
        company = Company.__table__()
        currency = Currency.__table__()
        line = InvoiceLine.__table__()
        invoice = Invoice.__table__()

        amount = contribution.amount
        paid = contribution.remuneration == 'paid'
        debt = cls.debt_condition(contribution, invoice)

        def total(condition=None):
            if condition is not None:
                value = Sum(Case((condition, amount), else_=Literal(0)))
            else:
                value = Sum(amount)
            return Round(Coalesce(value, 0), currency.digits)

        # One row per resource and contributor (the company follows the
        # resource): the id is made of both, ids being 31-bit integers, so
        # that the database filters the groups of a page on their id.
        id_ = (Cast(contribution.resource, 'BIGINT') * ID_FACTOR
            + contribution.contributor)
        return (contribution
            .join(company, condition=contribution.company == company.id)
            .join(currency, condition=company.currency == currency.id)
            .join(line, 'LEFT',
                condition=contribution.invoice_line == line.id)
            .join(invoice, 'LEFT', condition=line.invoice == invoice.id)
            .select(
                id_.as_('id'),
                contribution.company.as_('company'),
                contribution.resource.as_('resource'),
                contribution.contributor.as_('contributor'),
                company.currency.as_('currency'),
                total().as_('validated_amount'),
                total(paid).as_('paid_amount'),
                total(contribution.remuneration == 'volunteer').as_(
                    'volunteer_amount'),
                total(debt).as_('debt_amount'),
                where=cls._where(contribution),
                group_by=[
                    contribution.company, contribution.resource,
                    contribution.contributor, company.currency,
                    currency.digits],
                ))

    @classmethod
    def get_share(cls, records, name):
        "Share of each row in the validated value of its resource"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        contribution = Contribution.__table__()
        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']
        pairs = {r.id: divmod(r.id, ID_FACTOR) for r in records}
        resources = list({r for r, _ in pairs.values()})
        contributors = list({c for _, c in pairs.values()})
        where = cls._where(contribution) & in_(
            contribution.resource, resources)
        totals, values = {}, {}
        for group_by, result in [
                ([contribution.resource], totals),
                ([contribution.resource, contribution.contributor], values),
                ]:
            query = contribution.select(
                *group_by, Sum(contribution.amount).as_('amount'),
                where=where if len(group_by) == 1
                else where & in_(contribution.contributor, contributors),
                group_by=group_by)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None] * len(group_by) + ['NUMERIC'])
            cursor.execute(*query)
            for *key, amount in cursor:
                result[tuple(key) if len(key) > 1 else key[0]] = amount
        shares = {}
        for id_, (resource, contributor) in pairs.items():
            total = totals.get(resource)
            value = values.get((resource, contributor))
            shares[id_] = (
                float(value / total) if total and value is not None else None)
        return shares


class ParticipationContext(ModelView):
    __name__ = 'commons.contribution.participation.context'
    company = fields.Many2One('company.company', "Company", required=True)
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year of the contributions, or empty for all years.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_fiscalyear(cls):
        return Transaction().context.get('fiscalyear')
