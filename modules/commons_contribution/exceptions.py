# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ContributionValidationError(ValidationError):
    pass


class ContributionError(UserError):
    pass


class DecisionAccessError(AccessError):
    pass


class RateValidationError(ValidationError):
    pass


class ResourceValidationError(ValidationError):
    pass
