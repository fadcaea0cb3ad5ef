# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta

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

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'default_hourly_rate':
            return pool.get('commons.configuration.contribution_rate')
        return super().multivalue_model(field)


class ConfigurationContributionRate(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.contribution_rate'
    default_hourly_rate = default_hourly_rate
