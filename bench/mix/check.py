#!/usr/bin/env python3
"""Sends every shape of the mix once to both servers and checks that they answer the same question:
same lists with the same lengths, the same counts and the same values (money compared in fen).

Usage: check.py OURS_URL PEER_URL OUT_DIR TOKEN
Exits non-zero, naming the shape and the path, on the first difference or on any GraphQL error.
"""
import glob
import json
import sys
import urllib.error
import urllib.request
from decimal import Decimal

ours_url, peer_url, out, token = sys.argv[1:5]


def post(url, query, auth=None):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
    req = urllib.request.Request(url, data=json.dumps({"query": query}).encode(), headers=headers)
    try:
        answer = json.loads(urllib.request.urlopen(req, timeout=60).read())
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{url}: HTTP {e.code}: {e.read()[:500]!r}\n{query}")
    if answer.get("errors"):
        raise SystemExit(f"{url}: {answer['errors'][:2]}")
    return answer["data"]


def same(path, ours, peer):
    # The peer answers ours' plain lists as connections.
    if isinstance(ours, list) and isinstance(peer, dict) and set(peer) == {"nodes"}:
        peer = peer["nodes"]
    if isinstance(ours, dict) and isinstance(peer, dict):
        if set(ours) != set(peer):
            return f"{path}: keys {sorted(ours)} vs {sorted(peer)}"
        for k in ours:
            if k[0] == "f" and ours[k] is not None and peer[k] is not None:
                if Decimal(ours[k]) * 100 != Decimal(peer[k]):
                    return f"{path}.{k}: {ours[k]} yuan vs {peer[k]} fen"
                continue
            diff = same(f"{path}.{k}", ours[k], peer[k])
            if diff:
                return diff
        return None
    if isinstance(ours, list) and isinstance(peer, list):
        if len(ours) != len(peer):
            return f"{path}: {len(ours)} items vs {len(peer)}"
        for i, (a, b) in enumerate(zip(ours, peer)):
            diff = same(f"{path}[{i}]", a, b)
            if diff:
                return diff
        return None
    if ours != peer and not (ours is not None and peer is not None and str(ours) == str(peer)):
        return f"{path}: {ours!r} vs {peer!r}"
    return None


failed = 0
for path in sorted(glob.glob(f"{out}/mix-*.json")):
    shape = json.load(open(path))
    ours = post(ours_url, shape["ours"]["query"], token)
    if shape["peer"] is None:
        print(f"{shape['name']}: ours only")
        continue
    peer = post(peer_url, shape["peer"]["query"])
    diff = same("data", ours, peer)
    if diff:
        failed += 1
        print(f"{shape['name']}: DIFFERENT {diff}")
    else:
        print(f"{shape['name']}: same answer")
sys.exit(1 if failed else 0)
