# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import os
from collections import defaultdict
from decimal import Decimal
from html import escape
from urllib.parse import quote

from sql import Literal
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import opendata

LANGUAGES = ['fr', 'en']
ORIGINS = ['subsidy', 'organisation', 'generosity', 'host']
with open(os.path.join(os.path.dirname(__file__), 'page.css')) as fp:
    STYLESHEET = fp.read()


def _(name, language, **variables):
    return gettext(
        'commons_reporting.msg_page_%s' % name, language, **variables)


def _attr(value):
    return escape(str(value), quote=True)


class PublicPage(Model):
    __name__ = 'commons.reporting.public_page'

    @classmethod
    def get_language(cls, accept_languages):
        "Return the language of the page: French unless English is preferred"
        for code, _quality in accept_languages:
            code = code.lower().split('-')[0]
            if code in LANGUAGES:
                return code
        return LANGUAGES[0]

    @classmethod
    def get_fiscalyears(cls, company):
        "Return the fiscal years with figures of public resources"
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        FundLine = pool.get('commons.fund.line')
        Need = pool.get('commons.resource.need')
        Resource = pool.get('commons.resource')
        fiscalyear = FiscalYear.__table__()
        need = Need.__table__()
        line = FundLine.__table__()
        resource = Resource.__table__()
        resource2 = Resource.__table__()
        cursor = Transaction().connection.cursor()
        public = (resource.public == Literal(True)) & resource.active
        needs = need.join(resource, condition=need.resource == resource.id
            ).select(need.fiscalyear, where=public)
        lines = line.join(resource2, condition=line.resource == resource2.id
            ).select(Literal(1),
                where=(resource2.public == Literal(True)) & resource2.active
                & (line.date >= fiscalyear.start_date)
                & (line.date <= fiscalyear.end_date))
        cursor.execute(*fiscalyear.select(fiscalyear.id,
                where=(fiscalyear.company == company.id)
                & (fiscalyear.id.in_(needs) | Exists(lines)),
                order_by=fiscalyear.start_date.desc))
        return FiscalYear.browse([i for i, in cursor])

    @classmethod
    def get_fiscalyear(cls, company, fiscalyears, name=None):
        "Return the fiscal year named, or the current one with figures"
        if name:
            return opendata.find_fiscalyear(company, name)
        current = opendata.find_fiscalyear(company)
        if current in fiscalyears or not fiscalyears:
            return current
        return fiscalyears[0]

    @classmethod
    def _total_names(cls):
        return [
            'need', 'pledged', 'allocated', 'host_share', 'recognised',
            'received', 'spent', 'gap']

    @classmethod
    def get_totals(cls, rows):
        "Return the totals of the rows of opendata.resource_rows"
        totals = {
            n: sum((Decimal(r[n]) for r in rows), Decimal(0))
            for n in cls._total_names()}
        need = totals['need']
        if need:
            covered = (
                totals['allocated'] + totals['host_share']
                + totals['recognised'])
            totals['coverage'] = float(covered / need)
        else:
            totals['coverage'] = None
        return totals

    @classmethod
    def get_pooled_funds(cls, company):
        pool = Pool()
        Fund = pool.get('commons.fund')
        with Transaction().set_context(company=company.id):
            funds = Fund.search([
                    ('company', '=', company.id),
                    ('type', '=', 'pooled'),
                    ('state', '=', 'open'),
                    ], order=[('code', 'ASC')])
            return [{
                    'name': f.name,
                    'recognised': f.recognised,
                    'allocated': -f.allocated,
                    'available': f.available,
                    } for f in funds]

    @classmethod
    def get_rounds(cls, company, fiscalyear):
        "Return the open and closed rounds of the year, public buckets only"
        pool = Pool()
        Round = pool.get('commons.round')
        with Transaction().set_context(company=company.id):
            rounds = Round.search([
                    ('company', '=', company.id),
                    ('state', 'in', ['open', 'closed', 'posted']),
                    ('start_date', '<=', fiscalyear.end_date),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=', fiscalyear.start_date),
                        ],
                    ], order=[('start_date', 'ASC'), ('id', 'ASC')])
            result = []
            for round_ in rounds:
                buckets = [
                    b for b in round_.buckets
                    if b.resource.public and b.resource.active]
                result.append({
                        'name': round_.name,
                        'method': round_.method,
                        'state': round_.state,
                        'open': round_.state == 'open',
                        'start_date': round_.start_date,
                        'end_date': round_.end_date,
                        'buckets': [{
                                'code': b.resource.code,
                                'resource': b.resource.name,
                                'milestone': (
                                    b.milestone.name if b.milestone
                                    else None),
                                'min_goal': b.min_goal,
                                'max_goal': b.max_goal,
                                'committed': b.committed,
                                'contributors': b.contributors,
                                'progress': b.progress,
                                'funded': b.funded,
                                'allocated': b.allocated_amount,
                                'explanation': b.explanation,
                                } for b in buckets],
                        })
        return result

    @classmethod
    def get_host(cls, company, fiscalyear, fiscalyears):
        "Return what the host's page shows"
        rows = opendata.resource_rows(company, fiscalyear)
        return {
            'company': company,
            'fiscalyear': fiscalyear,
            'fiscalyears': fiscalyears,
            'currency': company.currency,
            'resources': rows,
            'totals': cls.get_totals(rows),
            'pooled_funds': cls.get_pooled_funds(company),
            'rounds': cls.get_rounds(company, fiscalyear),
            }

    @classmethod
    def _named(cls, party):
        return bool(
            party.commons_organisation or party.commons_public_consent)

    @classmethod
    def get_contracts(cls, resource):
        "Return the contracts in force whose agent consented to be shown"
        pool = Pool()
        Date = pool.get('ir.date')
        ContractLine = pool.get('commons.reciprocity.contract.line')
        with Transaction().set_context(company=resource.company.id):
            today = Date.today()
        lines = ContractLine.search([
                ('resource', '=', resource.id),
                ('contract.state', '=', 'active'),
                ('contract.public', '=', True),
                ('contract.start_date', '<=', today),
                ['OR',
                    ('contract.end_date', '=', None),
                    ('contract.end_date', '>=', today),
                    ],
                ], order=[('contract.start_date', 'ASC'), ('id', 'ASC')])
        return [{
                'agent': l.contract.agent.name,
                'basis': l.contract.basis,
                'start_date': l.contract.start_date,
                } for l in lines]

    @classmethod
    def get_resource(cls, company, fiscalyear, fiscalyears, code):
        "Return what the page of the public resource shows, or None"
        pool = Pool()
        Funding = pool.get('commons.reporting.resource_funding')
        Need = pool.get('commons.resource.need')
        Resource = pool.get('commons.resource')
        rows = opendata.resource_rows(company, fiscalyear, code=code)
        if not rows:
            return None
        row, = rows
        resource, = Resource.search([
                ('company', '=', company.id),
                ('code', '=', code),
                ('public', '=', True),
                ], limit=1)
        # The rows of the analysis for every year, without the funders
        names = ['need', 'recognised', 'spent', 'coverage']
        with Transaction().set_context(company=company.id, fiscalyear=None):
            fundings = Funding.search([
                    ('resource', '=', resource.id),
                    ('fiscalyear', 'in', [y.id for y in fiscalyears]),
                    ])
            by_id = {y.id: y for y in fiscalyears}
            years = {
                by_id[r['fiscalyear']]: {n: r[n] for n in names}
                for r in Funding.read(
                    [f.id for f in fundings], ['fiscalyear'] + names)}
        needs = defaultdict(lambda: defaultdict(Decimal))
        for need in Need.search([
                    ('resource', '=', resource.id),
                    ('fiscalyear', 'in', [y.id for y in fiscalyears]),
                    ]):
            needs[need.fiscalyear][need.category] += need.amount
        return {
            'company': company,
            'fiscalyear': fiscalyear,
            'fiscalyears': fiscalyears,
            'currency': company.currency,
            'resource': row,
            'stewards': [
                p.name for p in resource.stewards if cls._named(p)],
            'contributors_count': resource.contributors_count,
            'users_count': resource.users_count,
            'years': years,
            'needs': needs,
            'contracts': cls.get_contracts(resource),
            }

    # Rendering

    @classmethod
    def _formatter(cls, language, currency):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get(language)

        def money(value):
            value = Decimal(value) if value is not None else Decimal(0)
            return escape(lang.currency(value, currency, grouping=True))

        def percent(value):
            if value is None:
                return '–'
            return escape(_('percent', language, value=lang.format(
                        '%.0f', value * 100, grouping=True)))

        def date(value):
            return escape(lang.strftime(value)) if value else ''
        return money, percent, date

    @classmethod
    def _selection(cls, model, field, language):
        pool = Pool()
        Model = pool.get(model)
        with Transaction().set_context(language=language):
            return dict(Model.fields_get([field])[field]['selection'])

    @classmethod
    def bar(cls, value, label=''):
        "Return an inline SVG bar filled to value (a fraction)"
        fill = max(0, min(float(value or 0), 1))
        return (
            '<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none"'
            ' role="img" aria-label="%s"><rect width="100" height="8"'
            ' class="bar-bg"/><rect width="%.1f" height="8" class="bar-fg"/>'
            '</svg>' % (_attr(label), fill * 100))

    @classmethod
    def _year_chooser(cls, data, language, path):
        items = []
        for year in data['fiscalyears']:
            name = escape(year.name)
            if year == data['fiscalyear']:
                items.append('<li><strong aria-current="page">%s</strong>'
                    '</li>' % name)
            else:
                items.append('<li><a href="%s?fiscalyear=%s">%s</a></li>' % (
                        _attr(path), _attr(quote(year.name)), name))
        return '<nav class="years" aria-label="%s"><span>%s</span>' \
            '<ul>%s</ul></nav>' % (
                _attr(_('year', language)), escape(_('year', language)),
                ''.join(items))

    @classmethod
    def _document(cls, language, title, body):
        return (
            '<!DOCTYPE html>\n<html lang="%(lang)s"><head>'
            '<meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, '
            'initial-scale=1">'
            '<title>%(title)s</title><style>%(style)s</style></head>'
            '<body>%(body)s<footer><p>%(notice)s</p></footer>'
            '</body></html>\n' % {
                'lang': language,
                'title': escape(title),
                'style': STYLESHEET,
                'body': body,
                'notice': escape(_('notice', language)),
                })

    @classmethod
    def render_host(cls, data, language, base):
        "Return the HTML of the host's page; base is the URL of the page"
        currency = data['currency']
        money, percent, date = cls._formatter(language, currency)
        categories = cls._selection(
            'commons.resource.need', 'category', language)
        methods = cls._selection('commons.round', 'method', language)
        year = data['fiscalyear'].name
        title = _('host_title', language, company=data['company'].rec_name)
        parts = ['<header><h1>%s</h1>%s</header><main>' % (
                escape(title), cls._year_chooser(data, language, base))]

        totals = data['totals']
        parts.append('<section class="totals"><h2>%s</h2><dl>' % escape(
                _('totals', language, year=year)))
        for name in ['need', 'recognised', 'received', 'allocated',
                'host_share', 'spent', 'gap']:
            parts.append('<div><dt>%s</dt><dd data-total="%s">%s</dd>'
                '</div>' % (
                    escape(_(name, language)), name, money(totals[name])))
        parts.append('<div><dt>%s</dt><dd data-total="coverage">%s%s</dd>'
            '</div></dl></section>' % (
                escape(_('coverage', language)),
                percent(totals['coverage']),
                cls.bar(totals['coverage'])))

        parts.append('<section><h2>%s</h2>' % escape(
                _('resources', language)))
        if not data['resources']:
            parts.append('<p>%s</p>' % escape(_('no_data', language)))
        else:
            parts.append('<table class="resources"><thead><tr>'
                + ''.join('<th>%s</th>' % escape(_(n, language)) for n in [
                        'resource', 'needs', 'recognised', 'received',
                        'gap', 'coverage'])
                + '</tr></thead><tbody>')
            for row in data['resources']:
                needs = defaultdict(Decimal)
                for need in row['needs']:
                    needs[need['category']] += Decimal(need['amount'])
                need_items = ''.join(
                    '<li>%s <span>%s</span></li>' % (
                        escape(categories.get(c, c)), money(a))
                    for c, a in needs.items())
                parts.append(
                    '<tr data-resource="%(code)s">'
                    '<th scope="row"><a href="%(href)s">%(name)s</a></th>'
                    '<td data-field="need"><strong>%(need)s</strong>'
                    '<ul class="needs">%(needs)s</ul></td>'
                    '<td data-field="recognised">%(recognised)s</td>'
                    '<td data-field="received">%(received)s</td>'
                    '<td data-field="gap">%(gap)s</td>'
                    '<td data-field="coverage">%(coverage)s%(bar)s</td>'
                    '</tr>' % {
                        'code': _attr(row['code']),
                        'href': _attr('%spage/%s?fiscalyear=%s' % (
                                base, quote(row['code']), quote(year))),
                        'name': escape(row['name']),
                        'need': money(row['need']),
                        'needs': need_items,
                        'recognised': money(row['recognised']),
                        'received': money(row['received']),
                        'gap': money(row['gap']),
                        'coverage': percent(row['coverage']),
                        'bar': cls.bar(row['coverage']),
                        })
            parts.append('</tbody></table>')
        parts.append('</section>')

        if data['pooled_funds']:
            parts.append('<section><h2>%s</h2><table><thead><tr>' % escape(
                    _('pooled_funds', language)))
            parts.append(''.join('<th>%s</th>' % escape(_(n, language))
                    for n in ['fund', 'recognised', 'allocated',
                        'available']))
            parts.append('</tr></thead><tbody>')
            for fund in data['pooled_funds']:
                parts.append('<tr><th scope="row">%s</th><td>%s</td>'
                    '<td>%s</td><td>%s</td></tr>' % (
                        escape(fund['name']), money(fund['recognised']),
                        money(fund['allocated']), money(fund['available'])))
            parts.append('</tbody></table></section>')

        if data['rounds']:
            parts.append('<section><h2>%s</h2>' % escape(
                    _('rounds', language)))
            for round_ in data['rounds']:
                parts.append(cls._render_round(
                        round_, language, money, percent, date, methods))
            parts.append('</section>')
        parts.append(cls._render_data_links(language, base, year))
        parts.append('</main>')
        return cls._document(language, title, ''.join(parts))

    @classmethod
    def _render_round(cls, round_, language, money, percent, date, methods):
        state = 'round_open' if round_['open'] else 'round_closed'
        parts = ['<article class="round"><h3>%s</h3><p>%s · %s · %s – %s'
            '</p>' % (
                escape(round_['name']), escape(_(state, language)),
                escape(methods.get(round_['method'], round_['method'])),
                date(round_['start_date']), date(round_['end_date']))]
        # A majority judgment is graded, no money is placed on it
        graded = round_['method'] == 'majority_judgment'
        if graded and round_['open']:
            names = ['bucket', 'min_goal', 'max_goal']
        elif round_['open']:
            names = ['bucket', 'min_goal', 'max_goal', 'committed',
                'progress']
        else:
            names = ['bucket', 'min_goal', 'max_goal', 'result',
                'allocated', 'explanation']
        parts.append('<table><thead><tr>%s</tr></thead><tbody>' % ''.join(
                '<th>%s</th>' % escape(_(n, language)) for n in names))
        for bucket in round_['buckets']:
            name = escape(bucket['resource'])
            if bucket['milestone']:
                name += ' — %s' % escape(bucket['milestone'])
            cells = ['<th scope="row">%s</th>' % name,
                '<td>%s</td>' % money(bucket['min_goal']),
                '<td>%s</td>' % money(bucket['max_goal'])]
            if graded and round_['open']:
                pass
            elif round_['open']:
                cells.append('<td>%s</td>' % money(bucket['committed']))
                cells.append('<td>%s%s</td>' % (
                        percent(bucket['progress']),
                        cls.bar(bucket['progress'])))
            else:
                cells.append('<td>%s</td>' % escape(_(
                            'funded' if bucket['funded'] else 'not_funded',
                            language)))
                cells.append('<td>%s</td>' % money(bucket['allocated']))
                cells.append('<td class="explanation">%s</td>' % escape(
                        bucket['explanation'] or ''))
            parts.append('<tr>%s</tr>' % ''.join(cells))
        parts.append('</tbody></table></article>')
        return ''.join(parts)

    @classmethod
    def _render_data_links(cls, language, base, year):
        links = [
            ('datapackage.json', 'datapackage.json'),
            ('resources', 'resources?fiscalyear=%s' % quote(year)),
            ('ledger.csv', 'ledger.csv'),
            ]
        return '<section class="data"><h2>%s</h2><ul>%s</ul></section>' % (
            escape(_('open_data', language)),
            ''.join('<li><a href="%s">%s</a></li>' % (
                    _attr(base + href), escape(label))
                for label, href in links))

    @classmethod
    def chart(cls, years, money_value):
        "Return an inline SVG bar chart of need, recognised and spent by year"
        names = ['need', 'recognised', 'spent']
        values = [
            (year, [Decimal(row[n]) for n in names])
            for year, row in sorted(years.items(),
                key=lambda i: i[0].start_date)]
        top = max([v for _y, vs in values for v in vs] + [Decimal(1)])
        width, height, bar = 60 * max(len(values), 1) + 10, 120, 16
        parts = ['<svg class="chart" viewBox="0 0 %(w)s %(h)s" '
            'width="%(w2)s" height="%(h2)s" role="img">' % {
                'w': width, 'h': height + 20,
                'w2': 2 * width, 'h2': 2 * (height + 20)}]
        for i, (year, amounts) in enumerate(values):
            x = 10 + i * 60
            for j, (name, amount) in enumerate(zip(names, amounts)):
                h = float(amount / top) * height
                parts.append(
                    '<rect class="%s" x="%s" y="%.1f" width="%s" '
                    'height="%.1f"><title>%s</title></rect>' % (
                        name, x + j * bar, height - h, bar - 2, h,
                        money_value(amount)))
            parts.append('<text x="%s" y="%s">%s</text>' % (
                    x, height + 15, escape(year.name)))
        parts.append('</svg>')
        return ''.join(parts)

    @classmethod
    def render_resource(cls, data, language, base):
        "Return the HTML of the page of a resource; base is the host's URL"
        currency = data['currency']
        money, percent, date = cls._formatter(language, currency)
        categories = cls._selection(
            'commons.resource.need', 'category', language)
        kinds = cls._selection('commons.resource', 'kind', language)
        bases = cls._selection(
            'commons.reciprocity.contract', 'basis', language)
        row = data['resource']
        year = data['fiscalyear'].name
        path = '%spage/%s' % (base, quote(row['code']))
        parts = ['<header><p><a href="%s?fiscalyear=%s">%s</a></p>'
            '<h1>%s</h1><p class="kind">%s</p>%s</header><main>' % (
                _attr(base), _attr(quote(year)), escape(
                    _('host_title', language,
                        company=data['company'].rec_name)),
                escape(row['name']),
                escape(kinds.get(row['kind'], row['kind'] or '')),
                cls._year_chooser(data, language, path))]

        parts.append('<section class="about">')
        if row['description']:
            parts.append('<p class="description">%s</p>' % escape(
                    row['description']))
        parts.append('<dl>')
        facts = [
            ('license', escape(row['license'] or '–')),
            ('website', '<a href="%s" rel="nofollow">%s</a>' % (
                    _attr(row['website']), escape(row['website']))
                if row['website'] and row['website'].startswith(
                    ('https://', 'http://')) else escape(
                    row['website'] or '–')),
            ('stewards', escape(', '.join(data['stewards']) or '–')),
            ('contributors', escape(str(data['contributors_count'] or 0))),
            ('users', escape(str(data['users_count'] or 0))),
            ]
        for name, value in facts:
            parts.append('<div><dt>%s</dt><dd data-field="%s">%s</dd>'
                '</div>' % (escape(_(name, language)), name, value))
        parts.append('</dl></section>')

        parts.append('<section class="totals"><h2>%s</h2><dl>' % escape(
                _('totals', language, year=year)))
        for name in ['need', 'pledged', 'allocated', 'host_share',
                'recognised', 'received', 'spent', 'available', 'gap']:
            parts.append('<div><dt>%s</dt><dd data-field="%s">%s</dd>'
                '</div>' % (
                    escape(_(name, language)), name, money(row[name])))
        parts.append('<div><dt>%s</dt><dd data-field="coverage">%s%s</dd>'
            '</div>' % (
                escape(_('coverage', language)), percent(row['coverage']),
                cls.bar(row['coverage'])))
        parts.append('<div><dt>%s</dt><dd data-field="coverage_received">'
            '%s%s</dd></div></dl>' % (
                escape(_('coverage_received', language)),
                percent(row['coverage_received']),
                cls.bar(row['coverage_received'])))
        badge = '%sbadge/%s.svg' % (base, quote(row['code']))
        parts.append('<p class="badge"><img src="%s" alt="%s"></p>'
            '<p>%s</p><pre><code>%s</code></pre></section>' % (
                _attr(badge + '?fiscalyear=%s' % quote(year)),
                _attr(cls.badge_text(row, language)),
                escape(_('embed', language)),
                escape('<img src="%s" alt="%s">' % (
                        badge, cls.badge_text(row, language)))))

        parts.append('<section><h2>%s</h2>' % escape(
                _('needs_by_year', language)))
        if data['needs']:
            years = sorted(data['needs'], key=lambda y: y.start_date)
            used = [c for c in categories
                if any(c in data['needs'][y] for y in years)]
            parts.append('<table class="needs"><thead><tr><th>%s</th>%s'
                '</tr></thead><tbody>' % (
                    escape(_('year', language)), ''.join(
                        '<th>%s</th>' % escape(categories[c])
                        for c in used)))
            for y in years:
                parts.append('<tr><th scope="row">%s</th>%s</tr>' % (
                        escape(y.name), ''.join(
                            '<td>%s</td>' % (
                                money(data['needs'][y][c])
                                if c in data['needs'][y] else '–')
                            for c in used)))
            parts.append('</tbody></table>')
        else:
            parts.append('<p>%s</p>' % escape(_('no_data', language)))
        parts.append('</section>')

        parts.append('<section><h2>%s</h2>' % escape(
                _('funding_by_year', language)))
        parts.append(cls.chart(data['years'], money))
        parts.append('<p class="legend">%s</p>' % ''.join(
                '<span class="%s">%s</span>' % (n, escape(_(n, language)))
                for n in ['need', 'recognised', 'spent']))
        parts.append('<table><thead><tr><th>%s</th>%s</tr></thead>'
            '<tbody>' % (escape(_('year', language)), ''.join(
                    '<th>%s</th>' % escape(_(n, language))
                    for n in ['need', 'recognised', 'spent', 'coverage'])))
        for y, year_row in sorted(data['years'].items(),
                key=lambda i: i[0].start_date):
            parts.append('<tr data-year="%s"><th scope="row">%s</th><td>%s'
                '</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                    _attr(y.name), escape(y.name),
                    money(year_row['need']), money(year_row['recognised']),
                    money(year_row['spent']),
                    percent(year_row['coverage'])))
        parts.append('</tbody></table></section>')

        parts.append('<section><h2>%s</h2>' % escape(
                _('funders', language, year=year)))
        if row['funders']:
            parts.append('<table class="funders"><thead><tr>%s</tr></thead>'
                '<tbody>' % ''.join(
                    '<th>%s</th>' % escape(_(n, language))
                    for n in ['funder', 'origin', 'opening', 'brought',
                        'spent']))
            for funder in row['funders']:
                if funder['funder']:
                    name = escape(funder['funder'])
                elif funder['anonymised']:
                    name = '<em>%s</em>' % escape(_('anonymised', language))
                else:
                    name = '<em>%s</em>' % escape(_('no_pledge', language))
                parts.append('<tr><th scope="row">%s</th><td>%s</td>'
                    '<td>%s</td><td>%s</td><td>%s</td></tr>' % (
                        name, escape(_('origin_%s' % funder['origin'],
                                language)),
                        money(funder['opening']), money(funder['resources']),
                        money(funder['spent'])))
            parts.append('</tbody></table>')
        else:
            parts.append('<p>%s</p>' % escape(_('no_data', language)))
        parts.append('</section>')

        if data['contracts']:
            parts.append('<section><h2>%s</h2><ul class="contracts">' % (
                    escape(_('contracts', language))))
            for contract in data['contracts']:
                parts.append('<li><strong>%s</strong> · %s · %s</li>' % (
                        escape(contract['agent']),
                        escape(bases.get(contract['basis'], '')),
                        escape(_('since', language,
                                date=date(contract['start_date'])))))
            parts.append('</ul></section>')
        parts.append(cls._render_data_links(language, base, year))
        parts.append('</main>')
        return cls._document(language, row['name'], ''.join(parts))

    @classmethod
    def badge_text(cls, row, language):
        coverage = row['coverage'] or 0
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get(language)
        return _('badge', language,
            coverage=_('percent', language, value=lang.format(
                    '%.0f', coverage * 100)),
            year=row['fiscalyear'])

    @classmethod
    def render_badge(cls, row, language):
        "Return the SVG badge of the coverage of the resource"
        label = row['name']
        text = cls.badge_text(row, language)
        # Widths estimated from the number of characters: no font metrics
        left = 10 + 7 * len(label)
        right = 10 + 7 * len(text)
        coverage = row['coverage'] or 0
        color = (
            '#2e7d32' if coverage >= 0.8
            else '#f9a825' if coverage >= 0.4 else '#c62828')
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="%(width)s" '
            'height="20" role="img" aria-label="%(title)s">'
            '<title>%(title)s</title>'
            '<rect width="%(left)s" height="20" fill="#555"/>'
            '<rect x="%(left)s" width="%(right)s" height="20" '
            'fill="%(color)s"/>'
            '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" '
            'font-size="11"><text x="5" y="14">%(label)s</text>'
            '<text x="%(x)s" y="14">%(text)s</text></g></svg>\n' % {
                'width': left + right,
                'left': left,
                'right': right,
                'x': left + 5,
                'color': color,
                'title': _attr('%s: %s' % (label, text)),
                'label': escape(label),
                'text': escape(text),
                })

    @classmethod
    def render_error(cls, language, message):
        return cls._document(language, message,
            '<main><h1>%s</h1></main>' % escape(message))
