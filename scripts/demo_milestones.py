# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Milestones of the current year and a supplier invoice waiting for the
steward's approval (called by scripts/demo.py)."""
import datetime as dt
from decimal import Decimal

import demo_data as data
from proteus import Model


def fmt(amount):
    return '{:,.2f}'.format(Decimal(amount or 0))


def supplier_invoice(demo, supplier, date, description, amount, fund,
        milestone=None):
    "A supplier invoice of one line charged to the fund (and milestone)"
    Configuration = Model.get('commons.configuration')
    Invoice = Model.get('account.invoice')
    configuration = Configuration(1)
    invoice = Invoice(type='in', party=demo.party(supplier))
    invoice.invoice_date = date
    invoice.reference = description
    line = invoice.lines.new()
    line.account = configuration.contribution_expense_account
    line.commons_fund = fund
    line.commons_milestone = milestone
    line.quantity = 1
    line.unit_price = Decimal(amount)
    line.description = description
    invoice.save()
    return invoice


def create_milestones(demo):
    "Milestones of LOOT: one delivered, accepted and paid, one funded"
    demo.step("Milestones of LOOT, one paid on delivery")
    Milestone = Model.get('commons.resource.milestone')
    Spending = Model.get('commons.fund.spending')
    steward = data.STEWARD_USER['login']
    for (code, name, deliverable, contributor, budget, rate, due,
            how) in data.MILESTONES:
        milestone = Milestone(resource=demo.resources[code], name=name)
        milestone.deliverable = deliverable
        milestone.contributor = demo.party(contributor)
        milestone.budget = Decimal(budget)
        milestone.coordination_rate = Decimal(rate)
        milestone.due_date = dt.date(demo.year, *due)
        milestone.save()
        milestone.click('fund')
        if how == 'funded':
            demo.info("%-30s %9s EUR due %s: funded" % (
                    milestone.rec_name, fmt(budget), milestone.due_date))
            continue
        _, delivered, invoiced, paid = how
        invoice = supplier_invoice(
            demo, contributor, demo.date(*invoiced), name, budget,
            demo.funds[code], milestone)
        # The steward accepts the work delivered, then approves its payment
        with demo.as_user(steward), demo.replay(demo.date(*delivered)):
            milestone = Milestone(milestone.id)
            milestone.click('deliver')
            milestone.click('accept')
        line, = invoice.lines
        with demo.as_user(steward), demo.replay(demo.date(*invoiced)):
            Spending(line.id).click('approve')
        invoice.reload()
        invoice.click('post')
        group = demo.pay_by_transfer(invoice, demo.date(*paid))
        invoice.reload()
        milestone.reload()
        demo.info("%-30s %9s EUR due %s: %s on %s, invoice %s %s by the "
            "SEPA transfer %s" % (
                milestone.rec_name, fmt(budget), milestone.due_date,
                milestone.state, milestone.delivered_date, invoice.number,
                invoice.state, group.rec_name))


def create_pending_spending(demo):
    "A supplier invoice the steward of LOOT has to approve"
    demo.step("A supplier invoice waiting for the steward's approval")
    code, supplier, date, description, amount = data.PENDING_SPENDING
    invoice = supplier_invoice(
        demo, supplier, demo.date(*date), description, amount,
        demo.funds[code])
    demo.info("%s, %s: %s EUR from %s's fund, waiting for %s" % (
            supplier, description, fmt(amount), code,
            data.STEWARD_USER['login']))
    return invoice
