#!/usr/bin/env python3
"""Writes the benchmark's GraphQL request bodies, picking real keys from the seeded database.

Usage: scenarios.py POSTGRES_URL OUT_DIR TRANSFERS
"""
import base64
import json
import os
import subprocess
import sys

url, out, transfers = sys.argv[1], sys.argv[2], int(sys.argv[3])


def sql(query):
    return subprocess.run(["psql", url, "-tAc", query], check=True, capture_output=True, text=True).stdout.strip()


def gid(kind, n):
    return base64.urlsafe_b64encode(f"{kind}:{n}".encode()).decode().rstrip("=")


def cursor(ordering, value, row_id):
    raw = json.dumps({"o": ordering, "v": {"i": value}, "id": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# 2019 unless BENCH_YEAR says otherwise; a small load that does not reach 2019 (10k transfers
# cover 2011-2014) uses its best-filled year, so that no scenario queries an empty year.
if "BENCH_YEAR" in os.environ:
    year = int(os.environ["BENCH_YEAR"])
elif sql("SELECT count(*) FROM fund_transfers WHERE year = 2019") != "0":
    year = 2019
else:
    year = int(sql("SELECT year FROM fund_transfers WHERE reference_no NOT LIKE 'BENCH-%' "
                   "GROUP BY year ORDER BY count(*) DESC, year LIMIT 1"))
# The western province with the most transfers, one of its counties, an eastern provincial helper.
province = sql("SELECT r.code FROM fund_transfers t JOIN regions r ON r.id = t.recipient_province_id "
               "GROUP BY r.code ORDER BY count(*) DESC, r.code LIMIT 1")
county = sql("SELECT r.code FROM pairing_agreements p JOIN regions r ON r.id = p.recipient_id "
             "GROUP BY r.code ORDER BY count(*) DESC, r.code LIMIT 1")
helper = sql("SELECT code FROM organizations WHERE kind = 'PROVINCIAL_GOVERNMENT' ORDER BY code LIMIT 1")
writer = sql("SELECT o.code || ' ' || p.id || ' ' || r.code FROM pairing_agreements p "
             "JOIN organizations o ON o.id = p.helper_id JOIN regions r ON r.id = p.recipient_id "
             "WHERE o.kind = 'CENTRAL_UNIT' ORDER BY p.id LIMIT 1")
writer_org, writer_pairing, writer_county = writer.split()
deep = max(1, min(500_000, transfers // 2))

variables = {
    "a-province-progress": {"code": helper, "year": year},
    "b-transfer-page": {"province": province, "year": year},
    "c-county-assistance": {"code": county, "year": year},
    "d-deep-page": {"after": cursor("transfer.id", deep, deep)},
    "e-fund-flows": {"year": year},
    "f-record-transfer": {"input": {
        "pairingAgreementId": gid("PairingAgreement", int(writer_pairing)),
        "referenceNo": "BENCH-__KEY__", "recipientCode": writer_county, "category": "DIRECT_INVESTMENT",
        "amount": "125000.00", "year": 2020, "allocatedOn": "2020-03-01", "idempotencyKey": "__KEY__",
    }},
}
here = os.path.dirname(os.path.abspath(__file__))
queries = {name: (open(f"{here}/queries/{name}.graphql").read(), v) for name, v in variables.items()}
for name, (query, variables) in queries.items():
    with open(f"{out}/body-{name}.json", "w") as f:
        json.dump({"query": query, "variables": variables}, f, ensure_ascii=False)
with open(f"{out}/helper-org", "w") as f:
    f.write(writer_org)
print(f"scenarios: year {year}, province {province}, county {county}, helper {helper}, writer {writer_org}, deep cursor after {deep}")
