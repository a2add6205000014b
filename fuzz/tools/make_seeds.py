#!/usr/bin/env python3
"""Writes the seed corpora of the connstr, sqltext, decode_value and out_buffers targets
(fuzz/corpus/<target>/seed_*). fake_server's seeds come from record_seeds.py."""
import os, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")

def write(target, items):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    for i, data in enumerate(items):
        with open(os.path.join(d, "seed_%02d" % i), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

write("connstr", [
    "DSN=aurora;UID=joe;PWD=secret",
    "Driver={Aurora ODBC};Server=db.example.com;Port=5432;Database=app",
    "UID=a;PWD={s;ec}}ret};Database= x ",
    "server=h1;port=65535;sslmode=verify-full;sslrootcert=/etc/ca.pem",
    "plugins=failover,host_monitoring;failover_mode=strict_reader",
    "plugins=;connect_timeout=0;keepalive_time=10",
    "plugins=iam;iam_region=us-east-1;iam_host=x.cluster-abc.us-east-1.rds.amazonaws.com;sslmode=require",
    "plugins=aws_secrets_manager;secrets_manager_secret_id=arn:aws:secretsmanager:us-east-1:1:secret:x",
    "host_address_map={db.example.com=127.0.0.1:5433,b=::1}",
    "pqopt={keepalives_idle=5 connect_timeout=3 application_name=x options='-c search_path=a'}",
    "monitoring-connect_timeout=3;monitoring-uid=mon;monitoring-pwd=x",
    "log_level=debug;log_file=/dev/null",
    "ReadOnly=1;Protocol=7.4-1;TextAsLongVarchar=0;MaxVarcharSize=4000",
    "fetch_batch_rows=1;rewrite_batched_inserts=yes;ByteaAsLongVarBinary=false",
    "ConnSettings={SET search_path=public;SET TimeZone='UTC'}",
    "cluster_instance_host_pattern=?.cluster-xyz.us-east-1.rds.amazonaws.com",
    "custom_endpoint=ep.cluster-custom-abc.us-east-1.rds.amazonaws.com;plugins=custom_endpoint",
    "a=;b=;;;c={};d= {} ",
    "Server={h;o}}st} ;Port= 5432 ",
    "dsn=x\xffserver=h\nport=1\nsslmode=disable\nplugins=failover",
    "dsn=x\xffport=abc",
    "dsn=x\xffmonitoring-connect_timeout=0",
    "UseDeclareFetch=1;Fetch=100;BoolsAsChar=1;UseServerSidePrepare=1",
    "reader_host_selector_strategy=least_connections;failover_timeout=60",
    "a b c = d e f ;  k\t=\tv\t",
    "DRIVER={x}}};SERVER=\u00e9\u00e8;UID=\u0436",
])

write("sqltext", [
    b"\x00SELECT * FROM t WHERE a = ? AND b = ?",
    b"\x00SELECT {fn ABS(-1)}, {fn CONCAT('a', ?)}, {fn NOW()}",
    b"\x00SELECT {d '2024-01-01'}, {t '12:00:00'}, {ts '2024-01-01 00:00:00.5'}",
    b"\x00SELECT * FROM {oj a LEFT OUTER JOIN b ON a.x = b.x}",
    b"\x00{call f(?, ?)}",
    b"\x00{?= call f(?)}",
    b"\x00SELECT * FROM t WHERE a LIKE 'x!%' {escape '!'}",
    b"\x00SELECT {guid 'a8098c1a-f86e-11da-bd1a-00112444be1e'}, {interval '1' day}",
    b"\x00SELECT {fn CONVERT(?, SQL_INTEGER)}, {fn TIMESTAMPADD(SQL_TSI_DAY, 1, {fn NOW()})}",
    b"\x00SELECT @@IDENTITY",
    b"\x00SELECT 1; SELECT 2; ; -- c\n; SELECT ?",
    b"\x00SELECT '?', \"?\", $$?$$, $tag$ ? ; $tag$, E'\\'?', /* ? /* ? */ ; */ ?",
    b"\x01SELECT 'a\\'?' , ? ; SELECT 'b\\\\', ?",
    b"\x00INSERT INTO t (a, b) VALUES (?, ?)",
    b"\x00INSERT INTO s.t VALUES (?, lower(?), 'x?', 3)",
    b"\x00insert into t(a) values (?);",
    b"\x00INSERT INTO t VALUES (?, ?) RETURNING a",
    b"\x00BEGIN; COMMIT; ROLLBACK TO SAVEPOINT s; START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    b"\x00SAVEPOINT a; RELEASE a; END; ABORT; COMMIT PREPARED 'x'",
    b"\x00CREATE TABLE a(x int); ALTER TABLE a ADD y int; DROP TABLE a; VACUUM",
    b"\x00SET TRANSACTION READ ONLY; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    b"\x00SELECT {fn ABS({fn ABS({fn ABS({fn ABS({fn ABS(1)})})})})}",
    b"\x00{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
    b"\x00SELECT {fn UNKNOWNFN(1)}, {zz 'x'}",
    b"\x00SELECT {fn LOCATE('a', 'bab', 2)}, {fn SUBSTRING('abc', 1, 2)}, {fn LCASE(?)}",
    b"\x00SELECT $1, a$b, $ 1, $", 
    b"\x00SELECT 'unterminated ? ; ",
    b"\x00SELECT \"ident\"\"?\" FROM \"t;\"",
    "\x00SELECT '\u00e9?' , ? -- \u00e8\n".encode(),
    b"\x00\xe2\x80\x8b?;?",
])

def dv(tag_oid, raw, zone=0, piece=5, prec=0, scale=0, nested=b""):
    return nested + struct.pack("!BH", 0, tag_oid) + bytes([zone, piece, prec, scale & 0xFF]) + raw

def numeric(digits, weight, sign, dscale):
    return struct.pack("!hhHh", len(digits), weight, sign, dscale) + b"".join(struct.pack("!h", d) for d in digits)

def array(elem_oid, elems, ndim=1):
    out = struct.pack("!iiI", ndim, 1 if any(e is None for e in elems) else 0, elem_oid)
    out += struct.pack("!ii", len(elems), 1)
    for e in elems:
        out += struct.pack("!i", -1) if e is None else struct.pack("!i", len(e)) + e
    return out

def record(fields):
    out = struct.pack("!i", len(fields))
    for oid, v in fields:
        out += struct.pack("!I", oid) + (struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v)
    return out

write("decode_value", [
    dv(23, struct.pack("!i", -42)),
    dv(20, struct.pack("!q", 2**40)),
    dv(21, struct.pack("!h", 7)),
    dv(16, b"\x01"),
    dv(700, struct.pack("!f", 1.5)),
    dv(701, struct.pack("!d", -0.1)),
    dv(1700, numeric([1234, 5678], 1, 0, 4), prec=10, scale=2),
    dv(1700, numeric([], 0, 0xC000, 0)),
    dv(1700, numeric([1] * 20, 40, 0x4000, 0), prec=38, scale=0),
    dv(25, "h\u00e9llo w\U0001F600rld".encode(), piece=3),
    dv(1043, b"x" * 100, piece=1),
    dv(17, b"\x00\xff\x10" * 10),
    dv(1082, struct.pack("!i", 8766)),
    dv(1083, struct.pack("!q", 45296789012)),
    dv(1266, struct.pack("!qi", 45296789012, -7200)),
    dv(1114, struct.pack("!q", 789012345678901)),
    dv(1184, struct.pack("!q", 789012345678901), zone=1),
    dv(1184, struct.pack("!q", 2**63 - 1), zone=2),
    dv(1186, struct.pack("!qii", 3723000001, 5, 14)),
    dv(2950, bytes(range(16))),
    dv(26, struct.pack("!I", 4000000000)),
    dv(3802, b"\x01{\"a\": [1, 2]}"),
    dv(869, b"\x02\x20\x00\x04\xc0\xa8\x00\x01"),
    dv(18, b"A"),
    dv(1560, struct.pack("!i", 5) + b"\xa8"),
    dv(600, struct.pack("!dd", 1.5, -2)),
    dv(790, struct.pack("!q", 123456)),
    dv(1007, array(23, [struct.pack("!i", 1), None, struct.pack("!i", 3)])),
    dv(1009, array(25, [b"a", b"b,c", b"\"q\""])),
    dv(2249, record([(23, struct.pack("!i", 1)), (25, b"x"), (25, None)])),
    # An array of a domain over int4 (tag 1, tag 2, then the built-in).
    bytes([1, 2]) + dv(23, array(23, [struct.pack("!i", 9)]))[0:0] + struct.pack("!BH", 0, 23) + bytes([0, 4, 0, 0]) + array(23, [struct.pack("!i", 9)]),
    # A composite of (int4, text) (tag 3, 2 fields).
    bytes([3, 2]) + struct.pack("!BH", 0, 23) + struct.pack("!BH", 0, 25) + bytes([0, 4, 0, 0]) + record([(23, struct.pack("!i", 1)), (25, b"y")]),
    # A range of int4 (tag 4): flags 0x02 (lower inclusive), bounds.
    bytes([4]) + struct.pack("!BH", 0, 23) + bytes([0, 4, 0, 0]) + b"\x02" + struct.pack("!i", 4) + struct.pack("!i", 1) + struct.pack("!i", 4) + struct.pack("!i", 5),
    # An enum (tag 6) and an unknown extension type (tag 7).
    bytes([6, 0, 4, 0, 0]) + b"ok",
    bytes([7, 0, 4, 0, 0]) + b"\x00\x01raw",
])

def ob(flags, cap, info, field, text):
    return bytes([flags]) + struct.pack("!hHh", cap, info, field) + (text if isinstance(text, bytes) else text.encode())

write("out_buffers", [
    ob(0, 10, 6, 6, "SELECT {fn ABS(1)}"),
    ob(1, 3, 6, 6, "SELECT {fn ABS(1)}".encode("utf-16-le")),
    ob(0, 0, 2, 4, "{zz}"),
    ob(1, 1, 77, 6, "{zz}".encode("utf-16-le")),
    ob(0, -1, 6, 6, "SELECT 1"),
    ob(2, 5, 17, 6, "h\u00e9llo"),
    ob(3, 7, 18, 6, "\U0001F600\U0001F600 x".encode("utf-16-le")),
    ob(4, 8, 6, 6, "SELECT 1"),
    ob(0, 2, 6, 6, "a\x00b"),
    ob(1, 5, 6, 6, "a\x00b".encode("utf-16-le")),
    ob(1, 4, 6, 6, b"\x00\xd8\x41\x00"),
    ob(0, 4, 6, 6, b"\xff\xfe bad utf8"),
    ob(0, 32767, 47, 11, "SELECT " + "x" * 200),
    ob(1, 11, 10003, 10, "{fn CONCAT({fn LCASE('A')}, 'b')}".encode("utf-16-le")),
    ob(0, 6, 6, -1, "{d '2024-01-01'}"),
    ob(0, 3, 6, 6, "\u0436\u0436\u0436"),
    ob(1, 2, 13, 5, "x".encode("utf-16-le")),
])
