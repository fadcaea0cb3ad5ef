# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import io
import json

from sql import Literal, Null
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.account.exceptions import FiscalYearNotFoundError
from trytond.modules.commons_fund.model import CheckWizardMixin, context_id
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import OpenDataError

LICENSE = 'ODbL-1.0'
LICENSE_URL = 'https://opendatacommons.org/licenses/odbl/1-0/'
NOTICE = (
    "This database is made available under the Open Database License "
    "(ODbL) 1.0: %s. Any rights in individual contents of the database are "
    "licensed under the Database Contents License: "
    "https://opendatacommons.org/licenses/dbcl/1-0/. "
    "Only organisations and the persons who consented are named: every "
    "other party is anonymised." % LICENSE_URL)
LEDGER_COLUMNS = [
    'id', 'date', 'resource', 'resource_name', 'fund', 'kind', 'amount',
    'currency', 'party', 'anonymised', 'description',
    ]
RESOURCE_COLUMNS = [
    'code', 'name', 'kind', 'description', 'license', 'website',
    'fiscalyear', 'currency', 'need', 'pledged', 'allocated', 'host_share',
    'recognised', 'received', 'spent', 'available', 'gap', 'coverage',
    'coverage_received',
    ]
SCHEMA_VERSION = '2.1'


class PublicLedger(ModelSQL, ModelView):
    __name__ = 'commons.reporting.public_ledger'
    company = fields.Many2One('company.company', "Company")
    date = fields.Date("Date", help="When the money moved.")
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True,
        help="The public resource the money is for.")
    resource_code = fields.Char("Resource Code")
    fund_code = fields.Char("Fund Code")
    kind = fields.Selection('get_kinds', "Kind", help="What moved the money.")
    currency = fields.Many2One('currency.currency', "Currency")
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        help="Positive when the fund receives, negative when it gives.")
    party_name = fields.Char(
        "Party",
        help="The funder or the payee, empty unless it is an organisation "
        "or a person who consented to be named.")
    anonymised = fields.Boolean(
        "Anonymised",
        help="Whether the party is hidden because it is not an "
        "organisation and did not consent to be named.")
    description = fields.Char(
        "Description", help="Empty when the party is anonymised.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def get_kinds(cls):
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        return FundLine.fields_get(['kind'])['kind']['selection']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Party = pool.get('party.party')
        Pledge = pool.get('commons.pledge')
        Resource = pool.get('commons.resource')
        line = FundLine.__table__()
        fund = Fund.__table__()
        resource = Resource.__table__()
        pledge = Pledge.__table__()
        move_line = MoveLine.__table__()
        invoice = Invoice.__table__()
        cancelled_invoice = Invoice.__table__()
        party = Party.__table__()
        company = Company.__table__()

        # A fee line has no move line of its own but the receipt's as origin
        move_line_id = Coalesce(line.move_line, Case(
                (line.origin.like(MoveLine.__name__ + ',%'),
                    FundLine.origin.sql_id(line.origin, MoveLine)),
                else_=Null))

        # A party nobody classified is treated as a person
        named = (
            (Coalesce(party.commons_organisation, Literal(False))
                == Literal(True))
            | (Coalesce(party.commons_public_consent, Literal(False))
                == Literal(True)))
        anonymised = (party.id != Null) & ~named
        where = resource.public == Literal(True)
        context = Transaction().context
        if context.get('company') is not None:
            where &= fund.company == context_id('company')
        return (line
            .join(fund, condition=line.fund == fund.id)
            .join(resource, condition=line.resource == resource.id)
            .join(company, condition=fund.company == company.id)
            .join(pledge, 'LEFT', condition=line.pledge == pledge.id)
            .join(move_line, 'LEFT', condition=move_line.id == move_line_id)
            .join(invoice, 'LEFT', condition=invoice.move == move_line.move)
            .join(cancelled_invoice, 'LEFT',
                condition=cancelled_invoice.cancel_move == move_line.move)
            # The income and expense lines of an invoice have no party: the
            # party is the invoice's
            .join(party, 'LEFT',
                condition=party.id == Coalesce(
                    pledge.funder, move_line.party, invoice.party,
                    cancelled_invoice.party))
            .select(
                line.id.as_('id'),
                fund.company.as_('company'),
                line.date.as_('date'),
                resource.id.as_('resource'),
                resource.code.as_('resource_code'),
                fund.code.as_('fund_code'),
                line.kind.as_('kind'),
                company.currency.as_('currency'),
                line.amount.as_('amount'),
                Case((anonymised, Null), else_=party.name).as_(
                    'party_name'),
                anonymised.as_('anonymised'),
                Case((anonymised, Null), else_=line.description).as_(
                    'description'),
                where=where))


def find_fiscalyear(company, name=None):
    "Return the fiscal year of the company named name, or the current one"
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    if name:
        fiscalyears = FiscalYear.search([
                ('company', '=', company.id),
                ('name', '=', name),
                ], limit=1)
        return fiscalyears[0] if fiscalyears else None
    try:
        return FiscalYear.find(company.id, test_state=False)
    except FiscalYearNotFoundError:
        return None


def _fiscalyear_domain(fiscalyear):
    if not fiscalyear:
        return []
    return [
        ('date', '>=', fiscalyear.start_date),
        ('date', '<=', fiscalyear.end_date),
        ]


def ledger_rows(company, fiscalyear=None, offset=0, limit=None):
    "Return the count and the rows of the public ledger of the company"
    pool = Pool()
    Ledger = pool.get('commons.reporting.public_ledger')
    with Transaction().set_context(company=company.id):
        domain = _fiscalyear_domain(fiscalyear)
        count = Ledger.search(domain, count=True)
        lines = Ledger.search(domain, offset=offset, limit=limit)
        rows = []
        for line in lines:
            rows.append({
                    'id': line.id,
                    'date': line.date.isoformat(),
                    'resource': line.resource_code,
                    'resource_name': line.resource.name,
                    'fund': line.fund_code,
                    'kind': line.kind,
                    'amount': str(line.currency.round(line.amount)),
                    'currency': line.currency.code,
                    'party': line.party_name,
                    'anonymised': bool(line.anonymised),
                    'description': line.description,
                    })
    return count, rows


def resource_rows(company, fiscalyear, code=None):
    "Return the public resources of the company with their funding"
    pool = Pool()
    Funding = pool.get('commons.reporting.resource_funding')
    Need = pool.get('commons.resource.need')
    domain = [('public', '=', True)]
    if code is not None:
        domain.append(('resource_code', '=', code))
    with Transaction().set_context(
            company=company.id, fiscalyear=fiscalyear.id):
        rows = Funding.search(domain, order=[('resource_code', 'ASC')])
        needs = Need.search([
                ('resource', 'in', [r.resource.id for r in rows]),
                ('fiscalyear', '=', fiscalyear.id),
                ], order=[('id', 'ASC')])
    by_resource = {}
    for need in needs:
        by_resource.setdefault(need.resource.id, []).append({
                'category': need.category,
                'description': need.description,
                'amount': str(need.amount),
                })
    funders = Funding.get_funders(rows)
    result = []
    for row in rows:
        resource = row.resource
        if not resource.active:
            continue
        result.append({
                'code': resource.code,
                'name': resource.name,
                'kind': resource.kind,
                'description': resource.description,
                'license': resource.license,
                'website': resource.website,
                'fiscalyear': fiscalyear.name,
                'currency': row.currency.code,
                'needs': by_resource.get(resource.id, []),
                'need': str(row.need),
                'pledged': str(row.pledged),
                'allocated': str(row.allocated),
                'recognised': str(row.recognised),
                'received': str(row.received),
                'host_share': str(row.host_share),
                'spent': str(row.spent),
                'available': str(row.available),
                'gap': str(row.gap),
                'coverage': (
                    round(row.coverage, 4) if row.coverage is not None
                    else None),
                'coverage_received': (
                    round(row.coverage_received, 4)
                    if row.coverage_received is not None else None),
                'funders': [{
                        'origin': f['origin'],
                        'funder': f['funder'],
                        'anonymised': f['anonymised'],
                        'opening': str(f['opening']),
                        'resources': str(f['year_resources']),
                        'spent': str(f['spent']),
                        'closing': str(f['closing']),
                        } for f in funders[row.id]],
                })
    return result


def metadata(company, fiscalyear=None):
    return {
        'license': LICENSE,
        'license_url': LICENSE_URL,
        'notice': NOTICE,
        'schema_version': SCHEMA_VERSION,
        'publisher': company.rec_name,
        'fiscalyear': fiscalyear.name if fiscalyear else None,
        }


def ledger_json(company, fiscalyear=None):
    _, rows = ledger_rows(company, fiscalyear)
    return json.dumps({
            **metadata(company, fiscalyear),
            'lines': rows,
            }, ensure_ascii=False, indent=1)


def _csv(columns, rows):
    "Return rows as CSV: UTF-8, the header first, ISO dates, '.' decimals"
    output = io.StringIO()
    writer = csv.DictWriter(
        output, fieldnames=columns, lineterminator='\n',
        extrasaction='ignore')
    writer.writeheader()
    for row in rows:
        writer.writerow({
                k: ('true' if v else 'false') if isinstance(v, bool) else v
                for k, v in row.items()})
    return output.getvalue()


def ledger_csv(company, fiscalyear=None):
    "Return the ledger as CSV, the header on the first line"
    _, rows = ledger_rows(company, fiscalyear)
    return _csv(LEDGER_COLUMNS, rows)


def resources_csv(company, fiscalyear):
    "Return the public resources and their funding as CSV, one row each"
    return _csv(RESOURCE_COLUMNS, resource_rows(company, fiscalyear))


def _field(name, type_, description, **extra):
    return {'name': name, 'type': type_, 'description': description, **extra}


def _money(name, description, currency):
    return _field(
        name, 'number', description, bareNumber=True, decimalChar='.',
        unit=currency)


def _csv_resource(name, path, title, description, fields, key):
    return {
        'name': name,
        'path': path,
        'title': title,
        'description': description,
        'profile': 'tabular-data-resource',
        'format': 'csv',
        'mediatype': 'text/csv',
        'encoding': 'utf-8',
        'dialect': {'delimiter': ',', 'header': True},
        'schema': {
            'fields': fields,
            'primaryKey': [key],
            },
        }


def datapackage(
        company, fiscalyear=None, source=None, ledger_path='ledger.csv',
        resources_path='resources.csv'):
    """Return the Frictionless Data Package of the ledger and, for the
    fiscal year, of the resources"""
    currency = company.currency.code
    ledger_fields = [
        _field('id', 'integer', "The id of the fund line, stable.",
            constraints={'required': True, 'unique': True}),
        _field('date', 'date', "When the money moved (ISO 8601).",
            format='default'),
        _field('resource', 'string', "The code of the resource."),
        _field('resource_name', 'string', "The name of the resource."),
        _field('fund', 'string', "The code of the fund."),
        _field('kind', 'string', "What moved the money.",
            constraints={'enum': [
                    'receipt', 'fee', 'allocation', 'expense', 'reciprocity',
                    'refund', 'adjustment', 'host']}),
        _money('amount', "Positive when the fund receives, negative when "
            "it gives, in the currency of the line.", currency),
        _field('currency', 'string', "ISO 4217 code of the currency."),
        _field('party', 'string', "The funder or the payee, empty when "
            "anonymised."),
        _field('anonymised', 'boolean', "Whether the party is hidden: "
            "neither an organisation nor a person who consented."),
        _field('description', 'string', "The text of the line, empty when "
            "anonymised."),
        ]
    money = {
        'need': "The needs of the year.",
        'pledged': "The funders' confirmed pledges of the year.",
        'allocated': "What pooled funds allocated to it in the year.",
        'recognised': "The income posted for it in the year, paid or not.",
        'received': "The part of the recognised income actually paid in.",
        'host_share': "The host's own resources designated for it in the "
        "year.",
        'spent': "The expenses of the year.",
        'available': "All its lines up to the end of the year.",
        'gap': "need - allocated - host_share - recognised, at least 0.",
        }
    resource_fields = []
    for name in RESOURCE_COLUMNS:
        if name in money:
            resource_fields.append(_money(name, money[name], currency))
        elif name.startswith('coverage'):
            resource_fields.append(_field(name, 'number',
                    "(allocated + host_share + %s) / need, empty without "
                    "need: 0.5 is 50 %%." % (
                        'received' if name == 'coverage_received'
                        else 'recognised'), unit='ratio'))
        else:
            resource_fields.append(_field(name, 'string', {
                        'code': "The code of the resource.",
                        'name': "The name of the resource.",
                        'kind': "What sort of commons the resource is.",
                        'description': "What the resource is.",
                        'license': "The licence of the resource.",
                        'website': "The website of the resource.",
                        'fiscalyear': "The fiscal year of the figures.",
                        'currency': "ISO 4217 code of the currency.",
                        }[name]))
    sources = [{'title': company.rec_name}]
    if source:
        sources[0]['path'] = source
    resources = [_csv_resource(
            'ledger', ledger_path, "Public ledger of the commons",
            "The lines of the fund ledger of the public resources.",
            ledger_fields, 'id')]
    if fiscalyear:
        resources.append(_csv_resource(
                'resources', resources_path,
                "Public resources and their funding",
                "The figures of the Resource Funding analysis for the "
                "fiscal year %s." % fiscalyear.name,
                resource_fields, 'code'))
    return {
        'profile': 'tabular-data-package',
        'name': 'commons-account',
        'title': "Commons account kept by %s" % company.rec_name,
        'description': NOTICE,
        'version': SCHEMA_VERSION,
        'licenses': [{
                'name': LICENSE,
                'path': LICENSE_URL,
                'title': "Open Data Commons Open Database License 1.0",
                }],
        'sources': sources,
        'keywords': ['commons', 'funding', 'open data'],
        'resources': resources,
        }


def datapackage_json(company, fiscalyear=None, source=None):
    return json.dumps(
        datapackage(company, fiscalyear, source), ensure_ascii=False,
        indent=1)


def resources_json(company, fiscalyear):
    return json.dumps({
            **metadata(company, fiscalyear),
            'resources': resource_rows(company, fiscalyear),
            }, ensure_ascii=False, indent=1)


class ExportOpenDataStart(ModelView):
    __name__ = 'commons.reporting.open_data.export.start'
    company = fields.Many2One(
        'company.company', "Company", required=True,
        help="The host whose public ledger is exported.")
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year exported, or empty for the whole ledger.")
    format = fields.Selection([
            ('csv', "CSV"),
            ('json', "JSON"),
            ], "Format", required=True,
        help="The format of the file.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_format(cls):
        return 'csv'


class ExportOpenDataResult(ModelView):
    __name__ = 'commons.reporting.open_data.export.result'
    file = fields.Binary(
        "File", readonly=True, filename='filename',
        help="The public ledger under the ODbL.")
    filename = fields.Char("File Name", readonly=True)


class ExportOpenData(CheckWizardMixin, Wizard):
    __name__ = 'commons.reporting.open_data.export'
    start = StateView(
        'commons.reporting.open_data.export.start',
        'commons_reporting.open_data_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView(
        'commons.reporting.open_data.export.result',
        'commons_reporting.open_data_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def check_start(self):
        "Check that the user exports the data of their current company"
        pool = Pool()
        User = pool.get('res.user')
        company = self.start.company
        fiscalyear = self.start.fiscalyear
        # The wizard is executed without access checks and the client's
        # domain of its fields is not checked by the server
        if (not company
                or company.id != Transaction().context.get('company')
                or company.id not in User.get_companies()):
            raise OpenDataError(gettext(
                    'commons_reporting.msg_open_data_company',
                    company=company.rec_name if company else ''))
        if fiscalyear and fiscalyear.company != company:
            raise OpenDataError(gettext(
                    'commons_reporting.msg_open_data_fiscalyear_company',
                    fiscalyear=fiscalyear.rec_name,
                    company=company.rec_name))

    def transition_export(self):
        self.check_start()
        company = self.start.company
        fiscalyear = self.start.fiscalyear
        format_ = 'json' if self.start.format == 'json' else 'csv'
        with check_access():
            count, _ = ledger_rows(company, fiscalyear, limit=1)
            if not count:
                raise OpenDataError(gettext(
                        'commons_reporting.msg_open_data_empty',
                        company=company.rec_name,
                        fiscalyear=(
                            fiscalyear.rec_name if fiscalyear
                            else gettext('commons_reporting.msg_all_years'))))
            if format_ == 'json':
                data = ledger_json(company, fiscalyear)
            else:
                data = ledger_csv(company, fiscalyear)
        self.result.file = data.encode('utf-8')
        self.result.filename = 'public-ledger%s.%s' % (
            '-' + fiscalyear.name if fiscalyear else '', format_)
        return 'result'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'filename': self.result.filename,
            }
