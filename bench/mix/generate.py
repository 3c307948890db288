#!/usr/bin/env python3
"""Generates the portal mix: question shapes drawn from the schema (model.py) with a fixed seed, each
written for this API and for PostGraphile v4, with keys picked from the seeded database.

Usage: generate.py POSTGRES_URL OUT_DIR [SEED]
Writes OUT_DIR/mix-NN-KIND.json: {"name", "kind", "ours": {"query"}, "peer": {"query"} or null},
and beside it the request bodies body-ours-mix-NN-KIND.json and body-peer-mix-NN-KIND.json.

Aliases carry how a value compares between the two answers (check.py): s* same value, f* money
(ours in yuan, the peer's in fen), r* a relation, n* a count.
"""
import base64
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import NESTED_ORDER, ROLLUPS, ROOT_FILTERS, ROOTS, TYPES  # noqa: E402

url, out = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261205
rng = random.Random(seed)


def sql(query):
    return subprocess.run(["psql", url, "-tAc", query], check=True, capture_output=True, text=True).stdout.strip()


def pick(query):
    code, row_id = sql(query).split("|")
    return {"code": code, "id": int(row_id)}


# The keys every shape draws from: the busiest year, province, county and eastern helper.
year = int(sql("SELECT year FROM fund_transfers GROUP BY year ORDER BY count(*) DESC, year LIMIT 1"))
keys = {
    "year": {"code": year, "id": year},
    "province": pick("SELECT r.code || '|' || r.id FROM fund_transfers t JOIN regions r ON r.id = t.recipient_province_id "
                     "GROUP BY r.code, r.id ORDER BY count(*) DESC, r.code LIMIT 1"),
    "county": pick("SELECT r.code || '|' || r.id FROM pairing_agreements p JOIN regions r ON r.id = p.recipient_id "
                   "GROUP BY r.code, r.id ORDER BY count(*) DESC, r.code LIMIT 1"),
    "helper": pick("SELECT o.code || '|' || o.id FROM pairing_agreements p JOIN organizations o ON o.id = p.helper_id "
                   "WHERE o.kind = 'PROVINCIAL_GOVERNMENT' GROUP BY o.code, o.id ORDER BY count(*) DESC, o.code LIMIT 1"),
}
max_id = {t: int(sql(f"SELECT max(id) FROM {t}")) for t in ("fund_transfers", "pairing_agreements", "personnel_dispatches")}


class Names:
    """Aliases unique within one shape."""

    def __init__(self):
        self.n = 0

    def __call__(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"


def literal(v):
    return json.dumps(v, ensure_ascii=False)


def scalars(t, names, low=2, high=4):
    spec = TYPES[t]["scalars"]
    chosen = rng.sample(sorted(spec), k=min(len(spec), rng.randint(low, high)))
    ours, peer = [], []
    for field in chosen:
        peer_field, mode = spec[field]
        alias = names("f" if mode == "fen" else "s")
        ours.append(f"{alias}: {field}")
        peer.append(f"{alias}: {peer_field}")
    return ours, peer


def selection(t, names, to_one_depth, to_many_depth, page, rollup=False):
    """One level: scalars, some to-one relations (recursing), optionally one to-many relation."""
    ours, peer = scalars(t, names)
    spec = TYPES[t]
    if to_one_depth > 0 and spec["one"]:
        for field in rng.sample(sorted(spec["one"]), k=rng.randint(1, min(2, len(spec["one"])))):
            peer_field, target = spec["one"][field]
            o, p = selection(target, names, to_one_depth - 1, 0, page)
            alias = names("r")
            ours.append(f"{alias}: {field} {{ {' '.join(o)} }}")
            peer.append(f"{alias}: {peer_field} {{ {' '.join(p)} }}")
    if to_many_depth > 0 and spec["many"]:
        field = rng.choice(sorted(spec["many"]))
        o, p = to_many(t, field, names, to_many_depth, page, rollup)
        ours.append(o)
        peer.append(p)
    if rollup and to_many_depth == 0 and t in ROLLUPS:
        ours.append(f"{names('x')}: {ROLLUPS[t].replace('$year', str(year))}")
    return ours, peer


def to_many(t, field, names, depth, page, rollup):
    peer_field, target, kind, by_year = TYPES[t]["many"][field]
    o, p = selection(target, names, 1, depth - 1, page, rollup)
    alias = names("r")
    count = names("n")
    ours_args, peer_args = [], []
    if kind == "connection":
        ours_args.append(f"first: {page}")
        peer_args.append(f"first: {page}")
    if by_year:
        if kind == "connection":
            ours_args.append(f"filter: {{ year: {year} }}")
        else:
            ours_args.append(f"year: {year}")
        peer_args.append(f"condition: {{ year: {year} }}")
    if target in NESTED_ORDER:
        peer_args.append(f"orderBy: {NESTED_ORDER[target]}")
    oa = f"({', '.join(ours_args)})" if ours_args else ""
    pa = f"({', '.join(peer_args)})" if peer_args else ""
    if kind == "connection":
        return (f"{alias}: {field}{oa} {{ {count}: totalCount nodes {{ {' '.join(o)} }} }}",
                f"{alias}: {peer_field}{pa} {{ {count}: totalCount nodes {{ {' '.join(p)} }} }}")
    return (f"{alias}: {field}{oa} {{ {' '.join(o)} }}",
            f"{alias}: {peer_field}{pa} {{ nodes {{ {' '.join(p)} }} }}")


def root_filters(root, low, high):
    options = ROOT_FILTERS[root]
    chosen = rng.sample(sorted(options), k=min(len(options), rng.randint(low, high)))
    ours = {f: keys[options[f][1]]["code"] for f in chosen}
    # The peer's id columns are BigInt, which PostGraphile reads from strings.
    peer = {options[f][0]: keys[options[f][1]]["id"] if options[f][1] == "year" else str(keys[options[f][1]]["id"])
            for f in chosen}
    return ours, peer


def obj(d):
    return "{ " + ", ".join(f"{k}: {literal(v)}" for k, v in d.items()) + " }"


def root_list(root, names, page, to_one_depth, to_many_depth, filters=(0, 2), rollup=False):
    peer_root, t, order = ROOTS[root]
    ours_filter, peer_condition = root_filters(root, *filters)
    o, p = selection(t, names, to_one_depth, to_many_depth, page_nested(), rollup)
    oargs = [f"first: {page}"] + ([f"filter: {obj(ours_filter)}"] if ours_filter else [])
    pargs = [f"first: {page}", f"orderBy: {order}"] + ([f"condition: {obj(peer_condition)}"] if peer_condition else [])
    count = names("n")
    alias = names("r")
    return (f"{alias}: {root}({', '.join(oargs)}) {{ {count}: totalCount nodes {{ {' '.join(o)} }} }}",
            f"{alias}: {peer_root}({', '.join(pargs)}) {{ {count}: totalCount nodes {{ {' '.join(p)} }} }}")


def page_nested():
    return rng.choice([5, 10, 10, 20])


def single_root(names, to_many_depth, rollup=False):
    """An organization or a region by code, then a chain of to-many relations below it."""
    if rng.random() < 0.5:
        ours_root, peer_root, t, key = "organization", "organizationByCode", "Organization", "helper"
    else:
        ours_root, peer_root, t, key = "region", "regionByCode", "Region", rng.choice(["province", "county"])
    o, p = selection(t, names, 1, to_many_depth, page_nested(), rollup)
    code = literal(keys[key]["code"])
    alias = names("r")
    return (f"{alias}: {ours_root}(code: {code}) {{ {' '.join(o)} }}",
            f"{alias}: {peer_root}(code: {code}) {{ {' '.join(p)} }}")


def node_lookup(names, many):
    table, t, peer_one = rng.choice([("fund_transfers", "FundTransfer", "fundTransferById"),
                                     ("pairing_agreements", "PairingAgreement", "pairingAgreementById"),
                                     ("personnel_dispatches", "PersonnelDispatch", "personnelDispatchById")])
    o, p = selection(t, names, 1, 0, 5)
    gid = lambda n: base64.urlsafe_b64encode(f"{t}:{n}".encode()).decode().rstrip("=")  # noqa: E731
    if many:
        ids = sorted(rng.sample(range(1, max_id[table] + 1), 20))
        alias = names("r")
        peer_list = "all" + t[0].upper() + t[1:] + ("es" if t.endswith("ch") else "s")
        return (f"{alias}: nodes(ids: {literal([gid(i) for i in ids])}) {{ ... on {t} {{ {' '.join(o)} }} }}",
                f"{alias}: {peer_list}(filter: {{ id: {{ in: {literal([str(i) for i in ids])} }} }}, orderBy: PRIMARY_KEY_ASC) {{ nodes {{ {' '.join(p)} }} }}")
    n = rng.randint(1, max_id[table])
    alias = names("r")
    return (f"{alias}: node(id: {literal(gid(n))}) {{ ... on {t} {{ {' '.join(o)} }} }}",
            f"{alias}: {peer_one}(id: {literal(str(n))}) {{ {' '.join(p)} }}")


def count_only(names):
    root = rng.choice([r for r in sorted(ROOT_FILTERS) if ROOT_FILTERS[r]])
    peer_root = ROOTS[root][0]
    ours_filter, peer_condition = root_filters(root, 1, 3)
    alias = names("n")
    return (f"{alias}: {root}(first: 1, filter: {obj(ours_filter)}) {{ totalCount }}",
            f"{alias}: {peer_root}(first: 1, condition: {obj(peer_condition)}) {{ totalCount }}")


shapes = []


def add(kind, build, peer=True):
    names = Names()
    ours, theirs = build(names)
    shapes.append({"kind": kind, "ours": {"query": "{ " + ours + " }"},
                   "peer": {"query": "{ " + theirs + " }"} if peer else None})


# Pages of every list type with their relations (two levels of to-one).
for root in sorted(ROOTS):
    add("page", lambda names, root=root: root_list(root, names, 100, 2, 0))
# To-many chains three and four levels deep, from a root list or from one object.
for depth in (2, 2, 3, 3, 3):
    add(f"chain{depth + 1}", lambda names, depth=depth: single_root(names, depth))
for depth in (2, 2, 3):
    root = rng.choice(["pairingAgreements", "organizations", "regions"])
    add(f"chain{depth + 1}", lambda names, root=root, depth=depth: root_list(root, names, 10, 1, depth))
# Filtered counts.
for _ in range(6):
    add("count", count_only)
# node and nodes lookups.
for many in (False, False, True, True):
    add("nodes" if many else "node", lambda names, many=many: node_lookup(names, many))
# Rollups under nested objects: ours only.
for depth in (1, 1, 2):
    add("rollup", lambda names, depth=depth: single_root(names, depth, rollup=True), peer=False)

os.makedirs(out, exist_ok=True)
for i, shape in enumerate(shapes, 1):
    shape["name"] = f"mix-{i:02d}-{shape['kind']}"
    with open(f"{out}/{shape['name']}.json", "w") as f:
        json.dump(shape, f, ensure_ascii=False, indent=1)
    # The request bodies wrk and the floor's capture send.
    for side in ("ours", "peer"):
        if shape[side] is not None:
            with open(f"{out}/body-{side}-{shape['name']}.json", "w") as f:
                json.dump(shape[side], f, ensure_ascii=False)
print(f"portal mix: {len(shapes)} shapes (seed {seed}, year {year}, province {keys['province']['code']}, "
      f"county {keys['county']['code']}, helper {keys['helper']['code']})")
