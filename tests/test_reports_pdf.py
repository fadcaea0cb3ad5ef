# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reports of the demo printed in French as an accountant hands them out.

Each report is printed through the demo server (tests/conftest.py) by a
French user of the commons administration, converted to PDF by LibreOffice
and read back with pdftotext: no amount, no number of a pledge, contribution
or allocation and no word of a column header may
be split across lines.  The ODT, the PDF and the PNG of each page are kept
in <artefacts>/reports/.  Without LibreOffice or poppler the test is skipped,
unless CI=true where it fails.
"""
import collections
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from conftest import ci
from demo_rpc import group_id, make_users

TEXT = 'urn:oasis:names:tc:opendocument:xmlns:text:1.0'
TABLE = 'urn:oasis:names:tc:opendocument:xmlns:table:1.0'
# A French amount, 3 000,00 €, or rate, 42,9 % (the spaces may be narrow
# or non-breaking)
AMOUNT = re.compile(r'-?\d{1,3}(?: \d{3})*,\d{2} €|\d{1,3},\d %')
SPACES = re.compile(r'[\u00a0\u202f]')
# The numbers of the documents a reader refers to, and those each report
# of the demo quotes: the pledges of the funders, the contributions paid
NUMBER = re.compile(r'\b(?:ENG|CONTRIB|REPART|TOUR|CONTRAT|DECL)-\d{4}-\d+')
QUOTED = {
    'resource-funding-statement': ['ENG-', 'CONTRIB-'],
    'funder-report': ['ENG-', 'CONTRIB-'],
    'contributor-statement': ['CONTRIB-'],
    'payment-request': ['ENG-'],
    }


def _missing(reason):
    if ci():
        pytest.fail("%s (CI=true: the reports must be printed)" % reason)
    pytest.skip(reason)


@pytest.fixture(scope='module')
def reports(artefacts):
    for tool in ['soffice', 'pdftotext', 'pdftoppm']:
        if not shutil.which(tool):
            _missing("%s is missing (scripts/setup.sh --test installs "
                "LibreOffice and poppler)" % tool)
    path = artefacts / 'reports'
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope='module')
def accountant(demo_server):
    "A French user of the commons administration and of the accounting"
    admin = demo_server.client('admin', 'admin')
    login, = make_users(admin, 'accountant-fr', "Commons Administration",
        [None])
    user, = admin.model('res.user', 'search', [
            ('login', '=', login[0])], 0, 1, None)
    french, = admin.model('ir.lang', 'search', [
            ('code', '=', 'fr')], 0, 1, None)
    admin.model('res.user', 'write', [user], {
            'language': french,
            'groups': [('add', [group_id(admin, "Accounting")])],
            })
    return demo_server.client(*login)


def _fiscalyear(client, name):
    fiscalyear, = client.model('account.fiscalyear', 'search', [
            ('name', '=', name)], 0, 1, None)
    return fiscalyear


def _print(client, module, action, model, ids, context=None):
    "The ODT of the report action on the records"
    action_id = client.model('ir.model.data', 'get_id', module, action)
    report_name, = client.model('ir.action.report', 'read', [action_id],
        ['report_name'])
    context = {**client.context, **(context or {})}
    extension, content, _, _ = client.call(
        'report.%s.execute' % report_name['report_name'], ids, {
            'model': model, 'id': ids[0], 'ids': ids,
            'action_id': action_id,
            }, context=context)
    assert extension == 'odt'
    return content


def _documents(client):
    "Name, module, action, model, ids and context of each report printed"
    fy2023 = _fiscalyear(client, '2023')
    context = {'fiscalyear': fy2023}
    loot_funding = client.model('commons.reporting.resource_funding',
        'search', [('resource.code', '=', 'LOOT')], 0, None, None,
        context={**client.context, **context})
    funder = client.model('commons.reporting.funder', 'search', [
            ('funder.name', '=', "Fabrique Monscobar")], 0, None, None,
        context={**client.context, **context})
    contributor = client.model('commons.reporting.contributor', 'search', [
            ('contributor.name', '=', "Alice Durand")], 0, None, None,
        context={**client.context, **context})
    annex = client.model('commons.fund.dedicated', 'search', [
            ('fiscalyear', '=', fy2023)], 0, None, None)
    request = client.model('account.invoice', 'search', [
            ('commons_request', '=', True),
            ('number', '=', 'APF2023-0001'),
            ], 0, None, None)
    return [
        ('resource-funding-statement', 'commons_reporting',
            'report_resource_funding_statement',
            'commons.reporting.resource_funding', loot_funding, context),
        ('funder-report', 'commons_reporting', 'report_funder',
            'commons.reporting.funder', funder, context),
        ('contributor-statement', 'commons_reporting',
            'report_contributor_statement',
            'commons.reporting.contributor', contributor, context),
        ('dedicated-annex', 'commons_reporting', 'report_dedicated_annex',
            'commons.fund.dedicated', annex, {}),
        ('payment-request', 'commons_fund', 'report_payment_request',
            'account.invoice', request, {}),
        ]


def _odt_texts(path):
    "The paragraphs of the ODT and the words of its table headers"
    with zipfile.ZipFile(path) as odt:
        root = ElementTree.fromstring(odt.read('content.xml'))
    paragraphs = [
        SPACES.sub(' ', ''.join(p.itertext()))
        for p in root.iter('{%s}p' % TEXT)]
    words = []
    for header in root.iter('{%s}table-header-rows' % TABLE):
        for p in header.iter('{%s}p' % TEXT):
            words.extend(SPACES.sub(' ', ''.join(p.itertext())).split())
    return paragraphs, words


def _words(text):
    return collections.Counter(re.findall(r"[\w'’().%-]+", text))


def test_reports_do_not_split(accountant, reports):
    "Every report prints in French without an amount or a header cut"
    documents = _documents(accountant)
    for name, module, action, model, ids, context in documents:
        assert ids, "the demo has nothing to print in %s" % name
        odt = reports / ('%s.odt' % name)
        odt.write_bytes(
            _print(accountant, module, action, model, ids, context))
    profile = reports / 'lo-profile'
    subprocess.run([
            'soffice', '-env:UserInstallation=%s' % profile.as_uri(),
            '--headless', '--convert-to', 'pdf', '--outdir', str(reports),
            *sorted(str(p) for p in reports.glob('*.odt'))],
        check=True, timeout=600, capture_output=True)
    shutil.rmtree(profile, ignore_errors=True)

    for name, *_ in documents:
        odt = reports / ('%s.odt' % name)
        pdf = reports / ('%s.pdf' % name)
        assert pdf.read_bytes().startswith(b'%PDF'), name
        subprocess.run(
            ['pdftoppm', '-png', '-r', '70', str(pdf), str(reports / name)],
            check=True, timeout=300)
        assert list(reports.glob('%s*.png' % name)), name
        text = SPACES.sub(' ', subprocess.run(
                ['pdftotext', '-layout', str(pdf), '-'], check=True,
                capture_output=True, text=True, timeout=120).stdout)
        paragraphs, header_words = _odt_texts(odt)

        # Each amount and rate of the document is whole on one line
        amounts = collections.Counter(
            a for p in paragraphs for a in AMOUNT.findall(p))
        assert amounts, "%s prints no amount in French" % name
        printed = collections.Counter(
            a for line in text.splitlines() for a in AMOUNT.findall(line))
        cut = {a: n for a, n in amounts.items() if printed[a] < n}
        assert not cut, "%s: amounts split across lines: %s\n%s" % (
            name, cut, text)

        # The numbers of the documents listed, each whole on one line
        numbers = collections.Counter(
            n for p in paragraphs for n in NUMBER.findall(p))
        for prefix in QUOTED.get(name, []):
            assert any(n.startswith(prefix) for n in numbers), (
                "%s quotes no %s number: %s" % (name, prefix, numbers))
        printed = collections.Counter(
            n for line in text.splitlines() for n in NUMBER.findall(line))
        cut = {n: c for n, c in numbers.items() if printed[n] < c}
        assert not cut, "%s: numbers split across lines: %s\n%s" % (
            name, cut, text)
        # Each word of a column header is whole on one line of the PDF
        expected = _words(' '.join(paragraphs))
        found = collections.Counter()
        for line in text.splitlines():
            found.update(_words(line))
        cut = sorted({
                w for w in _words(' '.join(header_words))
                if found[w] < expected[w]})
        assert not cut, "%s: header words split across lines: %s\n%s" % (
            name, cut, text)
