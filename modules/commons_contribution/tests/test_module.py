# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.commons_contribution.exceptions import (
    ContributionError, ContributionValidationError, DecisionAccessError,
    ResourceValidationError)
from trytond.modules.commons_fund.tests import tools as commons_fund_tools
from trytond.modules.commons_fund.tests.tools import (
    next_number, post_move, setup_host)
from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def create_resource(company, code='LOOT', stewards=None, **values):
    "Create a resource with its earmarked fund and return the resource"
    resource, _ = commons_fund_tools.create_resource(
        company, code, stewards, **values)
    return resource


def create_user(login, party, company, group):
    pool = Pool()
    Group = pool.get('res.group')
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    module, xml_id = group.split('.')
    user, = User.create([{
                'login': login,
                'name': party.name,
                'party': party.id,
                'groups': [('add', [
                                Group(ModelData.get_id(module, xml_id)).id])],
                'companies': [('add', [company.id])],
                'company': company.id,
                }])
    return user


@contextmanager
def as_user(user, company):
    "Act as the user does through RPC: with its groups and access"
    with Transaction().set_user(user.id), Transaction().set_context(
            company=company.id, _check_access=True):
        yield


def setup_valuation(company):
    "Configure the accounts and the journal of the volunteer valuation"
    pool = Pool()
    Account = pool.get('account.account')
    Configuration = pool.get('commons.configuration')
    Journal = pool.get('account.journal')

    def account(kind):
        account, = Account.search([
                ('company', '=', company.id),
                ('closed', '!=', True),
                ('type.%s' % kind, '=', True),
                ], order=[('code', 'ASC')], limit=1)
        return account
    journal, = Journal.search([('type', '=', 'general')], limit=1)
    config = Configuration(1)
    config.volunteer_expense_account = account('expense')
    config.volunteer_revenue_account = account('revenue')
    config.valuation_journal = journal
    config.save()


ADMIN = 'commons_fund.group_commons_admin'
STEWARD = 'commons_fund.group_commons_steward'
CONTRIBUTOR = 'commons_contribution.group_commons_contributor'


class CommonsContributionTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Commons Contribution module"
    module = 'commons_contribution'
    extras = ['account_fr']

    def contribution(self, contributor, resource, **values):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        return Contribution.create([{
                    'contributor': contributor.id,
                    'resource': resource.id,
                    'date': dt.date(2023, 3, 1),
                    'kind': 'work',
                    'quantity': 2,
                    'unit_price': Decimal(40),
                    'remuneration': 'volunteer',
                    **values,
                    }])[0]

    @with_transaction()
    def test_amount(self):
        "The amount is the quantity at the unit price, rounded"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            contribution = self.contribution(
                party, resource, quantity=1.5, unit_price=Decimal('33.333'))
            self.assertEqual(contribution.amount, Decimal('50.00'))
            Contribution.write([contribution], {'quantity': 3})
            self.assertEqual(contribution.amount, Decimal('100.00'))
            cash = self.contribution(
                party, resource, kind='cash', quantity=None,
                unit_price=None, amount=Decimal(25))
            self.assertEqual(cash.amount, Decimal(25))

    @with_transaction()
    def test_quantity_positive(self):
        "Negative or zero hours are refused"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            for quantity in [0, -3]:
                with self.subTest(quantity=quantity):
                    with self.assertRaisesRegex(
                            ContributionValidationError,
                            r'"Alice - LOOT" '
                            r'must have a positive quantity'):
                        self.contribution(party, resource, quantity=quantity)
            with self.assertRaisesRegex(
                    ContributionValidationError,
                    'must have a positive amount, not -5'):
                self.contribution(
                    party, resource, kind='cash', amount=Decimal(-5))

    @with_transaction()
    def test_paid_work_rate(self):
        "Paid work without a rate is refused, volunteer work is not"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            with self.assertRaisesRegex(
                    ContributionValidationError,
                    'must have an hourly rate'):
                self.contribution(
                    party, resource, remuneration='paid',
                    unit_price=Decimal(0))
            with self.assertRaisesRegex(
                    ContributionValidationError,
                    'cannot have a negative unit price'):
                self.contribution(party, resource, unit_price=Decimal(-1))
            self.contribution(party, resource, unit_price=Decimal(0))

    @with_transaction()
    def test_hourly_rate(self):
        "The unit price comes from the most specific rate"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        Rate = pool.get('commons.contribution.rate')
        company, _ = setup_host()
        with set_company(company):
            alice, bob = Party.create([{'name': "Alice"}, {'name': "Bob"}])
            loot = create_resource(company)
            wiki = create_resource(
                company, 'WIKI', contribution_hourly_rate=Decimal(35))
            config = Configuration(1)
            config.default_hourly_rate = Decimal(30)
            config.save()
            Rate.create([
                    {'party': alice.id, 'rate': Decimal(40)},
                    {'party': alice.id, 'resource': wiki.id,
                        'rate': Decimal(45)},
                    ])

            def rate(party, resource):
                contribution, = Contribution.create([{
                            'contributor': party.id,
                            'resource': resource.id,
                            'quantity': 1,
                            }])
                return contribution.unit_price
            self.assertEqual(rate(alice, wiki), Decimal(45))
            self.assertEqual(rate(alice, loot), Decimal(40))
            self.assertEqual(rate(bob, wiki), Decimal(35))
            self.assertEqual(rate(bob, loot), Decimal(30))

            contribution = Contribution(contributor=bob, resource=wiki)
            contribution.company = company
            contribution.kind = 'work'
            contribution.quantity = 2
            contribution.on_change_resource()
            self.assertEqual(contribution.unit_price, Decimal(35))
            self.assertEqual(contribution.amount, Decimal(70))

    @with_transaction()
    def test_archived_resource(self):
        "A contribution to an archived resource is refused"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        Resource = pool.get('commons.resource')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            draft = self.contribution(party, resource)
            Resource.write([resource], {'active': False})
            with self.assertRaisesRegex(
                    ContributionValidationError,
                    r'cannot be made to the archived resource '
                    r'"\[LOOT\] Resource LOOT"'):
                self.contribution(party, resource)
            with self.assertRaisesRegex(
                    ContributionValidationError, 'archived resource'):
                Contribution.submit([draft])
            self.assertEqual(draft.state, 'draft')

    @with_transaction()
    def test_duplicate_reference(self):
        "A reference is unique per company"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            self.contribution(party, resource, reference='GH-1')
            self.contribution(party, resource)
            self.contribution(party, resource)
            with self.assertRaisesRegex(
                    Exception, 'must be unique per company'):
                self.contribution(party, resource, reference='GH-1')

    @with_transaction()
    def test_resource_quorum(self):
        "A quorum policy needs a quorum of at least one"
        company, _ = setup_host()
        with set_company(company):
            with self.assertRaisesRegex(
                    ResourceValidationError, 'at least one steward'):
                create_resource(
                    company, contribution_validation='quorum',
                    contribution_quorum=0)

    def _stewarded(self, policy='any', quorum=None, stewards=2):
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            parties = Party.create([
                    {'name': "Alice"}, {'name': "Steward 1"},
                    {'name': "Steward 2"}, {'name': "Steward 3"}])
            alice, stewards = parties[0], parties[1:1 + stewards]
            resource = create_resource(
                company, stewards=[alice] + stewards,
                contribution_validation=policy, contribution_quorum=quorum)
            users = [
                create_user('steward%s' % i, p, company, STEWARD)
                for i, p in enumerate([alice] + stewards)]
            contribution = self.contribution(
                alice, resource, remuneration='paid')
        return company, contribution, users

    def decide(self, user, company, contribution, decision='approved'):
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=company.id):
            Contribution.decide([Contribution(contribution.id)], decision)
        return Contribution(contribution.id)

    @with_transaction()
    def test_self_validation(self):
        "Nobody validates their own contribution"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, contribution, users = self._stewarded()
        with self.assertRaisesRegex(
                ContributionError, 'must be submitted'):
            self.decide(users[1], company, contribution)
        Contribution.submit([contribution])
        with self.assertRaisesRegex(
                ContributionError,
                r'user "Alice" cannot decide on the contribution '
                r'"CONTRIB-2023-\d{4}" because it '
                r'is their own'):
            self.decide(users[0], company, contribution)
        self.assertEqual(contribution.validations, ())
        self.assertEqual(contribution.state, 'submitted')

    @with_transaction()
    def test_not_steward(self):
        "Only a steward of the resource decides"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, contribution, users = self._stewarded()
        with set_company(company):
            stranger = create_user(
                'stranger', Party.create([{'name': "Stranger"}])[0],
                company, STEWARD)
        Contribution.submit([contribution])
        with self.assertRaisesRegex(
                ContributionError, 'not a steward of the resource'):
            self.decide(stranger, company, contribution)

    @with_transaction()
    def test_policy_all(self):
        "With policy all, every steward but the contributor approves"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, contribution, users = self._stewarded('all')
        Contribution.submit([contribution])
        contribution = self.decide(users[1], company, contribution)
        self.assertEqual(contribution.state, 'submitted')
        with self.assertRaisesRegex(ContributionError, 'already decided'):
            self.decide(users[1], company, contribution)
        contribution = self.decide(users[2], company, contribution)
        self.assertEqual(contribution.state, 'validated')
        self.assertEqual(contribution.approved_by, users[2])

    @with_transaction()
    def test_policy_quorum(self):
        "With a quorum, N approvals validate, one rejection rejects"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, contribution, users = self._stewarded(
            'quorum', 2, stewards=3)
        Contribution.submit([contribution])
        contribution = self.decide(users[1], company, contribution)
        self.assertEqual(contribution.state, 'submitted')
        contribution = self.decide(users[2], company, contribution)
        self.assertEqual(contribution.state, 'validated')

        other, = Contribution.copy([contribution])
        Contribution.submit([other])
        other = self.decide(users[1], company, other)
        other = self.decide(users[3], company, other, 'rejected')
        self.assertEqual(other.state, 'rejected')
        self.assertEqual(
            [v.decision for v in other.validations],
            ['approved', 'rejected'])
        Contribution.draft([other])
        self.assertEqual(other.validations, ())

    @with_transaction()
    def test_invoice_unvalidated(self):
        "Only validated paid contributions are invoiced"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            contribution = self.contribution(
                party, resource, remuneration='paid')
            Contribution.submit([contribution])
            with self.assertRaisesRegex(
                    ContributionError,
                    r'cannot be invoiced because it is "Submitted"'):
                Contribution.create_invoices([contribution])
            self.assertIsNone(contribution.invoice_line)

    @with_transaction()
    def test_modify_submitted(self):
        "A submitted contribution is neither modified nor deleted"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            contribution = self.contribution(party, resource)
            Contribution.submit([contribution])
            with self.assertRaisesRegex(
                    ContributionError, 'no longer a draft'):
                Contribution.write([contribution], {'quantity': 10})
            with self.assertRaisesRegex(
                    ContributionError, 'reset it to draft first'):
                Contribution.delete([contribution])

    @with_transaction()
    def test_contribution_number(self):
        "Submitting a contribution numbers it once, from its sequence"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            party, = Party.create([{'name': "Alice"}])
            resource = create_resource(company)
            contribution = self.contribution(party, resource)
            self.assertEqual(contribution.rec_name, "Alice - LOOT")
            Contribution.submit([contribution])
            # PostgreSQL's sequences are not rolled back with the tests
            # that used them: the counter is where they left it
            number = contribution.number
            self.assertRegex(number, r'^CONTRIB-2023-\d{4}$')
            self.assertEqual(contribution.rec_name, number)
            self.assertEqual(
                Contribution.search(
                    [('rec_name', 'ilike', '%' + number[-5:])]),
                [contribution])
            with self.assertRaisesRegex(
                    ContributionError,
                    'contribution "%s" because it is no '
                    'longer a draft' % number):
                Contribution.write([contribution], {'quantity': 10})

            Contribution.draft([contribution])
            Contribution.submit([contribution])
            self.assertEqual(contribution.number, number)

            copy, = Contribution.copy([contribution])
            self.assertIsNone(copy.number)
            Contribution.submit([copy])
            self.assertEqual(copy.number, next_number(number))

    @with_transaction()
    def test_contributions_open_to_validate(self):
        "The contributions open on the tab of those waiting for validation"
        pool = Pool()
        ActionWindow = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        action = ActionWindow(ModelData.get_id(
                'commons_contribution', 'act_contribution_form'))
        first = min(action.act_window_domains, key=lambda d: d.sequence)
        self.assertEqual(first.name, "To Validate")
        self.assertEqual(
            PYSONDecoder().decode(first.domain),
            [['state', '=', 'submitted']])

    @with_transaction()
    def test_contributor_access(self):
        "A contributor sees their contributions and edits their drafts"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Participation = pool.get('commons.contribution.participation')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            alice, bob = Party.create([{'name': "Alice"}, {'name': "Bob"}])
            resource = create_resource(company)
            user = create_user('alice', alice, company, CONTRIBUTOR)
            theirs = self.contribution(bob, resource)
            submitted = self.contribution(alice, resource)
            Contribution.submit([submitted])
        with as_user(user, company):
            mine, = Contribution.create([{
                        'resource': resource.id,
                        'quantity': 3,
                        'unit_price': Decimal(30),
                        }])
            self.assertEqual(mine.contributor, alice)
            self.assertEqual(
                set(Contribution.search([])), {mine, submitted})
            Contribution.write([mine], {'quantity': 4})
            Contribution.read([mine.id], ['invoice_line', 'amount'])
            with self.assertRaises(AccessError):
                Contribution.write([theirs], {'quantity': 4})
            with self.assertRaisesRegex(
                    ContributionError, 'no longer a draft'):
                Contribution.write(
                    [Contribution(submitted.id)], {'description': "Late"})
            with self.assertRaises(AccessError):
                Contribution.create([{
                            'contributor': bob.id,
                            'resource': resource.id,
                            'quantity': 3,
                            'unit_price': Decimal(30),
                            }])
            Contribution.submit([mine])
            self.assertRegex(
                mine.number, r'^CONTRIB-%s-\d{4}$' % mine.date.year)
            Participation.search([])

    @with_transaction()
    def test_steward_access(self):
        "A steward sees and approves the contributions to their resources"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            alice, steward, other = Party.create([
                    {'name': "Alice"}, {'name': "Steward"},
                    {'name': "Other"}])
            mine = create_resource(company, 'MINE', [steward])
            theirs = create_resource(company, 'THEIRS', [other])
            user = create_user('steward', steward, company, STEWARD)
            to_mine = self.contribution(alice, mine, remuneration='paid')
            to_theirs = self.contribution(
                alice, theirs, remuneration='paid')
            Contribution.submit([to_mine, to_theirs])
        with as_user(user, company):
            self.assertEqual(Contribution.search([]), [to_mine])
            Contribution.approve([to_mine])
            with self.assertRaises(AccessError):
                Contribution.approve([to_theirs])
            with self.assertRaises(AccessButtonError):
                Contribution.submit([to_mine])
        self.assertEqual(to_mine.state, 'validated')
        self.assertEqual(to_theirs.state, 'submitted')

    def _validated(self):
        "Return a validated volunteer contribution and the users"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            setup_valuation(company)
            alice, steward, host = Party.create([
                    {'name': "Alice"}, {'name': "Steward"},
                    {'name': "Host"}])
            resource = create_resource(company, stewards=[steward])
            users = {
                'alice': create_user('alice', alice, company, CONTRIBUTOR),
                'steward': create_user(
                    'steward', steward, company, STEWARD),
                'host': create_user('host', host, company, ADMIN),
                }
            validated = self.contribution(alice, resource)
            Contribution.submit([validated])
        validated = self.decide(users['steward'], company, validated)
        self.assertEqual(validated.state, 'validated')
        self.assertEqual(validated.valuation_move.state, 'posted')
        return company, validated, users

    def assertNotReversed(self, move):
        pool = Pool()
        Move = pool.get('account.move')
        move = Move(move.id)
        self.assertEqual(move.state, 'posted')
        self.assertEqual(Move.search([('origin', '=', str(move))]), [])

    @with_transaction()
    def test_valuation_move_forged(self):
        "No contribution links to a move that is not its valuation"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, victim, users = self._validated()
        move = victim.valuation_move
        alice = users['alice']
        with set_company(company):
            mine = self.contribution(alice.party, victim.resource)
        with as_user(alice, company):
            for values in [
                    {'valuation_move': move.id},
                    {'invoice_line': None},
                    {'validations': [('delete', [])]},
                    ]:
                with self.subTest(values=values):
                    with self.assertRaises(AccessError):
                        Contribution.write([Contribution(mine.id)], values)
            with self.assertRaises(AccessError):
                Contribution.create([{
                            'resource': victim.resource.id,
                            'quantity': 1,
                            'unit_price': Decimal(30),
                            'valuation_move': move.id,
                            }])
        self.assertIsNone(Contribution(mine.id).valuation_move)

        with self.assertRaisesRegex(
                ContributionError,
                'is not the valuation of the contribution'):
            Contribution.write([mine], {'valuation_move': move.id})
        # Even with a link forged in memory, only the contribution's own
        # move is cancelled
        mine = Contribution(mine.id)
        mine.valuation_move = move
        with self.assertRaisesRegex(
                ContributionError,
                r'is not the valuation of the contribution "Alice'):
            Contribution.cancel_valuation([mine])
        self.assertNotReversed(move)

    @with_transaction()
    def test_state_forged(self):
        "A validated contribution changes only through its buttons"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, validated, users = self._validated()
        move = validated.valuation_move
        for login in ['alice', 'steward', 'host']:
            with as_user(users[login], company):
                for values in [
                        {'state': 'draft'},
                        {'state': 'draft', 'quantity': 10},
                        {'state': 'submitted'},
                        ]:
                    with self.subTest(login=login, values=values):
                        with self.assertRaises(AccessError):
                            Contribution.write(
                                [Contribution(validated.id)], values)
        with as_user(users['host'], company):
            for values in [{'quantity': 10}, {'description': "Changed"}]:
                with self.subTest(values=values):
                    with self.assertRaisesRegex(
                            ContributionError, 'no longer a draft'):
                        Contribution.write(
                            [Contribution(validated.id)], values)
            copy, = Contribution.copy([Contribution(validated.id)])
            self.assertEqual(copy.state, 'draft')
            self.assertEqual(
                (copy.validations, copy.valuation_move), ((), None))
        with self.assertRaisesRegex(
                ContributionError,
                'can leave the state "Validated" only through its buttons'):
            Contribution.write([validated], {'state': 'draft'})
        validated = Contribution(validated.id)
        self.assertEqual(validated.state, 'validated')
        self.assertEqual(validated.quantity, 2)
        self.assertIsNone(validated.description)
        self.assertEqual(validated.valuation_move, move)
        self.assertNotReversed(move)

        with as_user(users['alice'], company):
            Contribution.draft([Contribution(validated.id)])
        validated = Contribution(validated.id)
        self.assertEqual(
            (validated.state, validated.valuation_move), ('draft', None))

    @with_transaction()
    def test_steward_write(self):
        "A steward decides on the contributions but does not write them"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        company, contribution, users = self._stewarded()
        with as_user(users[1], company):
            with self.assertRaises(AccessError):
                Contribution.write(
                    [Contribution(contribution.id)], {'quantity': 20})
        self.assertEqual(Contribution(contribution.id).quantity, 2)

    @with_transaction()
    def test_decision_forged(self):
        "Decisions are made only by the buttons and never changed"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Party = pool.get('party.party')
        Validation = pool.get('commons.contribution.validation')
        company, contribution, users = self._stewarded()
        alice, first, second = users
        with set_company(company):
            contributor = create_user(
                'alice.contributor', alice.party, company, CONTRIBUTOR)
            bob, = Party.create([{'name': "Bob"}])
            theirs = self.contribution(
                bob, contribution.resource, remuneration='paid')
            Contribution.submit([theirs])
        forged = {
            'contribution': contribution.id,
            'user': first.id,
            'decision': 'approved',
            'date': dt.date(2023, 3, 2),
            }
        with as_user(contributor, company):
            with self.assertRaises(AccessError):
                Validation.create([forged])
            with self.assertRaises(AccessError):
                Contribution.write([Contribution(contribution.id)], {
                        'validations': [('create', [forged])],
                        })
        self.assertEqual(Validation.search([]), [])

        Contribution.submit([contribution])
        self.decide(second, company, contribution, 'rejected')
        self.decide(second, company, theirs)
        rejection, = Contribution(contribution.id).validations
        with as_user(first, company):
            for values in [
                    {'decision': 'approved'},
                    {'user': first.id},
                    {'comment': "Changed"},
                    ]:
                with self.subTest(values=values):
                    with self.assertRaises(AccessError):
                        Validation.write([Validation(rejection.id)], values)
            with self.assertRaises(AccessError):
                Validation.delete([Validation(rejection.id)])
            with self.assertRaises(AccessError):
                Validation.create([forged])
        with as_user(contributor, company):
            self.assertEqual(Validation.search([]), [rejection])

        # Nor by server code outside the buttons
        with self.assertRaisesRegex(
                DecisionAccessError,
                'recorded only by its buttons Approve and Reject'):
            Validation.create([forged])
        with Transaction().set_context(_commons_contribution_decide=True):
            with self.assertRaises(DecisionAccessError):
                Validation.create([{**forged, 'contribution': theirs.id}])
        with self.assertRaisesRegex(
                DecisionAccessError,
                r'decision of "Steward 2" on the contribution '
                r'"CONTRIB-2023-\d{4}" cannot be changed'):
            Validation.write([rejection], {'decision': 'approved'})
        with self.assertRaises(DecisionAccessError):
            Validation.delete([rejection])
        rejection = Validation(rejection.id)
        self.assertEqual(
            (rejection.user, rejection.decision), (second, 'rejected'))

    @with_transaction()
    def test_decide_group(self):
        "Only the group of the stewards decides, also through the wizard"
        pool = Pool()
        Contribution = pool.get('commons.contribution')
        Reject = pool.get('commons.contribution.reject', type='wizard')
        company, contribution, users = self._stewarded()
        with set_company(company):
            host = create_user('host', users[1].party, company, ADMIN)
            contributor = create_user(
                'steward1.contributor', users[1].party, company, CONTRIBUTOR)
        Contribution.submit([contribution])
        with as_user(host, company), Transaction().set_context(
                active_model='commons.contribution',
                active_id=contribution.id, active_ids=[contribution.id]):
            session_id, _, _ = Reject.create()
            with self.assertRaisesRegex(
                    DecisionAccessError, 'not in the group of the stewards'):
                Reject.execute(session_id, {
                        'start': {'reason': "No"},
                        }, 'reject')
        with as_user(contributor, company), Transaction().set_context(
                active_model='commons.contribution',
                active_id=contribution.id, active_ids=[contribution.id]):
            with self.assertRaises(AccessError):
                Reject.create()
        contribution = Contribution(contribution.id)
        self.assertEqual(contribution.validations, ())
        self.assertEqual(contribution.state, 'submitted')

    @with_transaction()
    def test_invoice_fund(self):
        "Contributions are paid from the fund that receives the resource's"
        pool = Pool()
        Fund = pool.get('commons.fund')
        company, contribution, _ = self._stewarded()
        resource = contribution.resource
        with set_company(company):
            Fund.create([{
                        'name': "Other fund",
                        'code': 'AAA',
                        'type': 'earmarked',
                        'resource': resource.id,
                        'company': company.id,
                        }])
            self.assertEqual(
                contribution.get_fund(), resource.get_earmarked_fund())
            self.assertEqual(contribution.get_fund().code, 'AAA')

    @with_transaction()
    def test_invoice_cancel_accountant(self):
        "An accountant who cancels a contributor invoice frees its work"
        pool = Pool()
        Account = pool.get('account.account')
        Address = pool.get('party.address')
        Configuration = pool.get('commons.configuration')
        Contribution = pool.get('commons.contribution')
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        company, contribution, users = self._stewarded()
        with set_company(company):
            fund = contribution.get_fund()
            post_move(company, dt.date(2023, 2, 1), Decimal(1000), fund)
            Address.create([{'party': contribution.contributor.id}])
            config = Configuration(1)
            config.contribution_expense_account, = Account.search([
                    ('company', '=', company.id),
                    ('type.expense', '=', True),
                    ], limit=1)
            config.save()
            accountant = create_user(
                'accountant', Party.create([{'name': "Accountant"}])[0],
                company, 'account.group_account')
        Contribution.submit([contribution])
        contribution = self.decide(users[1], company, contribution)
        invoice, = Contribution.create_invoices([contribution])
        self.assertEqual(Contribution(contribution.id).state, 'invoiced')
        with as_user(accountant, company):
            Invoice.cancel([Invoice(invoice.id)])
        contribution = Contribution(contribution.id)
        self.assertEqual(contribution.state, 'validated')
        self.assertIsNone(contribution.invoice_line)


del ModuleTestCase
