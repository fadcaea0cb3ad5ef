# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def cancel(cls, invoices):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        super().cancel(invoices)
        Contribution.release_invoice_lines(
            [l for i in invoices for l in i.lines])


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.contribution']

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        super().on_modification(mode, lines, field_names=field_names)
        if mode == 'delete':
            Contribution.release_invoice_lines(lines)
