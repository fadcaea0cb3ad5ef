# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ContractValidationError(ValidationError):
    pass


class ContractError(UserError):
    pass


class DeclarationValidationError(ValidationError):
    pass


class DeclarationError(UserError):
    pass


class LevyValidationError(ValidationError):
    pass
