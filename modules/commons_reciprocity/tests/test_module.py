# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from sql import Column

from trytond.model.exceptions import DomainValidationError
from trytond.modules.commons_fund.tests.tools import (
    create_resource, setup_host)
from trytond.modules.commons_reciprocity.declaration import next_period_start
from trytond.modules.commons_reciprocity.exceptions import (
    ContractError, ContractValidationError, DeclarationError,
    DeclarationValidationError, LevyValidationError)
from trytond.modules.company.tests import CompanyTestMixin, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def create_contract(agent, lines, **values):
    pool = Pool()
    Contract = pool.get('commons.reciprocity.contract')
    return Contract.create([{
                'agent': agent.id,
                'basis': 'revenue_rate',
                'rate': Decimal('0.05'),
                'frequency': 'quarterly',
                'start_date': dt.date(2023, 1, 1),
                'end_date': dt.date(2023, 12, 31),
                'lines': [('create', [{
                                'resource': f.resource.id,
                                'fund': f.id,
                                'share': s,
                                } for f, s in lines])],
                **values,
                }])[0]


def history_next_starts(contract):
    "Return the next period starts kept by the history of the contract"
    history = contract.__class__.__table_history__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*history.select(
            history.next_period_start,
            where=history.id == contract.id,
            order_by=Column(history, '__id').asc))
    return [d for d, in cursor]


class CommonsReciprocityTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Commons Reciprocity module"
    module = 'commons_reciprocity'
    extras = ['account_fr']

    def test_next_period_start(self):
        "The periods follow the start of the contract without drifting"
        start = dt.date(2023, 1, 31)
        self.assertEqual(
            next_period_start(start, start, 'monthly'), dt.date(2023, 2, 28))
        self.assertEqual(
            next_period_start(start, dt.date(2023, 2, 28), 'monthly'),
            dt.date(2023, 3, 31))
        self.assertEqual(
            next_period_start(start, start, 'quarterly'),
            dt.date(2023, 4, 30))
        self.assertEqual(
            next_period_start(start, start, 'yearly'), dt.date(2024, 1, 31))

    @with_transaction()
    def test_contract_shares(self):
        "Shares not summing to 100 % are refused"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, movilab = create_resource(company, 'MOVILAB')
            _, forum = create_resource(company, 'FORUM')
            with self.assertRaisesRegex(
                    ContractValidationError,
                    r'contract "Claire" must sum to 100 %, not 90 %'):
                create_contract(agent, [
                        (movilab, Decimal('0.5')), (forum, Decimal('0.4'))])

            contract = create_contract(agent, [
                    (movilab, Decimal('0.5')), (forum, Decimal('0.5'))])
            with self.assertRaisesRegex(
                    ContractValidationError, 'not 110 %'):
                Contract.write([contract], {
                        'lines': [('write', [contract.lines[0].id], {
                                    'share': Decimal('0.6')})],
                        })

    @with_transaction()
    def test_contract_rate(self):
        "A rate below 0 or above 100 % is refused"
        pool = Pool()
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            for rate, shown in [
                    (Decimal('-0.01'), '-1 %'), (Decimal('1.5'), '150 %')]:
                with self.subTest(rate=rate):
                    with self.assertRaisesRegex(
                            ContractValidationError,
                            'between 0 and 100 %%, not %s' % shown):
                        create_contract(agent, [(fund, 1)], rate=rate)

    @with_transaction()
    def test_contract_overlap(self):
        "Two active contracts of an agent cannot overlap on a resource"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            other_agent, = Party.create([{'name': "Coop"}])
            _, movilab = create_resource(company, 'MOVILAB')
            _, forum = create_resource(company, 'FORUM')
            first = create_contract(
                agent, [(movilab, Decimal('0.5')), (forum, Decimal('0.5'))])
            Contract.activate([first])
            overlapping = create_contract(
                agent, [(forum, 1)], start_date=dt.date(2023, 7, 1),
                end_date=None)
            with self.assertRaisesRegex(
                    ContractValidationError,
                    r'"Claire" overlaps the active contract '
                    r'"CONTRAT-2023-\d{4}" of the same agent for the '
                    r'resource "\[FORUM\]'):
                Contract.activate([overlapping])
            self.assertEqual(overlapping.state, 'draft')

            # Another resource, another period or another agent are fine
            Contract.activate([
                    create_contract(agent, [(forum, 1)],
                        start_date=dt.date(2024, 1, 1), end_date=None),
                    create_contract(other_agent, [(forum, 1)]),
                    ])
            _, loot = create_resource(company, 'LOOT')
            Contract.activate([create_contract(agent, [(loot, 1)])])
            self.assertEqual(
                Contract.search([('state', '=', 'active')], count=True), 4)

    @with_transaction()
    def test_contract_terms(self):
        "The terms of an active contract cannot change"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Line = pool.get('commons.reciprocity.contract.line')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, movilab = create_resource(company, 'MOVILAB')
            contract = create_contract(agent, [(movilab, 1)])
            Contract.write([contract], {'rate': Decimal('0.06')})
            Contract.activate([contract])
            with self.assertRaisesRegex(
                    ContractError,
                    r'terms .* "CONTRAT-2023-\d{4}" .* no longer a draft'):
                Contract.write([contract], {'rate': Decimal('0.01')})
            with self.assertRaisesRegex(ContractError, r'no longer a draft'):
                Line.write(list(contract.lines), {'share': Decimal('0.5')})
            # What is not a term may change
            Contract.write([contract], {'public': True})
            self.assertEqual(contract.rate, Decimal('0.06'))

    @with_transaction()
    def test_declaration_bad_input(self):
        "Declarations outside the contract or of negative revenue are refused"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract = create_contract(agent, [(fund, 1)])
            Contract.activate([contract])
            with self.assertRaisesRegex(
                    DeclarationValidationError,
                    r'must be within the dates of its contract '
                    r'"CONTRAT-2023-\d{4}"'):
                Declaration.create([{
                            'contract': contract.id,
                            'start_date': dt.date(2023, 10, 1),
                            'end_date': dt.date(2024, 1, 31),
                            }])
            with self.assertRaisesRegex(
                    DeclarationValidationError,
                    'cannot be negative'):
                Declaration.create([{
                            'contract': contract.id,
                            'start_date': dt.date(2023, 1, 1),
                            'end_date': dt.date(2023, 3, 31),
                            'revenue': Decimal(-1),
                            }])

    @with_transaction()
    def test_invoice_unconfirmed(self):
        "Invoicing a declaration not confirmed is refused"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract = create_contract(agent, [(fund, 1)])
            Contract.activate([contract])
            declaration, = Declaration.create([{
                        'contract': contract.id,
                        'start_date': dt.date(2023, 1, 1),
                        'end_date': dt.date(2023, 3, 31),
                        'revenue': Decimal(1000),
                        }])
            self.assertEqual(declaration.amount, Decimal('50.00'))
            self.assertEqual(declaration.due_date, dt.date(2023, 4, 30))
            with self.assertRaisesRegex(
                    DeclarationError, 'must be confirmed to be invoiced'):
                Declaration.invoice([declaration])
            self.assertEqual(declaration.state, 'draft')
            self.assertEqual(Invoice.search([], count=True), 0)

    @with_transaction()
    def test_numbers(self):
        "Activating a contract and confirming a declaration number them"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract = create_contract(agent, [(fund, 1)], reference="C-12")
            self.assertEqual(contract.rec_name, "Claire [C-12]")
            Contract.activate([contract])
            # PostgreSQL's sequences are not rolled back with the tests
            # that used them: the counter is where they left it
            number = contract.number
            self.assertRegex(number, r'^CONTRAT-2023-\d{4}$')
            self.assertEqual(contract.rec_name, "%s [C-12]" % number)
            Contract.close([contract])
            Contract.activate([contract])
            self.assertEqual(contract.number, number)
            self.assertEqual(
                Contract.search([('rec_name', '=', 'C-12')]), [contract])
            copy, = Contract.copy([contract])
            self.assertIsNone(copy.number)

            declaration, = Declaration.create([{
                        'contract': contract.id,
                        'start_date': dt.date(2023, 1, 1),
                        'end_date': dt.date(2023, 3, 31),
                        'revenue': Decimal(1000),
                        }])
            self.assertIsNone(declaration.number)
            Declaration.confirm([declaration])
            number = declaration.number
            self.assertRegex(number, r'^DECL-2023-\d{4}$')
            self.assertEqual(
                Declaration.search([('rec_name', '=', number)]),
                [declaration])
            with self.assertRaisesRegex(
                    DeclarationError,
                    'declaration "%s" because it is no longer' % number):
                Declaration.write([declaration], {'revenue': Decimal(10)})
            Declaration.draft([declaration])
            Declaration.confirm([declaration])
            self.assertEqual(declaration.number, number)

    @with_transaction()
    def test_cron_declarations(self):
        "The cron creates each ended period once, with its due date"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract = create_contract(
                agent, [(fund, 1)], basis='fixed', fixed_amount=Decimal(50),
                frequency='monthly', end_date=dt.date(2023, 5, 15))
            Contract.activate([contract])
            kept = history_next_starts(contract)
            self.assertEqual(kept[-1], dt.date(2023, 1, 1))
            created = Declaration.create_declarations(dt.date(2023, 3, 1))
            self.assertEqual(
                [(d.start_date, d.end_date, d.amount) for d in created],
                [(dt.date(2023, 1, 1), dt.date(2023, 1, 31), Decimal(50)),
                    (dt.date(2023, 2, 1), dt.date(2023, 2, 28),
                        Decimal(50))])
            self.assertEqual(
                Declaration.create_declarations(dt.date(2023, 3, 1)), [])
            created = Declaration.create_declarations(dt.date(2024, 1, 1))
            # The last period stops with the contract
            self.assertEqual(
                [(d.start_date, d.end_date) for d in created],
                [(dt.date(2023, 3, 1), dt.date(2023, 3, 31)),
                    (dt.date(2023, 4, 1), dt.date(2023, 4, 30)),
                    (dt.date(2023, 5, 1), dt.date(2023, 5, 15))])
            self.assertEqual(
                Declaration.create_declarations(dt.date(2024, 1, 1)), [])
            self.assertEqual(Declaration.search([], count=True), 5)
            # The history keeps each move of the next period, and only them
            self.assertEqual(history_next_starts(contract), kept + [
                    dt.date(2023, 3, 1), dt.date(2023, 6, 1)])
            self.assertEqual(
                Contract(contract.id).next_period_start, dt.date(2023, 6, 1))

    @with_transaction()
    def test_levy_bad_input(self):
        "A levy of a wrong rate or shares is refused"
        pool = Pool()
        Levy = pool.get('commons.reciprocity.levy')
        company, _ = setup_host()
        with set_company(company):
            resource, fund = create_resource(company)
            with self.assertRaisesRegex(
                    LevyValidationError, 'not 120 %'):
                Levy.create([{'name': "Levy", 'rate': Decimal('1.2')}])
            with self.assertRaisesRegex(
                    LevyValidationError, 'must sum to 100 %, not 50 %'):
                Levy.create([{
                            'name': "Levy", 'rate': Decimal('0.05'),
                            'lines': [('create', [{
                                            'resource': resource.id,
                                            'fund': fund.id,
                                            'share': Decimal('0.5'),
                                            }])],
                            }])

    @with_transaction()
    def test_levy_split(self):
        "The parts of a levy sum exactly to it, and are given back alike"
        pool = Pool()
        Levy = pool.get('commons.reciprocity.levy')
        company, _ = setup_host()
        with set_company(company):
            _, movilab = create_resource(company, 'MOVILAB')
            _, forum = create_resource(company, 'FORUM')
            levy, = Levy.create([{
                        'name': "Levy",
                        'rate': Decimal('0.0333'),
                        'lines': [('create', [{
                                        'resource': f.resource.id,
                                        'fund': f.id,
                                        'share': s,
                                        } for f, s in [
                                        (movilab, Decimal('0.3333')),
                                        (forum, Decimal('0.6667'))]])],
                        }])
            movilab_line, forum_line = levy.lines
            self.assertEqual(
                levy.split(Decimal(10000), company.currency), {
                    movilab_line: Decimal('110.99'),
                    forum_line: Decimal('222.01')})
            self.assertEqual(
                levy.split(Decimal(-10000), company.currency), {
                    movilab_line: Decimal('-110.99'),
                    forum_line: Decimal('-222.01')})

    @with_transaction()
    def test_direct_write(self):
        "A direct write cannot skip the workflow nor change what is confirmed"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Declaration = pool.get('commons.reciprocity.declaration')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            agent, = Party.create([{'name': "Claire"}])
            _, fund = create_resource(company)
            contract = create_contract(agent, [(fund, 1)])
            with Transaction().set_context(_check_access=True):
                with self.assertRaisesRegex(
                        ContractError, r'"Claire" directly: use its buttons'):
                    Contract.write([contract], {'state': 'active'})
            Contract.activate([contract])
            declaration, = Declaration.create([{
                        'contract': contract.id,
                        'start_date': dt.date(2023, 1, 1),
                        'end_date': dt.date(2023, 3, 31),
                        'revenue': Decimal(1000),
                        }])
            Declaration.confirm([declaration])
            with self.assertRaisesRegex(DeclarationError, 'no longer a draft'):
                Declaration.write([declaration], {'amount': Decimal(1)})
            with Transaction().set_context(_check_access=True):
                for values in [
                        {'state': 'invoiced'}, {'confirmed_date': None}]:
                    with self.assertRaisesRegex(
                            DeclarationError, 'directly: use its buttons'):
                        Declaration.write([declaration], values)
                with self.assertRaisesRegex(
                        DeclarationError, 'directly: use its buttons'):
                    Declaration.create([{
                                'contract': contract.id,
                                'start_date': dt.date(2023, 4, 1),
                                'end_date': dt.date(2023, 6, 30),
                                'state': 'confirmed',
                                }])
            self.assertEqual(declaration.state, 'confirmed')
            self.assertEqual(declaration.amount, Decimal('50.00'))

            # A copy starts again as a draft
            copy, = Contract.copy([contract])
            self.assertEqual(copy.state, 'draft')
            self.assertEqual(copy.next_period_start, None)

    @with_transaction()
    def test_public_agents(self):
        "Only the agents who consented are listed, for their years"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Party = pool.get('party.party')
        company, _ = setup_host()
        with set_company(company):
            claire, coop, shy = Party.create([
                    {'name': "Claire"}, {'name': "Coop"}, {'name': "Shy"}])
            _, fund = create_resource(company)
            contracts = [
                create_contract(claire, [(fund, 1)], public=True),
                create_contract(coop, [(fund, 1)], public=True,
                    start_date=dt.date(2024, 1, 1), end_date=None),
                create_contract(shy, [(fund, 1)]),
                ]
            self.assertEqual(Contract.public_agents(company, 2023), [])
            Contract.activate(contracts)
            self.assertEqual(Contract.public_agents(company, 2023), [claire])
            self.assertEqual(Contract.public_agents(company, 2025), [coop])

    @with_transaction()
    def test_steward_reads_own_contracts(self):
        "A steward reads only the contracts that benefit their resources"
        pool = Pool()
        Contract = pool.get('commons.reciprocity.contract')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        company, _ = setup_host()
        with set_company(company):
            steward, agent = Party.create([
                    {'name': "Steward"}, {'name': "Claire"}])
            _, movilab = create_resource(
                company, 'MOVILAB', stewards=[steward])
            _, forum = create_resource(company, 'FORUM')
            mine = create_contract(agent, [(movilab, 1)])
            create_contract(agent, [(forum, 1)])
            user, = User.create([{
                        'login': 'steward',
                        'name': "Steward",
                        'party': steward.id,
                        'groups': [('add', [Group(ModelData.get_id(
                                            'commons_fund',
                                            'group_commons_steward')).id])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    company=company.id, _check_access=True):
            self.assertEqual(Contract.search([]), [mine])

    @with_transaction()
    def test_levy_per_company(self):
        "Each company sets its own levy on a product and on its categories"
        pool = Pool()
        Category = pool.get('product.category')
        Levy = pool.get('commons.reciprocity.levy')
        ModelData = pool.get('ir.model.data')
        Template = pool.get('product.template')
        anis, _ = setup_host()
        other, _ = setup_host("Other host")
        levies = {}
        for company, code in [(anis, 'MOVILAB'), (other, 'FORUM')]:
            with set_company(company):
                resource, fund = create_resource(company, code)
                levies[company], = Levy.create([{
                            'name': "Levy %s" % code,
                            'rate': Decimal('0.05'),
                            'lines': [('create', [{
                                            'resource': resource.id,
                                            'fund': fund.id,
                                            'share': 1,
                                            }])],
                            }])
        with set_company(anis):
            category, = Category.create([{'name': "Services"}])
            template, = Template.create([{
                        'name': "Facilitation",
                        'default_uom': ModelData.get_id(
                            'product', 'uom_hour'),
                        'categories': [('add', [category.id])],
                        'commons_levy': levies[anis].id,
                        'products': [('create', [{}])],
                        }])
            product, = template.products
        self.assertEqual(product.get_commons_levy(anis), levies[anis])
        self.assertIsNone(product.get_commons_levy(other))

        with set_company(other):
            Category.write([category], {'commons_levy': levies[other].id})
            template = Template(template.id)
            self.assertIsNone(template.commons_levy)
            self.assertEqual(template.get_commons_levy(other), levies[other])
            # The company of the sale decides, not the context
            self.assertEqual(template.get_commons_levy(anis), levies[anis])
        with set_company(anis):
            self.assertEqual(
                Template(template.id).commons_levy, levies[anis])
            self.assertIsNone(Category(category.id).commons_levy)

            # Another company's levy is refused
            with self.assertRaises(DomainValidationError):
                Template.write([template], {
                        'commons_levy': levies[other].id,
                        })
            with self.assertRaises(DomainValidationError):
                Category.write([category], {
                        'commons_levy': levies[other].id,
                        })

    @with_transaction()
    def test_product_forms(self):
        "The forms of the product, its variant and its category work"
        pool = Pool()
        for name in [
                'product.template', 'product.product', 'product.category']:
            Model = pool.get(name)
            with self.subTest(model=name):
                view = Model.fields_view_get(view_type='form')
                self.assertIn('commons_levy', view['fields'])
                self.assertIn('name="commons_levy"', view['arch'])


del ModuleTestCase
