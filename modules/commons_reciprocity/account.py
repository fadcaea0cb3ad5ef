# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from sql import Null
from sql.aggregate import Sum

from trytond import backend
from trytond.model import fields
from trytond.modules.commons_fund.distribution import proportional
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    def commons_fund_kind(self):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        if (isinstance(self.origin, InvoiceLine)
                and self.origin.commons_declaration):
            return 'reciprocity'
        return super().commons_fund_kind()


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['commons.reciprocity.declaration']

    @property
    def commons_declaration(self):
        "The reciprocity declaration the line (or the line it credits) bills"
        pool = Pool()
        Declaration = pool.get('commons.reciprocity.declaration')
        line, seen = self, set()
        while isinstance(line, self.__class__) and line.id not in seen:
            seen.add(line.id)
            if isinstance(line.origin, Declaration):
                return line.origin
            line = line.origin
        return None

    @property
    def commons_levy(self):
        "The levy of its invoice's company on the sale of the line, or None"
        if (self.type != 'line' or not self.product or not self.invoice
                or self.commons_fund or self.commons_declaration):
            return None
        return self.product.get_commons_levy(self.invoice.company)

    def _get_levy_fund_lines(self, base, date):
        "Return the values of the fund lines of the levy on base"
        levy = self.commons_levy
        currency = self.invoice.company.currency
        parts = levy.split(base, currency)
        values = []
        for levy_line, amount in parts.items():
            if not amount:
                continue
            values.append({
                    'fund': levy_line.fund.id,
                    'date': date,
                    'kind': 'reciprocity',
                    'amount': amount,
                    'resource': levy_line.resource.id,
                    'origin': str(self),
                    'description': levy.rec_name,
                    })
        return values

    def _get_levy_credit_fund_lines(self, booked, date):
        """Return the values of the fund lines that give back the part of
        the levy booked on the line it credits"""
        currency = self.invoice.company.currency
        credited = self.origin.commons_company_amount
        if not credited:
            return []
        total = currency.round(
            sum(booked.values()) * self.commons_company_amount / credited)
        keys = sorted(booked, key=lambda k: (k[0], k[1], k[2] or ''))
        parts = proportional(
            abs(total), {i: abs(booked[k]) for i, k in enumerate(keys)},
            currency.rounding)
        values = []
        for i, (fund, resource, description) in enumerate(keys):
            amount = parts.get(i)
            if not amount:
                continue
            values.append({
                    'fund': fund,
                    'date': date,
                    'kind': 'reciprocity',
                    'amount': amount.copy_sign(total),
                    'resource': resource,
                    'origin': str(self),
                    'description': description,
                    })
        return values

    @classmethod
    def get_commons_levy_totals(cls, lines):
        """Return the sums of the levy fund lines of the lines per line id
        and fund, resource and description"""
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        fund_line = FundLine.__table__()
        cursor = Transaction().connection.cursor()
        totals = defaultdict(dict)
        origins = {str(l): l.id for l in lines}
        for sub_origins in grouped_slice(
                list(origins), backend.MAX_QUERY_PARAMS):
            query = fund_line.select(
                fund_line.origin.as_('origin'), fund_line.fund.as_('fund'),
                fund_line.resource.as_('resource'),
                fund_line.description.as_('description'),
                Sum(fund_line.amount).as_('amount'),
                where=fields.SQL_OPERATORS['in'](
                    fund_line.origin, list(sub_origins))
                & (fund_line.kind == 'reciprocity')
                & (fund_line.move_line == Null),
                group_by=[
                    fund_line.origin, fund_line.fund, fund_line.resource,
                    fund_line.description])
            if backend.name == 'sqlite':
                sqlite_apply_types(
                    query, [None, None, None, None, 'NUMERIC'])
            cursor.execute(*query)
            for origin, fund, resource, description, amount in cursor:
                if amount:
                    totals[origins[origin]][
                        fund, resource, description] = amount
        return totals


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def _post(cls, invoices):
        super()._post(invoices)
        cls.create_commons_levies(invoices)

    @classmethod
    def _get_commons_funds_to_lock(cls, invoices):
        funds = super()._get_commons_funds_to_lock(invoices)
        for invoice in invoices:
            if invoice.type != 'out':
                continue
            for line in invoice.lines:
                if line.commons_levy:
                    funds.update(l.fund.id for l in line.commons_levy.lines)
        return funds

    @classmethod
    def create_commons_levies(cls, invoices):
        """Credit the funds of the resources with the levy on the lines of
        the customer invoices that have none yet"""
        pool = Pool()
        FundLine = pool.get('commons.fund.line')
        InvoiceLine = pool.get('account.invoice.line')
        lines = [
            l for i in invoices if i.type == 'out' and i.state != 'cancelled'
            for l in i.lines if l.type == 'line']
        if not lines:
            return []
        credited = [
            l.origin for l in lines if isinstance(l.origin, InvoiceLine)]
        totals = InvoiceLine.get_commons_levy_totals(lines + credited)
        to_create = []
        for line in lines:
            if sum(totals[line.id].values()):
                continue
            invoice = line.invoice
            date = invoice.accounting_date or invoice.invoice_date
            # A credit note gives back what was levied on the line it
            # credits, even if the levy has changed since
            if isinstance(line.origin, InvoiceLine) and totals[line.origin.id]:
                to_create.extend(line._get_levy_credit_fund_lines(
                        totals[line.origin.id], date))
            elif line.commons_levy:
                to_create.extend(line._get_levy_fund_lines(
                        line.commons_company_amount, date))
        return FundLine.book(to_create)

    @classmethod
    def cancel(cls, invoices):
        pool = Pool()
        Declaration = pool.get('commons.reciprocity.declaration')
        FundLine = pool.get('commons.fund.line')
        InvoiceLine = pool.get('account.invoice.line')
        # Without a credit note, the posted invoice is cancelled by a move
        reversed_ = [
            i for i in invoices
            if i.type == 'out' and i.move and i.move.state == 'posted'
            and not i.cancel_move]
        super().cancel(invoices)
        # What was levied is given back, even if the levy has changed since
        lines = [
            l for i in reversed_ if i.state == 'cancelled' for l in i.lines]
        if lines:
            totals = InvoiceLine.get_commons_levy_totals(lines)
            to_create = []
            for line in lines:
                currency = line.invoice.company.currency
                for (fund, resource, description), amount in (
                        totals[line.id].items()):
                    to_create.append({
                            'fund': fund,
                            # On the day the general ledger reverses the sale
                            'date': line.invoice.cancel_move.date,
                            'kind': 'reciprocity',
                            'amount': currency.round(-amount),
                            'resource': resource,
                            'origin': str(line),
                            'description': description,
                            })
            FundLine.book(to_create)
        declarations = Declaration.search([
                ('agent_invoice', 'in', [i.id for i in invoices]),
                ('state', '=', 'invoiced'),
                ])
        if declarations:
            Declaration.reconfirm(declarations)
