# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta


def release_contributions(lines):
    "Free the contributions paid by the invoice lines"
    pool = Pool()
    Contribution = pool.get('commons.contribution')
    contributions = Contribution.search([
            ('invoice_line', 'in', [l.id for l in lines]),
            ])
    if contributions:
        Contribution.release(contributions)


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def cancel(cls, invoices):
        super().cancel(invoices)
        release_contributions([l for i in invoices for l in i.lines])


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.contribution']

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode == 'delete':
            release_contributions(lines)
