# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.modules.commons_fund.exceptions import TaxReceiptError
from trytond.pool import Pool, PoolMeta


class TaxReceiptLine(metaclass=PoolMeta):
    __name__ = 'commons.tax.receipt.line'

    @classmethod
    def _gift_kinds(cls):
        return super()._gift_kinds() + ['reciprocity']

    @property
    def declaration(self):
        "The reciprocity declaration whose payment is the gift, if any"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        move_line = self.fund_line.move_line
        if move_line and isinstance(move_line.origin, InvoiceLine):
            return move_line.origin.commons_declaration

    def check_eligible(self):
        declaration = self.declaration
        if self.fund_line.kind == 'reciprocity' and declaration:
            if declaration.contract.counterpart:
                raise TaxReceiptError(gettext(
                        'commons_reciprocity'
                        '.msg_tax_receipt_reciprocity_counterpart',
                        line=self.fund_line.rec_name,
                        contract=declaration.contract.rec_name))
            # A contribution without counterpart is a gift once paid
            invoice = self.gift_invoice
            if invoice and invoice.state != 'paid':
                raise TaxReceiptError(gettext(
                        'commons_fund.msg_tax_receipt_not_received',
                        line=self.fund_line.rec_name,
                        invoice=invoice.rec_name))
            return
        super().check_eligible()
