# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval, If


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    commons_natural_person = fields.Boolean(
        "Natural Person",
        help="Check for a person.\n"
        "A person is never shown by name in the public data of the commons "
        "without their consent.")
    commons_organisation = fields.Boolean(
        "Organisation",
        domain=[
            If(Eval('commons_natural_person', False),
                ('commons_organisation', '=', False),
                ()),
            ],
        help="Check for a company, an association or a public body, which "
        "is shown by name in the public data of the commons.\n"
        "A party that is neither an organisation nor a natural person is "
        "treated as a person.")
    commons_public_consent = fields.Boolean(
        "Consents to Public Listing",
        help="Check when the party agreed to be shown by name as a funder "
        "or contributor in the public data of the commons.")

    @classmethod
    def default_commons_natural_person(cls):
        return False

    @classmethod
    def default_commons_organisation(cls):
        return False

    @classmethod
    def default_commons_public_consent(cls):
        return False

    @fields.depends('commons_natural_person', 'commons_organisation')
    def on_change_commons_natural_person(self):
        if self.commons_natural_person:
            self.commons_organisation = False

    @fields.depends('commons_natural_person', 'commons_organisation')
    def on_change_commons_organisation(self):
        if self.commons_organisation:
            self.commons_natural_person = False
