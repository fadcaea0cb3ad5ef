# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re

from sql import Column, Literal, Null, Table
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction

from .exceptions import ConfigurationError

# The accounts of the journal entries in DESIGN: name, label, the account
# type they need ('income' for the income statement, a type flag or None),
# the template of the French chart proposed by default and the help.
ACCOUNTS = [
    ('subsidy_account', "State Subsidy Account", 'income',
        'account_template_741',
        "The income account credited by the subsidies of the State."),
    ('donation_account', "Donation Account", 'income',
        'account_template_7541',
        "The income account credited by donations."),
    ('sponsorship_account', "Sponsorship Account", 'income',
        'account_template_7542',
        "The income account credited by sponsorships."),
    ('organisation_contribution_account',
        "Organisation Contribution Account", 'income',
        'account_template_7551',
        "The income account credited by financial contributions "
        "of other organisations."),
    ('membership_account', "Membership Account", 'income',
        'account_template_7561',
        "The income account credited by membership fees."),
    ('service_account', "Service Account", 'income', 'account_fr.706',
        "The income account credited by services sold with a counterpart."),
    ('grant_receivable_account', "Grant Receivable Account", 'receivable',
        'account_template_44171',
        "The receivable account debited by the payment requests of public "
        "grants."),
    ('bank_account', "Bank Account", None, 'account_fr.5121',
        "The account debited by money received without an invoice."),
    ('contribution_expense_account', "Contribution Expense Account",
        'income', 'account_fr.604',
        "The expense account debited by contributor invoices."),
    ('aid_expense_account', "Aid Expense Account", 'income',
        'account_template_6571',
        "The expense account debited by payments without counterpart."),
    ('volunteer_expense_account', "Volunteer Work Use Account", None,
        'account_template_864',
        "The account debited by the value of volunteer work."),
    ('volunteer_revenue_account', "Volunteer Work Account", None,
        'account_template_875',
        "The account credited by the value of volunteer work."),
    ('in_kind_goods_expense_account', "In-Kind Goods Use Account", None,
        'account_template_861',
        "The account debited by the value of goods given in kind."),
    ('in_kind_goods_revenue_account', "In-Kind Goods Account", None,
        'account_template_870',
        "The account credited by the value of goods given in kind."),
    ('in_kind_service_expense_account', "In-Kind Service Use Account",
        None, 'account_template_862',
        "The account debited by the value of services given in kind."),
    ('in_kind_service_revenue_account', "In-Kind Service Account", None,
        'account_template_871',
        "The account credited by the value of services given in kind."),
    ('dedicated_subsidy_account', "Dedicated Funds on Subsidies", None,
        'account_template_194',
        "The liability account of unused subsidies carried forward to "
        "next year."),
    ('dedicated_organisation_account',
        "Dedicated Funds on Organisation Contributions", None,
        'account_template_195',
        "The liability account of unused contributions of other "
        "organisations carried forward to next year."),
    ('dedicated_generosity_account', "Dedicated Funds on Public Generosity",
        None, 'account_template_196',
        "The liability account of unused resources of public generosity "
        "carried forward to next year."),
    ('dedicated_subsidy_report_account',
        "Subsidies Carried Forward", 'income', 'account_template_6894',
        "The expense account debited when unused subsidies are carried "
        "forward to dedicated funds."),
    ('dedicated_organisation_report_account',
        "Organisation Contributions Carried Forward", 'income',
        'account_template_6895',
        "The expense account debited when unused contributions of other "
        "organisations are carried forward."),
    ('dedicated_generosity_report_account',
        "Public Generosity Carried Forward", 'income',
        'account_template_6896',
        "The expense account debited when unused resources of public "
        "generosity are carried forward."),
    ('dedicated_subsidy_use_account',
        "Use of Dedicated Subsidies", 'income', 'account_template_7894',
        "The income account credited when subsidies carried forward are "
        "used."),
    ('dedicated_organisation_use_account',
        "Use of Dedicated Organisation Contributions", 'income',
        'account_template_7895',
        "The income account credited when carried forward contributions of "
        "other organisations are used."),
    ('dedicated_generosity_use_account',
        "Use of Dedicated Public Generosity", 'income',
        'account_template_7896',
        "The income account credited when carried forward resources of "
        "public generosity are used."),
    ]
# The kinds of organisations of the cerfa 11580 whose gifts reduce taxes
HOST_CATEGORIES = [
    (None, ""),
    ('general_interest', "Work or Organisation of General Interest"),
    ('public_utility', "Association or Foundation of Public Utility"),
    ('university_foundation', "University or Partnership Foundation"),
    ('corporate_foundation', "Corporate Foundation"),
    ('higher_education', "Higher Education Establishment"),
    ('research', "Research Establishment"),
    ('other', "Other Organisation"),
    ]
JOURNALS = [
    ('revenue_journal', "Revenue Journal", 'revenue', 'journal_revenue',
        "The journal of the invoices sent to funders."),
    ('receipt_journal', "Receipt Journal", 'cash', None,
        "The bank journal of money received without an invoice."),
    ('valuation_journal', "Valuation Journal", 'general',
        'journal_miscellaneous',
        "The journal of contributions in kind and of volunteer work."),
    ('dedicated_journal', "Dedicated Funds Journal", 'general',
        'journal_miscellaneous',
        "The journal of the year-end entries of dedicated funds."),
    ]


def _account(string, flag, help, company):
    domain = [
        ('closed', '!=', True),
        ('company', '=', company),
        ]
    if flag == 'income':
        domain.append(('type.statement', '=', 'income'))
    elif flag:
        domain.append(('type.%s' % flag, '=', True))
    return fields.Many2One(
        'account.account', string, domain=domain, help=help)


def _journal(string, type_, help):
    return fields.Many2One(
        'account.journal', string, domain=[('type', '=', type_)], help=help)


def _default_account(xml_id):
    "Propose the account created from the template of the French chart"
    module, xml_id = (
        xml_id.split('.') if '.' in xml_id else ('commons_fund', xml_id))

    def default(cls, **pattern):
        pool = Pool()
        Account = pool.get('account.account')
        ModelData = pool.get('ir.model.data')
        company = pattern.get(
            'company', Transaction().context.get('company'))
        if company is None:
            return None
        try:
            template = ModelData.get_id(module, xml_id)
        except KeyError:
            return None
        accounts = Account.search([
                ('template', '=', template),
                ('company', '=', company),
                ], limit=1)
        return accounts[0].id if accounts else None
    return classmethod(default)


def default_record(xml_id):
    "Return a default classmethod giving the id of the record module.xml_id"
    module, xml_id = xml_id.split('.')

    def default(cls, **pattern):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id(module, xml_id)
        except KeyError:
            return None
    return classmethod(default)


def _default_journal(xml_id):
    return default_record(xml_id if '.' in xml_id else 'account.' + xml_id)


class Configuration(
        ModelSingleton, ModelSQL, ModelView, CompanyMultiValueMixin):
    __name__ = 'commons.configuration'

    # The fields and their defaults are made from the lists above to keep
    # the configuration, its value models and the chart in step.
    for name, string, flag, xml_id, help in ACCOUNTS:
        vars()[name] = fields.MultiValue(_account(
                string, flag, help, Eval('context', {}).get('company', -1)))
        vars()['default_%s' % name] = _default_account(xml_id)
    for name, string, type_, xml_id, help in JOURNALS:
        vars()[name] = fields.MultiValue(_journal(string, type_, help))
        if xml_id:
            vars()['default_%s' % name] = _default_journal(xml_id)
    del name, string, flag, type_, xml_id, help
    subsidy_region_account = fields.MultiValue(fields.Many2One(
            'account.account', "Region Subsidy Account",
            domain=[
                ('closed', '!=', True),
                ('type.statement', '=', 'income'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The income account credited by the subsidies of regions."))
    subsidy_department_account = fields.MultiValue(fields.Many2One(
            'account.account', "Department Subsidy Account",
            domain=[
                ('closed', '!=', True),
                ('type.statement', '=', 'income'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The income account credited by the subsidies of "
            "departments."))
    subsidy_municipality_account = fields.MultiValue(fields.Many2One(
            'account.account', "Municipality Subsidy Account",
            domain=[
                ('closed', '!=', True),
                ('type.statement', '=', 'income'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The income account credited by the subsidies of "
            "municipalities and their groupings."))
    subsidy_europe_account = fields.MultiValue(fields.Many2One(
            'account.account', "European Funds Subsidy Account",
            domain=[
                ('closed', '!=', True),
                ('type.statement', '=', 'income'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The income account credited by the subsidies of European "
            "funds."))
    subsidy_other_account = fields.MultiValue(fields.Many2One(
            'account.account', "Other Public Bodies Subsidy Account",
            domain=[
                ('closed', '!=', True),
                ('type.statement', '=', 'income'),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The income account credited by the subsidies of the other "
            "public bodies."))
    gift_receivable_account = fields.MultiValue(fields.Many2One(
            'account.account', "Gift Receivable Account",
            domain=[
                ('closed', '!=', True),
                ('type.receivable', '=', True),
                ('party_required', '=', True),
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The receivable account debited by the payment requests of "
            "gifts and contributions without counterpart that an agreement "
            "makes certain."))
    default_subsidy_region_account = _default_account('account_template_742')
    default_subsidy_department_account = _default_account(
        'account_template_743')
    default_subsidy_municipality_account = _default_account(
        'account_template_744')
    default_subsidy_europe_account = _default_account('account_template_746')
    default_subsidy_other_account = _default_account('account_template_748')
    default_gift_receivable_account = _default_account(
        'account_template_46871')
    tax_receipt_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence.strict', "Tax Receipt Sequence",
            domain=[
                ('sequence_type', '=',
                    Id('commons_fund', 'sequence_type_tax_receipt')),
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ],
            help="The strict series that numbers the tax receipts one after "
            "the other."))
    tax_receipt_host_category = fields.MultiValue(fields.Selection(
            HOST_CATEGORIES, "Host Category",
            help="The kind of organisation that makes the gifts to the host "
            "reduce the donors' taxes, as the cerfa lists them."))
    tax_receipt_object = fields.MultiValue(fields.Text(
            "Host Object",
            help="The object of the host as its statutes say, printed on "
            "the tax receipts."))
    tax_receipt_rna = fields.MultiValue(fields.Char(
            "RNA Number",
            help="The number of the host in the national register of "
            "associations (W followed by 9 digits), printed on the tax "
            "receipts."))
    tax_receipt_signatory = fields.MultiValue(fields.Char(
            "Signatory",
            help="The name of the person who signs the tax receipts."))
    tax_receipt_signatory_quality = fields.MultiValue(fields.Char(
            "Signatory Quality",
            help="The office of the signatory in the host, such as "
            "treasurer."))
    default_host_fee_rate = fields.MultiValue(fields.Numeric(
            "Default Host Fee Rate", digits=(None, 4),
            domain=['OR',
                ('default_host_fee_rate', '=', None),
                [
                    ('default_host_fee_rate', '>=', 0),
                    ('default_host_fee_rate', '<', 1),
                    ],
                ],
            help="The share of each receipt kept by the host for its "
            "services, proposed on new funds."))

    pledge_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Pledge Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_fund', 'sequence_type_pledge')),
                ],
            help="The sequence that numbers the pledges when they are "
            "confirmed."))
    allocation_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Allocation Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_fund', 'sequence_type_allocation')),
                ],
            help="The sequence that numbers the allocations when they are "
            "computed."))
    round_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Round Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_fund', 'sequence_type_round')),
                ],
            help="The sequence that numbers the rounds when they are "
            "opened."))

    @classmethod
    def default_pledge_sequence(cls, **pattern):
        return cls.multivalue_model(
            'pledge_sequence').default_pledge_sequence()

    @classmethod
    def default_allocation_sequence(cls, **pattern):
        return cls.multivalue_model(
            'allocation_sequence').default_allocation_sequence()

    @classmethod
    def default_round_sequence(cls, **pattern):
        return cls.multivalue_model(
            'round_sequence').default_round_sequence()

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in {'pledge_sequence', 'allocation_sequence',
                'round_sequence'}:
            return pool.get('commons.configuration.sequence')
        if field in {a[0] for a in ACCOUNTS} | {
                'subsidy_region_account', 'subsidy_department_account',
                'subsidy_municipality_account', 'subsidy_europe_account',
                'subsidy_other_account', 'gift_receivable_account'}:
            return pool.get('commons.configuration.account')
        if field in {j[0] for j in JOURNALS}:
            return pool.get('commons.configuration.journal')
        if field == 'default_host_fee_rate':
            return pool.get('commons.configuration.host_fee')
        if field in {
                'tax_receipt_sequence', 'tax_receipt_host_category',
                'tax_receipt_object', 'tax_receipt_rna',
                'tax_receipt_signatory', 'tax_receipt_signatory_quality'}:
            return pool.get('commons.configuration.tax_receipt')
        return super().multivalue_model(field)

    @classmethod
    def default_tax_receipt_sequence(cls, **pattern):
        return cls.multivalue_model(
            'tax_receipt_sequence').default_tax_receipt_sequence()

    @classmethod
    def default_tax_receipt_host_category(cls, **pattern):
        return 'general_interest'

    def get_required(self, name, **pattern):
        "Return the configured value or raise an error naming the field"
        value = self.get_multivalue(name, **pattern)
        if not value:
            raise ConfigurationError(gettext(
                    'commons_fund.msg_configuration_missing',
                    field=self.__names__(name)['field']))
        return value


class ConfigurationAccount(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.account'

    for name, string, flag, _, help in ACCOUNTS:
        vars()[name] = _account(string, flag, help, Eval('company', -1))
    del name, string, flag, help, _
    subsidy_region_account = fields.Many2One(
        'account.account', "Region Subsidy Account",
        domain=[
            ('closed', '!=', True),
            ('type.statement', '=', 'income'),
            ('company', '=', Eval('company', -1)),
            ])
    subsidy_department_account = fields.Many2One(
        'account.account', "Department Subsidy Account",
        domain=[
            ('closed', '!=', True),
            ('type.statement', '=', 'income'),
            ('company', '=', Eval('company', -1)),
            ])
    subsidy_municipality_account = fields.Many2One(
        'account.account', "Municipality Subsidy Account",
        domain=[
            ('closed', '!=', True),
            ('type.statement', '=', 'income'),
            ('company', '=', Eval('company', -1)),
            ])
    subsidy_europe_account = fields.Many2One(
        'account.account', "European Funds Subsidy Account",
        domain=[
            ('closed', '!=', True),
            ('type.statement', '=', 'income'),
            ('company', '=', Eval('company', -1)),
            ])
    subsidy_other_account = fields.Many2One(
        'account.account', "Other Public Bodies Subsidy Account",
        domain=[
            ('closed', '!=', True),
            ('type.statement', '=', 'income'),
            ('company', '=', Eval('company', -1)),
            ])
    gift_receivable_account = fields.Many2One(
        'account.account', "Gift Receivable Account",
        domain=[
            ('closed', '!=', True),
            ('type.receivable', '=', True),
            ('party_required', '=', True),
            ('company', '=', Eval('company', -1)),
            ])


class ConfigurationJournal(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.journal'

    for name, string, type_, _, help in JOURNALS:
        vars()[name] = _journal(string, type_, help)
    del name, string, type_, help, _

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        Company = pool.get('company.company')
        Configuration = pool.get('commons.configuration')
        cursor = Transaction().connection.cursor()
        model_data = Table('ir_model_data')
        table = cls.__table__()
        company = Company.__table__()

        super().__register__(module)

        # Migration from 8.0.0: the bank journal is no longer created by the
        # module; it stays, as the accountant's, the receipt journal of the
        # companies which took it by default
        cursor.execute(*model_data.select(
                model_data.id, model_data.db_id,
                where=(model_data.module == module)
                & (model_data.fs_id == 'journal_bank')))
        row = cursor.fetchone()
        if not row:
            return
        data_id, journal_id = row
        cursor.execute(*table.select(
                table.id, where=table.company == Null, limit=1))
        if not cursor.fetchone():
            columns = [table.create_uid, table.create_date, table.company]
            values = [Literal(0), CurrentTimestamp(), company.id]
            for name, _, _, xml_id, _ in JOURNALS:
                columns.append(Column(table, name))
                values.append(Literal(
                        getattr(Configuration, 'default_%s' % name)()
                        if xml_id else journal_id))
            cursor.execute(*table.insert(columns, company.select(*values,
                        where=~company.id.in_(table.select(
                                table.company,
                                where=table.company != Null)))))
            cls._values_cache().clear()
        cursor.execute(*model_data.delete(where=model_data.id == data_id))


class ConfigurationHostFee(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.host_fee'
    default_host_fee_rate = fields.Numeric(
        "Default Host Fee Rate", digits=(None, 4))


class ConfigurationTaxReceipt(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.tax_receipt'
    tax_receipt_sequence = fields.Many2One(
        'ir.sequence.strict', "Tax Receipt Sequence",
        domain=[
            ('sequence_type', '=',
                Id('commons_fund', 'sequence_type_tax_receipt')),
            ('company', 'in', [Eval('company', -1), None]),
            ])
    tax_receipt_host_category = fields.Selection(
        HOST_CATEGORIES, "Host Category")
    tax_receipt_object = fields.Text("Host Object")
    tax_receipt_rna = fields.Char("RNA Number")
    tax_receipt_signatory = fields.Char("Signatory")
    tax_receipt_signatory_quality = fields.Char("Signatory Quality")

    default_tax_receipt_sequence = default_record(
        'commons_fund.sequence_tax_receipt')

    @classmethod
    def validate_fields(cls, values, field_names):
        super().validate_fields(values, field_names)
        cls.check_rna(values, field_names)

    @classmethod
    def check_rna(cls, values, field_names=None):
        if field_names and 'tax_receipt_rna' not in field_names:
            return
        for value in values:
            rna = value.tax_receipt_rna
            if rna and not re.fullmatch(r'W[0-9A-Z]{9}', rna):
                raise ConfigurationError(gettext(
                        'commons_fund.msg_configuration_rna', rna=rna))


class ConfigurationSequence(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.sequence'
    pledge_sequence = fields.Many2One(
        'ir.sequence', "Pledge Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_fund', 'sequence_type_pledge')),
            ])
    allocation_sequence = fields.Many2One(
        'ir.sequence', "Allocation Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_fund', 'sequence_type_allocation')),
            ])
    round_sequence = fields.Many2One(
        'ir.sequence', "Round Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_fund', 'sequence_type_round')),
            ])

    default_pledge_sequence = default_record('commons_fund.sequence_pledge')
    default_allocation_sequence = default_record(
        'commons_fund.sequence_allocation')
    default_round_sequence = default_record('commons_fund.sequence_round')
