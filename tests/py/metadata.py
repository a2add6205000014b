"""pyodbc's view of result columns through the driver, as through psqlODBC: cursor.description's
null_ok is False for a NOT NULL table column and True for other columns and expressions.

Usage: metadata.py "<connection string>"
Prints "all passed" at the end; any failure raises.
"""
import sys

import pyodbc

cn = pyodbc.connect(sys.argv[1], autocommit=True)
cr = cn.cursor()
cr.execute("DROP TABLE IF EXISTS py_md_null")
cr.execute("CREATE TABLE py_md_null(a int NOT NULL, b text, c int PRIMARY KEY)")
cr.execute("INSERT INTO py_md_null VALUES (1, 'x', 2)")
cr.execute("SELECT a, b, c, a + 1 AS e FROM py_md_null")
null_ok = [(d[0], d[6]) for d in cr.description]
assert null_ok == [("a", False), ("b", True), ("c", False), ("e", True)], null_ok
rows = [tuple(r) for r in cr.fetchall()]
assert rows == [(1, "x", 2, 2)], rows
cr.execute("DROP TABLE py_md_null")
print("all passed")
