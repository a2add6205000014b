"""Connections one after another through unixODBC (pyodbc pooling off, so each is a real
login): COUNT connections to DSN, PAUSE seconds apart, each running SELECT current_user.
Prints "connected=N failures=M seconds=S" and then each failure's text.

Usage: iam_connections.py <dsn> <count> <pause>
"""
import sys
import time

import pyodbc

pyodbc.pooling = False
DSN, COUNT, PAUSE = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
connected = 0
failures = []
began = time.monotonic()
for i in range(COUNT):
    if i:
        time.sleep(PAUSE)
    try:
        conn = pyodbc.connect("DSN=" + DSN, autocommit=True)
        conn.cursor().execute("SELECT current_user").fetchone()
        conn.close()
        connected += 1
    except pyodbc.Error as e:
        failures.append(str(e))
print(f"connected={connected} failures={len(failures)} seconds={time.monotonic() - began:.2f}")
for f in failures:
    print("failure:", f)
