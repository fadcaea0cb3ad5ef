# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""scripts/export_open_data.py run on a real database.

One throwaway database with commons_reporting and the French chart is built
in a subprocess (through activate_modules and DB_CACHE when set, with the
module list and setup of commons_reporting's scenarios: their cached
database); real receipts are posted for
a public and a private resource by an organisation, a consenting person and
a person who did not consent.  The script is then run as a user would
(-c/-d).  The backend is TRYTOND_DATABASE_URI's.
"""
import csv
import json
import os
import textwrap
import uuid
from pathlib import Path

import pytest
from script_database import URI, ScriptDatabase, pg_connect

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / 'scripts' / 'export_open_data.py'
IN_CI = os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}

SETUP = textwrap.dedent('''\
    import datetime as dt
    import json
    import sys
    from decimal import Decimal

    from proteus import Model
    from trytond.modules.account.tests.tools import create_fiscalyear
    from trytond.modules.account_fr.tests.tools import create_chart
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.commons_fund.tests.tools import activate_modules
    from trytond.modules.company.tests.tools import (
        create_company, get_company)
    from trytond.modules.currency.tests.tools import get_currency

    config = activate_modules(
        ['commons_reporting', 'account_fr'],
        lambda *a, **k: create_company(currency=get_currency('EUR')),
        create_chart)
    company = get_company()
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
        company, (dt.date(2023, 1, 1), dt.date(2023, 12, 31))))
    fiscalyear.click('create_period')
    Configuration = Model.get('commons.configuration')
    Journal = Model.get('account.journal')
    bank = Journal(name="Bank", code='BANK', type='cash')
    bank.save()
    configuration = Configuration(1)
    configuration.receipt_journal = bank
    configuration.save()

    Fund = Model.get('commons.fund')
    Party = Model.get('party.party')
    Pledge = Model.get('commons.pledge')
    Resource = Model.get('commons.resource')
    funds = {}
    for code, public in [('LOOT', True), ('SECRET', False)]:
        resource = Resource(name="Resource " + code, code=code)
        resource.public = public
        need = resource.needs.new(fiscalyear=fiscalyear)
        need.category = 'development'
        need.amount = Decimal(5600)
        resource.save()
        fund = Fund(name="Fund " + code, code=code, resource=resource)
        fund.save()
        funds[code] = fund

    def receive(
            name, fund, amount, person=False, organisation=False,
            consent=False):
        party = Party(name=name)
        party.commons_natural_person = person
        party.commons_organisation = organisation
        party.commons_public_consent = consent
        party.save()
        pledge = Pledge(funder=party, funding_type='donation', fund=fund)
        pledge.amount = Decimal(amount)
        pledge.date = dt.date(2023, 2, 1)
        pledge.fiscalyear = fiscalyear
        pledge.description = "Gift of " + name
        pledge.click('confirm')
        receipt = pledge.click('record_receipt')
        receipt.form.date = dt.date(2023, 3, 1)
        receipt.form.description = "Gift of " + name
        receipt.execute('post')

    receive("Fabrique Monscobar", funds['LOOT'], 3000, organisation=True)
    receive("Alice Open", funds['LOOT'], 200, person=True, consent=True)
    receive("Jean Secret", funds['LOOT'], 100, person=True)
    receive("Paul Nobody", funds['LOOT'], 50)
    receive("Fabrique Monscobar", funds['SECRET'], 777, organisation=True)
    json.dump({'company': company.id}, sys.stdout)
    ''')


class Database(ScriptDatabase):
    "A throwaway database and the script run on it"

    def __init__(self, name, folder):
        super().__init__(name, folder, SETUP, SCRIPT)

    run = ScriptDatabase.run_script


@pytest.fixture(scope='module')
def database(tmp_path_factory):
    if URI.startswith('postgresql'):
        import psycopg
        try:
            pg_connect('postgres').close()
        except psycopg.Error as exception:
            message = f"PostgreSQL does not answer at {URI}: {exception}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    folder = tmp_path_factory.mktemp('open-data')
    db = Database('commons_open_data_%s' % uuid.uuid4().hex[:12], folder)
    try:
        db.build()
        yield db
    finally:
        db.drop()


def test_export(database, tmp_path):
    "The files hold the public ledger only, anonymised, under the ODbL"
    output = tmp_path / 'out'
    status, stdout, stderr = database.run(
        '--fiscalyear', '2023', '--output', str(output))
    assert status == 0, stderr
    assert {Path(p).name for p in stdout.split()} == {
        'ledger.csv', 'ledger.json', 'resources.csv', 'resources.json',
        'datapackage.json', 'LICENSE.txt'}

    text = (output / 'ledger.csv').read_text(encoding='utf-8')
    # As data tools expect it: the header first
    assert text.startswith('id,date,resource,'), text[:100]
    rows = list(csv.DictReader(text.splitlines()))
    assert {r['resource'] for r in rows} == {'LOOT'}
    receipts = {r['amount']: r for r in rows if r['kind'] == 'receipt'}
    assert set(receipts) == {'3000.00', '200.00', '100.00', '50.00'}
    assert receipts['3000.00']['party'] == "Fabrique Monscobar"
    assert receipts['200.00']['party'] == "Alice Open"
    # A person who did not consent and a party nobody classified
    for amount in ['100.00', '50.00']:
        assert receipts[amount]['party'] == ''
        assert receipts[amount]['anonymised'] == 'true'
        assert receipts[amount]['description'] == ''

    ledger = json.loads((output / 'ledger.json').read_text('utf-8'))
    assert ledger['license'] == 'ODbL-1.0'
    assert len(ledger['lines']) == len(rows)
    resources = json.loads((output / 'resources.json').read_text('utf-8'))
    loot, = resources['resources']
    assert (loot['code'], loot['need'], loot['recognised'],
        loot['received']) == ('LOOT', '5600.00', '3350.00', '3350.00')
    (resource_row,) = csv.DictReader(
        (output / 'resources.csv').read_text('utf-8').splitlines())
    assert (resource_row['code'], resource_row['recognised']) == (
        'LOOT', '3350.00')
    for path in output.iterdir():
        content = path.read_text('utf-8')
        assert 'Jean Secret' not in content, path
        assert 'Paul Nobody' not in content, path
        assert 'SECRET' not in content, path
        assert '777' not in content, path

    # The data package is valid for the frictionless validator
    from frictionless import Package
    package = Package(str(output / 'datapackage.json'))
    report = package.validate()
    assert report.valid, report.flatten(
        ['type', 'note', 'rowNumber', 'fieldName'])
    assert package.licenses[0]['name'] == 'ODbL-1.0'
    ledger = package.get_resource('ledger')
    assert {f.name: f.type for f in ledger.schema.fields}['date'] == 'date'
    rows = ledger.read_rows()
    assert sum(r['amount'] for r in rows if r['kind'] == 'receipt') == 3350
    loot, = package.get_resource('resources').read_rows()
    assert (loot['need'], loot['recognised']) == (5600, 3350)


def test_unknown_company(database, tmp_path):
    "An unknown company or fiscal year is a clear error, no file is written"
    output = tmp_path / 'none'
    status, _, stderr = database.run('--company', '999', '-o', str(output))
    assert status == 2
    assert 'no company with id 999' in stderr
    status, _, stderr = database.run(
        '--fiscalyear', '1999', '-o', str(output))
    assert status == 2
    assert 'has no fiscal year 1999' in stderr
    assert not output.exists()
