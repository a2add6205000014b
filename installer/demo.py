#!/usr/bin/env python3
"""Shows host monitoring, failover and Secrets Manager logins against the stand-in cluster,
through pyodbc.

    demo.py efm DSN STATE_FILE STANDIN_BIN
        Runs a long query on DSN with aggressive host monitoring, black-holes the instance 2 s
        later (auroraodbc-standin ctl ... fault <writer> blackhole) and reports how fast the
        query failed and with what, then restores pass-through.

    demo.py failover DSN STATE_FILE STANDIN_BIN
        Connects through DSN (the cluster endpoint, default plugin chain), fails the cluster
        over to a reader (auroraodbc-standin ctl ... failover <reader>) and keeps using the
        same connection: one 08S02, then the new writer answers.

    demo.py secret DSN STATE_FILE STANDIN_BIN
        Connects through DSN (plugin aws_secrets_manager, no password in it), rotates the
        secret (auroraodbc-standin ctl ... rotate-secret <new password>: the password changes
        on the instances and in the secret together) and connects again from the same process:
        the cached login is refused, the driver reads the secret again once and logs in.

Used by installer/quickstart.sh; exits non-zero when the driver does not behave as shown.
"""
import subprocess
import sys
import threading
import time

import pyodbc

EFM_SETTINGS = (
    "plugins=host_monitoring;failure_detection_time_ms=1000;"
    "failure_detection_interval_ms=500;failure_detection_count=2"
)


def read_state(path):
    state = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                state[key] = value
    return state


def ctl(standin, state_file, *words):
    """Runs `standin ctl`; prints its answer; raises if it failed."""
    cmd = [standin, "ctl", "--state-file", state_file, *words]
    done = subprocess.run(cmd, capture_output=True, text=True)
    answer = (done.stdout + done.stderr).strip()
    print(f"  [ctl {' '.join(words)}] {answer}", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"ctl {' '.join(words)} failed (exit {done.returncode})")


def sqlstate(error):
    args = error.args
    return (args[0], args[1]) if len(args) >= 2 else ("?????", str(error))


def instance_id(cursor):
    return cursor.execute(
        "SELECT aurora_db_instance_identifier(), "
        "CASE WHEN pg_is_in_recovery() THEN 'reader' ELSE 'writer' END"
    ).fetchone()


def efm(dsn, state_file, standin):
    writer = read_state(state_file)["writer"]
    conn = pyodbc.connect(f"DSN={dsn};{EFM_SETTINGS}", autocommit=True)
    cursor = conn.cursor()
    print(f"  connected to {dsn} ({EFM_SETTINGS})")
    print(f"  answered by {instance_id(cursor)[0]}; running SELECT pg_sleep(60)")

    fault_at = []

    def black_hole():
        fault_at.append(time.monotonic())
        ctl(standin, state_file, "fault", writer, "blackhole")

    timer = threading.Timer(2.0, black_hole)
    began = time.monotonic()
    timer.start()
    try:
        cursor.execute("SELECT pg_sleep(60)")
        cursor.fetchall()
        print("  the query completed: host monitoring did not step in")
        return 1
    except pyodbc.Error as error:
        ended = time.monotonic()
        state, message = sqlstate(error)
        after_fault = f", {ended - fault_at[0]:.1f} s after the black hole" if fault_at else ""
        print(f"  the query failed after {ended - began:.1f} s{after_fault}")
        print(f"  SQLSTATE {state}: {message}")
        if state != "08S01":
            return 1
        return 0
    finally:
        timer.join()
        ctl(standin, state_file, "fault", writer, "passthrough")
        try:
            conn.close()
        except pyodbc.Error:
            pass


def failover(dsn, state_file, standin):
    state = read_state(state_file)
    readers = [i for i in state["instances"].split(",") if state.get(f"{i}.role") == "reader"]
    if not readers:
        print("  no reader to fail over to")
        return 1
    target = readers[0]
    conn = pyodbc.connect(f"DSN={dsn}", autocommit=True)
    cursor = conn.cursor()
    before, role = instance_id(cursor)
    print(f"  connected to {dsn}: answered by {before} ({role})")
    ctl(standin, state_file, "failover", target)
    try:
        after = instance_id(cursor)
        print(f"  the same connection answered without an error: {after[0]} ({after[1]})")
    except pyodbc.Error as error:
        code, message = sqlstate(error)
        print(f"  SQLSTATE {code}: {message}")
        if code != "08S02":
            return 1
        print("  running the statement again on the same connection")
        after = instance_id(cursor)
        print(f"  answered by {after[0]} ({after[1]})")
    conn.close()
    if after[0] == before or after[1] != "writer":
        print(f"  expected the new writer, got {after[0]} ({after[1]})")
        return 1
    return 0


def secret(dsn, state_file, standin):
    def login(what):
        conn = pyodbc.connect(f"DSN={dsn}", autocommit=True)
        user = conn.cursor().execute("SELECT current_user").fetchone()[0]
        conn.close()
        print(f"  {what}: logged in as {user}")

    login("first connection (the secret read from the Secrets Manager stub)")
    login("second connection (the cached login, no API call)")
    ctl(standin, state_file, "rotate-secret", f"rotated-{int(time.time())}")
    try:
        login("after the rotation, same process (cached login refused, secret read again)")
    except pyodbc.Error as error:
        code, message = sqlstate(error)
        print(f"  SQLSTATE {code}: {message}")
        return 1
    return 0


MODES = {"efm": efm, "failover": failover, "secret": secret}


def main(argv):
    if len(argv) != 5 or argv[1] not in MODES:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, dsn, state_file, standin = argv[1:]
    return MODES[mode](dsn, state_file, standin)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
