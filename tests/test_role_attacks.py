# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Each role attacks the demo through the real server.

The demo of tests/conftest.py is served as shipped; its admin creates one
user per role, each in its group only (a contributor, the steward of
DOKOS, an accountant without commons groups, a commons admin, a
participant, a user in no group; LOOT's steward is the demo's) and a second
host with a past fiscal year, and posts the year end of 2023.  Over
JSON-RPC, as the web client would, each role then forges what only a
button or the server writes (workflow fields, decisions, links to moves,
fund lines, the annex of the dedicated funds), feeds wizards with another
host's records and sends malformed values.  Each attempt must be refused
with a Tryton UserError, never an HTTP error nor a raw exception, and
leave every table of the commons, moves, invoices, fiscal years, parties
and users as it was; the public routes answer a JSON 4xx and publish no
unclassified person.  What a role may do (a steward approving spending, an
accountant posting) must work.
"""
import datetime as dt
import json
import sys
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

import pytest
from conftest import ADMIN, ROOT
from demo_rpc import (
    configuration, create_parties, earmarked, group_id, make_users, open_round,
    receipt_move, run_wizard, supplier_invoices)
from rpc import Fault

sys.path.insert(0, str(ROOT / 'scripts'))
import demo_data  # noqa: E402

TABLES = (
    'commons_', 'account_move', 'account_invoice', 'account_fiscalyear',
    'account_payment', 'account_period', 'party_party', 'res_user')
ROLES = [
    'contributor', 'other_steward', 'steward', 'accountant',
    'commons_admin', 'participant', 'nobody', 'admin']
TODAY = dt.date.today()


class World:
    "The demo with a user of each role and what the attacks need"

    def __init__(self, database, server):
        self.database = database
        self.server = server
        self.tables = database.tables(TABLES)
        self.admin = admin = server.client(*ADMIN)
        self.company = admin.context['company']
        self.resources = self._by_code('commons.resource', ['LOOT', 'DOKOS'])
        self.funds = self._by_code('commons.fund', ['LOOT', 'DOKOS'])
        self.fiscalyear = self._fiscalyear(TODAY)
        self.fiscalyear_2023 = self._fiscalyear(dt.date(2023, 6, 1))

        contributor, participant = create_parties(admin, 'Attacker', 2)
        dokos, = admin.model('commons.resource', 'read', [
                self.resources['DOKOS']], ['stewards'])
        self.parties = {
            'contributor': contributor,
            'other_steward': dokos['stewards'][0],
            'participant': participant,
            }
        groups = {
            'contributor': "Commons Contributor",
            'other_steward': "Commons Steward",
            'accountant': "Accounting",
            'commons_admin': "Commons Administration",
            'participant': "Commons Participant",
            'nobody': None,
            }
        logins = {
            role: make_users(
                admin, role.replace('_', '-'), group,
                [self.parties.get(role)])[0]
            for role, group in groups.items()}
        logins['steward'] = (
            demo_data.STEWARD_USER['login'],
            demo_data.STEWARD_USER['password'])
        self.clients = {
            role: server.client(*login) for role, login in logins.items()}
        # The demo's steward reads French: the refusals are read in English
        self.clients['steward'].context['language'] = 'en'
        self.clients['admin'] = admin

        self.company_b, self.fiscalyear_b, self.fund_b = self._company_b()
        self._year_end_2023()
        self.dedicated = admin.model('commons.fund.dedicated', 'search', [
                ('fiscalyear', '=', self.fiscalyear_2023)], 0, None, None)
        assert self.dedicated, "the year end of 2023 wrote no annex row"
        self.unclassified = self._unclassified_donor()
        # The contributor's own row in the contributors' analysis
        self.contribution('validated')

    def _by_code(self, model, codes):
        return {
            r['code']: r['id'] for r in self.admin.model(
                model, 'search_read', [('code', 'in', codes)],
                0, None, None, ['code'])}

    def _fiscalyear(self, date):
        fiscalyear, = self.admin.model('account.fiscalyear', 'search', [
                ('company', '=', self.company),
                ('start_date', '<=', date), ('end_date', '>=', date),
                ], 0, 1, None)
        return fiscalyear

    def _company_b(self):
        """A second host with a fiscal year of 2020 and its periods, a
        resource and its fund"""
        admin = self.admin
        party, = create_parties(admin, 'Host B', 1)
        currency, = admin.model(
            'company.company', 'read', [self.company], ['currency'])
        company, = admin.model('company.company', 'create', [{
                    'party': party, 'currency': currency['currency'],
                    }])
        login, = make_users(admin, 'host-b', "Administration", [None],
            company=company)
        admin.model('res.user', 'write', [admin.model(
                    'res.user', 'search', [('login', '=', login[0])],
                    0, 1, None)[0]], {
                'groups': [('add', [
                            group_id(admin, "Accounting Administration"),
                            group_id(admin, "Commons Administration"),
                            ])],
                })
        host_b = self.server.client(*login)
        sequence_type = host_b.model('ir.model.data', 'get_id',
            'account', 'sequence_type_account_move')
        sequence, = host_b.model('ir.sequence.strict', 'create', [{
                    'name': "B 2020", 'sequence_type': sequence_type,
                    'company': company,
                    }])
        fiscalyear, = host_b.model('account.fiscalyear', 'create', [{
                    'name': "B 2020", 'company': company,
                    'start_date': dt.date(2020, 1, 1),
                    'end_date': dt.date(2020, 12, 31),
                    'move_sequence': sequence,
                    }])
        host_b.model('account.fiscalyear', 'create_period', [fiscalyear])
        self.resource_b, fund = earmarked(host_b, [], name="Host B")
        return company, fiscalyear, fund

    def _year_end_2023(self):
        done, = self.admin.model('account.fiscalyear', 'read', [
                self.fiscalyear_2023], ['commons_year_end'])
        if not done['commons_year_end']:
            run_wizard(self.admin, 'commons.fund.year_end', 'post', {
                    'fiscalyear': self.fiscalyear_2023,
                    })

    def _unclassified_donor(self):
        "The name of a party nobody classified who gave to LOOT"
        name = "Unclassified donor %s" % uuid.uuid4().hex[:8]
        funder, = self.admin.model('party.party', 'create', [{
                    'name': name, 'addresses': [('create', [{}])],
                    }])
        pledge = self.pledge(funder=funder, amount=Decimal(25))
        run_wizard(self.admin, 'commons.pledge.record_receipt', 'post', {},
            action=('commons.pledge', [pledge]))
        return name

    def snapshot(self):
        return self.database.snapshot(self.tables)

    def changed(self, before):
        after = self.snapshot()
        return sorted(t for t in self.tables if before[t] != after[t])

    def pledge(self, funder=None, amount=Decimal(100)):
        "A pledge to LOOT confirmed by the admin"
        if funder is None:
            funder, = create_parties(self.admin, 'Attack funder', 1)
        pledge, = self.admin.model('commons.pledge', 'create', [{
                    'funder': funder, 'funding_type': 'donation',
                    'fund': self.funds['LOOT'], 'amount': amount,
                    'date': TODAY, 'fiscalyear': self.fiscalyear,
                    }])
        self.admin.model('commons.pledge', 'confirm', [pledge])
        return pledge

    def contribution(self, state='draft'):
        "A contribution of the contributor to LOOT, taken to the state"
        contributor = self.clients['contributor']
        steward = self.clients['steward']
        contribution, = contributor.model('commons.contribution', 'create',
            [{
                    'contributor': self.parties['contributor'],
                    'resource': self.resources['LOOT'],
                    'date': TODAY, 'kind': 'work',
                    'remuneration': 'volunteer', 'quantity': 2,
                    'description': "Attack %s" % state,
                    }])
        if state != 'draft':
            contributor.model('commons.contribution', 'submit',
                [contribution])
        if state == 'validated':
            steward.model('commons.contribution', 'approve', [contribution])
        elif state == 'rejected':
            run_wizard(steward, 'commons.contribution.reject', 'reject', {
                    'reason': "Not done",
                    }, action=('commons.contribution', [contribution]))
        read, = self.admin.model('commons.contribution', 'read',
            [contribution], ['state'])
        assert read['state'] == state
        return contribution

    def validations(self, contribution):
        read, = self.admin.model('commons.contribution', 'read',
            [contribution], ['validations'])
        return read['validations']


@pytest.fixture(scope='module')
def world(demo_database, demo_server):
    return World(demo_database, demo_server)


def assert_refused(world, call, *args, says=None, **kwargs):
    """call(*args, **kwargs) is refused with a UserError whose message says
    says, and no table changed"""
    before = world.snapshot()
    try:
        result = call(*args, **kwargs)
    except Fault as fault:
        refusal = fault
    else:
        refusal = None
    changed = world.changed(before)
    assert refusal is not None, (
        "accepted: %r; tables changed: %s" % (result, changed))
    assert refusal.status == 200 and refusal.kind == 'UserError', (
        "not a refusal: %s\n%s" % (refusal, refusal.body[-3000:]))
    assert isinstance(refusal.message, str) and refusal.message.strip()
    assert 'Traceback' not in refusal.message, refusal.message
    if says:
        assert says.lower() in refusal.message.lower(), refusal.message
    assert not changed, (
        "refused (%s) but tables changed: %s" % (refusal.message, changed))
    return refusal


def other_valuation_move(world):
    "The valuation move of a contribution of the demo (not the attacker's)"
    contribution, = world.admin.model('commons.contribution', 'search_read',
        [
            ('valuation_move', '!=', None),
            ('contributor', '!=', world.parties['contributor']),
            ], 0, 1, None, ['valuation_move'])
    return contribution['valuation_move']


def other_invoice_line(world):
    "The invoice line of a contribution of the demo (not the attacker's)"
    contribution, = world.admin.model('commons.contribution', 'search_read',
        [
            ('invoice_line', '!=', None),
            ('contributor', '!=', world.parties['contributor']),
            ], 0, 1, None, ['invoice_line'])
    return contribution['invoice_line']


# 1. Links to moves and invoice lines


@pytest.mark.parametrize('field', ['valuation_move', 'invoice_line'])
def test_contributor_links_another_move(world, field):
    "A contributor links their contribution to someone else's move or line"
    contributor = world.clients['contributor']
    target = (
        other_valuation_move(world) if field == 'valuation_move'
        else other_invoice_line(world))
    draft = world.contribution('draft')
    assert_refused(world, contributor.model, 'commons.contribution',
        'write', [draft], {field: target})
    assert_refused(world, contributor.model, 'commons.contribution',
        'create', [{
                'contributor': world.parties['contributor'],
                'resource': world.resources['LOOT'],
                'date': TODAY, 'kind': 'work', 'remuneration': 'volunteer',
                'quantity': 1, field: target,
                }])


def test_contributor_draft_cancels_no_move(world):
    "Back to draft, a contribution cancels its own valuation move only"
    contributor = world.clients['contributor']
    moves = [t for t in world.tables if t.startswith('account_move')]
    submitted = world.contribution('submitted')
    assert_refused(world, contributor.model, 'commons.contribution',
        'write', [submitted], {'valuation_move': other_valuation_move(world)})
    before = world.snapshot()
    contributor.model('commons.contribution', 'draft', [submitted])
    assert not set(world.changed(before)) & set(moves)

    validated = world.contribution('validated')
    own, = world.admin.model('commons.contribution', 'read', [validated],
        ['valuation_move'])
    assert own['valuation_move']
    known = set(world.admin.model('account.move', 'search', [], 0, None,
            None))
    contributor.model('commons.contribution', 'draft', [validated])
    new = world.admin.model('account.move', 'search_read', [
            ('id', 'not in', list(known))], 0, None, None, ['origin'])
    assert [m['origin'] for m in new] == [
        'account.move,%s' % own['valuation_move']]


# 2. Decisions


def test_contributor_forges_approval(world):
    "A contributor approves their own contribution in a steward's name"
    contributor = world.clients['contributor']
    steward = world.clients['steward']
    for state in ['draft', 'submitted']:
        contribution = world.contribution(state)
        decision = {
            'contribution': contribution, 'user': steward.user_id,
            'decision': 'approved', 'date': TODAY,
            }
        assert_refused(world, contributor.model,
            'commons.contribution.validation', 'create', [decision])
        assert_refused(world, contributor.model, 'commons.contribution',
            'write', [contribution], {
                'validations': [('create', [{
                                k: v for k, v in decision.items()
                                if k != 'contribution'}])],
                })
    assert_refused(world, contributor.model, 'commons.contribution',
        'approve', [contribution])
    assert_refused(world, contributor.model, 'commons.contribution',
        'create', [{
                'contributor': world.parties['contributor'],
                'resource': world.resources['LOOT'], 'date': TODAY,
                'kind': 'work', 'remuneration': 'volunteer', 'quantity': 1,
                'validations': [('create', [{
                                k: v for k, v in decision.items()
                                if k != 'contribution'}])],
                }])


@pytest.mark.parametrize('role', [
        'other_steward', 'steward', 'commons_admin', 'admin'])
@pytest.mark.parametrize('values', [
        {'decision': 'approved'},
        {'comment': "Fine after all"},
        {'user': None},
        ], ids=['decision', 'comment', 'user'])
def test_steward_rewrites_rejection(world, role, values):
    "The rejection of LOOT's steward rewritten by a steward or an admin"
    client = world.clients[role]
    contribution = world.contribution('rejected')
    rejection, = world.validations(contribution)
    if 'user' in values:
        values = {'user': client.user_id}
    assert_refused(world, client.model, 'commons.contribution.validation',
        'write', [rejection], values)
    assert_refused(world, client.model, 'commons.contribution', 'write',
        [contribution], {
            'validations': [('write', [rejection], values)],
            })


@pytest.mark.parametrize('role', [
        'steward', 'other_steward', 'contributor', 'commons_admin'])
def test_decision_deleted(world, role):
    "A decision is deleted by another way than the draft button"
    client = world.clients[role]
    contribution = world.contribution('rejected')
    rejection, = world.validations(contribution)
    assert_refused(world, client.model, 'commons.contribution.validation',
        'delete', [rejection])
    assert_refused(world, client.model, 'commons.contribution', 'write',
        [contribution], {'validations': [('delete', [rejection])]})


def test_other_steward_decides(world):
    "The steward of DOKOS approves or rejects a contribution to LOOT"
    client = world.clients['other_steward']
    contribution = world.contribution('submitted')
    assert_refused(world, client.model, 'commons.contribution', 'approve',
        [contribution])
    assert_refused(world, run_wizard, client, 'commons.contribution.reject',
        'reject', {'reason': "Not mine"},
        action=('commons.contribution', [contribution]))


def test_contributor_acts_for_another(world):
    "A contributor records, reads or invoices another's contributions"
    contributor = world.clients['contributor']
    other, = world.admin.model('commons.contribution', 'search_read', [
            ('state', '=', 'validated'), ('remuneration', '=', 'paid'),
            ('kind', '=', 'work'), ('invoice_line', '=', None),
            ('contributor', '!=', world.parties['contributor']),
            ], 0, 1, None, ['contributor'])
    assert_refused(world, contributor.model, 'commons.contribution',
        'create', [{
                'contributor': other['contributor'],
                'resource': world.resources['LOOT'],
                'date': TODAY, 'kind': 'work', 'remuneration': 'paid',
                'quantity': 100, 'unit_price': Decimal(40),
                }])
    draft = world.contribution('draft')
    assert_refused(world, contributor.model, 'commons.contribution',
        'write', [draft], {'contributor': other['contributor']})
    assert other['id'] not in contributor.model('commons.contribution',
        'search', [], 0, None, None)
    assert_refused(world, contributor.model, 'commons.contribution', 'read',
        [other['id']], ['amount'])
    assert_refused(world, run_wizard, contributor,
        'commons.contribution.invoice', 'create_', {},
        action=('commons.contribution', [other['id']]))


# 3. Workflow state


@pytest.mark.parametrize('role,state,values', [
        ('contributor', 'draft', {'state': 'validated'}),
        ('contributor', 'submitted', {'state': 'validated'}),
        ('contributor', 'validated', {'state': 'draft'}),
        ('contributor', 'validated', {'quantity': 20}),
        ('steward', 'submitted', {'state': 'validated'}),
        ('steward', 'validated', {'quantity': 20}),
        ('commons_admin', 'submitted', {'state': 'validated'}),
        ('commons_admin', 'validated', {'state': 'draft'}),
        ('commons_admin', 'validated', {'quantity': 20}),
        ('admin', 'validated', {'state': 'draft'}),
        ('admin', 'validated', {'quantity': 20}),
        ], ids=str)
def test_contribution_state_written(world, role, state, values):
    "The state of a contribution, or a validated one, written directly"
    contribution = world.contribution(state)
    assert_refused(world, world.clients[role].model, 'commons.contribution',
        'write', [contribution], values)


@pytest.mark.parametrize('role,model,values', [
        ('contributor', 'commons.contribution', {'state': 'validated'}),
        ('contributor', 'commons.contribution', {'state': 'submitted'}),
        ('commons_admin', 'commons.contribution', {'state': 'validated'}),
        ('admin', 'commons.contribution', {'state': 'invoiced'}),
        ('commons_admin', 'commons.pledge', {'state': 'done'}),
        ('admin', 'commons.pledge', {'state': 'confirmed'}),
        ], ids=str)
def test_created_in_state(world, role, model, values):
    "A contribution or a pledge created past its draft state"
    if model == 'commons.contribution':
        values = {
            'contributor': world.parties['contributor'],
            'resource': world.resources['LOOT'], 'date': TODAY,
            'kind': 'work', 'remuneration': 'volunteer', 'quantity': 1,
            **values,
            }
    else:
        funder, = create_parties(world.admin, 'State funder', 1)
        values = {
            'funder': funder, 'funding_type': 'donation',
            'fund': world.funds['LOOT'], 'amount': Decimal(10),
            'date': TODAY, 'fiscalyear': world.fiscalyear,
            **values,
            }
    assert_refused(world, world.clients[role].model, model, 'create',
        [values])


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
@pytest.mark.parametrize('model,state,values', [
        ('commons.pledge', 'done', {'state': 'draft'}),
        ('commons.pledge', 'confirmed', {'state': 'done'}),
        ('commons.pledge', 'draft', {'state': 'confirmed'}),
        ('commons.allocation', 'posted', {'state': 'draft'}),
        ('commons.allocation', 'posted', {'amount': Decimal(1)}),
        ('commons.allocation.line', 'posted', {'amount': Decimal(1)}),
        ('commons.round', 'posted', {'state': 'open'}),
        ('commons.round', 'posted', {'allocation': None}),
        ('commons.round.vote', 'posted', {'amount': Decimal(999)}),
        ('commons.reciprocity.contract', 'active', {'state': 'draft'}),
        ('commons.reciprocity.declaration', 'draft', {'state': 'invoiced'}),
        ('commons.reciprocity.declaration', 'invoiced', {'state': 'draft'}),
        ('commons.reciprocity.declaration', 'invoiced',
            {'agent_invoice': None}),
        ], ids=str)
def test_workflow_state_written(world, role, model, state, values):
    "The workflow fields of the other documents written directly"
    parent = {
        'commons.allocation.line': 'allocation.',
        'commons.round.vote': 'round.',
        }.get(model, '')
    record, = world.admin.model(model, 'search', [
            (parent + 'state', '=', state)], 0, 1, None)
    assert_refused(world, world.clients[role].model, model, 'write',
        [record], values)


@pytest.mark.parametrize('role', ['accountant', 'admin'])
def test_payment_request_turned_invoice(world, role):
    "A draft payment request of a gift turned into an invoice by a write"
    pledge = world.pledge()
    run_wizard(world.admin, 'commons.pledge.request_payment', 'create_', {},
        action=('commons.pledge', [pledge]))
    request, = world.admin.model('account.invoice', 'search', [
            ('lines.commons_pledge', '=', pledge),
            ('commons_request', '=', True),
            ], 0, 1, None)
    assert_refused(world, world.clients[role].model, 'account.invoice',
        'write', [request], {'commons_request': False},
        says="cannot be changed")


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
def test_posted_vote_deleted(world, role):
    "A vote of a posted round deleted"
    vote, = world.admin.model('commons.round.vote', 'search', [
            ('round.state', '=', 'posted')], 0, 1, None)
    assert_refused(world, world.clients[role].model, 'commons.round.vote',
        'delete', [vote])


def test_steward_validates_own_contribution(world):
    "A steward who contributes approves their own contribution"
    admin = world.admin
    party, = create_parties(admin, 'Self steward', 1)
    resource, _ = earmarked(admin, [party], name="Self")
    login, = make_users(admin, 'self-steward', "Commons Steward", [party])
    user, = admin.model('res.user', 'search', [('login', '=', login[0])],
        0, 1, None)
    admin.model('res.user', 'write', [user], {
            'groups': [('add', [group_id(admin, "Commons Contributor")])],
            })
    client = world.server.client(*login)
    contribution, = client.model('commons.contribution', 'create', [{
                'contributor': party, 'resource': resource, 'date': TODAY,
                'kind': 'work', 'remuneration': 'volunteer', 'quantity': 3,
                }])
    client.model('commons.contribution', 'submit', [contribution])
    assert_refused(world, client.model, 'commons.contribution', 'approve',
        [contribution])


# 4. Fund lines and the annex of dedicated funds


def fund_line(world):
    return {
        'fund': world.funds['LOOT'], 'date': TODAY, 'kind': 'adjustment',
        'amount': Decimal(1000), 'description': "Forged",
        }


@pytest.mark.parametrize('role', ROLES)
def test_fund_line_created(world, role):
    "A fund line created by hand, through the fund or as a copy"
    client = world.clients[role]
    line, = world.admin.model('commons.fund.line', 'search', [
            ('fund', '=', world.funds['LOOT'])], 0, 1, None)
    assert_refused(world, client.model, 'commons.fund.line', 'create',
        [fund_line(world)])
    assert_refused(world, client.model, 'commons.fund', 'write',
        [world.funds['LOOT']], {
            'lines': [('create', [fund_line(world)])],
            })
    assert_refused(world, client.model, 'commons.fund.line', 'copy',
        [line], {})
    assert_refused(world, client.model, 'commons.fund.line', 'create',
        [fund_line(world)], context={
            **client.context, '_commons_fund_line_book': True,
            '_check_access': False,
            })


@pytest.mark.parametrize('role', ['commons_admin', 'accountant', 'admin'])
def test_fund_line_changed(world, role):
    "A fund line written, moved to another fund or deleted"
    client = world.clients[role]
    line, = world.admin.model('commons.fund.line', 'search', [
            ('fund', '=', world.funds['LOOT'])], 0, 1, None)
    for values in [
            {'amount': Decimal(1)},
            {'fund': world.funds['DOKOS']},
            {'kind': 'receipt'},
            ]:
        assert_refused(world, client.model, 'commons.fund.line', 'write',
            [line], values)
    assert_refused(world, client.model, 'commons.fund', 'write',
        [world.funds['LOOT']], {
            'lines': [('write', [line], {'amount': Decimal(1)})],
            })
    assert_refused(world, client.model, 'commons.fund.line', 'delete',
        [line])
    assert_refused(world, client.model, 'commons.fund', 'write',
        [world.funds['LOOT']], {'lines': [('delete', [line])]})


@pytest.mark.parametrize('role', [
        'commons_admin', 'accountant', 'steward', 'admin'])
def test_dedicated_forged(world, role):
    "A row of the annex of dedicated funds created, written or deleted"
    client = world.clients[role]
    row, = world.admin.model('commons.fund.dedicated', 'read',
        world.dedicated[:1], [
            'company', 'fiscalyear', 'fund', 'resource', 'origin',
            'opening', 'year_resources', 'spent', 'used', 'reported',
            'closing', 'dormant', 'move'])
    row.pop('id')
    assert_refused(world, client.model, 'commons.fund.dedicated', 'create',
        [{**row, 'closing': Decimal(999999)}])
    assert_refused(world, client.model, 'commons.fund.dedicated', 'write',
        world.dedicated[:1], {'closing': Decimal(0)})
    assert_refused(world, client.model, 'commons.fund.dedicated', 'delete',
        world.dedicated[:1])
    assert_refused(world, client.model, 'commons.fund.dedicated', 'copy',
        world.dedicated[:1], {})
    assert_refused(world, client.model, 'account.fiscalyear', 'write',
        [world.fiscalyear_2023], {'commons_year_end': False})


# 5. and 6. Wizards given another host's records or a year not over


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
@pytest.mark.parametrize('state', ['post', 'cancel_'])
@pytest.mark.parametrize('context', ['own', 'other'])
def test_year_end_other_company(world, role, state, context):
    "The year end of another host's fiscal year"
    client = world.clients[role]
    assert_refused(world, run_wizard, client, 'commons.fund.year_end',
        state, {'fiscalyear': world.fiscalyear_b},
        context={'company': world.company_b} if context == 'other' else {})


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
@pytest.mark.parametrize('fiscalyear', [None, -1, 10 ** 20, 'abc'])
def test_year_end_malformed(world, role, fiscalyear):
    "The year end of a fiscal year that is none"
    assert_refused(world, run_wizard, world.clients[role],
        'commons.fund.year_end', 'post', {'fiscalyear': fiscalyear})


@pytest.mark.parametrize('role', [
        'commons_admin', 'admin', 'accountant', 'steward'])
def test_year_end_not_over(world, role):
    "The year end of the fiscal year under way"
    assert_refused(world, run_wizard, world.clients[role],
        'commons.fund.year_end', 'post',
        {'fiscalyear': world.fiscalyear})


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
@pytest.mark.parametrize('values', [
        'company', 'fiscalyear', {'company': None}, {'company': -1},
        {'company': 'abc'}, {'fiscalyear': -1}, {'fiscalyear': 10 ** 20},
        {'format': 'xml'}], ids=str)
def test_open_data_export_input(world, role, values):
    "The open-data export of another host, of its fiscal year or of none"
    if values == 'company':
        values = {'company': world.company_b, 'fiscalyear': None}
    elif values == 'fiscalyear':
        values = {'company': world.company, 'fiscalyear': world.fiscalyear_b}
    assert_refused(world, run_wizard, world.clients[role],
        'commons.reporting.open_data.export', 'export',
        {'format': 'json', **values})


# 7. Funds


@pytest.mark.parametrize('role', ['commons_admin', 'admin', 'steward'])
def test_earmarked_fund_retargeted(world, role):
    "An earmarked fund with lines given to another resource or pooled"
    client = world.clients[role]
    fund = world.funds['LOOT']
    for values in [
            {'resource': world.resources['DOKOS']},
            {'type': 'pooled', 'resource': None},
            {'type': 'pooled'},
            {'company': world.company_b},
            ]:
        assert_refused(world, client.model, 'commons.fund', 'write',
            [fund], values)


@pytest.mark.parametrize('role', ['commons_admin', 'admin'])
def test_closed_fund_changed(world, role):
    "The code or name of a closed fund written"
    client = world.clients[role]
    _, fund = earmarked(world.admin, [], name="Closed")
    world.admin.model('commons.fund', 'close', [fund])
    for values in [{'code': 'REOPENED-%s' % role}, {'name': "Renamed"}]:
        assert_refused(world, client.model, 'commons.fund', 'write',
            [fund], values)


# 8. Spending


@pytest.fixture
def spending(world):
    "A supplier invoice charged to LOOT's fund, waiting for approval"
    (invoice, line), = supplier_invoices(
        world.admin, world.funds['LOOT'], Decimal(40), 1)
    return invoice, line


def test_other_steward_approves(world, spending):
    "The steward of DOKOS approves or refuses LOOT's spending"
    client = world.clients['other_steward']
    invoice, line = spending
    assert_refused(world, client.model, 'commons.fund.spending', 'approve',
        [line])
    assert_refused(world, run_wizard, client, 'commons.fund.spending.refuse',
        'refuse', {'reason': "Not mine"},
        action=('commons.fund.spending', [line]))
    assert_refused(world, client.model, 'account.invoice.line',
        'commons_approve', [line])
    assert_refused(world, client.model, 'account.invoice',
        'commons_approve', [invoice])


@pytest.mark.parametrize('role', ['contributor', 'participant', 'nobody'])
def test_no_steward_approves(world, spending, role):
    "Who stewards nothing approves spending"
    _, line = spending
    assert_refused(world, world.clients[role].model,
        'commons.fund.spending', 'approve', [line])


@pytest.mark.parametrize('role', ['steward', 'other_steward'])
def test_steward_writes_approval(world, spending, role):
    "A steward writes the approval of an invoice line or reads invoices"
    client = world.clients[role]
    invoice, line = spending
    assert_refused(world, client.model, 'account.invoice.line', 'write',
        [line], {'commons_approved_by': client.user_id})
    assert_refused(world, client.model, 'account.invoice', 'read',
        [invoice], ['number', 'total_amount'])
    assert_refused(world, client.model, 'account.invoice', 'search',
        [], 0, None, None)


@pytest.mark.parametrize('role', ['accountant', 'admin'])
def test_approval_written(world, spending, role):
    "Who may write invoice lines writes their approval"
    client = world.clients[role]
    _, line = spending
    assert_refused(world, client.model, 'account.invoice.line', 'write',
        [line], {'commons_approved_by': world.clients['steward'].user_id})


def test_steward_approves_more_than_available(world):
    "LOOT's steward approves more than its fund holds"
    available, = world.admin.model('commons.fund', 'read',
        [world.funds['LOOT']], ['available'])
    (_, line), = supplier_invoices(world.admin, world.funds['LOOT'],
        available['available'] + Decimal('0.01'), 1)
    assert_refused(world, world.clients['steward'].model,
        'commons.fund.spending', 'approve', [line], says="available")


def test_unapproved_spending_posted(world, spending):
    "The accountant posts spending no steward approved"
    invoice, _ = spending
    assert_refused(world, world.clients['accountant'].model,
        'account.invoice', 'post', [invoice])


def test_approved_spending_changed(world, spending):
    "The accountant changes spending once a steward approved it"
    invoice, line = spending
    accountant = world.clients['accountant']
    world.clients['steward'].model('commons.fund.spending', 'approve',
        [line])
    for values in [
            {'unit_price': Decimal(4000)},
            {'quantity': 100},
            {'commons_fund': world.funds['DOKOS']},
            ]:
        assert_refused(world, accountant.model, 'account.invoice.line',
            'write', [line], values)


def test_steward_approves_accountant_posts(world, spending):
    "LOOT's steward approves from their list, the accountant posts"
    invoice, line = spending
    steward = world.clients['steward']
    accountant = world.clients['accountant']
    lines = steward.model('commons.fund.spending', 'search', [
            ('state', '=', 'to_approve')], 0, None, None)
    assert line in lines
    steward.model('commons.fund.spending', 'approve', [line])
    accountant.model('account.invoice', 'post', [invoice])
    state, = world.admin.model('account.invoice', 'read', [invoice],
        ['state'])
    assert state['state'] == 'posted'
    expense, = world.admin.model('commons.fund.line', 'search_read', [
            ('origin', '=', 'account.invoice.line,%s' % line),
            ], 0, None, None, ['kind', 'amount', 'fund'])
    assert expense['kind'] == 'expense'
    assert expense['amount'] == Decimal(-40)
    assert expense['fund'] == world.funds['LOOT']


# 9. An accountant posts a move charged to a fund


def test_accountant_posts_move(world):
    "An accountant without commons groups posts a move charged to a fund"
    accountant = world.clients['accountant']
    move = receipt_move(accountant, world.funds['DOKOS'], Decimal(15))
    accountant.model('account.move', 'post', [move])
    line, = world.admin.model('commons.fund.line', 'search_read', [
            ('origin', '=', 'account.move,%s' % move),
            ], 0, None, None, ['kind', 'amount', 'fund'])
    assert line['kind'] == 'adjustment'
    assert line['amount'] == Decimal(15)
    assert line['fund'] == world.funds['DOKOS']


@pytest.mark.parametrize('when', ['year_end', 'closed_fund', 'other_host'])
def test_accountant_posts_move_refused(world, when):
    "An accountant posts a move charged to a fund that may not receive it"
    accountant = world.clients['accountant']
    fund = world.funds['DOKOS']
    if when == 'closed_fund':
        _, fund = earmarked(world.admin, [], name="Closed")
        world.admin.model('commons.fund', 'close', [fund])
    elif when == 'other_host':
        fund = world.fund_b
    date = dt.date(2023, 6, 1) if when == 'year_end' else TODAY
    config = configuration(world.admin)
    period, = world.admin.model('account.period', 'search', [
            ('company', '=', world.company), ('type', '=', 'standard'),
            ('start_date', '<=', date), ('end_date', '>=', date),
            ], 0, 1, None)
    move = {
        'journal': config['receipt_journal'], 'period': period,
        'date': date,
        'lines': [('create', [{
                        'account': config['bank_account'],
                        'debit': Decimal(15), 'credit': Decimal(0),
                        }, {
                        'account': config['donation_account'],
                        'debit': Decimal(0), 'credit': Decimal(15),
                        'commons_fund': fund,
                        }])],
        }
    if when == 'other_host':
        assert_refused(world, accountant.model, 'account.move', 'create',
            [move])
    else:
        move, = accountant.model('account.move', 'create', [move])
        assert_refused(world, accountant.model, 'account.move', 'post',
            [move])


def test_other_host_fund(world):
    "The fund of another host given to a pledge, an invoice line, a vote"
    admin = world.admin
    funder, = create_parties(admin, 'Cross funder', 1)
    assert_refused(world, world.clients['commons_admin'].model,
        'commons.pledge', 'create', [{
                'funder': funder, 'funding_type': 'donation',
                'fund': world.fund_b, 'amount': Decimal(100),
                'date': TODAY, 'fiscalyear': world.fiscalyear,
                }])
    _, line = supplier_invoices(admin, world.funds['LOOT'], Decimal(10), 1)[0]
    assert_refused(world, world.clients['accountant'].model,
        'account.invoice.line', 'write', [line],
        {'commons_fund': world.fund_b})
    assert_refused(world, world.clients['contributor'].model,
        'commons.contribution', 'create', [{
                'contributor': world.parties['contributor'],
                'resource': world.resource_b, 'date': TODAY,
                'kind': 'work', 'remuneration': 'volunteer', 'quantity': 1,
                }])
    assert_refused(world, world.clients['contributor'].model,
        'commons.contribution', 'create', [{
                'company': world.company_b,
                'contributor': world.parties['contributor'],
                'resource': world.resources['LOOT'], 'date': TODAY,
                'kind': 'work', 'remuneration': 'volunteer', 'quantity': 1,
                }])


# 9b. Payments by SEPA transfer


def payment_journal(world):
    journal, = world.admin.model('account.payment.journal', 'search', [
            ('process_method', '=', 'sepa')], 0, 1, None)
    return journal


@pytest.mark.parametrize('role', [
        'contributor', 'steward', 'other_steward', 'participant', 'nobody'])
def test_payment_created(world, role):
    "A role without the payment groups pays someone"
    assert_refused(world, world.clients[role].model, 'account.payment',
        'create', [{
                'company': world.company,
                'journal': payment_journal(world),
                'kind': 'payable',
                'party': world.parties['contributor'],
                'amount': Decimal(10),
                'date': TODAY,
                }])


def test_accountant_pays(world, spending):
    """The accountant pays approved and posted spending by SEPA transfer,
    once its supplier has an IBAN"""
    invoice, line = spending
    admin = world.admin
    login, = make_users(admin, 'payer', "Accounting", [None])
    user, = admin.model('res.user', 'search', [
            ('login', '=', login[0])], 0, 1, None)
    admin.model('res.user', 'write', [user], {
            'groups': [('add', [
                        group_id(admin, "Payment"),
                        group_id(admin, "Payment Approval"),
                        ])],
            })
    accountant = world.server.client(*login)
    world.clients['steward'].model('commons.fund.spending', 'approve',
        [line])
    accountant.model('account.invoice', 'post', [invoice])
    read, = admin.model('account.invoice', 'read', [invoice],
        ['lines_to_pay', 'party'])
    line_to_pay, = read['lines_to_pay']
    payment, = accountant.model('account.payment', 'create', [{
                'company': world.company,
                'journal': payment_journal(world),
                'kind': 'payable',
                'party': read['party'],
                'line': line_to_pay,
                'amount': Decimal(40),
                'date': TODAY,
                }])
    name, = admin.model('party.party', 'read', [read['party']], ['name'])
    assert_refused(world, accountant.model, 'account.payment', 'submit',
        [payment], says='"%s" has no bank account with an IBAN'
        % name['name'])

    bank, = admin.model('bank', 'search', [], 0, 1, None)
    admin.model('bank.account', 'create', [{
                'bank': bank,
                'owners': [('add', [read['party']])],
                'numbers': [('create', [{
                                'type': 'iban',
                                'number': 'FR76 3000 6000 0112 3456 7890 189',
                                }])],
                }])
    accountant.model('account.payment', 'submit', [payment])
    accountant.model('account.payment', 'approve', [payment])
    context = {
        **accountant.context, 'active_model': 'account.payment',
        'active_id': payment, 'active_ids': [payment]}
    wizard = 'wizard.account.payment.process.'
    session, start, _ = accountant.call(wizard + 'create', context=context)
    accountant.call(wizard + 'execute', session, {}, start, context=context)
    accountant.call(wizard + 'delete', session, context=context)
    read, = admin.model('account.payment', 'read', [payment],
        ['state', 'group'])
    assert read['state'] == 'processing'
    group, = admin.model('account.payment.group', 'read', [read['group']],
        ['sepa_messages'])
    assert len(group['sepa_messages']) == 1


# 10. Reporting analyses and who reads what


ANALYSES = [
    'commons.reporting.resource_funding', 'commons.reporting.funder',
    'commons.reporting.contributor', 'commons.reporting.reciprocity']
READERS = {
    'contributor': {'commons.reporting.contributor'},
    'steward': {'commons.reporting.resource_funding'},
    'other_steward': {'commons.reporting.resource_funding'},
    'accountant': set(),
    'participant': set(),
    'nobody': set(),
    }


def analysis_context(world):
    return {'company': world.company, 'fiscalyear': None}


@pytest.mark.parametrize('role', sorted(READERS))
@pytest.mark.parametrize('model', ANALYSES)
def test_analysis_read(world, role, model):
    "Each analysis is read only by the groups of what it shows"
    client = world.clients[role]
    context = {**client.context, **analysis_context(world)}
    rows = world.admin.model(model, 'search', [], 0, None, None,
        context={**world.admin.context, **analysis_context(world)})
    assert rows, "no row of %s to read" % model
    if model not in READERS[role]:
        assert_refused(world, client.model, model, 'search', [],
            0, None, None, context=context)
        assert_refused(world, client.model, model, 'read', rows,
            ['id'], context=context)
        return
    visible = client.model(model, 'search', [], 0, None, None,
        context=context)
    if model == 'commons.reporting.resource_funding':
        resource = world.resources[
            'LOOT' if role == 'steward' else 'DOKOS']
        expected = world.admin.model(model, 'search', [
                ('resource', '=', resource)], 0, None, None,
            context={**world.admin.context, **analysis_context(world)})
    else:
        expected = world.admin.model(model, 'search', [
                ('contributor', '=', world.parties['contributor'])],
            0, None, None,
            context={**world.admin.context, **analysis_context(world)})
    assert sorted(visible) == sorted(expected)
    hidden = sorted(set(rows) - set(visible))
    if hidden:
        assert_refused(world, client.model, model, 'read', hidden,
            ['id'], context=context)


@pytest.mark.parametrize('model', [
        'commons.fund', 'commons.pledge', 'commons.contribution',
        'commons.fund.line', 'commons.fund.dedicated'])
def test_nobody_reads(world, model):
    "A user in no group reads the commons"
    client = world.clients['nobody']
    ids = world.admin.model(model, 'search', [], 0, 5, None)
    assert ids
    assert_refused(world, client.model, model, 'search', [], 0, None, None)
    assert_refused(world, client.model, model, 'read', ids, ['id'])


def test_other_steward_reads_contribution(world):
    "The steward of DOKOS reads a contribution to LOOT"
    client = world.clients['other_steward']
    contribution = world.contribution('submitted')
    assert contribution not in client.model('commons.contribution',
        'search', [], 0, None, None)
    assert_refused(world, client.model, 'commons.contribution', 'read',
        [contribution], ['description'])


# 12. Malformed input


@pytest.mark.parametrize('values', [
        {'fund': -1},
        {'fund': 'abc'},
        {'fund': 10 ** 20},
        {'amount': Decimal('NaN')},
        {'amount': Decimal('Infinity')},
        {'amount': Decimal('-Infinity')},
        {'amount': Decimal('1e15')},
        {'fiscalyear': 'abc'},
        ], ids=lambda v: '%s=%s' % next(iter(v.items())))
def test_pledge_malformed(world, values):
    "A pledge with an id or an amount no client sends"
    funder, = create_parties(world.admin, 'Malformed funder', 1)
    assert_refused(world, world.clients['commons_admin'].model,
        'commons.pledge', 'create', [{
                'funder': funder, 'funding_type': 'donation',
                'fund': world.funds['LOOT'], 'amount': Decimal(100),
                'date': TODAY, 'fiscalyear': world.fiscalyear,
                **values,
                }])


@pytest.mark.parametrize('quantity', [
        float('inf'), float('-inf'), float('nan'), 1e300])
def test_contribution_quantity_malformed(world, quantity):
    "A contribution of infinite or not-a-number hours"
    contributor = world.clients['contributor']
    assert_refused(world, contributor.model, 'commons.contribution',
        'create', [{
                'contributor': world.parties['contributor'],
                'resource': world.resources['LOOT'],
                'date': TODAY, 'kind': 'work', 'remuneration': 'volunteer',
                'quantity': quantity,
                }])
    draft = world.contribution('draft')
    assert_refused(world, contributor.model, 'commons.contribution',
        'write', [draft], {'quantity': quantity})


@pytest.mark.parametrize('fiscalyear', ['abc', 10 ** 20, -1, 'other'])
def test_context_fiscalyear_malformed(world, fiscalyear):
    "The funding of a resource read in a fiscal year no client sends"
    if fiscalyear == 'other':
        fiscalyear = world.fiscalyear_b
    client = world.clients['commons_admin']
    assert_refused(world, client.model, 'commons.resource', 'read',
        [world.resources['LOOT']], ['received_amount', 'coverage'],
        context={**client.context, 'fiscalyear': fiscalyear})


@pytest.mark.parametrize('values', [
        {'journal': None},
        {'account': None},
        {'date': None},
        {'amount': Decimal('NaN')},
        {'journal': -1},
        {'journal': 'abc'},
        {'account': 10 ** 20},
        {'date': 'abc'},
        ], ids=str)
def test_record_receipt_malformed(world, values):
    "The receipt of a confirmed pledge recorded without its journal"
    pledge = world.pledge()
    assert_refused(world, run_wizard, world.clients['commons_admin'],
        'commons.pledge.record_receipt', 'post', values,
        action=('commons.pledge', [pledge]))


@pytest.mark.parametrize('values', [
        {'amount': Decimal('0.004')},
        {'amount': Decimal(0)},
        {'amount': Decimal(-5)},
        {'amount': Decimal('NaN')},
        {'amount': 'abc'},
        {'invoice_date': None},
        {'invoice_date': 'abc'},
        ], ids=str)
def test_request_payment_malformed(world, values):
    "A payment request of an amount that rounds to nothing, or of no date"
    pledge = world.pledge()
    assert_refused(world, run_wizard, world.clients['commons_admin'],
        'commons.pledge.request_payment', 'create_', values,
        action=('commons.pledge', [pledge]))


def get(world, path, **query):
    "GET the public route: its status and JSON body"
    url = '%s%s/commons/%s' % (
        world.server.url, world.database.name, path)
    if query:
        url += '?' + '&'.join('%s=%s' % i for i in query.items())
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize('path,query', [
        ('{company}/ledger', {'page': 2 ** 63}),
        ('{company}/ledger', {'page': 0}),
        ('{company}/ledger', {'page': -1}),
        ('{company}/ledger', {'page': 'abc'}),
        ('{company}/ledger', {'size': 10 ** 20}),
        ('{company}/ledger', {'page': '1%00'}),
        ('{company}/ledger', {'fiscalyear': '2023%00'}),
        ('%s/ledger' % 10 ** 20, {}),
        ('%s/resources' % 10 ** 20, {}),
        ('-1/resources', {}),
        ('abc/resources', {}),
        ('1%00/resources', {}),
        ('{company}/resources', {'fiscalyear': '%00'}),
        ('{company}/resources', {'fiscalyear': 10 ** 20}),
        ('{company}/resources/LO%00OT', {}),
        ('{company}/resources/NOPE', {}),
        ], ids=str)
def test_route_malformed(world, path, query):
    "A public route with a parameter out of range or a NUL byte"
    before = world.snapshot()
    status, headers, body = get(
        world, path.format(company=world.company), **query)
    assert 400 <= status < 500, (status, body[-2000:])
    assert headers.get_content_type() == 'application/json', body[-2000:]
    assert json.loads(body)['status'] == status
    assert not world.changed(before)


# 14. Privacy


def unpublished(world):
    "The names the open data must not show: persons who did not consent"
    persons = world.admin.model('party.party', 'search_read', [
            ('name', 'in', demo_data.PERSONS),
            ('commons_public_consent', '=', False),
            ], 0, None, None, ['name'])
    names = [p['name'] for p in persons]
    assert "Alice Durand" in names
    return names + [world.unclassified]


def test_public_ledger_names_no_person(world):
    "The public ledger route names no person who did not consent"
    status, _, body = get(world, '%s/ledger' % world.company, size=1000)
    assert status == 200, body[-2000:]
    ledger = json.loads(body)
    assert ledger['count'] <= 1000
    assert any(l['anonymised'] for l in ledger['lines'])
    text = body.decode('utf-8')
    for name in unpublished(world):
        assert name not in text, name
    assert "Fabrique Monscobar" in text


@pytest.mark.parametrize('format_', ['csv', 'json'])
def test_open_data_names_no_person(world, format_):
    "The open-data export names no person who did not consent"
    result = run_wizard(world.clients['commons_admin'],
        'commons.reporting.open_data.export', 'export', {
            'company': world.company, 'fiscalyear': None, 'format': format_,
            })
    data = result['view']['defaults']['file']
    text = bytes(data).decode('utf-8')
    for name in unpublished(world):
        assert name not in text, name
    assert "Fabrique Monscobar" in text


@pytest.mark.parametrize('fiscalyear', ['2023', None])
def test_public_pages_name_no_person(world, fiscalyear):
    """The public pages and badges name no person who did not consent and
    show no private resource"""
    private = "Ressource privée des attaques"
    if not world.admin.model('commons.resource', 'search', [
                ('code', '=', 'ATTACK-PRIVATE'),
                ('active', 'in', [True, False]),
                ], 0, None, None):
        world.admin.model('commons.resource', 'create', [{
                    'name': private,
                    'code': 'ATTACK-PRIVATE',
                    'kind': 'software',
                    'public': False,
                    'company': world.company,
                    'needs': [('create', [{
                                    'fiscalyear': world.fiscalyear_2023,
                                    'category': 'development',
                                    'amount': Decimal('4321.00'),
                                    }])],
                    }])
    query = {'fiscalyear': fiscalyear} if fiscalyear else {}
    status, headers, body = get(world, '%s/resources' % world.company,
        fiscalyear=fiscalyear or '2023')
    codes = [r['code'] for r in json.loads(body)['resources']]
    assert 'LOOT' in codes and 'ATTACK-PRIVATE' not in codes
    pages = ['%s/' % world.company] + [
        '%s/%s/%s' % (world.company, kind, code)
        for code in codes
        for kind in ['page', 'badge']]
    for path in pages:
        if '/badge/' in path:
            path += '.svg'
        status, headers, body = get(world, path, **query)
        assert status == 200, (path, body[-2000:])
        text = body.decode('utf-8')
        for name in unpublished(world) + [private, 'ATTACK-PRIVATE']:
            assert name not in text, (path, name)
    for kind in ['page/ATTACK-PRIVATE', 'badge/ATTACK-PRIVATE.svg']:
        status, headers, body = get(
            world, '%s/%s' % (world.company, kind), **query)
        assert status == 404, body[-2000:]
        assert private not in body.decode('utf-8')


def test_participant_grades_open_round(world):
    """A participant grades from the round while it is open: their own
    grades only, not the terms of the round, nothing once it is closed"""
    admin, participant = world.admin, world.clients['participant']
    party = world.parties['participant']
    other, = create_parties(admin, 'Other juror', 1)
    round_, participants, buckets = open_round(
        admin, 'majority_judgment', {party: {}, other: {}},
        {'LOOT': (10, 50), 'DOKOS': (10, 50)},
        matching_amount=Decimal(60))
    admin.model('commons.round', 'write', [round_], {
            'grades': [('create', [{
                            'participant': participants[other],
                            'bucket': buckets['LOOT'], 'grade': 'good',
                            }])],
            })
    other_grade, = admin.model('commons.round.grade', 'search', [
            ('round', '=', round_)], 0, None, None)

    participant.model('commons.round', 'write', [round_], {
            'grades': [('create', [{
                            'participant': participants[party],
                            'bucket': buckets[code], 'grade': grade,
                            } for code, grade in [
                            ('LOOT', 'excellent'), ('DOKOS', 'poor')]])],
            })
    own = {
        g['bucket']: g for g in participant.model(
            'commons.round.grade', 'search_read', [
                ('round', '=', round_), ('participant.party', '=', party)],
            0, None, None, ['bucket', 'grade', 'participant'])}
    assert {g['grade'] for g in own.values()} == {'excellent', 'poor'}
    assert {g['participant'] for g in own.values()} == {participants[party]}

    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'grades': [('write', [other_grade], {
                        'grade': 'reject'})]})
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'grades': [('create', [{
                            'participant': participants[other],
                            'bucket': buckets['DOKOS'], 'grade': 'reject',
                            }])]})
    assert_refused(world, participant.model, 'commons.round.grade', 'delete',
        [other_grade])
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'matching_amount': Decimal(10000)}, says="managers")
    assert_refused(world, participant.model, 'commons.round', 'close',
        [round_])

    admin.model('commons.round', 'close', [round_])
    loot = own[buckets['LOOT']]['id']
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'grades': [('write', [loot], {'grade': 'reject'})]},
        says="not open")
    assert_refused(world, participant.model, 'commons.round.grade', 'write',
        [loot], {'grade': 'reject'}, says="not open")
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'grades': [('delete', [loot])]}, says="not open")
    ranks = {
        b['id']: (b['rank'], b['funded']) for b in admin.model(
            'commons.round.bucket', 'read', list(buckets.values()),
            ['rank', 'funded'])}
    # DOKOS has a poor and a missing grade, a rejection: its majority
    assert ranks == {
        buckets['LOOT']: (1, True), buckets['DOKOS']: (2, False)}, ranks


def test_participant_votes_open_round(world):
    """A participant votes within their budget while the round is open,
    never for another participant nor once it is closed"""
    admin, participant = world.admin, world.clients['participant']
    party = world.parties['participant']
    other, = create_parties(admin, 'Other voter', 1)
    round_, participants, buckets = open_round(
        admin, 'cobudget', {
            party: {'source': 'tokens', 'budget': Decimal(30)},
            other: {'source': 'tokens', 'budget': Decimal(30)},
            },
        {'LOOT': (10, 100), 'DOKOS': (10, 100)})
    other_vote, = admin.model('commons.round.vote', 'create', [{
                'round': round_, 'participant': participants[other],
                'bucket': buckets['LOOT'], 'amount': Decimal(20),
                }])

    participant.model('commons.round', 'write', [round_], {
            'votes': [('create', [{
                            'participant': participants[party],
                            'bucket': buckets['DOKOS'],
                            'amount': Decimal(25),
                            }])],
            })
    vote, = participant.model('commons.round.vote', 'search', [
            ('round', '=', round_), ('party', '=', party)], 0, None, None)
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'votes': [('write', [vote], {'amount': Decimal(31)})]},
        says="above their budget")
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'votes': [('write', [other_vote], {
                        'amount': Decimal(1)})]})
    assert_refused(world, participant.model, 'commons.round.vote', 'create',
        [{'round': round_, 'participant': participants[other],
            'bucket': buckets['DOKOS'], 'amount': Decimal(1)}])
    assert_refused(world, participant.model, 'commons.round.participant',
        'write', [participants[party]], {'budget': Decimal(1000)},
        says="managers")
    assert_refused(world, participant.model, 'commons.round.bucket',
        'write', [buckets['DOKOS']], {'max_goal': Decimal(1000)},
        says="managers")

    admin.model('commons.round', 'close', [round_])
    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {'votes': [('write', [vote], {'amount': Decimal(5)})]},
        says="not open")
    assert_refused(world, participant.model, 'commons.round.vote', 'delete',
        [vote], says="not open")


@pytest.mark.parametrize('action', ['delete', 'write'])
@pytest.mark.parametrize('method', ['cobudget', 'majority_judgment'])
def test_participant_changes_other_through_round(world, method, action):
    """A participant deletes or rewrites another participant's vote or
    grade through the One2Many of the open round: refused, and the other's
    vote or grade is as it was"""
    admin, participant = world.admin, world.clients['participant']
    party = world.parties['participant']
    other, = create_parties(admin, 'Other participant', 1)
    if method == 'cobudget':
        field, model = 'votes', 'commons.round.vote'
        budget = {'source': 'tokens', 'budget': Decimal(30)}
        round_, participants, buckets = open_round(
            admin, method, {party: budget, other: budget},
            {'LOOT': (10, 100)})
        values, forged = {'amount': Decimal(20)}, {'amount': Decimal(1)}
    else:
        field, model = 'grades', 'commons.round.grade'
        round_, participants, buckets = open_round(
            admin, method, {party: {}, other: {}}, {'LOOT': (10, 50)},
            matching_amount=Decimal(60))
        values, forged = {'grade': 'good'}, {'grade': 'reject'}
    admin.model('commons.round', 'write', [round_], {
            field: [('create', [{
                            'participant': participants[other],
                            'bucket': buckets['LOOT'], **values,
                            }])],
            })
    others, = admin.model(model, 'search', [
            ('round', '=', round_)], 0, None, None)
    if action == 'delete':
        change = [('delete', [others])]
    else:
        change = [('write', [others], forged)]

    assert_refused(world, participant.model, 'commons.round', 'write',
        [round_], {field: change})
    read, = admin.model(model, 'read', [others], ['participant', *values])
    assert read['participant'] == participants[other]
    assert {k: read[k] for k in values} == values, read
