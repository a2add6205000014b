//! Table-driven tests for binary decoding and text rendering.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::type_complexity
)]

use super::*;
use tokio_postgres::types::Field;

fn text(ty: &Type, raw: &[u8]) -> String {
    decode(ty, raw).unwrap().pg_text().into_owned()
}

fn numeric(weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend((digits.len() as i16).to_be_bytes());
    v.extend(weight.to_be_bytes());
    v.extend(sign.to_be_bytes());
    v.extend(dscale.to_be_bytes());
    for d in digits {
        v.extend(d.to_be_bytes());
    }
    v
}

/// Array binary: one dimension per (size, lower) pair; `None` elements are NULL.
fn array(elem_oid: u32, dims: &[(i32, i32)], elems: &[Option<Vec<u8>>]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend((dims.len() as i32).to_be_bytes());
    v.extend(i32::from(elems.iter().any(Option::is_none)).to_be_bytes());
    v.extend(elem_oid.to_be_bytes());
    for (size, lower) in dims {
        v.extend(size.to_be_bytes());
        v.extend(lower.to_be_bytes());
    }
    for e in elems {
        push_len_value(&mut v, e.as_deref());
    }
    v
}

fn push_len_value(v: &mut Vec<u8>, e: Option<&[u8]>) {
    match e {
        Some(b) => {
            v.extend((b.len() as i32).to_be_bytes());
            v.extend(b);
        }
        None => v.extend((-1i32).to_be_bytes()),
    }
}

fn record(fields: &[(u32, Option<Vec<u8>>)]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend((fields.len() as i32).to_be_bytes());
    for (oid, val) in fields {
        v.extend(oid.to_be_bytes());
        push_len_value(&mut v, val.as_deref());
    }
    v
}

fn i4(x: i32) -> Option<Vec<u8>> {
    Some(x.to_be_bytes().to_vec())
}

fn t(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

#[test]
fn oid_constants_match_tokio_postgres() {
    let table: &[(u32, &str)] = &[
        (oid::BOOL, "bool"),
        (oid::BYTEA, "bytea"),
        (oid::CHAR, "char"),
        (oid::NAME, "name"),
        (oid::INT8, "int8"),
        (oid::INT2, "int2"),
        (oid::INT2VECTOR, "int2vector"),
        (oid::INT4, "int4"),
        (oid::REGPROC, "regproc"),
        (oid::TEXT, "text"),
        (oid::OID, "oid"),
        (oid::TID, "tid"),
        (oid::XID, "xid"),
        (oid::CID, "cid"),
        (oid::OIDVECTOR, "oidvector"),
        (oid::JSON, "json"),
        (oid::XML, "xml"),
        (oid::POINT, "point"),
        (oid::LSEG, "lseg"),
        (oid::PATH, "path"),
        (oid::BOX, "box"),
        (oid::POLYGON, "polygon"),
        (oid::LINE, "line"),
        (oid::CIDR, "cidr"),
        (oid::FLOAT4, "float4"),
        (oid::FLOAT8, "float8"),
        (oid::UNKNOWN, "unknown"),
        (oid::CIRCLE, "circle"),
        (oid::MACADDR8, "macaddr8"),
        (oid::MONEY, "money"),
        (oid::MACADDR, "macaddr"),
        (oid::INET, "inet"),
        (oid::BPCHAR, "bpchar"),
        (oid::VARCHAR, "varchar"),
        (oid::DATE, "date"),
        (oid::TIME, "time"),
        (oid::TIMESTAMP, "timestamp"),
        (oid::TIMESTAMPTZ, "timestamptz"),
        (oid::INTERVAL, "interval"),
        (oid::TIMETZ, "timetz"),
        (oid::BIT, "bit"),
        (oid::VARBIT, "varbit"),
        (oid::NUMERIC, "numeric"),
        (oid::REFCURSOR, "refcursor"),
        (oid::REGPROCEDURE, "regprocedure"),
        (oid::REGOPER, "regoper"),
        (oid::REGOPERATOR, "regoperator"),
        (oid::REGCLASS, "regclass"),
        (oid::REGTYPE, "regtype"),
        (oid::RECORD, "record"),
        (oid::RECORD_ARRAY, "_record"),
        (oid::CSTRING, "cstring"),
        (oid::VOID, "void"),
        (oid::UUID, "uuid"),
        (oid::PG_LSN, "pg_lsn"),
        (oid::REGCONFIG, "regconfig"),
        (oid::REGDICTIONARY, "regdictionary"),
        (oid::JSONB, "jsonb"),
        (oid::JSONPATH, "jsonpath"),
        (oid::REGNAMESPACE, "regnamespace"),
        (oid::REGROLE, "regrole"),
        (oid::REGCOLLATION, "regcollation"),
        (oid::XID8, "xid8"),
    ];
    for &(o, name) in table {
        assert_eq!(
            Type::from_oid(o).map(|t| t.name().to_string()).as_deref(),
            Some(name),
            "{o}"
        );
    }
}

#[test]
fn scalars() {
    let cases: &[(Type, Vec<u8>, Datum<'static>, &str)] = &[
        (Type::BOOL, vec![1], Datum::Bool(true), "t"),
        (Type::BOOL, vec![0], Datum::Bool(false), "f"),
        (
            Type::INT2,
            (-5i16).to_be_bytes().to_vec(),
            Datum::Int2(-5),
            "-5",
        ),
        (
            Type::INT4,
            i32::MIN.to_be_bytes().to_vec(),
            Datum::Int4(i32::MIN),
            "-2147483648",
        ),
        (
            Type::INT8,
            i64::MAX.to_be_bytes().to_vec(),
            Datum::Int8(i64::MAX),
            "9223372036854775807",
        ),
        (
            Type::OID,
            u32::MAX.to_be_bytes().to_vec(),
            Datum::Oid(u32::MAX),
            "4294967295",
        ),
        (Type::TEXT, b"h\xc3\xa9".to_vec(), Datum::Text("hé"), "hé"),
        (Type::VARCHAR, b"".to_vec(), Datum::Text(""), ""),
        (
            Type::JSON,
            b"{\"a\":1}".to_vec(),
            Datum::Text("{\"a\":1}"),
            "{\"a\":1}",
        ),
        (
            Type::JSONB,
            b"\x01{\"a\": 1}".to_vec(),
            Datum::Text("{\"a\": 1}"),
            "{\"a\": 1}",
        ),
        (
            Type::BYTEA,
            vec![0x0a, 0x0b, 0xff],
            Datum::Bytes(&[0x0a, 0x0b, 0xff]),
            "\\x0a0bff",
        ),
        (Type::BYTEA, vec![], Datum::Bytes(&[]), "\\x"),
        (Type::CHAR, b"a".to_vec(), Datum::Text("a"), "a"),
        (
            Type::CHAR,
            vec![0xe9],
            Datum::Other("\\351".into()),
            "\\351",
        ),
        (
            Type::UUID,
            (0u8..16).collect(),
            Datum::Uuid([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
            "00010203-0405-0607-0809-0a0b0c0d0e0f",
        ),
    ];
    for (ty, raw, datum, txt) in cases {
        let d = decode(ty, raw).unwrap();
        assert_eq!(&d, datum, "{ty}");
        assert_eq!(d.pg_text(), *txt, "{ty}");
    }
}

#[test]
fn floats_render_like_postgres() {
    let f8: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1e15, "1e+15"),
        (1e14, "100000000000000"),
        (123456789012345.6, "123456789012345.6"),
        (0.0001, "0.0001"),
        (0.00001234, "1.234e-05"),
        (1.5e300, "1.5e+300"),
        (-2.5e-300, "-2.5e-300"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (100.0, "100"),
        (3.0e-5, "3e-05"),
        // Exactly between two shortest texts: PostgreSQL 15 prints the even one.
        (1.6582067800885623e15, "1.6582067800885622e+15"),
    ];
    for &(v, want) in f8 {
        assert_eq!(text(&Type::FLOAT8, &v.to_be_bytes()), want, "{v}");
    }
    let f4: &[(f32, &str)] = &[
        (1.5, "1.5"),
        (0.1, "0.1"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e6, "1e+06"),
        (f32::NAN, "NaN"),
        (f32::NEG_INFINITY, "-Infinity"),
        (3.4028235e38, "3.4028235e+38"),
    ];
    for &(v, want) in f4 {
        assert_eq!(text(&Type::FLOAT4, &v.to_be_bytes()), want, "{v}");
    }
}

/// The significant digits of a float's text (no sign, point, exponent, or leading and
/// trailing zeros) and, for scientific notation, its exponent.
fn significant(text: &str) -> (String, Option<i64>) {
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (m, Some(e.parse().unwrap_or(i64::MIN))),
        None => (text, None),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0').trim_end_matches('0');
    (digits.to_string(), exp)
}

/// Many floats of every magnitude: PostgreSQL's text round-trips to the same bits, has as
/// few digits as Rust's own shortest formatting, and is plain exactly for decimal exponents
/// -4..15 (float8) or -4..6 (float4). (The digits themselves may differ where two shortest
/// texts are equally near: PostgreSQL's Ryu takes the even one, Rust not always.)
#[test]
fn float_text_round_trips_with_the_shortest_digits() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let edges = [
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        5e-324,
        1e-5,
        9.999999999999999e-5,
        1e-4,
        1e14,
        999999999999999.9,
        1e15,
        123.0,
        0.3,
        2.0f64.powi(60),
    ];
    let randoms = (0..20_000).map(|_| f64::from_bits(next()));
    let scaled = (0..20_000).map(|i| (i as f64) * 0.25 + f64::from(i % 7) * 1e-3);
    for v in edges.into_iter().chain(randoms).chain(scaled) {
        if !v.is_finite() {
            continue;
        }
        let got = float8_text(v);
        let back = got.parse::<f64>().map(f64::to_bits);
        assert_float_text(
            &got,
            back == Ok(v.to_bits()),
            &format!("{v:e}"),
            v == 0.0,
            15,
        );
    }
    for bits in (0..20_000).map(|_| next() as u32) {
        let v = f32::from_bits(bits);
        if !v.is_finite() {
            continue;
        }
        let got = float4_text(v);
        let back = got.parse::<f32>().map(f32::to_bits);
        assert_float_text(
            &got,
            back == Ok(v.to_bits()),
            &format!("{v:e}"),
            v == 0.0,
            6,
        );
    }
}

/// `got`, a float's text, read back as the same bits (`round_trips`), with as many significant
/// digits as `rust` (Rust's shortest scientific text of it), and in scientific notation
/// exactly when the decimal exponent is outside -4..`max_fixed_exp` (never for zero).
fn assert_float_text(got: &str, round_trips: bool, rust: &str, zero: bool, max_fixed_exp: i64) {
    assert!(round_trips, "{rust} as {got}");
    let (digits, exp) = significant(got);
    let (want, want_exp) = significant(rust);
    assert_eq!(digits.len(), want.len(), "{rust} as {got}");
    let want_exp = want_exp.unwrap_or(0);
    if !zero && !(-4..max_fixed_exp).contains(&want_exp) {
        assert_eq!(exp, Some(want_exp), "{rust} as {got}");
    } else {
        assert_eq!(exp, None, "{rust} as {got}");
    }
}

#[test]
fn numerics_render_exactly() {
    let cases: &[(i16, u16, i16, &[i16], &str)] = &[
        (0, 0x0000, 2, &[123, 4500], "123.45"),
        (0, 0x4000, 4, &[123, 4500], "-123.4500"),
        (0, 0x0000, 0, &[], "0"),
        (0, 0x0000, 2, &[], "0.00"),
        (-1, 0x0000, 4, &[1], "0.0001"),
        (-2, 0x0000, 5, &[1000], "0.00001"),
        (1, 0x0000, 0, &[1], "10000"),
        (1, 0x0000, 1, &[1234, 5678, 9000], "12345678.9"),
        (2, 0x4000, 0, &[9, 9999, 9999], "-999999999"),
        (0, 0x0000, 3, &[1, 2345], "1.234"),
        (0, 0xC000, 0, &[], "NaN"),
        (0, 0xD000, 0, &[], "Infinity"),
        (0, 0xF000, 0, &[], "-Infinity"),
    ];
    for &(weight, sign, dscale, digits, want) in cases {
        let raw = numeric(weight, sign, dscale, digits);
        assert_eq!(
            decode(&Type::NUMERIC, &raw).unwrap(),
            Datum::Numeric(want.into())
        );
    }
}

#[test]
fn dates_and_times() {
    let day = USECS_PER_DAY;
    let sec = USECS_PER_SEC;
    let cases: &[(Type, Vec<u8>, &str)] = &[
        (Type::DATE, 0i32.to_be_bytes().to_vec(), "2000-01-01"),
        (Type::DATE, (-1i32).to_be_bytes().to_vec(), "1999-12-31"),
        (Type::DATE, 8766i32.to_be_bytes().to_vec(), "2024-01-01"),
        (Type::DATE, 59i32.to_be_bytes().to_vec(), "2000-02-29"),
        (Type::DATE, i32::MAX.to_be_bytes().to_vec(), "infinity"),
        (Type::DATE, i32::MIN.to_be_bytes().to_vec(), "-infinity"),
        (
            Type::DATE,
            (pg_days_from_civil(-43, 3, 15) as i32)
                .to_be_bytes()
                .to_vec(),
            "0044-03-15 BC",
        ),
        (
            Type::TIME,
            (13 * 3600 * sec + 45 * 60 * sec).to_be_bytes().to_vec(),
            "13:45:00",
        ),
        (Type::TIME, (day).to_be_bytes().to_vec(), "24:00:00"),
        (
            Type::TIME,
            (sec + 50_000).to_be_bytes().to_vec(),
            "00:00:01.05",
        ),
        (
            Type::TIMESTAMP,
            (8767 * day + (3 * 3600 + 4 * 60 + 5) * sec + 123_456)
                .to_be_bytes()
                .to_vec(),
            "2024-01-02 03:04:05.123456",
        ),
        (
            Type::TIMESTAMP,
            (8767 * day + 500_000).to_be_bytes().to_vec(),
            "2024-01-02 00:00:00.5",
        ),
        (
            Type::TIMESTAMP,
            (-1i64).to_be_bytes().to_vec(),
            "1999-12-31 23:59:59.999999",
        ),
        (Type::TIMESTAMP, i64::MAX.to_be_bytes().to_vec(), "infinity"),
        (
            Type::TIMESTAMPTZ,
            i64::MIN.to_be_bytes().to_vec(),
            "-infinity",
        ),
        (
            Type::TIMESTAMPTZ,
            (8767 * day).to_be_bytes().to_vec(),
            "2024-01-02 00:00:00+00",
        ),
        (
            Type::TIMESTAMPTZ,
            (pg_days_from_civil(0, 1, 1) * day).to_be_bytes().to_vec(),
            "0001-01-01 00:00:00+00 BC",
        ),
    ];
    for (ty, raw, want) in cases {
        assert_eq!(text(ty, raw), *want, "{ty}");
    }
}

#[test]
fn civil_round_trip() {
    for days in (-800_000i64..800_000).step_by(997) {
        let (y, m, d) = civil_from_pg_days(days);
        assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        assert_eq!(pg_days_from_civil(y, m, d), days);
    }
    assert_eq!(civil_from_pg_days(0), (2000, 1, 1));
    assert_eq!(civil_from_pg_days(-730_119), (1, 1, 1));
}

#[test]
fn timetz_zones() {
    let cases: &[(i64, i32, &str)] = &[
        (12 * 3600 * USECS_PER_SEC, 0, "12:00:00+00"),
        (12 * 3600 * USECS_PER_SEC, -19800, "12:00:00+05:30"),
        (12 * 3600 * USECS_PER_SEC, 3600, "12:00:00-01"),
        (1, -3723, "00:00:00.000001+01:02:03"),
    ];
    for &(micros, zone, want) in cases {
        let mut raw = micros.to_be_bytes().to_vec();
        raw.extend(zone.to_be_bytes());
        assert_eq!(
            decode(&Type::TIMETZ, &raw).unwrap(),
            Datum::TimeTz(micros, zone)
        );
        assert_eq!(text(&Type::TIMETZ, &raw), want);
    }
}

#[test]
fn intervals_postgres_style() {
    let s = USECS_PER_SEC;
    let cases: &[(i32, i32, i64, &str)] = &[
        (
            14,
            3,
            (4 * 3600 + 5 * 60 + 6) * s,
            "1 year 2 mons 3 days 04:05:06",
        ),
        (0, 0, 0, "00:00:00"),
        (0, -1, (2 * 3600 + 3 * 60) * s, "-1 days +02:03:00"),
        (1, 0, 0, "1 mon"),
        (0, 0, -1_500_000, "-00:00:01.5"),
        (-14, 0, 0, "-1 years -2 mons"),
        (0, 1, -3600 * s, "1 day -01:00:00"),
        (24, 0, 0, "2 years"),
        (0, 0, 100 * 3600 * s, "100:00:00"),
        (i32::MAX, i32::MAX, i64::MAX, "infinity"),
        (i32::MIN, i32::MIN, i64::MIN, "-infinity"),
    ];
    for &(months, days, micros, want) in cases {
        let mut raw = micros.to_be_bytes().to_vec();
        raw.extend(days.to_be_bytes());
        raw.extend(months.to_be_bytes());
        assert_eq!(
            decode(&Type::INTERVAL, &raw).unwrap(),
            Datum::Interval {
                months,
                days,
                micros
            }
        );
        assert_eq!(text(&Type::INTERVAL, &raw), want);
    }
}

#[test]
fn arrays() {
    let int4s = array(23, &[(3, 1)], &[i4(1), i4(2), None]);
    assert_eq!(text(&Type::INT4_ARRAY, &int4s), "{1,2,NULL}");
    let square = array(23, &[(2, 1), (2, 1)], &[i4(1), i4(2), i4(3), i4(4)]);
    assert_eq!(text(&Type::INT4_ARRAY, &square), "{{1,2},{3,4}}");
    let shifted = array(23, &[(2, 0)], &[i4(1), i4(2)]);
    assert_eq!(text(&Type::INT4_ARRAY, &shifted), "[0:1]={1,2}");
    assert_eq!(text(&Type::INT4_ARRAY, &array(23, &[], &[])), "{}");
    let texts = array(
        25,
        &[(8, 1)],
        &[
            t("a b"),
            t(""),
            t("null"),
            t("x\"y"),
            t("plain"),
            t("a,b"),
            t("b\\s"),
            t("{}"),
        ],
    );
    assert_eq!(
        text(&Type::TEXT_ARRAY, &texts),
        r#"{"a b","","null","x\"y",plain,"a,b","b\\s","{}"}"#
    );
    let bools = array(16, &[(2, 1)], &[Some(vec![1]), Some(vec![0])]);
    assert_eq!(text(&Type::BOOL_ARRAY, &bools), "{t,f}");
    let vector = array(
        21,
        &[(2, 0)],
        &[
            Some(1i16.to_be_bytes().to_vec()),
            Some(2i16.to_be_bytes().to_vec()),
        ],
    );
    assert_eq!(text(&Type::INT2_VECTOR, &vector), "1 2");
    // Element oid unknown to tokio-postgres and not the declared one: raw fallback.
    let odd = array(999_999, &[(1, 1)], &[t("x")]);
    assert_eq!(text(&Type::TEXT_ARRAY, &odd), "{x}");
    let boxes = array(
        603,
        &[(1, 1)],
        &[Some(
            [1f64, 1.0, 0.0, 0.0]
                .iter()
                .flat_map(|f| f.to_be_bytes())
                .collect(),
        )],
    );
    assert_eq!(text(&Type::BOX_ARRAY, &boxes), "{(1,1),(0,0)}");
    // Arrays of records quote the element.
    let recs = array(
        2249,
        &[(1, 1)],
        &[Some(record(&[(23, i4(1)), (25, t("abc"))]))],
    );
    assert_eq!(text(&Type::RECORD_ARRAY, &recs), r#"{"(1,abc)"}"#);
}

#[test]
fn records() {
    let r = record(&[(23, i4(1)), (25, t("abc")), (25, None)]);
    assert_eq!(text(&Type::RECORD, &r), "(1,abc,)");
    let r = record(&[(25, t("a b")), (25, t("")), (25, t("q\"b\\"))]);
    assert_eq!(text(&Type::RECORD, &r), r#"("a b","","q""b\\")"#);
    let composite = Type::new(
        "pair".into(),
        90_001,
        Kind::Composite(vec![
            Field::new("a".into(), Type::INT4),
            Field::new("b".into(), Type::TEXT),
        ]),
        "public".into(),
    );
    assert_eq!(
        text(&composite, &record(&[(23, i4(7)), (25, t("x"))])),
        "(7,x)"
    );
    assert_eq!(text(&Type::RECORD, &record(&[])), "()");
}

fn range(flags: u8, lower: Option<Vec<u8>>, upper: Option<Vec<u8>>) -> Vec<u8> {
    let mut v = vec![flags];
    for b in [lower, upper].into_iter().flatten() {
        v.extend((b.len() as i32).to_be_bytes());
        v.extend(b);
    }
    v
}

#[test]
fn ranges() {
    assert_eq!(
        text(&Type::INT4_RANGE, &range(0x02, i4(1), i4(10))),
        "[1,10)"
    );
    assert_eq!(text(&Type::INT4_RANGE, &range(0x01, None, None)), "empty");
    assert_eq!(
        text(&Type::INT4_RANGE, &range(0x08 | 0x04, None, i4(5))),
        "(,5]"
    );
    assert_eq!(
        text(&Type::INT4_RANGE, &range(0x02 | 0x10, i4(5), None)),
        "[5,)"
    );
    let ts = range(
        0x02,
        Some(0i64.to_be_bytes().to_vec()),
        Some(USECS_PER_DAY.to_be_bytes().to_vec()),
    );
    assert_eq!(
        text(&Type::TS_RANGE, &ts),
        r#"["2000-01-01 00:00:00","2000-01-02 00:00:00")"#
    );
    let mut multi = 2i32.to_be_bytes().to_vec();
    for r in [range(0x02, i4(1), i4(3)), range(0x02, i4(5), i4(7))] {
        multi.extend((r.len() as i32).to_be_bytes());
        multi.extend(r);
    }
    let mr = Type::from_oid(4451).unwrap();
    assert_eq!(text(&mr, &multi), "{[1,3),[5,7)}");
}

fn inet(family: u8, bits: u8, cidr: u8, addr: &[u8]) -> Vec<u8> {
    let mut v = vec![family, bits, cidr, addr.len() as u8];
    v.extend(addr);
    v
}

#[test]
fn network_and_misc_types() {
    let v6 = |words: [u16; 8]| {
        words
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let cases: &[(Type, Vec<u8>, &str)] = &[
        (Type::INET, inet(2, 8, 0, &[10, 0, 0, 1]), "10.0.0.1/8"),
        (Type::INET, inet(2, 32, 0, &[10, 0, 0, 1]), "10.0.0.1"),
        (Type::CIDR, inet(2, 8, 1, &[10, 0, 0, 0]), "10.0.0.0/8"),
        (Type::CIDR, inet(2, 32, 1, &[10, 0, 0, 1]), "10.0.0.1/32"),
        (
            Type::INET,
            inet(3, 128, 0, &v6([0, 0, 0, 0, 0, 0, 0, 1])),
            "::1",
        ),
        (Type::INET, inet(3, 128, 0, &v6([0; 8])), "::"),
        (
            Type::INET,
            inet(3, 64, 0, &v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
            "2001:db8::1/64",
        ),
        (
            Type::INET,
            inet(3, 128, 0, &v6([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])),
            "::ffff:1.2.3.4",
        ),
        (
            Type::INET,
            inet(3, 128, 0, &v6([0xfe80, 0, 0, 0, 1, 0, 0, 1])),
            "fe80::1:0:0:1",
        ),
        (
            Type::INET,
            inet(3, 128, 0, &v6([1, 0, 2, 0, 3, 0, 4, 0])),
            "1:0:2:0:3:0:4:0",
        ),
        (
            Type::INET,
            inet(3, 128, 0, &v6([1, 2, 3, 4, 5, 6, 0, 0])),
            "1:2:3:4:5:6::",
        ),
        (
            Type::MACADDR,
            vec![8, 0, 0x2b, 1, 2, 3],
            "08:00:2b:01:02:03",
        ),
        (
            Type::MONEY,
            (-123_456i64).to_be_bytes().to_vec(),
            "-1234.56",
        ),
        (Type::MONEY, 5i64.to_be_bytes().to_vec(), "0.05"),
        (
            Type::BIT,
            [4i32.to_be_bytes().as_slice(), &[0x50]].concat(),
            "0101",
        ),
        (
            Type::VARBIT,
            [10i32.to_be_bytes().as_slice(), &[0xff, 0x40]].concat(),
            "1111111101",
        ),
        (Type::VARBIT, 0i32.to_be_bytes().to_vec(), ""),
        (
            Type::POINT,
            [1.5f64.to_be_bytes(), (-2f64).to_be_bytes()].concat(),
            "(1.5,-2)",
        ),
        (
            Type::CIRCLE,
            [0f64.to_be_bytes(), 0f64.to_be_bytes(), 2f64.to_be_bytes()].concat(),
            "<(0,0),2>",
        ),
        (
            Type::PATH,
            [
                vec![1u8],
                1i32.to_be_bytes().to_vec(),
                1f64.to_be_bytes().to_vec(),
                2f64.to_be_bytes().to_vec(),
            ]
            .concat(),
            "((1,2))",
        ),
        (
            Type::PG_LSN,
            0x1_0000_00ABu64.to_be_bytes().to_vec(),
            "1/AB",
        ),
        (
            Type::TID,
            [5u32.to_be_bytes().as_slice(), &3u16.to_be_bytes()].concat(),
            "(5,3)",
        ),
        (Type::REGCLASS, 1259u32.to_be_bytes().to_vec(), "1259"),
        (Type::VOID, vec![], ""),
    ];
    for (ty, raw, want) in cases {
        assert_eq!(text(ty, raw), *want, "{ty}");
    }
}

#[test]
fn kinds_and_fallbacks() {
    let domain = Type::new(
        "posint".into(),
        90_002,
        Kind::Domain(Type::INT4),
        "public".into(),
    );
    assert_eq!(
        decode(&domain, &7i32.to_be_bytes()).unwrap(),
        Datum::Int4(7)
    );
    let mood = Type::new(
        "mood".into(),
        90_003,
        Kind::Enum(vec!["happy".into()]),
        "public".into(),
    );
    assert_eq!(decode(&mood, b"happy").unwrap(), Datum::Text("happy"));
    let citext = Type::new("citext".into(), 90_004, Kind::Simple, "public".into());
    assert_eq!(decode(&citext, b"Hello").unwrap(), Datum::Text("Hello"));
    assert_eq!(
        decode(&citext, &[0xff, 0x00]).unwrap(),
        Datum::Other("\\xff00".into())
    );
    let arr = Type::new(
        "_posint".into(),
        90_005,
        Kind::Array(domain.clone()),
        "public".into(),
    );
    assert_eq!(text(&arr, &array(90_002, &[(1, 1)], &[i4(3)])), "{3}");
}

#[test]
fn malformed_inputs_are_errors() {
    let bad: &[(Type, Vec<u8>)] = &[
        (Type::INT4, vec![0, 0, 1]),
        (Type::INT8, vec![0; 9]),
        (Type::BOOL, vec![]),
        (Type::TEXT, vec![0xff]),
        (Type::JSONB, b"{}".to_vec()),
        (Type::JSONB, vec![]),
        (Type::NUMERIC, numeric(0, 0, 0, &[10_000])),
        (Type::NUMERIC, numeric(0, 0x1234, 0, &[1])),
        (Type::NUMERIC, numeric(0, 0, -1, &[1])),
        (Type::NUMERIC, vec![0, 1, 0, 0]),
        (Type::TIMETZ, vec![0; 8]),
        (Type::UUID, vec![0; 15]),
        (Type::INET, inet(2, 33, 0, &[1, 2, 3, 4])),
        (Type::INET, inet(2, 8, 0, &[1, 2, 3])),
        (Type::INET, vec![2, 8, 0, 4, 1]),
        (Type::BIT, [9i32.to_be_bytes().as_slice(), &[0]].concat()),
        (Type::BIT, (-1i32).to_be_bytes().to_vec()),
        (Type::CHAR, b"ab".to_vec()),
        (Type::POLYGON, i32::MAX.to_be_bytes().to_vec()),
        // Array claiming far more elements than the bytes can hold.
        (
            Type::INT4_ARRAY,
            array(23, &[(i32::MAX, 1), (i32::MAX, 1)], &[]),
        ),
        (Type::INT4_ARRAY, array(23, &[(-1, 1)], &[])),
        (Type::INT4_ARRAY, array(23, &[(1, 1); 7], &[i4(1)])),
        (Type::INT4_ARRAY, array(23, &[(2, 1)], &[i4(1)])),
        (
            Type::INT4_ARRAY,
            [array(23, &[(1, 1)], &[i4(1)]), vec![0]].concat(),
        ),
        (Type::INT4_ARRAY, array(23, &[(1, 1)], &[Some(vec![1, 2])])),
        (Type::INT4_ARRAY, vec![0, 0, 0, 1]),
        (Type::RECORD, i32::MAX.to_be_bytes().to_vec()),
        (
            Type::RECORD,
            [
                1i32.to_be_bytes(),
                23u32.to_be_bytes(),
                (-2i32).to_be_bytes(),
            ]
            .concat(),
        ),
        (Type::INT4_RANGE, vec![0x02, 0, 0, 0, 4, 0]),
    ];
    for (ty, raw) in bad {
        assert!(decode(ty, raw).is_err(), "{ty} {raw:?}");
    }
}

#[test]
fn nesting_is_bounded() {
    let mut v = record(&[(23, i4(1))]);
    for _ in 0..(MAX_DEPTH + 5) {
        v = record(&[(2249, Some(v))]);
    }
    assert_eq!(decode(&Type::RECORD, &v), Err(ValueError::TooDeep));
    let mut ok = record(&[(23, i4(1))]);
    for _ in 0..3 {
        ok = record(&[(2249, Some(ok))]);
    }
    assert_eq!(text(&Type::RECORD, &ok), r#"("(""(""""(1)"""")"")")"#);
}

/// Cheap deterministic fuzzing: arbitrary bytes must give a value or an error, never a
/// panic, for every type family.
#[test]
fn random_bytes_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let composite = Type::new(
        "pair".into(),
        90_001,
        Kind::Composite(vec![Field::new("a".into(), Type::INT4)]),
        "public".into(),
    );
    let mut types: Vec<Type> = [
        16u32, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27, 30, 114, 600, 601, 602, 603, 604, 628, 650,
        700, 701, 718, 774, 790, 829, 869, 1007, 1009, 1082, 1083, 1114, 1184, 1186, 1266, 1560,
        1562, 1700, 2249, 2287, 2950, 3220, 3802, 3904, 3908, 4072, 4451, 5069,
    ]
    .iter()
    .map(|&o| Type::from_oid(o).unwrap())
    .collect();
    types.push(composite);
    for ty in &types {
        for round in 0..3000 {
            let len = (next() % 48) as usize;
            let mut raw: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Some rounds start from a plausible header so decoding gets further in.
            if round % 3 == 0 && raw.len() >= 12 {
                raw[..4].copy_from_slice(&1i32.to_be_bytes());
                raw[8..12].copy_from_slice(&23u32.to_be_bytes());
            }
            if let Ok(d) = decode(ty, &raw) {
                let _ = d.to_text();
            }
        }
    }
}

#[test]
fn bytea_character_form_is_bare_hex_and_its_server_form_keeps_the_prefix() {
    let d = decode(&Type::BYTEA, &[0x00, 0x01, 0xfe, 0xff]).unwrap();
    assert_eq!(d.to_text(), "0001feff");
    assert_eq!(d.pg_text(), "\\x0001feff");
    assert_eq!(decode(&Type::BYTEA, &[]).unwrap().to_text(), "");
    // Every other kind of value reads as the server's text.
    let raw = 7i32.to_be_bytes();
    let n = decode(&Type::INT4, &raw).unwrap();
    assert_eq!(n.to_text(), n.pg_text());
}

#[test]
fn server_text_is_asked_for_money_reg_types_and_undecoded_types_only() {
    for ty in [
        Type::MONEY,
        Type::REGCLASS,
        Type::REGPROC,
        Type::REGTYPE_ARRAY,
        Type::TS_VECTOR,
        Type::PG_SNAPSHOT,
        Type::MONEY_ARRAY,
    ] {
        assert!(needs_server_text(&ty), "{ty}");
    }
    for ty in [
        Type::INT4,
        Type::TEXT,
        Type::NUMERIC,
        Type::TIMESTAMPTZ,
        Type::INT4_ARRAY,
        Type::INT4_RANGE,
        Type::JSONB,
        Type::INET,
        Type::RECORD,
    ] {
        assert!(!needs_server_text(&ty), "{ty}");
    }
    // Every type decode renders itself stays on the driver's side.
    for o in [
        oid::BOOL,
        oid::BYTEA,
        oid::UUID,
        oid::INTERVAL,
        oid::CIRCLE,
        oid::OIDVECTOR,
        oid::XID8,
    ] {
        assert!(decodes_natively(o), "{o}");
    }
    let domain = Type::new(
        "price".into(),
        90001,
        Kind::Domain(Type::MONEY),
        "public".into(),
    );
    assert!(needs_server_text(&domain));
    let composite = Type::new(
        "pair".into(),
        90002,
        Kind::Composite(vec![
            Field::new("a".into(), Type::INT4),
            Field::new("b".into(), Type::REGCLASS),
        ]),
        "public".into(),
    );
    assert!(needs_server_text(&composite));
}

#[test]
fn server_text_is_found_by_type_and_value() {
    let mut text = ServerText::default();
    assert!(text.get(oid::MONEY, &[1]).is_none());
    text.insert(oid::MONEY, &[1], "$0.01".into());
    assert_eq!(text.get(oid::MONEY, &[1]), Some("$0.01"));
    assert!(text.get(oid::MONEY, &[2]).is_none());
    assert!(text.get(oid::REGCLASS, &[1]).is_none());
}
