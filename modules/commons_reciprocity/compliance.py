# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Cast, Literal
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract, Round

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.commons_fund.model import context_id
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

ID_FACTOR = 2 ** 31
YEAR_FACTOR = 10000


class Compliance(ModelSQL, ModelView):
    __name__ = 'commons.reciprocity.compliance'
    company = fields.Many2One('company.company', "Company")
    agent = fields.Many2One(
        'party.party', "Agent",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party bound by reciprocity contracts.")
    year = fields.Integer(
        "Year", help="The year in which the periods declared end.")
    currency = fields.Many2One('currency.currency', "Currency")
    declarations = fields.Integer(
        "Declarations", help="The number of declarations not cancelled.")
    revenue = Monetary(
        "Revenue", currency='currency', digits='currency',
        help="The revenue declared by the agent.")
    amount = Monetary(
        "Due", currency='currency', digits='currency',
        help="The amount due for the confirmed declarations and for the "
        "ended periods of fixed amounts, confirmed or not.")
    invoiced = Monetary(
        "Invoiced", currency='currency', digits='currency',
        help="The amount due of the declarations invoiced.")
    paid = Monetary(
        "Paid", currency='currency', digits='currency',
        help="The amount due of the declarations whose invoice is paid.")
    late = fields.Integer(
        "Late", help="The number of declarations not confirmed by their "
        "due date.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('year', 'DESC'),
            ('amount', 'DESC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        Declaration = pool.get('commons.reciprocity.declaration')
        Contract = pool.get('commons.reciprocity.contract')
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        Invoice = pool.get('account.invoice')
        declaration = Declaration.__table__()
        contract = Contract.__table__()
        company = Company.__table__()
        currency = Currency.__table__()
        invoice = Invoice.__table__()
        context = Transaction().context
        today = Date.today()

        year = Cast(Extract('YEAR', declaration.end_date), 'INTEGER')
        due = Declaration._due_condition(declaration, contract, today)
        invoiced = declaration.state == 'invoiced'
        paid = invoiced & (invoice.state == 'paid')

        def total(column, condition=None):
            if condition is not None:
                column = Case((condition, column), else_=Literal(0))
            return Round(Coalesce(Sum(column), 0), currency.digits)

        where = declaration.state != 'cancelled'
        if context.get('company') is not None:
            where &= declaration.company == context_id('company')
        # One row per company, year and agent: the id is made of the three
        # so that the database filters the groups of a page on their id.
        id_ = ((Cast(declaration.company, 'BIGINT') * YEAR_FACTOR + year)
            * ID_FACTOR + contract.agent)
        return (declaration
            .join(contract, condition=declaration.contract == contract.id)
            .join(company, condition=declaration.company == company.id)
            .join(currency, condition=company.currency == currency.id)
            .join(invoice, 'LEFT',
                condition=declaration.agent_invoice == invoice.id)
            .select(
                id_.as_('id'),
                declaration.company.as_('company'),
                contract.agent.as_('agent'),
                year.as_('year'),
                company.currency.as_('currency'),
                Count(declaration.id).as_('declarations'),
                total(declaration.revenue).as_('revenue'),
                total(declaration.amount, due).as_('amount'),
                total(declaration.amount, invoiced).as_('invoiced'),
                total(declaration.amount, paid).as_('paid'),
                Sum(Case(
                        (Declaration._late_condition(declaration, today),
                            Cast(Literal(1), 'INTEGER')),
                        else_=Cast(Literal(0), 'INTEGER'))).as_('late'),
                where=where,
                group_by=[
                    declaration.company, year, contract.agent,
                    company.currency, currency.digits],
                ))


class ComplianceContext(ModelView):
    __name__ = 'commons.reciprocity.compliance.context'
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')
