# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow
from trytond.pool import Pool, PoolMeta

from .exceptions import PaymentError


class PayLine(metaclass=PoolMeta):
    __name__ = 'account.move.line.pay'

    def default_start(self, fields):
        pool = Pool()
        Line = pool.get('account.move.line')
        Line.check_commons_payable(self.records)
        return super().default_start(fields)


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, payments):
        super().submit(payments)
        cls.check_commons_sepa_account(payments)

    @classmethod
    def process(cls, payments, group=None):
        cls.check_commons_sepa_account(payments)
        return super().process(payments, group=group)

    @classmethod
    def check_commons_sepa_account(cls, payments):
        """Check that each transfer by SEPA has the IBAN of its party and
        the bank of that account"""
        for payment in payments:
            if (payment.kind != 'payable'
                    or payment.process_method != 'sepa'):
                continue
            number = payment.sepa_bank_account_number
            if not number:
                raise PaymentError(gettext(
                        'commons_fund.msg_payment_sepa_no_iban',
                        payment=payment.rec_name,
                        party=payment.party.rec_name))
            if not number.account.bank:
                raise PaymentError(gettext(
                        'commons_fund.msg_payment_sepa_no_bank',
                        payment=payment.rec_name,
                        party=payment.party.rec_name,
                        number=number.rec_name))
