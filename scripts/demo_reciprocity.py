# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reciprocity part of the demo (scripts/demo.py): the forum example.

A consultant earned 10,000 EUR in 2023 with a service sold thanks to the
commons of the tiers-lieux; under a reciprocity contract she pays back 5 %
of it, shared between Movilab and the forum, and ANIS lists her as a partner
of the commons: with that counterpart, her payment is invoiced as a service
(706).  A cooperative gives a fixed amount each quarter of the current year
without counterpart: it is asked for with payment requests (7551).  ANIS
sells community facilitation with a levy of 5 % for the same two commons.
"""
import datetime as dt
from decimal import Decimal

from proteus import Model

CONSULTANT = "Camille Roux, consultante"
COOPERATIVE = "Coopérative des Tiers-Lieux Associés"
CUSTOMER = "Tiers-lieu La Fabrique du Coin"
BENEFICIARIES = [('MOVILAB', Decimal('0.4')), ('FORUM-TL', Decimal('0.6'))]


def format_amount(amount):
    return '{:,.2f}'.format(Decimal(amount or 0))


def create_reciprocity(demo):
    demo.step("Reciprocity: contracts, declarations and a levy on sales")
    Category = Model.get('product.category')
    Compliance = Model.get('commons.reciprocity.compliance')
    Configuration = Model.get('commons.configuration')
    Contract = Model.get('commons.reciprocity.contract')
    Cron = Model.get('ir.cron')
    Declaration = Model.get('commons.reciprocity.declaration')
    Invoice = Model.get('account.invoice')
    Levy = Model.get('commons.reciprocity.levy')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')
    configuration = Configuration(1)

    def beneficiaries(record):
        for code, share in BENEFICIARIES:
            line = record.lines.new(resource=demo.resources[code])
            line.fund = demo.funds[code]
            line.share = share

    # The forum example: 5 % of a 10,000 EUR service of 2023
    consultant = demo.party(CONSULTANT)
    consultant.commons_natural_person = True
    consultant.commons_public_consent = True
    consultant.save()
    contract = Contract(agent=consultant, reference='REC-2023-01')
    contract.basis = 'revenue_rate'
    contract.rate = Decimal('0.05')
    contract.frequency = 'yearly'
    contract.start_date = dt.date(2023, 1, 1)
    contract.end_date = dt.date(2023, 12, 31)
    contract.public = True
    contract.counterpart = True
    contract.description = (
        "Accompagnement d'un tiers-lieu (10 000 EUR) rendu possible par "
        "Movilab et le Forum des tiers-lieux ; en contrepartie, ANIS la "
        "présente comme partenaire des communs des tiers-lieux.")
    beneficiaries(contract)
    contract.click('activate')

    # The cooperative gives 150 EUR each quarter of the current year
    cooperative = demo.party(COOPERATIVE)
    fixed = Contract(agent=cooperative, basis='fixed')
    fixed.fixed_amount = Decimal(150)
    fixed.frequency = 'quarterly'
    fixed.start_date = dt.date(demo.year, 1, 1)
    fixed.public = True
    line = fixed.lines.new(resource=demo.resources['FORUM-TL'])
    line.fund = demo.funds['FORUM-TL']
    line.share = Decimal(1)
    fixed.click('activate')

    # The daily task creates the declarations of the periods that ended
    cron, = Cron.find([
            ('method', '=',
                'commons.reciprocity.declaration|create_declarations'),
            ])
    cron.click('run_once')

    declaration, = Declaration.find([('contract', '=', contract.id)])
    declaration.revenue = Decimal(10000)
    declaration.click('confirm')
    declaration.click('invoice')
    invoice = Invoice(declaration.agent_invoice.id)
    invoice.click('post')
    # Dated by the server, in the company's time zone
    invoice.reload()
    demo.pay(invoice, invoice.invoice_date)
    invoice.reload()
    demo.info("%s %s: 5 %% of %s EUR declared for 2023 (%s) = %s EUR, "
        "invoice %s %s" % (
            contract.number, consultant.name,
            format_amount(declaration.revenue), declaration.number,
            format_amount(declaration.amount), invoice.number,
            invoice.state))
    for line in invoice.lines:
        demo.info("  %-10s %s %9s EUR" % (
                line.commons_fund.code, line.account.code,
                format_amount(line.amount)))
    # It confirms its first two quarters, asked for with payment requests;
    # it paid the first one
    quarters = Declaration.find(
        [('contract', '=', fixed.id)], order=[('start_date', 'ASC')])
    requests = []
    for quarter in quarters[:2]:
        quarter.click('confirm')
        quarter.click('invoice')
        request = Invoice(quarter.agent_invoice.id)
        request.click('post')
        request.reload()
        requests.append(request)
    if requests:
        demo.pay(requests[0], requests[0].invoice_date)
    demo.info("%s %s: %d quarterly declaration(s) of 150 EUR (%s), payment "
        "request(s) %s on %s" % (
            fixed.number, cooperative.name, len(quarters),
            ", ".join(q.number for q in quarters[:2]),
            ", ".join(r.number for r in requests),
            ", ".join(sorted({
                        l.account.code for r in requests
                        for l in r.lines}))))

    # The levy on ANIS's own sales of community facilitation
    levy = Levy(name="Reversement aux communs des tiers-lieux")
    levy.rate = Decimal('0.05')
    beneficiaries(levy)
    levy.save()
    category = Category(name="Animation de communautés", accounting=True)
    category.account_revenue = configuration.service_account
    category.commons_levy = levy
    category.save()
    unit, = Uom.find([('name', '=', "Hour")])
    template = Template(name="Animation de tiers-lieu")
    template.type = 'service'
    template.default_uom = unit
    template.list_price = Decimal(75)
    template.account_category = category
    template.save()
    product, = template.products
    # No date: the server dates it today in the company's time zone, as it
    # dated the invoice of the declaration (numbers follow dates)
    sale = Invoice(type='out', party=demo.party(CUSTOMER))
    line = sale.lines.new(product=product, quantity=8)
    line.unit_price = Decimal(75)
    line.description = "Animation d'une journée de la communauté"
    sale.click('post')
    demo.info("levy of %s %% on invoice %s of %s EUR to %s" % (
            levy.rate * 100, sale.number, format_amount(sale.untaxed_amount),
            CUSTOMER))

    with demo.config.set_context(company=demo.company.id):
        rows = Compliance.find([])
    for row in rows:
        demo.info("compliance %d %-38s due %9s paid %9s late %d" % (
                row.year, row.agent.name, format_amount(row.amount),
                format_amount(row.paid), row.late))
