# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pooled fund of the demo at work: an allocation by needs, a finished
cobudget round, a finished quadratic round and a majority judgment open to
its participants (called by scripts/demo.py)."""
import datetime as dt
from decimal import Decimal

import demo_data as data
from proteus import Model

# A funder gives to the commons of the tiers-lieux without choosing one
POOL_RECEIPT = (
    "Fondation pour les communs numériques", 'donation', 8000, (2, 1))
# Allocation by needs of the current year
NEEDS_ALLOCATION = (1500, (3, 1))
# Cobudget: participants (party, source, budget), buckets (resource code,
# minimum, maximum), votes (party, resource code, amount)
COBUDGET = {
    'name': "Cobudget des communs des tiers-lieux",
    'dates': ((4, 1), (4, 30)),
    'cap': 1500,
    'participants': [
        ("Fabrique Monscobar", 'pledge', 1000),
        ("CAE OPTEOS", 'pledge', 600),
        ("Réseau des tiers-lieux", 'tokens', 2000),
        ],
    'buckets': [
        ('FORUM-TL', 500, 1500),
        ('CHAT-TL', 800, 1200),
        ('MOVILAB', 1000, 2000),
        ],
    'votes': [
        ("Fabrique Monscobar", 'FORUM-TL', 400),
        ("Réseau des tiers-lieux", 'FORUM-TL', 600),
        ("CAE OPTEOS", 'CHAT-TL', 300),
        ("Fabrique Monscobar", 'MOVILAB', 600),
        ("CAE OPTEOS", 'MOVILAB', 300),
        ("Réseau des tiers-lieux", 'MOVILAB', 1100),
        ],
    }
# Quadratic: the pool matches the small gifts of many
QUADRATIC = {
    'name': "Financement quadratique des communs numériques",
    'dates': ((6, 1), (6, 30)),
    'pool': 1000,
    'minimum': 1,
    'cap': '0.6',
    # resource code, the most the bucket takes (votes and match)
    'buckets': [('LOOT', 800), ('DOKOS', 1500), ('COMMUNECTER', 1200)],
    'votes': [
        ("Camille Martin", 'LOOT', 20), ("Léa Bernard", 'LOOT', 10),
        ("Hugo Petit", 'LOOT', 5), ("Inès Robert", 'LOOT', 5),
        ("Camille Martin", 'DOKOS', 50), ("Nathan Richard", 'DOKOS', 150),
        ("Léa Bernard", 'COMMUNECTER', 200),
        ],
    }

# Majority judgment: the participants grade the buckets (resource code,
# minimum, maximum) and the pool funds them in the order of their majority
# grade; the round is open: Claire Dubois, the participant user of the
# demo, has not graded yet
MAJORITY = {
    'name': "Jugement majoritaire des communs des tiers-lieux",
    'dates': ((11, 1), (12, 31)),
    'pool': 1200,
    'participants': [
        "Alice Durand", "Camille Martin", "Léa Bernard", "Claire Dubois"],
    'buckets': [
        ('FORUM-TL', 300, 800), ('CHAT-TL', 300, 600),
        ('MOVILAB', 400, 1000)],
    'grades': [
        ("Alice Durand", ['very_good', 'fair', 'good']),
        ("Camille Martin", ['good', 'poor', 'excellent']),
        ("Léa Bernard", ['excellent', 'reject', 'good']),
        ],
    }


def fmt(amount):
    return '{:,.2f}'.format(Decimal(amount or 0))


def create_rounds(demo):
    "Fill the pooled fund, allocate it by needs and run two rounds"
    demo.step("Pooled fund: an allocation by needs, a cobudget and a "
        "quadratic round")
    Allocation = Model.get('commons.allocation')
    Round = Model.get('commons.round')
    Vote = Model.get('commons.round.vote')
    fiscalyear = demo.fiscalyears[demo.year]
    pot = demo.funds[None]

    funder, funding_type, amount, date = POOL_RECEIPT
    pledge = demo.pledge(
        pot, demo.party(funder), funding_type, amount, demo.date(*date),
        fiscalyear)
    pledge.click('confirm')
    demo.record_receipt(pledge, demo.date(*date))
    pot.reload()
    demo.info("%s gives %s EUR to the pooled fund: %s EUR available after "
        "the host fee" % (funder, fmt(amount), fmt(pot.available)))

    amount, date = NEEDS_ALLOCATION
    allocation = Allocation(fund=pot, method='needs', fiscalyear=fiscalyear)
    allocation.date = demo.date(*date)
    allocation.amount = Decimal(amount)
    allocation.description = "Besoins %s" % demo.year
    with demo.replay(allocation.date):
        allocation.click('compute')
        allocation.click('post')
    demo.info("allocation %s by needs of %s EUR: %s" % (
            allocation.number, fmt(amount), ", ".join(
                "%s %s" % (l.resource.code, fmt(l.amount))
                for l in allocation.lines)))

    def make_round(spec, method, participants):
        round_ = Round(name=spec['name'], fund=pot, method=method)
        round_.fiscalyear = fiscalyear
        round_.start_date, round_.end_date = (
            demo.date(*d) for d in spec['dates'])
        for party, source, budget in participants:
            participant = round_.participants.new(party=demo.party(party))
            participant.source = source
            participant.budget = Decimal(budget)
        return round_

    def vote(round_, party, code, amount):
        participant, = [
            p for p in round_.participants if p.party.name == party]
        bucket, = [b for b in round_.buckets if b.resource.code == code]
        Vote(round=round_, participant=participant, bucket=bucket,
            amount=Decimal(amount)).save()

    cobudget = make_round(COBUDGET, 'cobudget', COBUDGET['participants'])
    cobudget.bucket_cap = Decimal(COBUDGET['cap'])
    for code, minimum, maximum in COBUDGET['buckets']:
        bucket = cobudget.buckets.new(resource=demo.resources[code])
        bucket.min_goal = Decimal(minimum)
        bucket.max_goal = Decimal(maximum)
    cobudget.save()
    with demo.replay(cobudget.start_date):
        cobudget.click('open')
    for party, code, amount in COBUDGET['votes']:
        vote(cobudget, party, code, amount)
    with demo.replay(cobudget.end_date):
        cobudget.click('close')
        cobudget.click('post')
    demo.info("round %s %s, allocation %s" % (
            cobudget.number, cobudget.name,
            cobudget.allocation.number if cobudget.allocation else "none"))
    for bucket in cobudget.buckets:
        demo.info("cobudget %-9s %s" % (
                bucket.resource.code,
                "funded %s EUR (tokens %s, pledged %s)" % (
                    fmt(bucket.committed), fmt(bucket.token_amount),
                    fmt(bucket.pledged_amount))
                if bucket.funded else
                "not funded (%s EUR below the minimum of %s)" % (
                    fmt(bucket.committed), fmt(bucket.min_goal))))

    people = sorted({v[0] for v in QUADRATIC['votes']})
    quadratic = make_round(
        QUADRATIC, 'quadratic', [(p, 'pledge', 500) for p in people])
    quadratic.matching_amount = Decimal(QUADRATIC['pool'])
    quadratic.minimum_contribution = Decimal(QUADRATIC['minimum'])
    quadratic.match_cap_rate = Decimal(QUADRATIC['cap'])
    for code, maximum in QUADRATIC['buckets']:
        bucket = quadratic.buckets.new(resource=demo.resources[code])
        bucket.min_goal = Decimal(0)
        bucket.max_goal = Decimal(maximum)
    quadratic.save()
    with demo.replay(quadratic.start_date):
        quadratic.click('open')
    for party, code, amount in QUADRATIC['votes']:
        vote(quadratic, party, code, amount)
    with demo.replay(quadratic.end_date):
        quadratic.click('close')
        quadratic.click('post')
    demo.info("round %s %s, allocation %s" % (
            quadratic.number, quadratic.name,
            quadratic.allocation.number if quadratic.allocation else "none"))
    for bucket in quadratic.buckets:
        demo.info("quadratic %-12s %s EUR from %s people, match %s EUR" % (
                bucket.resource.code, fmt(bucket.committed),
                bucket.contributors, fmt(bucket.match_amount)))

    majority = make_round(MAJORITY, 'majority_judgment', [])
    # The round lasts until the end of the year
    majority.end_date = dt.date(demo.year, 12, 31)
    majority.matching_amount = Decimal(MAJORITY['pool'])
    for party in MAJORITY['participants']:
        majority.participants.new(party=demo.party(party))
    for code, minimum, maximum in MAJORITY['buckets']:
        bucket = majority.buckets.new(resource=demo.resources[code])
        bucket.min_goal = Decimal(minimum)
        bucket.max_goal = Decimal(maximum)
    majority.save()
    with demo.replay(majority.start_date):
        majority.click('open')
    participants = {p.party.name: p for p in majority.participants}
    buckets = [
        b for c, _, _ in MAJORITY['buckets']
        for b in majority.buckets if b.resource.code == c]
    for party, grades in MAJORITY['grades']:
        for bucket, grade in zip(buckets, grades):
            majority.grades.new(
                participant=participants[party], bucket=bucket, grade=grade)
    majority.save()
    demo.info("majority judgment open until %s: %s of %s participants "
        "graded %s" % (
            majority.end_date, len(MAJORITY['grades']),
            len(majority.participants),
            ", ".join(c for c, _, _ in MAJORITY['buckets'])))
    Company = Model.get('company.company')
    Group = Model.get('res.group')
    ModelData = Model.get('ir.model.data')
    User = Model.get('res.user')
    user = User(
        login=data.PARTICIPANT_USER['login'],
        name=data.PARTICIPANT_USER['name'])
    user.password = data.PARTICIPANT_USER['password']
    user.groups.append(Group(ModelData.get_id(
                'commons_fund', 'group_commons_participant',
                demo.config.context)))
    company = Company(demo.company.id)
    user.companies.append(company)
    user.company = company
    user.party = demo.party(data.PARTICIPANT_USER['name'])
    user.save()
    demo.info("%s (password %s) grades the buckets as %s" % (
            user.login, data.PARTICIPANT_USER['password'], user.party.name))
    pot.reload()
    demo.info("pooled fund %s: %s EUR available" % (
            pot.code, fmt(pot.available)))
