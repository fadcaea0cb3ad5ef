# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import sqlite_apply_types
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .attribution import ORIGINS
from .exceptions import YearEndError
from .model import CheckWizardMixin, LockMixin, YearEndRowMixin, host_language


class FiscalYear(LockMixin, metaclass=PoolMeta):
    __name__ = 'account.fiscalyear'
    commons_year_end = fields.Boolean(
        "Dedicated Funds Closed", readonly=True,
        help="Checked when the year end of the dedicated funds of the "
        "commons is posted for the fiscal year.")

    @classmethod
    def default_commons_year_end(cls):
        return False

    @classmethod
    def copy(cls, fiscalyears, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('commons_year_end', False)
        return super().copy(fiscalyears, default=default)

    @classmethod
    def check_modification(
            cls, mode, fiscalyears, values=None, external=False):
        super().check_modification(
            mode, fiscalyears, values=values, external=external)
        # readonly is enforced only by the client: only the year end of the
        # dedicated funds (without access check) marks a year as done
        if not external:
            return
        if mode == 'create':
            changed = [f for f in fiscalyears if f.commons_year_end]
        elif mode == 'write' and 'commons_year_end' in values:
            changed = [
                f for f in fiscalyears
                if bool(f.commons_year_end)
                != bool(values['commons_year_end'])]
        else:
            changed = []
        if changed:
            raise AccessError(gettext(
                    'commons_fund.msg_fiscalyear_commons_year_end_modify',
                    fiscalyear=changed[0].rec_name))


class Dedicated(YearEndRowMixin, ModelSQL, ModelView):
    "The annex of dedicated funds: one row per fiscal year, fund and origin"
    __name__ = 'commons.fund.dedicated'
    __string__ = "Dedicated Funds"
    origin = fields.Selection(
        ORIGINS, "Origin", required=True, readonly=True, sort=False,
        help="Where the money comes from, which sets the 19x account.")
    origin_string = origin.translated('origin')
    opening = Monetary(
        "Opening", currency='currency', digits='currency', readonly=True,
        help="The dedicated funds at the start of the year: "
        "the closing of the previous year.")
    year_resources = Monetary(
        "Resources of the Year", currency='currency', digits='currency',
        readonly=True,
        help="The resources of the year: receipts net of host fees and "
        "refunds, reciprocity and allocations received.")
    spent = Monetary(
        "Spent", currency='currency', digits='currency', readonly=True,
        help="The spending of the year charged to this origin: "
        "first to the opening, then to the resources of the year.")
    used = Monetary(
        "Used", currency='currency', digits='currency', readonly=True,
        help="The part of the opening used this year "
        "(19x released to 789x).")
    reported = Monetary(
        "Reported", currency='currency', digits='currency', readonly=True,
        help="The resources of the year left unspent "
        "(689x carried forward to 19x).")
    closing = Monetary(
        "Closing", currency='currency', digits='currency', readonly=True,
        help="The dedicated funds at the end of the year: "
        "opening - used + reported.")
    dormant = fields.Boolean(
        "Dormant", readonly=True,
        help="Checked when the fund keeps dedicated money and was not used "
        "for two years.")
    move = fields.Many2One(
        'account.move', "Move", readonly=True, ondelete='RESTRICT',
        help="The year-end move that posted the row.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('fiscalyear_fund_origin_uniq',
                Unique(t, t.fiscalyear, t.fund, t.origin),
                'commons_fund.msg_dedicated_unique'),
            ]
        cls._order = [
            ('fiscalyear', 'DESC'),
            ('fund', 'ASC'),
            ('id', 'ASC'),
            ]

    def get_rec_name(self, name):
        return '%s - %s - %s' % (
            self.fiscalyear.rec_name, self.fund.rec_name,
            self.origin_string)

    @classmethod
    def origins(cls):
        "The origins in the order spending uses them"
        return [o for o, _ in ORIGINS]

    @classmethod
    def get_closings(cls, fiscalyear):
        "Return the closing and the spent by fund and origin of the year"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        query = table.select(
            table.fund.as_('fund'), table.origin.as_('origin'),
            table.closing.as_('closing'), table.spent.as_('spent'),
            where=table.fiscalyear == fiscalyear.id)
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, None, 'NUMERIC', 'NUMERIC'])
        cursor.execute(*query)
        closings = defaultdict(dict)
        spent = defaultdict(Decimal)
        for fund_id, origin, closing, spent_ in cursor:
            closings[fund_id][origin] = closing or Decimal(0)
            spent[fund_id] += spent_ or Decimal(0)
        return closings, spent

    @classmethod
    def previous_fiscalyear(cls, fiscalyear):
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        fiscalyears = FiscalYear.search([
                ('company', '=', fiscalyear.company.id),
                ('end_date', '<', fiscalyear.start_date),
                ], order=[('end_date', 'DESC')], limit=1)
        return fiscalyears[0] if fiscalyears else None

    @classmethod
    def has_activity(cls, company, start_date, end_date):
        "Tell if the fund ledger of the company has lines between the dates"
        pool = Pool()
        Fund = pool.get('commons.fund')
        FundLine = pool.get('commons.fund.line')
        cursor = Transaction().connection.cursor()
        line = FundLine.__table__()
        fund = Fund.__table__()
        cursor.execute(*line.join(fund, condition=line.fund == fund.id)
            .select(line.id,
                where=(fund.company == company.id)
                & (line.date >= start_date) & (line.date <= end_date),
                limit=1))
        return bool(cursor.fetchone())

    @classmethod
    def check_year_end(cls, fiscalyear):
        "Raise if the year end of the dedicated funds cannot be posted"
        pool = Pool()
        Date = pool.get('ir.date')
        Invoice = pool.get('account.invoice')
        Lang = pool.get('ir.lang')
        Move = pool.get('account.move')
        if fiscalyear.commons_year_end:
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_done',
                    fiscalyear=fiscalyear.rec_name))
        with Transaction().set_context(company=fiscalyear.company.id):
            today = Date.today()
        if fiscalyear.end_date >= today:
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_not_over',
                    fiscalyear=fiscalyear.rec_name,
                    end_date=Lang.get().strftime(fiscalyear.end_date)))
        moves = Move.search([
                ('company', '=', fiscalyear.company.id),
                ('period.fiscalyear', '=', fiscalyear.id),
                ('state', '=', 'draft'),
                ], order=[('date', 'ASC'), ('id', 'ASC')], limit=1)
        if moves:
            move, = moves
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_draft_move',
                    fiscalyear=fiscalyear.rec_name,
                    move=move.rec_name))
        invoices = Invoice.search([
                ('company', '=', fiscalyear.company.id),
                ('state', 'in', ['draft', 'validated']),
                ('invoice_date', '>=', fiscalyear.start_date),
                ('invoice_date', '<=', fiscalyear.end_date),
                ('lines.commons_fund', '!=', None),
                ], order=[('invoice_date', 'ASC'), ('id', 'ASC')], limit=1)
        if invoices:
            invoice, = invoices
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_invoice',
                    fiscalyear=fiscalyear.rec_name,
                    invoice=invoice.rec_name))
        previous = cls.previous_fiscalyear(fiscalyear)
        if previous and not previous.commons_year_end:
            earlier = cls.search([
                    ('company', '=', fiscalyear.company.id),
                    ('fiscalyear.end_date', '<', fiscalyear.start_date),
                    ], limit=1)
            if earlier or cls.has_activity(
                    fiscalyear.company, previous.start_date,
                    previous.end_date):
                raise YearEndError(gettext(
                        'commons_fund.msg_year_end_previous',
                        fiscalyear=fiscalyear.rec_name,
                        previous=previous.rec_name))

    @classmethod
    def close_fiscalyear(cls, fiscalyear):
        """Post the year end of the dedicated funds of the fiscal year and
        write the annex.  Return the move, or None if nothing moved."""
        pool = Pool()
        Attribution = pool.get('commons.fund.attribution')
        FiscalYear = pool.get('account.fiscalyear')
        Fund = pool.get('commons.fund')
        Move = pool.get('account.move')
        previous = cls.previous_fiscalyear(fiscalyear)
        # The previous year is locked against the cancel of its year end,
        # which locks it and reads this one's commons_year_end
        FiscalYear.lock([fiscalyear] + ([previous] if previous else []))
        fiscalyear = FiscalYear(fiscalyear.id)
        cls.check_year_end(fiscalyear)
        company = fiscalyear.company
        if previous:
            _, previous_spent = cls.get_closings(previous)
        else:
            previous_spent = {}
        attribution = Attribution.get_attribution(fiscalyear)

        cursor = Transaction().connection.cursor()
        fund = Fund.__table__()
        cursor.execute(*fund.select(
                fund.id, fund.resource,
                where=fund.company == company.id))
        fund_resources = dict(cursor)

        def row(fund_id, origin, amounts):
            return {
                **amounts,
                'company': company.id,
                'fiscalyear': fiscalyear.id,
                'fund': fund_id,
                'resource': fund_resources.get(fund_id),
                'origin': origin,
                }
        rows, details = [], []
        totals = defaultdict(lambda: {
                'used': Decimal(0), 'reported': Decimal(0)})
        for fund_id, shares in sorted(attribution.items()):
            by_origin = defaultdict(lambda: dict.fromkeys(
                    ['opening', 'year_resources', 'spent', 'used',
                        'reported', 'closing'], Decimal(0)))
            for (origin, pledge_id), amounts in sorted(shares.items()):
                details.append({
                        **row(fund_id, origin, amounts),
                        'pledge': pledge_id or None,
                        })
                for name, amount in amounts.items():
                    by_origin[origin][name] += amount
            fund_rows = []
            for origin in cls.origins():
                if origin not in by_origin:
                    continue
                amounts = by_origin[origin]
                totals[origin]['used'] += amounts['used']
                totals[origin]['reported'] += amounts['reported']
                fund_rows.append(row(fund_id, origin, amounts))
            spent = sum(a['spent'] for a in shares.values())
            dormant = (
                sum(r['opening'] for r in fund_rows) > 0
                and sum(r['closing'] for r in fund_rows) > 0
                and not spent and not previous_spent.get(fund_id))
            for values in fund_rows:
                values['dormant'] = bool(dormant)
            rows.extend(fund_rows)

        move = cls.get_move(fiscalyear, totals)
        if move:
            move.save()
            Move.post([move])
            for values in rows + details:
                values['move'] = move.id
        cls._insert(rows)
        for values in details:
            values.pop('move', None)
        Attribution._insert(details)
        with without_check_access():
            FiscalYear.write([fiscalyear], {'commons_year_end': True})
        return move

    @classmethod
    def get_move(cls, fiscalyear, totals):
        "Return the year-end move of the totals by origin, or None"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        config = Configuration(1)
        company = fiscalyear.company
        date = fiscalyear.end_date
        # The general ledger is kept in the host's language
        lang = host_language(company)
        language = lang.code if lang else Transaction().language

        def account(name):
            return config.get_required(name, company=company.id)

        def line(account, amount, description):
            return MoveLine(
                account=account,
                debit=amount if amount > 0 else Decimal(0),
                credit=-amount if amount < 0 else Decimal(0),
                description=description)
        lines = []
        for origin in cls.origins():
            used = totals.get(origin, {}).get('used', Decimal(0))
            reported = totals.get(origin, {}).get('reported', Decimal(0))
            if not used and not reported:
                continue
            dedicated = account('dedicated_%s_account' % origin)
            if used:
                description = gettext(
                    'commons_fund.msg_year_end_used_description', language,
                    fiscalyear=fiscalyear.rec_name)
                lines.append(line(dedicated, used, description))
                lines.append(line(
                        account('dedicated_%s_use_account' % origin),
                        -used, description))
            if reported:
                description = gettext(
                    'commons_fund.msg_year_end_reported_description',
                    language, fiscalyear=fiscalyear.rec_name)
                lines.append(line(
                        account('dedicated_%s_report_account' % origin),
                        reported, description))
                lines.append(line(dedicated, -reported, description))
        if not lines:
            return None
        return Move(
            company=company,
            journal=config.get_required(
                'dedicated_journal', company=company.id),
            period=Period.find(company, date=date),
            date=date,
            origin=fiscalyear,
            description=gettext(
                'commons_fund.msg_year_end_move_description', language,
                fiscalyear=fiscalyear.rec_name),
            lines=lines)

    @classmethod
    def cancel_fiscalyear(cls, fiscalyear):
        """Cancel the year end of the fiscal year: reverse its move and
        delete its rows.  Refused once a later year end exists."""
        pool = Pool()
        Attribution = pool.get('commons.fund.attribution')
        FiscalYear = pool.get('account.fiscalyear')
        Move = pool.get('account.move')
        FiscalYear.lock([fiscalyear])
        fiscalyear = FiscalYear(fiscalyear.id)
        if not fiscalyear.commons_year_end:
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_not_done',
                    fiscalyear=fiscalyear.rec_name))
        later = FiscalYear.search([
                ('company', '=', fiscalyear.company.id),
                ('start_date', '>', fiscalyear.end_date),
                ('commons_year_end', '=', True),
                ], order=[('start_date', 'ASC')], limit=1)
        if later:
            raise YearEndError(gettext(
                    'commons_fund.msg_year_end_cancel_later',
                    fiscalyear=fiscalyear.rec_name,
                    later=later[0].rec_name))
        rows = cls.search([('fiscalyear', '=', fiscalyear.id)])
        details = Attribution.search([('fiscalyear', '=', fiscalyear.id)])
        moves = list({r.move for r in rows if r.move})
        cancel_moves = []
        for move in moves:
            cancel_moves.append(move.cancel(reversal=True))
        if cancel_moves:
            Move.post(cancel_moves)
        with without_check_access(), \
                Transaction().set_context(_commons_year_end=True):
            cls.delete(rows)
            Attribution.delete(details)
            FiscalYear.write([fiscalyear], {'commons_year_end': False})
        return cancel_moves

    @classmethod
    def get_summary(cls, fiscalyear):
        "Return the text that tells what the year end will do or did"
        pool = Pool()
        Attribution = pool.get('commons.fund.attribution')
        Lang = pool.get('ir.lang')
        if not fiscalyear:
            return ''
        lang = Lang.get()
        currency = fiscalyear.company.currency

        def amount(values):
            return lang.currency(
                sum(values, Decimal(0)), currency, grouping=True)
        if fiscalyear.commons_year_end:
            closings, _ = cls.get_closings(fiscalyear)
            return gettext(
                'commons_fund.msg_year_end_summary_done',
                fiscalyear=fiscalyear.rec_name,
                funds=len(closings),
                closing=amount(
                    a for c in closings.values() for a in c.values()))
        activity = Attribution.get_activity(
            fiscalyear.company, fiscalyear.start_date, fiscalyear.end_date)
        previous = cls.previous_fiscalyear(fiscalyear)
        return gettext(
            'commons_fund.msg_year_end_summary',
            fiscalyear=fiscalyear.rec_name,
            funds=len(activity),
            resources=amount(
                a for v in activity.values()
                for a in v['resources'].values()),
            spending=amount(v['spending'] for v in activity.values()),
            previous=previous.rec_name if previous else '-')


class YearEndStart(ModelView):
    __name__ = 'commons.fund.year_end.start'
    __string__ = "Year End of Dedicated Funds"
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True,
        domain=[
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The fiscal year at whose end the dedicated funds are "
        "computed.")
    done = fields.Boolean("Done", readonly=True)
    summary = fields.Text("Summary", readonly=True)

    @fields.depends('fiscalyear')
    def on_change_fiscalyear(self):
        pool = Pool()
        Dedicated = pool.get('commons.fund.dedicated')
        self.done = bool(
            self.fiscalyear and self.fiscalyear.commons_year_end)
        self.summary = Dedicated.get_summary(self.fiscalyear)


class YearEnd(CheckWizardMixin, Wizard):
    "Post the year end of the dedicated funds of a fiscal year"
    __name__ = 'commons.fund.year_end'
    start = StateView(
        'commons.fund.year_end.start',
        'commons_fund.fund_year_end_start_view_form', [
            Button("Close", 'end', 'tryton-cancel'),
            Button("Cancel Year End", 'cancel_', 'tryton-undo',
                states={
                    'invisible': ~Eval('done'),
                    }),
            Button("Post Year End", 'post', 'tryton-ok', default=True,
                states={
                    'invisible': Eval('done', False),
                    }),
            ])
    post = StateTransition()
    cancel_ = StateTransition()
    open_ = StateAction('commons_fund.act_fund_dedicated_form')

    def default_start(self, fields):
        pool = Pool()
        Dedicated = pool.get('commons.fund.dedicated')
        FiscalYear = pool.get('account.fiscalyear')
        fiscalyear = None
        if self.model and self.model.__name__ == 'account.fiscalyear':
            fiscalyear = self.record
        else:
            company = Transaction().context.get('company')
            if company is not None:
                fiscalyears = FiscalYear.search([
                        ('company', '=', company),
                        ('state', '=', 'open'),
                        ('commons_year_end', '=', False),
                        ], order=[('start_date', 'ASC')], limit=1)
                if fiscalyears:
                    fiscalyear, = fiscalyears
        if not fiscalyear:
            return {}
        return {
            'fiscalyear': fiscalyear.id,
            'done': fiscalyear.commons_year_end,
            'summary': Dedicated.get_summary(fiscalyear),
            }

    def check_fiscalyear(self):
        "Check that the fiscal year sent is one the user may close"
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        User = pool.get('res.user')
        fiscalyear = self.start.fiscalyear
        company = Transaction().context.get('company')
        if (not fiscalyear or fiscalyear.id < 0
                or fiscalyear.company.id != company
                or company not in User.get_companies()):
            raise AccessError(gettext(
                    'commons_fund.msg_year_end_fiscalyear_company',
                    fiscalyear=fiscalyear.rec_name if fiscalyear else '-'))
        with check_access():
            FiscalYear.read([fiscalyear.id], ['id'])

    def transition_post(self):
        pool = Pool()
        Dedicated = pool.get('commons.fund.dedicated')
        self.check_fiscalyear()
        Dedicated.close_fiscalyear(self.start.fiscalyear)
        return 'open_'

    def transition_cancel_(self):
        pool = Pool()
        Dedicated = pool.get('commons.fund.dedicated')
        self.check_fiscalyear()
        Dedicated.cancel_fiscalyear(self.start.fiscalyear)
        return 'end'

    def do_open_(self, action):
        fiscalyear = self.start.fiscalyear
        action['name'] += ' - %s' % fiscalyear.rec_name
        action['pyson_domain'] = PYSONEncoder().encode(
            [('fiscalyear', '=', fiscalyear.id)])
        return action, {}
