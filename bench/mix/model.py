"""The two schemas side by side: for each object type of this API, its PostGraphile v4 counterpart.

Every shape of the portal mix is generated from this table, so writing a question for this API and
its PostGraphile equivalent is one step. Scalars say how the peer's value compares with ours
("same", "fen": the peer reads the integer column of fen behind a Decimal of yuan).
"""

# Our type -> peer type, scalars, to-one relations, to-many relations.
# to-many: our field -> (peer field, target type, kind, our filter arguments -> peer condition)
#   kind "connection": both sides are connections (`nodes`, `totalCount`);
#   kind "list": ours is a plain list, the peer's is a connection (`nodes`).
TYPES = {
    "FundTransfer": {
        "peer": "FundTransfer",
        "scalars": {"referenceNo": ("referenceNo", "same"), "amount": ("amountFen", "fen"),
                    "status": ("status", "same"), "category": ("category", "same"),
                    "year": ("year", "same"), "allocatedOn": ("allocatedOn", "same"),
                    "receivedOn": ("receivedOn", "same"), "purpose": ("purpose", "same")},
        "one": {"pairingAgreement": ("pairingAgreementByPairingId", "PairingAgreement"),
                "helper": ("organizationByHelperId", "Organization"),
                "recipient": ("regionByRecipientId", "Region"),
                "project": ("projectByProjectId", "Project")},
        "many": {},
    },
    "PairingAgreement": {
        "peer": "PairingAgreement",
        "scalars": {"program": ("program", "same"), "startYear": ("startYear", "same"),
                    "endYear": ("endYear", "same"), "status": ("status", "same"),
                    "documentRef": ("documentRef", "same")},
        "one": {"helper": ("organizationByHelperId", "Organization"),
                "recipient": ("regionByRecipientId", "Region")},
        "many": {"fundTransfers": ("fundTransfersByPairingId", "FundTransfer", "connection", "year"),
                 "personnelDispatches": ("personnelDispatchesByPairingId", "PersonnelDispatch",
                                         "connection", "year"),
                 "letters": ("responsibilityLettersByPairingId", "ResponsibilityLetter", "list", "year")},
    },
    "PersonnelDispatch": {
        "peer": "PersonnelDispatch",
        "scalars": {"category": ("category", "same"), "post": ("post", "same"),
                    "status": ("status", "same"), "year": ("year", "same"),
                    "startOn": ("startOn", "same"), "arrivedOn": ("arrivedOn", "same")},
        "one": {"helper": ("organizationByHelperId", "Organization"),
                "recipient": ("regionByRecipientId", "Region"),
                "pairingAgreement": ("pairingAgreementByPairingId", "PairingAgreement")},
        "many": {},
    },
    "Organization": {
        "peer": "Organization",
        "scalars": {"code": ("code", "same"), "name": ("name", "same"), "kind": ("kind", "same"),
                    "shortName": ("shortName", "same")},
        "one": {"region": ("regionByRegionId", "Region")},
        "many": {"pairings": ("pairingAgreementsByHelperId", "PairingAgreement", "connection", None)},
    },
    "Region": {
        "peer": "Region",
        "scalars": {"code": ("code", "same"), "name": ("name", "same"), "level": ("level", "same"),
                    "zone": ("zone", "same")},
        "one": {"parent": ("regionByParentId", "Region"), "province": ("regionByProvinceId", "Region")},
        "many": {"children": ("regionsByParentId", "Region", "connection", None),
                 "pairings": ("pairingAgreementsByRecipientId", "PairingAgreement", "connection", None)},
    },
    "Project": {
        "peer": "Project",
        "scalars": {"name": ("name", "same"), "sector": ("sector", "same"),
                    "budget": ("budgetFen", "fen"), "status": ("status", "same"),
                    "beneficiaries": ("beneficiaries", "same")},
        "one": {"county": ("regionByCountyId", "Region")},
        "many": {},
    },
    "ResponsibilityLetter": {
        "peer": "ResponsibilityLetter",
        "scalars": {"year": ("year", "same"), "status": ("status", "same"), "version": ("version", "same")},
        "one": {"pairingAgreement": ("pairingAgreementByPairingId", "PairingAgreement")},
        "many": {"commitments": ("commitmentsByLetterId", "Commitment", "list", None)},
    },
    "Commitment": {
        "peer": "Commitment",
        "scalars": {"indicator": ("indicator", "same")},
        "one": {},
        "many": {},
    },
    "ProgressReport": {
        "peer": "ProgressReport",
        "scalars": {"indicator": ("indicator", "same"), "year": ("year", "same"),
                    "quarter": ("quarter", "same")},
        "one": {"pairingAgreement": ("pairingAgreementByPairingId", "PairingAgreement")},
        "many": {},
    },
}

# Root lists: our field -> (peer field, item type, the peer's ordering that matches our default).
ROOTS = {
    "fundTransfers": ("allFundTransfers", "FundTransfer", "PRIMARY_KEY_ASC"),
    "pairingAgreements": ("allPairingAgreements", "PairingAgreement", "PRIMARY_KEY_ASC"),
    "personnelDispatches": ("allPersonnelDispatches", "PersonnelDispatch", "PRIMARY_KEY_ASC"),
    "organizations": ("allOrganizations", "Organization", "CODE_ASC"),
    "regions": ("allRegions", "Region", "CODE_ASC"),
    "projects": ("allProjects", "Project", "PRIMARY_KEY_ASC"),
    "responsibilityLetters": ("allResponsibilityLetters", "ResponsibilityLetter", "PRIMARY_KEY_ASC"),
    "progressReports": ("allProgressReports", "ProgressReport", "PRIMARY_KEY_ASC"),
}

# The peer's ordering of a nested connection that matches ours.
NESTED_ORDER = {"Region": "CODE_ASC", "Organization": "CODE_ASC"}

# Filters of root lists with a column on the peer's side: our filter field -> (peer condition
# field, which key of the picked data it takes: a code on our side, an id on the peer's).
ROOT_FILTERS = {
    "fundTransfers": {"year": ("year", "year"), "helperCode": ("helperId", "helper"),
                      "provinceCode": ("recipientProvinceId", "province"),
                      "recipientCode": ("recipientId", "county")},
    "personnelDispatches": {"year": ("year", "year"), "helperCode": ("helperId", "helper"),
                            "provinceCode": ("recipientProvinceId", "province")},
    "pairingAgreements": {"helperCode": ("helperId", "helper"), "recipientCode": ("recipientId", "county")},
    "progressReports": {"year": ("year", "year")},
    "projects": {"countyCode": ("countyId", "county")},
    "regions": {"parentCode": ("parentId", "province")},
    "organizations": {},
    "responsibilityLetters": {"year": ("year", "year")},
}

# Rollups under nested objects: ours only (PostGraphile v4 with the connection-filter plugin has no
# aggregates); these shapes are compared with their own SQL floor.
ROLLUPS = {
    "PairingAgreement": "progress(year: $year, verifiedOnly: false) { indicators { indicator target achieved completionRate } }",
    "Organization": "progress(year: $year, verifiedOnly: false) { indicators { indicator target achieved completionRate } }",
    "Region": "assistance(year: $year) { received receivedTransfers allocated personnelInPostTotal }",
}
