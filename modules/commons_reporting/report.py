# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.commons_fund.model import HostReportMixin
from trytond.pool import Pool
from trytond.report import Report
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction, without_check_access

from .exceptions import ReportingError


class _ReportMixin(HostReportMixin):
    __slots__ = ()

    @classmethod
    def _check_records(cls, records):
        if not records:
            raise ReportingError(gettext(
                    'commons_reporting.msg_report_no_records'))

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        context = super().get_context(records, header, data)
        lang = Lang.get()

        def percent(value):
            if value is None:
                return '-'
            return lang.format('%.1f', value * 100) + '\u00a0%'
        context['percent'] = percent
        context['describe'] = cls.describe
        return context

    @classmethod
    def describe(cls, line):
        """Return who was paid and for what by the fund line, after the
        numbers of the invoice and of the document it pays"""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        origin = line.origin
        if isinstance(origin, InvoiceLine) and origin.invoice:
            return ' - '.join(filter(None, [
                        origin.invoice.number,
                        getattr(origin.origin, 'number', None),
                        origin.invoice.party.rec_name,
                        origin.description or line.description]))
        if line.description:
            return line.description
        return origin.rec_name if origin else ''

    @classmethod
    def _expenses(cls, funds_or_resources, fiscalyear, field='resource',
            kind='expense'):
        "Return the lines of the kind of the year of the resources or funds"
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        return FundLine.search([
                (field, 'in', [r.id for r in funds_or_resources]),
                ('kind', '=', kind),
                ('date', '>=', fiscalyear.start_date),
                ('date', '<=', fiscalyear.end_date),
                ], order=[('date', 'ASC'), ('id', 'ASC')])


class ResourceFundingStatement(_ReportMixin, Report):
    __name__ = 'commons.reporting.resource_funding.statement'

    @classmethod
    def _needs(cls, funding):
        "Return the needs of the year by category as (category, amount)"
        pool = Pool()
        Need = pool.get('commons.resource.need')
        need = Need.__table__()
        cursor = Transaction().connection.cursor()
        query = need.select(
            need.category, Sum(need.amount).as_('amount'),
            where=(need.resource == funding.resource.id)
            & (need.fiscalyear == funding.fiscalyear.id),
            group_by=need.category)
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, 'NUMERIC'])
        cursor.execute(*query)
        amounts = dict(cursor)
        categories = dict(Need.fields_get(['category'])['category']
            ['selection'])
        return [{
                'category': categories[c],
                'amount': funding.currency.round(amounts[c]),
                'share': (
                    float(amounts[c] / funding.need) if funding.need
                    else None),
                } for c in categories if c in amounts]

    @classmethod
    def _funders(cls, funding):
        pool = Pool()
        Funder = pool.get('commons.reporting.funder')
        # Who may read the funding of a resource (a steward) reads the
        # pledges made to it, but not the funder analysis of the host
        with Transaction().set_context(
                company=funding.company.id,
                fiscalyear=funding.fiscalyear.id), \
                without_check_access():
            return Funder.search([
                    ('resource', '=', funding.resource.id),
                    ])

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Funder = pool.get('commons.reporting.funder')
        cls._check_records(records)
        for record in records:
            if record.is_empty():
                raise ReportingError(gettext(
                        'commons_reporting.msg_resource_funding_empty',
                        resource=record.resource.rec_name,
                        fiscalyear=record.fiscalyear.rec_name))
        context = super().get_context(records, header, data)
        statements = {}
        for record in records:
            funders = cls._funders(record)
            statements[record.id] = {
                'needs': cls._needs(record),
                'funders': funders,
                'funders_pledged': sum(
                    (f.pledged for f in funders), Decimal(0)),
                'funders_recognised': sum(
                    (f.recognised for f in funders), Decimal(0)),
                'funders_received': sum(
                    (f.received for f in funders), Decimal(0)),
                'funders_fees': sum((f.fees for f in funders), Decimal(0)),
                'pledges': {
                    k: [n for _, n in v]
                    for k, v in Funder._get_pledges(funders).items()},
                'allocations': cls._expenses(
                    [record.resource], record.fiscalyear,
                    kind='allocation'),
                'expenses': cls._expenses(
                    [record.resource], record.fiscalyear),
                }
        context['statements'] = statements
        return context


class FunderReport(_ReportMixin, Report):
    __name__ = 'commons.reporting.funder.report'

    @classmethod
    def header_key(cls, record, data):
        return (
            ('funder', record.funder),
            ('fiscalyear', record.fiscalyear),
            ('company', record.company),
            )

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Funder = pool.get('commons.reporting.funder')
        cls._check_records(records)
        context = super().get_context(records, header, data)
        records = sorted(records, key=lambda r: r.fund.code)
        context['lines'] = records
        context['funder'] = header.get('funder', records[0].funder)
        context['fiscalyear'] = header.get(
            'fiscalyear', records[0].fiscalyear)
        context['company'] = header.get('company', records[0].company)
        context['currency'] = records[0].currency
        totals = defaultdict(Decimal)
        for record in records:
            for name in ['pledged', 'recognised', 'received', 'fees', 'net',
                    'spent', 'remaining']:
                totals[name] += getattr(record, name)
        context['totals'] = totals
        context['pledges'] = {
            k: [n for _, n in v]
            for k, v in Funder._get_pledges(records).items()}
        funds = list({r.fund for r in records})
        expenses = defaultdict(list)
        for line in cls._expenses(funds, context['fiscalyear'], 'fund'):
            expenses[line.fund].append(line)
        context['expenses'] = expenses
        return context


class ContributorStatement(_ReportMixin, Report):
    __name__ = 'commons.reporting.contributor.statement'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        cls._check_records(records)
        context = super().get_context(records, header, data)
        contributions = {}
        for record in records:
            contributions[record.id] = Contribution.search([
                    ('company', '=', record.company.id),
                    ('contributor', '=', record.contributor.id),
                    ('state', 'in', ['validated', 'invoiced']),
                    ('date', '>=', record.fiscalyear.start_date),
                    ('date', '<=', record.fiscalyear.end_date),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])
        context['contributions'] = contributions
        context['remunerations'] = dict(Contribution.fields_get(
                ['remuneration'])['remuneration']['selection'])
        return context


class DedicatedAnnex(_ReportMixin, Report):
    __name__ = 'commons.reporting.dedicated.annex'

    @classmethod
    def header_key(cls, record, data):
        return (
            ('company', record.company),
            ('fiscalyear', record.fiscalyear),
            )

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Dedicated = pool.get('commons.fund.dedicated')
        cls._check_records(records)
        context = super().get_context(records, header, data)
        records = sorted(
            records, key=lambda r: (r.fund.code, r.origin))
        context['rows'] = records
        context['company'] = header.get('company', records[0].company)
        context['fiscalyear'] = header.get(
            'fiscalyear', records[0].fiscalyear)
        context['currency'] = records[0].currency
        names = ['opening', 'year_resources', 'spent', 'used', 'reported',
            'closing']
        origins = dict(
            Dedicated.fields_get(['origin'])['origin']['selection'])
        by_origin = {}
        for record in records:
            totals = by_origin.setdefault(
                record.origin, dict.fromkeys(names, Decimal(0)))
            for name in names:
                totals[name] += getattr(record, name)
        context['origins'] = [
            {'origin': origins[o], **by_origin[o]}
            for o in origins if o in by_origin]
        context['totals'] = {
            n: sum((getattr(r, n) for r in records), Decimal(0))
            for n in names}
        return context
