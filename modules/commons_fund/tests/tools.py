# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool

__all__ = ['setup_host', 'create_resource']


def setup_host(name="ANIS"):
    "Create a company with a chart and an open fiscal year of 2023"
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    company = create_company(name=name)
    with set_company(company):
        create_chart(company)
        fiscalyear = get_fiscalyear(company, today=dt.date(2023, 6, 1))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
    return company, fiscalyear


def create_resource(company, code='LOOT', stewards=None, **values):
    "Create a resource with its earmarked fund and return both"
    pool = Pool()
    Resource = pool.get('commons.resource')
    Fund = pool.get('commons.fund')
    resource, = Resource.create([{
                'name': "Resource %s" % code,
                'code': code,
                'company': company.id,
                'stewards': [('add', [p.id for p in stewards or []])],
                **values,
                }])
    fund, = Fund.create([{
                'name': "Fund %s" % code,
                'code': code,
                'type': 'earmarked',
                'resource': resource.id,
                'company': company.id,
                }])
    return resource, fund
