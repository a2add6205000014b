//! Character, wide-character, binary and GUID targets.

use super::*;

#[test]
fn char_text_of_every_datum() {
    let uuid = Datum::Uuid([0xAB; 16]);
    let cases: &[(Datum<'_>, &str)] = &[
        (Datum::Bool(true), "1"),
        (Datum::Bool(false), "0"),
        (Datum::Int2(-5), "-5"),
        (Datum::Int8(i64::MIN), "-9223372036854775808"),
        (Datum::Float8(1.5), "1.5"),
        (Datum::Float4(0.1), "0.1"),
        (Datum::Numeric("-1.50".into()), "-1.50"),
        (Datum::Text("hé"), "hé"),
        (Datum::Bytes(&[0x0a, 0xff]), "0aff"),
        (Datum::Date(0), "2000-01-01"),
        (Datum::Timestamp(DAY + 1), "2000-01-02 00:00:00.000001"),
        (Datum::TimestampTz(0), "2000-01-01 00:00:00+00"),
        (
            Datum::Interval {
                months: 0,
                days: 1,
                micros: 0,
            },
            "1 day",
        ),
        (uuid, "ABABABAB-ABAB-ABAB-ABAB-ABABABABABAB"),
        (Datum::Oid(7), "7"),
        (Datum::Other("{1,2}".into()), "{1,2}"),
    ];
    for (datum, want) in cases {
        let (out, written) = w(datum, c::CHAR, 64, 0);
        assert_eq!(&out[..written.len], want.as_bytes(), "{datum:?}");
        assert_eq!(out[written.len], 0, "NUL after {datum:?}");
        assert_eq!(written, ok(want.len(), want.len(), false));
        // SQL_C_WCHAR carries the same text as UTF-16LE.
        let (out, written) = w(datum, c::WCHAR, 128, 0);
        let wide: Vec<u8> = want.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(&out[..written.len], &wide[..], "{datum:?}");
        assert_eq!(&out[written.len..written.len + 2], &[0, 0]);
        assert_eq!(written, ok(wide.len(), wide.len(), false));
    }
}

#[test]
fn char_pieces_and_truncation() {
    let hello = Datum::Text("hello");
    // (buffer, offset, bytes delivered, Written)
    let cases: &[(usize, usize, &[u8], Written)] = &[
        (3, 0, b"he", ok(2, 5, true)),
        (3, 2, b"ll", ok(2, 3, true)),
        (3, 4, b"o", ok(1, 1, false)),
        (6, 0, b"hello", ok(5, 5, false)),
        (5, 0, b"hell", ok(4, 5, true)),
        (1, 0, b"", ok(0, 5, true)),
        (0, 0, b"", ok(0, 5, true)),
        (3, 5, b"", ok(0, 0, false)),
        (3, 99, b"", ok(0, 0, false)),
    ];
    for &(buf, offset, want, written) in cases {
        let (out, got) = w(&hello, c::CHAR, buf, offset);
        assert_eq!(got, written, "buf {buf} offset {offset}");
        assert_eq!(&out[..got.len], want);
        if buf > 0 {
            assert_eq!(out[got.len], 0);
        }
    }
    // Byte truncation may split a multibyte character; the pieces concatenate back.
    let (out, got) = w(&Datum::Text("é"), c::CHAR, 2, 0);
    assert_eq!((&out[..], got), (&[0xC3, 0][..], ok(1, 2, true)));
    let (out, got) = w(&Datum::Text("é"), c::CHAR, 2, 1);
    assert_eq!((&out[..], got), (&[0xA9, 0][..], ok(1, 1, false)));
    // Empty value with no room for the terminator loses nothing.
    assert_eq!(w(&Datum::Text(""), c::CHAR, 0, 0).1, ok(0, 0, false));
}

#[test]
fn wchar_pieces_and_truncation() {
    let abc = Datum::Text("abc");
    let cases: &[(usize, usize, &[u8], Written)] = &[
        (5, 0, b"a\0", ok(2, 6, true)),
        (4, 0, b"a\0", ok(2, 6, true)),
        (6, 0, b"a\0b\0", ok(4, 6, true)),
        (8, 0, b"a\0b\0c\0", ok(6, 6, false)),
        (4, 2, b"b\0", ok(2, 4, true)),
        (1, 0, b"", ok(0, 6, true)),
    ];
    for &(buf, offset, want, written) in cases {
        let (out, got) = w(&abc, c::WCHAR, buf, offset);
        assert_eq!(got, written, "buf {buf} offset {offset}");
        assert_eq!(&out[..got.len], want);
        if buf >= got.len + 2 {
            assert_eq!(&out[got.len..got.len + 2], &[0, 0]);
        } else {
            assert!(
                out.iter().all(|&b| b == 0xAA),
                "nothing written when no room for NUL"
            );
        }
    }
    let (out, got) = w(&Datum::Text("😀"), c::WCHAR, 10, 0);
    assert_eq!(&out[..got.len], &[0x3D, 0xD8, 0x00, 0xDE]);
}

#[test]
fn binary_targets() {
    let bytes = Datum::Bytes(&[1, 2, 3]);
    let (out, got) = w(&bytes, c::BINARY, 2, 0);
    assert_eq!((&out[..], got), (&[1, 2][..], ok(2, 3, true)));
    let (out, got) = w(&bytes, c::BINARY, 2, 2);
    assert_eq!((&out[..1], got), (&[3][..], ok(1, 1, false)));
    let (out, got) = w(&Datum::Int8(42), c::BINARY, 4, 0);
    assert_eq!((&out[..2], got), (&b"42"[..], ok(2, 2, false)));
    assert_eq!(&out[2..], &[0xAA, 0xAA], "no terminator for binary");
    // As psqlODBC: an int4 as its native bytes, a uuid as its SQLGUID.
    let (out, got) = w(&Datum::Int4(42), c::BINARY, 4, 0);
    assert_eq!((&out[..], got), (&42i32.to_ne_bytes()[..], ok(4, 4, false)));
    let u = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 9, 10, 11, 12, 13, 14, 15, 16,
    ];
    let (out, got) = w(&Datum::Uuid(u), c::BINARY, 16, 0);
    let mut guid = [0u8; 16];
    write_datum(&Datum::Uuid(u), c::GUID, &mut guid, 0).unwrap();
    assert_eq!((&out[..], got), (&guid[..], ok(16, 16, false)));
}

#[test]
fn guid_target() {
    let u: [u8; 16] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 9, 10, 11, 12, 13, 14, 15, 16,
    ];
    let mut want = 0x0102_0304u32.to_ne_bytes().to_vec();
    want.extend(0x0506u16.to_ne_bytes());
    want.extend(0x0708u16.to_ne_bytes());
    want.extend(9u8..=16);
    for datum in [
        Datum::Uuid(u),
        Datum::Text("01020304-0506-0708-090a-0b0c0d0e0f10"),
        Datum::Text("{01020304-0506-0708-090A-0B0C0D0E0F10}"),
        Datum::Text("0102030405060708090a0b0c0d0e0f10"),
    ] {
        let (out, got) = w(&datum, c::GUID, 16, 0);
        assert_eq!(out, want, "{datum:?}");
        assert_eq!(got, ok(16, 16, false));
    }
    assert_eq!(
        err(&Datum::Text("not-a-uuid"), c::GUID),
        ConvertError::InvalidCast
    );
    assert_eq!(
        err(
            &Datum::Text("01020304-0506-0708-090a-0b0c0d0e0f1g"),
            c::GUID
        ),
        ConvertError::InvalidCast
    );
    assert_eq!(err(&Datum::Int4(1), c::GUID), ConvertError::Unsupported);
}

#[test]
fn wchar_text_pieces_resume_exactly_as_the_whole_encoding() {
    let text = "ab😀c\u{e9}😀😀d€x";
    let raw = text.as_bytes();
    for buf in [0usize, 1, 2, 3, 4, 5, 6, 7, 8, 64] {
        let (want, _) = w(&Datum::Text(text), c::WCHAR, 4096, 0);
        let whole_len = crate::odbc::wide::len_units(text) * crate::odbc::wide::unit();
        let mut cursor = WideCursor::default();
        let mut offset = 0usize;
        let mut got = Vec::new();
        for _ in 0..64 {
            let mut out = vec![0xAAu8; buf];
            let piece = write_wide_text(raw, &mut out, offset, &mut cursor).unwrap();
            let mut fresh = vec![0xAAu8; buf];
            let general = write_datum(&Datum::Text(text), c::WCHAR, &mut fresh, offset).unwrap();
            assert_eq!(piece, general, "buf {buf} offset {offset}");
            assert_eq!(out, fresh, "buf {buf} offset {offset}");
            got.extend_from_slice(&out[..piece.len]);
            offset += piece.len;
            if !piece.truncated || piece.len == 0 {
                break;
            }
        }
        if buf >= 2 * crate::odbc::wide::unit() {
            assert_eq!(got, want[..whole_len].to_vec(), "buf {buf}");
        }
    }
    // A cursor saved at another offset is not trusted.
    let mut cursor = WideCursor::default();
    let mut out = [0u8; 64];
    let unit = crate::odbc::wide::unit();
    let piece = write_wide_text(raw, &mut out, 2 * unit, &mut cursor).unwrap();
    let mut fresh = [0u8; 64];
    let general = write_datum(&Datum::Text(text), c::WCHAR, &mut fresh, 2 * unit).unwrap();
    assert_eq!((piece, out), (general, fresh));
    assert!(write_wide_text(b"a\xffb", &mut out, 0, &mut WideCursor::default()).is_none());
}
