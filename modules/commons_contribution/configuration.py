# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.commons_fund.configuration import default_record
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id

default_hourly_rate = fields.Numeric(
    "Default Hourly Rate", digits=(16, 4),
    domain=['OR',
        ('default_hourly_rate', '=', None),
        ('default_hourly_rate', '>=', 0),
        ],
    help="The value of one hour of work, excluding taxes, when neither the "
    "contributor nor the resource has a rate of its own.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'commons.configuration'
    default_hourly_rate = fields.MultiValue(default_hourly_rate)
    contribution_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Contribution Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_contribution',
                        'sequence_type_contribution')),
                ],
            help="The sequence that numbers the contributions when they "
            "are submitted."))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'default_hourly_rate':
            return pool.get('commons.configuration.contribution_rate')
        if field == 'contribution_sequence':
            return pool.get('commons.configuration.contribution_sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_contribution_sequence(cls, **pattern):
        return cls.multivalue_model(
            'contribution_sequence').default_contribution_sequence()


class ConfigurationContributionRate(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.contribution_rate'
    default_hourly_rate = default_hourly_rate


class ConfigurationContributionSequence(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.contribution_sequence'
    contribution_sequence = fields.Many2One(
        'ir.sequence', "Contribution Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_contribution', 'sequence_type_contribution')),
            ])

    default_contribution_sequence = default_record(
        'commons_contribution.sequence_contribution')
