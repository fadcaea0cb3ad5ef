#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Export the public ledger of the commons as open data (ODbL).

Writes into the output directory:

- ``ledger.csv`` and ``ledger.json``: the fund lines of the public resources
  of the company (the CSV: UTF-8, the header first, ISO dates, ``.``
  decimals);
- ``resources.csv`` and ``resources.json``: the public resources with their
  needs and funding for the fiscal year (the current one unless
  ``--fiscalyear`` is given);
- ``datapackage.json``: the Frictionless Data Package that describes the CSV
  files (table schemas, ODbL licence, source);
- ``LICENSE.txt``: the ODbL notice.

Only resources marked public are exported, natural persons who did not
consent are anonymised; the schema is in
modules/commons_reporting/doc/open_data.rst.

Usage::

    python scripts/export_open_data.py -c trytond.conf -d DATABASE \\
        [--company ID] [--fiscalyear NAME] [--output DIR]
"""
import argparse
import os
import sys
from pathlib import Path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '-c', '--config', dest='configfile', metavar='FILE',
        default=os.environ.get('TRYTOND_CONFIG'),
        help="the trytond configuration file")
    parser.add_argument(
        '-d', '--database', required=True, help="the database name")
    parser.add_argument(
        '--company', type=int,
        help="the id of the company (default: the only one)")
    parser.add_argument(
        '--fiscalyear',
        help="the name of the fiscal year (default: the whole ledger and "
        "the current year for the resources)")
    parser.add_argument(
        '-o', '--output', type=Path, default=Path('open-data'),
        help="the directory of the files (default: %(default)s)")
    return parser.parse_args(argv)


class ExportError(Exception):
    pass


def find_company(pool, company_id):
    Company = pool.get('company.company')
    if company_id is not None:
        companies = Company.search([('id', '=', company_id)])
        if not companies:
            raise ExportError("There is no company with id %s." % company_id)
        return companies[0]
    companies = Company.search([])
    if len(companies) != 1:
        raise ExportError(
            "The database has %s companies: choose one with --company "
            "(%s)." % (len(companies), ', '.join(
                    '%s: %s' % (c.id, c.rec_name) for c in companies)))
    return companies[0]


def find_fiscalyear(company, name):
    from trytond.modules.commons_reporting import opendata
    fiscalyear = opendata.find_fiscalyear(company, name)
    if name is not None and not fiscalyear:
        raise ExportError(
            "The company %s has no fiscal year %s." % (
                company.rec_name, name))
    return fiscalyear


def write_files(pool, output, company_id=None, fiscalyear_name=None):
    "Write the open data files and return their paths"
    from trytond.modules.commons_reporting import opendata
    from trytond.transaction import Transaction

    company = find_company(pool, company_id)
    with Transaction().set_context(company=company.id):
        fiscalyear = find_fiscalyear(company, fiscalyear_name)
        ledger_year = fiscalyear if fiscalyear_name else None
        output.mkdir(parents=True, exist_ok=True)
        files = {
            'ledger.csv': opendata.ledger_csv(company, ledger_year),
            'ledger.json': opendata.ledger_json(company, ledger_year),
            'LICENSE.txt': opendata.NOTICE + '\n',
            }
        if fiscalyear:
            files['resources.csv'] = opendata.resources_csv(
                company, fiscalyear)
            files['resources.json'] = opendata.resources_json(
                company, fiscalyear)
        files['datapackage.json'] = opendata.datapackage_json(
            company, fiscalyear)
    paths = []
    for name, content in files.items():
        path = output / name
        path.write_text(content, encoding='utf-8')
        paths.append(path)
    return paths


def main(argv=None):
    args = parse_args(argv)
    from trytond import config
    config.update_etc(args.configfile)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(args.database)
    with Transaction().start(args.database, 0, readonly=True):
        pool.init()
    with Transaction().start(args.database, 0, readonly=True):
        try:
            paths = write_files(
                pool, args.output, args.company, args.fiscalyear)
        except ExportError as exception:
            print("export_open_data: %s" % exception, file=sys.stderr)
            return 2
    for path in paths:
        print(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
