# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    commons_natural_person = fields.Boolean(
        "Natural Person",
        help="Check for a person, leave unchecked for an organisation.\n"
        "A person is never shown by name in the public data of the commons "
        "without their consent.")
    commons_public_consent = fields.Boolean(
        "Consents to Public Listing",
        help="Check when the party agreed to be shown by name as a funder "
        "or contributor in the public data of the commons.")

    @classmethod
    def default_commons_natural_person(cls):
        return False

    @classmethod
    def default_commons_public_consent(cls):
        return False
