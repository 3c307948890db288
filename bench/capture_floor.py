#!/usr/bin/env python3
"""Sends each scenario once to a server that traces its SQL (RUST_LOG=pairing::sql=trace,
--log-format json) and writes the statements it ran as a pgbench script: the floor.

Usage: capture_floor.py BASE_URL SERVER_LOG OUT_DIR VIEWER_TOKEN [BODY_PREFIX]
Reads OUT_DIR/BODY_PREFIX*.json (default "body-") and writes OUT_DIR/floor-NAME.sql.
"""
import glob
import json
import os
import sys
import time
import urllib.request

base, log_path, out, token = sys.argv[1:5]
prefix = sys.argv[5] if len(sys.argv) > 5 else "body-"

for body_path in sorted(glob.glob(f"{out}/{prefix}*.json")):
    name = os.path.basename(body_path)[len(prefix):-len(".json")]
    if name.startswith("f-"):
        continue  # a write cannot be replayed verbatim: its keys are unique
    body = open(body_path, "rb").read()
    start = os.path.getsize(log_path)
    req = urllib.request.Request(f"{base}/graphql", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    answer = json.loads(urllib.request.urlopen(req).read())
    if answer.get("errors"):
        sys.exit(f"{name}: {answer['errors']}")
    time.sleep(0.3)
    with open(log_path, "rb") as f:
        f.seek(start)
        lines = f.read().decode("utf-8", "replace").splitlines()
    statements = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("target") == "pairing::sql":
            statements.append(event["message"].rstrip(";") + ";")
    with open(f"{out}/floor-{name}.sql", "w") as f:
        f.write("\n".join(statements) + "\n")
    print(f"floor {name}: {len(statements)} statements")
