# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the tests on the demo server set up over RPC as its admin: users
of a group, parties, resources with their fund, receipts and supplier
invoices charged to a fund."""
import datetime as dt
import uuid
from decimal import Decimal


def group_id(admin, name):
    "The id of the group named name in English"
    group, = admin.model('res.group', 'search', [
            ('name', '=', name)], 0, 1, None,
        context={**admin.context, 'language': 'en'})
    return group


def make_users(admin, prefix, group, parties, company=None, language='en'):
    """One user per party (or None), in the group (None: in no group) and
    the company (default the admin's), reading language (None: the host's):
    their logins and passwords"""
    company = company or admin.context['company']
    groups = [('add', [group_id(admin, group)])] if group else []
    users = [(
            '%s-%s-%s' % (prefix, uuid.uuid4().hex[:8], i),
            'secret-%s' % uuid.uuid4().hex) for i in range(len(parties))]
    values = {}
    if language:
        # The tests read the messages in English, whatever the host reads
        values['language'], = admin.model('ir.lang', 'search', [
                ('code', '=', language)], 0, 1, None)
    admin.model('res.user', 'create', [{
                'login': login,
                'name': login,
                'password': password,
                'party': party,
                'groups': groups,
                'companies': [('add', [company])],
                'company': company,
                **values,
                } for (login, password), party in zip(users, parties)])
    return users


def create_parties(admin, prefix, count):
    return admin.model('party.party', 'create', [{
                'name': '%s %s' % (prefix, i),
                'addresses': [('create', [{}])],
                } for i in range(count)])


def today_period(admin):
    today = dt.date.today()
    period, = admin.model('account.period', 'search', [
            ('company', '=', admin.context['company']),
            ('type', '=', 'standard'),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ], 0, 1, None)
    return period


def configuration(admin):
    config, = admin.model('commons.configuration', 'read', [1], [
            'receipt_journal', 'bank_account', 'donation_account',
            'contribution_expense_account'])
    return config


def earmarked(admin, stewards, name="Race"):
    "A new resource with its earmarked fund: their ids"
    company = admin.context['company']
    code = '%s-%s' % (name.upper(), uuid.uuid4().hex[:8])
    resource, = admin.model('commons.resource', 'create', [{
                'name': name, 'code': code, 'company': company,
                'stewards': [('add', stewards)],
                }])
    fund, = admin.model('commons.fund', 'create', [{
                'name': name, 'code': code, 'type': 'earmarked',
                'resource': resource, 'company': company,
                }])
    return resource, fund


def receipt_move(client, fund, amount):
    "A draft move of a receipt of amount for the fund, made by the client"
    config = configuration(client)
    move, = client.model('account.move', 'create', [{
                'journal': config['receipt_journal'],
                'period': today_period(client), 'date': dt.date.today(),
                'lines': [('create', [{
                                'account': config['bank_account'],
                                'debit': amount, 'credit': Decimal(0),
                                }, {
                                'account': config['donation_account'],
                                'debit': Decimal(0), 'credit': amount,
                                'commons_fund': fund,
                                }])],
                }])
    return move


def receive(admin, fund, amount):
    "Post a receipt of amount for the fund"
    admin.model('account.move', 'post', [receipt_move(admin, fund, amount)])


def supplier_invoices(admin, fund, amount, count):
    "Draft supplier invoices of amount charged to the fund: (invoice, line)"
    company = admin.context['company']
    config = configuration(admin)
    supplier, = create_parties(admin, 'Race supplier', 1)
    address, = admin.model('party.party', 'read', [supplier], [
            'addresses'])[0]['addresses']
    payable = admin.model('account.configuration', 'read', [1], [
            'default_account_payable'])[0]['default_account_payable']
    journal, = admin.model('account.journal', 'search',
        [('type', '=', 'expense')], 0, 1, None)
    currency = admin.model(
        'company.company', 'read', [company], ['currency'])[0]['currency']
    invoices = admin.model('account.invoice', 'create', [{
                'type': 'in', 'company': company, 'party': supplier,
                'invoice_address': address, 'account': payable,
                'journal': journal, 'invoice_date': dt.date.today(),
                'currency': currency,
                'lines': [('create', [{
                                'company': company,
                                'account': config[
                                    'contribution_expense_account'],
                                'quantity': 1, 'unit_price': amount,
                                'commons_fund': fund,
                                'description': "Work %s" % i,
                                }])],
                } for i in range(count)])
    # read does not keep the order of the ids
    lines = {
        i['id']: i['lines'][0] for i in admin.model(
            'account.invoice', 'read', invoices, ['lines'])}
    return [(i, lines[i]) for i in invoices]


def open_round(admin, method, participants, buckets, **values):
    """Open a round of the pooled fund of the demo for the current year:
    participants as {party: values}, buckets as {resource code: (minimum,
    maximum)}.  Return its id, its participants by party and its buckets
    by resource code."""
    company = admin.context['company']
    today = dt.date.today()
    pooled, = admin.model('commons.fund', 'search', [
            ('company', '=', company), ('type', '=', 'pooled'),
            ], 0, 1, None)
    fiscalyear, = admin.model('account.fiscalyear', 'search', [
            ('company', '=', company),
            ('start_date', '<=', today), ('end_date', '>=', today),
            ], 0, 1, None)
    resources = {
        r['code']: r['id'] for r in admin.model('commons.resource',
            'search_read', [('code', 'in', list(buckets))], 0, None, None,
            ['code'])}
    round_, = admin.model('commons.round', 'create', [{
                'name': "%s %s" % (method, uuid.uuid4().hex[:8]),
                'company': company, 'fund': pooled, 'method': method,
                'fiscalyear': fiscalyear,
                'start_date': today, 'end_date': today,
                'participants': [('create', [
                            {'party': p, **v}
                            for p, v in participants.items()])],
                'buckets': [('create', [{
                                'resource': resources[c],
                                'min_goal': Decimal(minimum),
                                'max_goal': Decimal(maximum),
                                } for c, (minimum, maximum)
                            in buckets.items()])],
                **values,
                }])
    admin.model('commons.round', 'open', [round_])
    read, = admin.model('commons.round', 'read', [round_], [
            'participants', 'buckets'])
    participants = {
        p['party']: p['id'] for p in admin.model(
            'commons.round.participant', 'read', read['participants'],
            ['party'])}
    codes = {v: k for k, v in resources.items()}
    buckets = {
        codes[b['resource']]: b['id'] for b in admin.model(
            'commons.round.bucket', 'read', read['buckets'], ['resource'])}
    return round_, participants, buckets


def run_wizard(client, name, state, values, action=None, context=None):
    """Run the wizard to the transition state with the values over the
    defaults of its start form, as the client does: the result"""
    context = {**client.context, **(context or {})}
    if action:
        model, ids = action
        context.update({
                'active_model': model,
                'active_id': ids[0] if ids else None,
                'active_ids': ids,
                })
    session, start, _ = client.call('wizard.%s.create' % name,
        context=context)
    try:
        view = client.call('wizard.%s.execute' % name, session, {}, start,
            context=context)
        defaults = {
            k: v for k, v in view['view']['defaults'].items()
            if '.' not in k}
        return client.call('wizard.%s.execute' % name, session, {
                start: {**defaults, **values},
                }, state, context=context)
    finally:
        client.call('wizard.%s.delete' % name, session, context=context)
