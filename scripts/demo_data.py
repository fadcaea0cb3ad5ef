# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The data of the demo: the commons of the tiers-lieux hosted by ANIS.

The six resources, their yearly needs and community sizes come from the
table of shared/seeds/anis-compte-commun-des-communs.txt ("100 +" users
are recorded as 100); the split of each need into categories, the stewards
and the funders of the current year are plausible inventions for the demo.
The LOOT 2023 funding is the one of the seed: 3,000 EUR through the Fabrique
Monscobar, 1,460 EUR through the CAE OPTEOS and 1,140 EUR of ANIS's own
resources (the host's share, designated without any move).
"""

COMPANY = {
    'name': "Association ANIS",
    'street': "12 rue des Communs",
    'city': "Lille",
    'postal_code': "59000",
    # An invented SIREN (valid checksum): the host's identity on documents
    'siren': '443061841',
    'country_code': 'FR',
    'country_name': "France",
    'currency': ('EUR', "Euro", '€'),
    'timezone': 'Europe/Paris',
    'language': 'fr',
    }

# What the tax receipts print about the host (its SIREN is COMPANY's)
TAX_RECEIPT_HOST = {
    'tax_receipt_rna': 'W595012345',
    'tax_receipt_object': (
        "Héberger et soutenir les communs des tiers-lieux : logiciels "
        "libres, wikis, forums et données ouverts"),
    'tax_receipt_signatory': "Claire Dupont",
    'tax_receipt_signatory_quality': "Trésorière",
    }
# The donors' addresses (street, postal code, city) and the SIREN of the
# companies, which their tax receipts print
DONORS = {
    "Fabrique Monscobar": (
        "8 rue de la Fabrique", "59100", "Roubaix", '900000027'),
    "Claire Dubois": ("14 rue Nationale", "59800", "Lille", None),
    }

# Steward party name, by resource code
STEWARDS = {
    'DOKOS': "Communauté Dokos",
    'LOOT': "Collectif LOOT",
    'CHAT-TL': "Animation du Chat Tiers-Lieux",
    'FORUM-TL': "Animation du Forum Tiers-Lieux",
    'COMMUNECTER': "Association Open Atlas",
    'MOVILAB': "Association Movilab",
    }

# Who the parties of the demo are (with those of demo_rounds.py and
# demo_reciprocity.py): only organisations and the persons who consent are
# named in the open data, and a party left out is treated as a person.
ORGANISATIONS = [
    COMPANY['name'], *STEWARDS.values(),
    "Fabrique Monscobar", "CAE OPTEOS", "Région Hauts-de-France",
    "Fondation pour les communs numériques", "Hébergeurs Libres",
    "Réseau des tiers-lieux", "Coopérative des Tiers-Lieux Associés",
    "Tiers-lieu La Fabrique du Coin",
    ]
PERSONS = [
    "Alice Durand", "Claire Dubois", "Camille Martin", "Léa Bernard",
    "Hugo Petit", "Inès Robert", "Nathan Richard",
    "Camille Roux, consultante",
    ]

# The user who stewards LOOT in the web client
STEWARD_USER = {
    'login': 'steward',
    'name': "Camille, Collectif LOOT",
    'password': 'steward-demo-2026',
    'resource': 'LOOT',
    'language': 'fr',
    }
# The contributor who records her work on LOOT in the web client
CONTRIBUTOR_USER = {
    'login': 'contributor',
    'name': "Alice Durand",
    'password': 'contributor-demo-2026',
    'party': "Alice Durand",
    'language': 'fr',
    }

# The participant of the majority judgment of the demo in the web client
PARTICIPANT_USER = {
    'login': 'participant',
    'name': "Claire Dubois",
    'password': 'participant-demo-2026',
    }

# code, name, kind, contributors, users, license, website, description,
# needs as (category, amount, description); the needs are the same for
# 2023 and for the current year.
RESOURCES = [
    ('DOKOS', "DOKOS", 'software', '8', 100, 'GPL-3.0', 'https://dokos.io',
        "Logiciel de gestion des tiers-lieux (espaces, réservations, "
        "facturation, communauté).", [
            ('development', 56000, "Nouvelles fonctionnalités"),
            ('maintenance', 18000, "Correctifs et montées de version"),
            ('hosting', 7400, "Hébergement des instances communes"),
            ('coordination', 12000, "Animation de la communauté"),
            ]),
    ('LOOT', "Logiciel LOOT", 'software', '3', 35, 'AGPL-3.0', None,
        "Logiciel libre des tiers-lieux.", [
            ('development', 2400, "Micro développements"),
            ('maintenance', 1600, "Correctifs de bugs"),
            ('security', 1000, "Sécurisation"),
            ('hosting', 600, "Hébergement du serveur de test"),
            ]),
    ('CHAT-TL', "Chat Tiers-Lieux", 'other', '0.5', 100, None, None,
        "Messagerie instantanée commune des tiers-lieux.", [
            ('hosting', 1200, "Hébergement du service"),
            ('maintenance', 500, "Mises à jour"),
            ('coordination', 800, "Modération et animation"),
            ]),
    ('FORUM-TL', "Forum Tiers-Lieux", 'other', '0.5', 100, None, None,
        "Forum d'entraide des tiers-lieux.", [
            ('hosting', 900, "Hébergement du service"),
            ('maintenance', 600, "Mises à jour"),
            ('coordination', 1000, "Modération et animation"),
            ]),
    ('COMMUNECTER', "Communecter", 'software', '8', 100, 'AGPL-3.0',
        'https://www.communecter.org',
        "Réseau social libre de la société civile et des territoires.", [
            ('development', 22000, "Nouvelles fonctionnalités"),
            ('maintenance', 7500, "Correctifs"),
            ('hosting', 4000, "Hébergement"),
            ('coordination', 5000, "Animation de la communauté"),
            ]),
    ('MOVILAB', "Movilab", 'knowledge', '20', 100, 'CC-BY-SA-4.0',
        'https://movilab.org',
        "Wiki de la documentation partagée des tiers-lieux.", [
            ('coordination', 12000, "Animation et documentation"),
            ('maintenance', 3500, "Maintenance du wiki"),
            ('hosting', 1500, "Hébergement"),
            ('other', 4000, "Rédaction et traduction des contenus"),
            ]),
    ]

# The series of the invoices of each fiscal year: field of the fiscal year's
# invoice sequences, name and prefix (followed by the year)
INVOICE_SERIES = [
    ('out_invoice_sequence', "Factures clients", 'FC'),
    ('out_credit_note_sequence', "Avoirs clients", 'AC'),
    ('in_invoice_sequence', "Factures fournisseurs", 'FF'),
    ('in_credit_note_sequence', "Avoirs fournisseurs", 'AF'),
    ('commons_request_sequence', "Appels de fonds", 'APF'),
    ('commons_request_credit_note_sequence',
        "Annulations d'appels de fonds", 'AAF'),
    ]

# The host's account at its bank and the funders' accounts, by IBAN: the
# import of the bank statements finds the journal and the payers by them
BANK = {
    'journal': "Banque ANIS (Crédit Coopératif)",
    'iban': 'FR7642559000010812345678924',
    }
IBANS = {
    "Fabrique Monscobar": 'FR7630003001200012345678969',
    "CAE OPTEOS": 'FR7616706000050098765432111',
    }
# The CAMT.053 statements of March and April 2023 (samples/, made by the
# camt053 function of commons_fund/tests/tools.py), and the account of the
# bank's fees, which the accountant enters by hand
BANK_STATEMENTS = 'samples/camt053_anis_2023.xml'
BANK_FEES_ACCOUNT = '6278'

# The level of each public body that grants a subsidy (its account of 74)
GRANTOR_LEVELS = {
    "Région Hauts-de-France": 'region',
    }

POOLED_FUND = {
    'code': 'COMMUNS-TL',
    'name': "Fonds commun des communs des tiers-lieux",
    'host_fee_rate': '0.05',
    }

# The LOOT 2023 funding of the seed: funder (None for the host itself),
# funding type, amount, pledge date and how the money comes in:
# ('invoice', invoice date, payment date), ('statement', invoice date) paid
# as the bank statement of BANK_STATEMENTS says, ('receipt', receipt date)
# or, for the host's own share, ('designate', date of the designation).
LOOT_2023 = [
    ("Fabrique Monscobar", 'sponsorship', 3000, (2023, 2, 1),
        ('statement', (2023, 3, 1))),
    ("CAE OPTEOS", 'organisation_contribution', 1460, (2023, 2, 15),
        ('statement', (2023, 3, 15))),
    (None, 'host_share', 1140, (2023, 3, 1),
        ('designate', (2023, 5, 2))),
    ]

# The current year: fund code (None: the pooled fund), funder, funding
# type, amount, (month, day) of the pledge, state and how far it went:
# 'draft', 'confirmed', ('invoice', (month, day)) posted but unpaid,
# ('paid', (month, day), (month, day)), ('receipt', (month, day)) or
# ('designate', (month, day)) for the host's own share.
# Invoices are numbered in date order: keep them so.
CURRENT_YEAR = [
    ('LOOT', "Fabrique Monscobar", 'sponsorship', 3000, (1, 20),
        ('paid', (2, 1), (2, 26))),
    ('LOOT', None, 'host_share', 1200, (1, 20),
        ('designate', (3, 2))),
    ('DOKOS', "Région Hauts-de-France", 'subsidy', 40000, (3, 10),
        ('invoice', (4, 1))),
    ('MOVILAB', "CAE OPTEOS", 'organisation_contribution', 2500, (5, 4),
        'confirmed'),
    ('COMMUNECTER', "Fondation pour les communs numériques", 'donation',
        15000, (9, 15), 'draft'),
    (None, "Claire Dubois", 'donation', 500, (6, 12),
        ('receipt', (6, 12))),
    ]

# Contributions to LOOT in 2023: contributor, kind, in kind nature,
# remuneration, date, quantity, unit price (None: the rate grid), reference,
# description.  The stewards validate them all; the paid work of the first
# contributor is invoiced to ANIS and paid from LOOT's fund.
CONTRIBUTIONS_RATE = '40'  # EUR excl. tax an hour, the default rate
LOOT_2023_CONTRIBUTIONS = [
    ("Alice Durand", 'work', None, 'paid', (4, 3), '10', None,
        'LOOT-2023-001', "Correctifs de bugs de la version 2.3"),
    ("Alice Durand", 'work', None, 'volunteer', (4, 10), '6', None,
        'LOOT-2023-002', "Tri des tickets"),
    ("Hébergeurs Libres", 'in_kind', 'service', 'volunteer', (1, 31), '12',
        '25', 'LOOT-2023-003', "Hébergement du serveur de test, 2023"),
    ("Hébergeurs Libres", 'work', None, 'paid', (5, 2), '4', '35',
        'LOOT-2023-004', "Mise à jour du serveur de test"),
    ]
LOOT_2023_INVOICE = ("Alice Durand", (4, 30), (5, 15))

# Bank accounts (bank, BIC, IBAN; invented numbers with valid check
# digits): the host's, from which its SEPA transfers pay the contributors'
# invoices, and the contributors'.
HOST_BANK_ACCOUNT = (
    "Crédit Coopératif", 'CCOPFRPP', 'FR07 4255 9100 0008 0123 4567 890')
BANK_ACCOUNTS = {
    "Alice Durand": (
        "La Banque Postale", 'PSSTFRPPPAR',
        'FR14 2004 1010 0505 0001 3M02 606'),
    "Hébergeurs Libres": (
        "Crédit Coopératif", 'CCOPFRPP', 'FR71 4255 9000 0121 0234 5678 901'),
    }

# Milestones of the current year: resource, name, deliverable, contributor,
# budget, coordination rate, (month, day) due, and how far it went:
# 'planned', 'funded' or ('paid', delivered, invoiced, paid) when the
# contributor delivered, the steward accepted and the host paid her invoice.
MILESTONES = [
    ('LOOT', "Export FEC",
        "Un export du grand livre au format FEC, testé sur l'exercice 2023.",
        "Alice Durand", 800, '0.15', (9, 30),
        ('paid', (9, 24), (9, 28), (10, 5))),
    ('LOOT', "Tableau de bord des financeurs",
        "Une page qui montre à chaque financeur l'emploi de ses fonds.",
        "Hébergeurs Libres", 1200, '0.10', (12, 15), 'funded'),
    ]

# A supplier invoice of the current year charged to a fund and waiting for
# the approval of the resource's steward: fund code, supplier, (month,
# day), description, amount excl. tax.
PENDING_SPENDING = (
    'LOOT', "Hébergeurs Libres", (11, 30),
    "Hébergement du serveur de test, second semestre", 150)
