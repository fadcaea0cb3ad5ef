# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import ResourceValidationError


class Resource(metaclass=PoolMeta):
    __name__ = 'commons.resource'
    contribution_hourly_rate = Monetary(
        "Contribution Hourly Rate", currency='currency', digits=(16, 4),
        domain=['OR',
            ('contribution_hourly_rate', '=', None),
            ('contribution_hourly_rate', '>=', 0),
            ],
        help="The value of one hour of work on the resource, excluding "
        "taxes, or empty for the default of the configuration.")
    contribution_validation = fields.Selection([
            ('any', "Any Steward"),
            ('all', "All Stewards"),
            ('quorum', "Quorum"),
            ], "Contribution Validation", required=True,
        help="Whose approval validates a contribution to the resource: "
        "one steward, every steward or a quorum of them.")
    contribution_quorum = fields.Integer(
        "Contribution Quorum",
        states={
            'required': Eval('contribution_validation') == 'quorum',
            'invisible': Eval('contribution_validation') != 'quorum',
            },
        help="How many stewards must approve a contribution.")

    @classmethod
    def default_contribution_validation(cls):
        return 'any'

    @classmethod
    def validate_fields(cls, resources, field_names):
        super().validate_fields(resources, field_names)
        cls.check_contribution_quorum(resources, field_names)

    @classmethod
    def check_contribution_quorum(cls, resources, field_names=None):
        if field_names and not (field_names & {
                    'contribution_validation', 'contribution_quorum'}):
            return
        for resource in resources:
            if (resource.contribution_validation == 'quorum'
                    and (resource.contribution_quorum or 0) < 1):
                raise ResourceValidationError(gettext(
                        'commons_contribution.msg_resource_quorum_positive',
                        resource=resource.rec_name,
                        quorum=resource.contribution_quorum))

    @classmethod
    def _fiscalyear_figures_condition(cls, fiscalyear, company):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        contribution = Contribution.__table__()
        return super()._fiscalyear_figures_condition(fiscalyear, company) | (
            Exists(contribution.select(contribution.id,
                    where=(contribution.company == company)
                    & contribution.state.in_(['validated', 'invoiced'])
                    & (contribution.date >= fiscalyear.start_date)
                    & (contribution.date <= fiscalyear.end_date))))
