# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ValueTypeError(ValidationError):
    pass


class ResourceValidationError(ValidationError):
    pass


class NeedValidationError(ValidationError):
    pass


class FundValidationError(ValidationError):
    pass


class FundLineAccessError(AccessError):
    pass


class PledgeValidationError(ValidationError):
    pass


class PledgeError(UserError):
    pass


class InvoiceLineFundError(ValidationError):
    pass


class ConfigurationError(UserError):
    pass


class NumberError(AccessError):
    pass


class SpendingError(AccessError):
    pass


class PaymentRequestError(UserError):
    pass


class PaymentError(UserError):
    pass


class YearEndError(UserError):
    pass


class AllocationError(UserError):
    pass


class AllocationValidationError(ValidationError):
    pass


class MilestoneError(UserError):
    pass


class RoundError(UserError):
    pass


class RoundValidationError(ValidationError):
    pass


class TaxReceiptError(UserError):
    pass


class TaxReceiptValidationError(ValidationError):
    pass


class RoundAccessError(AccessError):
    pass


class StatementMatchError(UserError):
    pass
