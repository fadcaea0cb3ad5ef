# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re
from decimal import Decimal
from xml.sax.saxutils import escape

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool

__all__ = [
    'setup_host', 'create_resource', 'post_move', 'customer_invoice_values',
    'set_fiscalyear_invoice_sequences', 'camt053', 'activate_modules']

# The series of the invoices of a fiscal year: customer invoices, customer
# credit notes, supplier invoices, supplier credit notes, payment requests
# and their cancellations, each its own
SERIES = [
    ('out_invoice_sequence', "Customer Invoices", 'INV'),
    ('out_credit_note_sequence', "Customer Credit Notes", 'CN'),
    ('in_invoice_sequence', "Supplier Invoices", 'SINV'),
    ('in_credit_note_sequence', "Supplier Credit Notes", 'SCN'),
    ('commons_request_sequence', "Payment Requests", 'REQ'),
    ('commons_request_credit_note_sequence',
        "Payment Request Cancellations", 'REQC'),
    ]


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


def post_move(company, date, amount, fund=None):
    """Post a manual move of amount between the cash and an income account
    (an expense account if amount is negative), its income or expense line
    charged to fund, and return it"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Move = pool.get('account.move')
    Period = pool.get('account.period')

    def account(*domain):
        account, = Account.search([
                ('company', '=', company.id),
                ('closed', '!=', True),
                ('type', '!=', None),
                ('party_required', '=', False),
                *domain], order=[('code', 'ASC')], limit=1)
        return account
    journal, = Journal.search([('type', '=', 'cash')], limit=1)
    cash = account(
        ('type.statement', '=', 'balance'),
        ('type.receivable', '=', False), ('type.payable', '=', False))
    if amount > 0:
        counterpart = account(('type.revenue', '=', True))
    else:
        counterpart = account(('type.expense', '=', True))
    move, = Move.create([{
                'company': company.id,
                'journal': journal.id,
                'period': Period.find(company, date=date).id,
                'date': date,
                'lines': [('create', [{
                                'account': cash.id,
                                'debit': max(amount, Decimal(0)),
                                'credit': max(-amount, Decimal(0)),
                                }, {
                                'account': counterpart.id,
                                'debit': max(-amount, Decimal(0)),
                                'credit': max(amount, Decimal(0)),
                                'commons_fund': fund.id if fund else None,
                                }])],
                }])
    Move.post([move])
    return move


def customer_invoice_values(company, name="Customer"):
    "Return the values of a customer invoice of company to a new party"
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Party = pool.get('party.party')
    party, = Party.create([{
                'name': name,
                'addresses': [('create', [{}])],
                }])
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    receivable, = Account.search([
            ('company', '=', company.id),
            ('type.receivable', '=', True),
            ('closed', '!=', True),
            ], limit=1)
    return {
        'type': 'out',
        'company': company.id,
        'party': party.id,
        'invoice_address': party.addresses[0].id,
        'journal': journal.id,
        'account': receivable.id,
        'currency': company.currency.id,
        }


def set_fiscalyear_invoice_sequences(fiscalyear, config=None):
    """Set to the fiscal year (a proteus record) one invoice sequence for
    each series, prefixed with its initials and the year"""
    from proteus import Model
    SequenceStrict = Model.get('ir.sequence.strict', config=config)
    SequenceType = Model.get('ir.sequence.type', config=config)
    sequence_type, = SequenceType.find([
            ('name', '=', "Invoice"),
            ], limit=1)
    invoice_sequence, = fiscalyear.invoice_sequences
    for field, name, initials in SERIES:
        sequence = SequenceStrict(
            name="%s %s" % (name, fiscalyear.name),
            sequence_type=sequence_type,
            prefix='%s%s-' % (initials, fiscalyear.start_date.year),
            padding=4,
            company=fiscalyear.company)
        sequence.save()
        setattr(invoice_sequence, field, sequence)
    return fiscalyear


def next_number(number):
    "Return the number that follows number in its sequence"
    prefix, digits = re.fullmatch(r'(.*?)(\d+)', number).groups()
    return '%s%0*d' % (prefix, len(digits), int(digits) + 1)


def camt053(iban, name, date, opening, entries, currency='EUR'):
    """Return as bytes the CAMT.053.001.02 statement name of the account
    iban on date, from the opening balance and the entries: each a tuple
    (date, amount, party name, party IBAN or None, remittance text),
    credited when amount is positive"""
    def amount_xml(tag, amount):
        return ('<%s Ccy="%s">%.2f</%s><CdtDbtInd>%s</CdtDbtInd>' % (
                tag, currency, abs(amount), tag,
                'CRDT' if amount >= 0 else 'DBIT'))

    def balance(code, amount, day):
        return ('<Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp>%s'
            '<Dt><Dt>%s</Dt></Dt></Bal>' % (
                code, amount_xml('Amt', amount), day.isoformat()))

    total = sum(Decimal(str(e[1])) for e in entries)
    ntries = []
    for index, (day, amount, party, party_iban, text) in enumerate(
            entries, 1):
        amount = Decimal(str(amount))
        role, other = ('Dbtr', 'Cdtr') if amount >= 0 else ('Cdtr', 'Dbtr')
        ntries.append(
            '<Ntry><NtryRef>%(ref)s</NtryRef>%(amount)s<Sts>BOOK</Sts>'
            '<BookgDt><Dt>%(day)s</Dt></BookgDt>'
            '<ValDt><Dt>%(day)s</Dt></ValDt>'
            '<AcctSvcrRef>%(ref)s</AcctSvcrRef>'
            '<BkTxCd><Domn><Cd>%(domain)s</Cd><Fmly><Cd>%(family)s</Cd>'
            '<SubFmlyCd>%(sub_family)s</SubFmlyCd></Fmly></Domn></BkTxCd>'
            '<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId>'
            '</Refs><AmtDtls><TxAmt>%(tx_amount)s</TxAmt></AmtDtls>'
            '<RltdPties><%(role)s><Nm>%(party)s</Nm></%(role)s>%(account)s'
            '</RltdPties><RmtInf><Ustrd>%(text)s</Ustrd></RmtInf>'
            '</TxDtls></NtryDtls>'
            '<AddtlNtryInf>%(info)s</AddtlNtryInf></Ntry>' % {
                'ref': '%s-%03d' % (name, index),
                'amount': amount_xml('Amt', amount),
                'tx_amount': '<Amt Ccy="%s">%.2f</Amt>' % (
                    currency, abs(amount)),
                'day': day.isoformat(),
                # A credit transfer received or issued, or the bank's fees
                'domain': 'PMNT' if party_iban else 'ACMT',
                'family': (
                    ('RCDT' if amount >= 0 else 'ICDT') if party_iban
                    else 'MDOP'),
                'sub_family': 'ESCT' if party_iban else 'CHRG',
                'role': role,
                'party': escape(party),
                'account': (
                    '<%sAcct><Id><IBAN>%s</IBAN></Id></%sAcct>' % (
                        role, party_iban, role) if party_iban else ''),
                'text': escape(text),
                'info': escape('VIR SEPA %s %s' % (
                        'RECU' if amount >= 0 else 'EMIS', party.upper())),
                })
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<BkToCstmrStmt><GrpHdr><MsgId>%(name)s</MsgId>'
        '<CreDtTm>%(date)sT18:00:00</CreDtTm></GrpHdr>'
        '<Stmt><Id>%(name)s</Id><CreDtTm>%(date)sT18:00:00</CreDtTm>'
        '<Acct><Id><IBAN>%(iban)s</IBAN></Id><Ccy>%(currency)s</Ccy></Acct>'
        '%(opening)s%(closing)s'
        '<TxsSummry><TtlNtries><NbOfNtries>%(count)d</NbOfNtries>'
        '<TtlNetNtry>%(total)s</TtlNetNtry></TtlNtries></TxsSummry>'
        '%(entries)s</Stmt></BkToCstmrStmt></Document>\n' % {
            'name': escape(name),
            'date': date.isoformat(),
            'iban': iban,
            'currency': currency,
            'opening': balance(
                'OPBD', Decimal(str(opening)), date.replace(day=1)),
            'closing': balance('CLBD', Decimal(str(opening)) + total, date),
            'count': len(entries),
            'total': '<Amt>%.2f</Amt><CdtDbtInd>%s</CdtDbtInd>' % (
                abs(total), 'CRDT' if total >= 0 else 'DBIT'),
            'entries': ''.join(ntries),
            }).encode('utf-8')


def activate_modules(modules, *setup):
    """Activate the modules and run the setup functions as
    trytond.tests.tools.activate_modules does, starting from the database
    that ModuleTestCase keeps in DB_CACHE for the same modules in the same
    order ([module] + extras) rather than activating them once more"""
    from proteus import config as pconfig

    from trytond.tests import test_tryton
    from trytond.tests.tools import _func_name

    if isinstance(modules, str):
        modules = [modules]
    # The name core gives to the cache of these modules and setup
    cache_name = '-'.join(sorted(modules))
    if setup:
        cache_name += '--' + '|'.join(_func_name(f) for f in setup)
    if not test_tryton.restore_db_cache(cache_name):
        test_tryton.drop_db()
        test_tryton.activate_module(modules)
        config = pconfig.set_trytond()
        for func in setup:
            func(config=config)
        test_tryton.backup_db_cache(cache_name)
    return pconfig.set_trytond()
