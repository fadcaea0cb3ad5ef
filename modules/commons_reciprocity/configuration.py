# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.commons_fund.configuration import default_record
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id


class Configuration(metaclass=PoolMeta):
    __name__ = 'commons.configuration'
    reciprocity_contract_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Reciprocity Contract Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_reciprocity',
                        'sequence_type_reciprocity_contract')),
                ],
            help="The sequence that numbers the reciprocity contracts when "
            "they are activated."))
    reciprocity_declaration_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Reciprocity Declaration Sequence", required=True,
            domain=[
                ('company', 'in',
                    [Eval('context', {}).get('company', -1), None]),
                ('sequence_type', '=',
                    Id('commons_reciprocity',
                        'sequence_type_reciprocity_declaration')),
                ],
            help="The sequence that numbers the revenue declarations when "
            "they are confirmed."))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in {'reciprocity_contract_sequence',
                'reciprocity_declaration_sequence'}:
            return pool.get('commons.configuration.reciprocity_sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_reciprocity_contract_sequence(cls, **pattern):
        return cls.multivalue_model(
            'reciprocity_contract_sequence'
            ).default_reciprocity_contract_sequence()

    @classmethod
    def default_reciprocity_declaration_sequence(cls, **pattern):
        return cls.multivalue_model(
            'reciprocity_declaration_sequence'
            ).default_reciprocity_declaration_sequence()


class ConfigurationReciprocitySequence(ModelSQL, CompanyValueMixin):
    __name__ = 'commons.configuration.reciprocity_sequence'
    reciprocity_contract_sequence = fields.Many2One(
        'ir.sequence', "Reciprocity Contract Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_reciprocity',
                    'sequence_type_reciprocity_contract')),
            ])
    reciprocity_declaration_sequence = fields.Many2One(
        'ir.sequence', "Reciprocity Declaration Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('commons_reciprocity',
                    'sequence_type_reciprocity_declaration')),
            ])

    default_reciprocity_contract_sequence = default_record(
        'commons_reciprocity.sequence_reciprocity_contract')
    default_reciprocity_declaration_sequence = default_record(
        'commons_reciprocity.sequence_reciprocity_declaration')
