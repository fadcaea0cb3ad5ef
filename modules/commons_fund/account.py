# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import dualmethod, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .exceptions import InvoiceLineFundError


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.pledge']

    @dualmethod
    def post(cls, moves):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        super().post(moves)
        FundLine.create_from_move_lines(
            [l for m in moves for l in m.lines if l.commons_fund])


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'
    commons_fund = fields.Many2One(
        'commons.fund', "Commons Fund", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') == 'valid',
            },
        help="The fund of the commons whose money this line moves.")
    commons_pledge = fields.Many2One(
        'commons.pledge', "Commons Pledge", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('commons_fund'),
                ('fund', '=', Eval('commons_fund', -1)),
                ()),
            ],
        states={
            'readonly': Eval('state') == 'valid',
            'invisible': ~Eval('commons_fund'),
            },
        help="The pledge the money comes from.")

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.pledge']

    def commons_fund_kind(self):
        "Return the kind of fund line this move line writes"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Pledge = pool.get('commons.pledge')
        origin = self.origin
        if isinstance(origin, self.__class__):
            # A cancellation reverses the line it comes from
            return origin.commons_fund_kind()
        elif isinstance(origin, InvoiceLine):
            type_ = origin.invoice.type if origin.invoice else None
            return 'receipt' if type_ == 'out' else 'expense'
        elif isinstance(origin, Pledge):
            return 'receipt'
        return 'adjustment'


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'
    commons_fund = fields.Many2One(
        'commons.fund', "Commons Fund", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'invisible': Eval('type') != 'line',
            'readonly': Eval('invoice_state') != 'draft',
            },
        help="The fund of the commons this line is received for "
        "(customer invoices) or spent from (supplier invoices).")
    commons_pledge = fields.Many2One(
        'commons.pledge', "Commons Pledge", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('commons_pledge'),
            },
        help="The pledge this line requests the payment of.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # account_fr flags as revenue only the types of 70x, while the
        # resources of associations are on 74x-75x: a line charged to a fund
        # takes any account of the income statement.
        cls.account.domain = [
            If(Bool(Eval('commons_fund')),
                [
                    ('closed', '!=', True),
                    ('company', '=', Eval('company', -1)),
                    ('type.statement', '=', 'income'),
                    ],
                cls.account.domain),
            ]

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        cls.check_commons_fund(lines, field_names)

    @classmethod
    def check_commons_fund(cls, lines, field_names=None):
        if field_names and not (
                field_names & {'commons_fund', 'company', 'invoice'}):
            return
        for line in lines:
            fund = line.commons_fund
            if not fund:
                continue
            company = line.invoice.company if line.invoice else line.company
            if fund.company != company:
                raise InvoiceLineFundError(gettext(
                        'commons_fund.msg_invoice_line_fund_company',
                        line=line.rec_name,
                        fund=fund.rec_name,
                        company=company.rec_name))

    def get_move_lines(self):
        lines = super().get_move_lines()
        if self.type == 'line' and self.commons_fund:
            for line in lines:
                line.commons_fund = self.commons_fund
                line.commons_pledge = self.commons_pledge
        return lines

    def _credit(self):
        line = super()._credit()
        line.commons_fund = self.commons_fund
        line.commons_pledge = self.commons_pledge
        return line

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('commons_pledge')
        return super().copy(lines, default=default)


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def process(cls, invoices):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        super().process(invoices)
        pledges = {
            l.commons_pledge for i in invoices for l in i.lines
            if l.commons_pledge}
        if pledges:
            Pledge.process(list(pledges))
