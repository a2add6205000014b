//! SQLGetFunctions: which ODBC functions this driver exports.
//!
//! unixODBC calls `SQLGetFunctions(SQL_API_ODBC3_ALL_FUNCTIONS)` after connecting and hides
//! every exported function the bitmap leaves out, so [`SUPPORTED`] must list exactly what the
//! FFI layer exports. ODBC 2 functions the driver manager maps onto ODBC 3 ones for a 3.x driver
//! (SQLAllocEnv/Connect/Stmt, SQLFreeEnv/Connect, SQLTransact, SQLSetParam, SQLParamOptions,
//! SQLSetScrollOptions, SQLGet/SetConnectOption, SQLGet/SetStmtOption) are not exported.
//! SQLError and SQLExtendedFetch are, because ODBC 2 applications such as isql call them and a
//! native implementation avoids the driver manager's emulation.

/// `SQL_API_*` ids from sql.h / sqlext.h.
pub mod api {
    pub const SQL_API_ALL_FUNCTIONS: u16 = 0;
    pub const SQL_API_ODBC3_ALL_FUNCTIONS: u16 = 999;
    /// Length of the `SQL_API_ODBC3_ALL_FUNCTIONS` bitmap, in SQLUSMALLINTs.
    pub const SQL_API_ODBC3_ALL_FUNCTIONS_SIZE: usize = 250;

    pub const SQL_API_SQLBINDCOL: u16 = 4;
    pub const SQL_API_SQLCANCEL: u16 = 5;
    pub const SQL_API_SQLCOLATTRIBUTE: u16 = 6;
    pub const SQL_API_SQLCONNECT: u16 = 7;
    pub const SQL_API_SQLDESCRIBECOL: u16 = 8;
    pub const SQL_API_SQLDISCONNECT: u16 = 9;
    pub const SQL_API_SQLERROR: u16 = 10;
    pub const SQL_API_SQLEXECDIRECT: u16 = 11;
    pub const SQL_API_SQLEXECUTE: u16 = 12;
    pub const SQL_API_SQLFETCH: u16 = 13;
    pub const SQL_API_SQLFREESTMT: u16 = 16;
    pub const SQL_API_SQLGETCURSORNAME: u16 = 17;
    pub const SQL_API_SQLNUMRESULTCOLS: u16 = 18;
    pub const SQL_API_SQLPREPARE: u16 = 19;
    pub const SQL_API_SQLROWCOUNT: u16 = 20;
    pub const SQL_API_SQLSETCURSORNAME: u16 = 21;
    pub const SQL_API_SQLTRANSACT: u16 = 23;
    pub const SQL_API_SQLBULKOPERATIONS: u16 = 24;
    pub const SQL_API_SQLCOLUMNS: u16 = 40;
    pub const SQL_API_SQLDRIVERCONNECT: u16 = 41;
    pub const SQL_API_SQLGETCONNECTOPTION: u16 = 42;
    pub const SQL_API_SQLGETDATA: u16 = 43;
    pub const SQL_API_SQLGETFUNCTIONS: u16 = 44;
    pub const SQL_API_SQLGETINFO: u16 = 45;
    pub const SQL_API_SQLGETSTMTOPTION: u16 = 46;
    pub const SQL_API_SQLGETTYPEINFO: u16 = 47;
    pub const SQL_API_SQLPARAMDATA: u16 = 48;
    pub const SQL_API_SQLPUTDATA: u16 = 49;
    pub const SQL_API_SQLSETCONNECTOPTION: u16 = 50;
    pub const SQL_API_SQLSETSTMTOPTION: u16 = 51;
    pub const SQL_API_SQLSPECIALCOLUMNS: u16 = 52;
    pub const SQL_API_SQLSTATISTICS: u16 = 53;
    pub const SQL_API_SQLTABLES: u16 = 54;
    pub const SQL_API_SQLBROWSECONNECT: u16 = 55;
    pub const SQL_API_SQLCOLUMNPRIVILEGES: u16 = 56;
    pub const SQL_API_SQLDESCRIBEPARAM: u16 = 58;
    pub const SQL_API_SQLEXTENDEDFETCH: u16 = 59;
    pub const SQL_API_SQLFOREIGNKEYS: u16 = 60;
    pub const SQL_API_SQLMORERESULTS: u16 = 61;
    pub const SQL_API_SQLNATIVESQL: u16 = 62;
    pub const SQL_API_SQLNUMPARAMS: u16 = 63;
    pub const SQL_API_SQLPRIMARYKEYS: u16 = 65;
    pub const SQL_API_SQLPROCEDURECOLUMNS: u16 = 66;
    pub const SQL_API_SQLPROCEDURES: u16 = 67;
    pub const SQL_API_SQLSETPOS: u16 = 68;
    pub const SQL_API_SQLTABLEPRIVILEGES: u16 = 70;
    pub const SQL_API_SQLBINDPARAMETER: u16 = 72;
    pub const SQL_API_SQLALLOCHANDLE: u16 = 1001;
    pub const SQL_API_SQLCLOSECURSOR: u16 = 1003;
    pub const SQL_API_SQLCOPYDESC: u16 = 1004;
    pub const SQL_API_SQLENDTRAN: u16 = 1005;
    pub const SQL_API_SQLFREEHANDLE: u16 = 1006;
    pub const SQL_API_SQLGETCONNECTATTR: u16 = 1007;
    pub const SQL_API_SQLGETDESCFIELD: u16 = 1008;
    pub const SQL_API_SQLGETDESCREC: u16 = 1009;
    pub const SQL_API_SQLGETDIAGFIELD: u16 = 1010;
    pub const SQL_API_SQLGETDIAGREC: u16 = 1011;
    pub const SQL_API_SQLGETENVATTR: u16 = 1012;
    pub const SQL_API_SQLGETSTMTATTR: u16 = 1014;
    pub const SQL_API_SQLSETCONNECTATTR: u16 = 1016;
    pub const SQL_API_SQLSETDESCFIELD: u16 = 1017;
    pub const SQL_API_SQLSETDESCREC: u16 = 1018;
    pub const SQL_API_SQLSETENVATTR: u16 = 1019;
    pub const SQL_API_SQLSETSTMTATTR: u16 = 1020;
    pub const SQL_API_SQLFETCHSCROLL: u16 = 1021;
}

use api::*;

/// Every function the driver exports (ANSI and, where it has text, W variant), by SQL_API id.
pub const SUPPORTED: &[u16] = &[
    SQL_API_SQLALLOCHANDLE,
    SQL_API_SQLBINDCOL,
    SQL_API_SQLBINDPARAMETER,
    SQL_API_SQLBULKOPERATIONS,
    SQL_API_SQLCANCEL,
    SQL_API_SQLCLOSECURSOR,
    SQL_API_SQLCOLATTRIBUTE,
    SQL_API_SQLCOLUMNPRIVILEGES,
    SQL_API_SQLCOLUMNS,
    SQL_API_SQLCONNECT,
    SQL_API_SQLCOPYDESC,
    SQL_API_SQLDESCRIBECOL,
    SQL_API_SQLDESCRIBEPARAM,
    SQL_API_SQLDISCONNECT,
    SQL_API_SQLDRIVERCONNECT,
    SQL_API_SQLENDTRAN,
    SQL_API_SQLERROR,
    SQL_API_SQLEXECDIRECT,
    SQL_API_SQLEXECUTE,
    SQL_API_SQLEXTENDEDFETCH,
    SQL_API_SQLSETPOS,
    SQL_API_SQLFETCH,
    SQL_API_SQLFETCHSCROLL,
    SQL_API_SQLFOREIGNKEYS,
    SQL_API_SQLFREEHANDLE,
    SQL_API_SQLFREESTMT,
    SQL_API_SQLGETCONNECTATTR,
    SQL_API_SQLGETCURSORNAME,
    SQL_API_SQLGETDATA,
    SQL_API_SQLGETDESCFIELD,
    SQL_API_SQLGETDESCREC,
    SQL_API_SQLGETDIAGFIELD,
    SQL_API_SQLGETDIAGREC,
    SQL_API_SQLGETENVATTR,
    SQL_API_SQLGETFUNCTIONS,
    SQL_API_SQLGETINFO,
    SQL_API_SQLGETSTMTATTR,
    SQL_API_SQLGETTYPEINFO,
    SQL_API_SQLMORERESULTS,
    SQL_API_SQLNATIVESQL,
    SQL_API_SQLNUMPARAMS,
    SQL_API_SQLNUMRESULTCOLS,
    SQL_API_SQLPARAMDATA,
    SQL_API_SQLPREPARE,
    SQL_API_SQLPRIMARYKEYS,
    SQL_API_SQLPROCEDURECOLUMNS,
    SQL_API_SQLPROCEDURES,
    SQL_API_SQLPUTDATA,
    SQL_API_SQLROWCOUNT,
    SQL_API_SQLSETCONNECTATTR,
    SQL_API_SQLSETCURSORNAME,
    SQL_API_SQLSETDESCFIELD,
    SQL_API_SQLSETDESCREC,
    SQL_API_SQLSETENVATTR,
    SQL_API_SQLSETSTMTATTR,
    SQL_API_SQLSPECIALCOLUMNS,
    SQL_API_SQLSTATISTICS,
    SQL_API_SQLTABLEPRIVILEGES,
    SQL_API_SQLTABLES,
];

/// The upper-case function name of an `SQL_API_*` id (as in sqlext.h, without `SQL_API_`),
/// so a test can compare [`SUPPORTED`] with the symbols the library exports.
pub fn api_name(id: u16) -> Option<&'static str> {
    Some(match id {
        SQL_API_SQLBINDCOL => "SQLBINDCOL",
        SQL_API_SQLCANCEL => "SQLCANCEL",
        SQL_API_SQLCOLATTRIBUTE => "SQLCOLATTRIBUTE",
        SQL_API_SQLCONNECT => "SQLCONNECT",
        SQL_API_SQLDESCRIBECOL => "SQLDESCRIBECOL",
        SQL_API_SQLDISCONNECT => "SQLDISCONNECT",
        SQL_API_SQLERROR => "SQLERROR",
        SQL_API_SQLEXECDIRECT => "SQLEXECDIRECT",
        SQL_API_SQLEXECUTE => "SQLEXECUTE",
        SQL_API_SQLFETCH => "SQLFETCH",
        SQL_API_SQLFREESTMT => "SQLFREESTMT",
        SQL_API_SQLGETCURSORNAME => "SQLGETCURSORNAME",
        SQL_API_SQLNUMRESULTCOLS => "SQLNUMRESULTCOLS",
        SQL_API_SQLPREPARE => "SQLPREPARE",
        SQL_API_SQLROWCOUNT => "SQLROWCOUNT",
        SQL_API_SQLSETCURSORNAME => "SQLSETCURSORNAME",
        SQL_API_SQLTRANSACT => "SQLTRANSACT",
        SQL_API_SQLCOLUMNS => "SQLCOLUMNS",
        SQL_API_SQLDRIVERCONNECT => "SQLDRIVERCONNECT",
        SQL_API_SQLGETCONNECTOPTION => "SQLGETCONNECTOPTION",
        SQL_API_SQLGETDATA => "SQLGETDATA",
        SQL_API_SQLGETFUNCTIONS => "SQLGETFUNCTIONS",
        SQL_API_SQLGETINFO => "SQLGETINFO",
        SQL_API_SQLGETSTMTOPTION => "SQLGETSTMTOPTION",
        SQL_API_SQLGETTYPEINFO => "SQLGETTYPEINFO",
        SQL_API_SQLPARAMDATA => "SQLPARAMDATA",
        SQL_API_SQLPUTDATA => "SQLPUTDATA",
        SQL_API_SQLSETCONNECTOPTION => "SQLSETCONNECTOPTION",
        SQL_API_SQLSETSTMTOPTION => "SQLSETSTMTOPTION",
        SQL_API_SQLSPECIALCOLUMNS => "SQLSPECIALCOLUMNS",
        SQL_API_SQLSTATISTICS => "SQLSTATISTICS",
        SQL_API_SQLTABLES => "SQLTABLES",
        SQL_API_SQLBROWSECONNECT => "SQLBROWSECONNECT",
        SQL_API_SQLCOLUMNPRIVILEGES => "SQLCOLUMNPRIVILEGES",
        SQL_API_SQLDESCRIBEPARAM => "SQLDESCRIBEPARAM",
        SQL_API_SQLEXTENDEDFETCH => "SQLEXTENDEDFETCH",
        SQL_API_SQLFOREIGNKEYS => "SQLFOREIGNKEYS",
        SQL_API_SQLMORERESULTS => "SQLMORERESULTS",
        SQL_API_SQLNATIVESQL => "SQLNATIVESQL",
        SQL_API_SQLNUMPARAMS => "SQLNUMPARAMS",
        SQL_API_SQLPRIMARYKEYS => "SQLPRIMARYKEYS",
        SQL_API_SQLPROCEDURECOLUMNS => "SQLPROCEDURECOLUMNS",
        SQL_API_SQLPROCEDURES => "SQLPROCEDURES",
        SQL_API_SQLSETPOS => "SQLSETPOS",
        SQL_API_SQLBULKOPERATIONS => "SQLBULKOPERATIONS",
        SQL_API_SQLTABLEPRIVILEGES => "SQLTABLEPRIVILEGES",
        SQL_API_SQLBINDPARAMETER => "SQLBINDPARAMETER",
        SQL_API_SQLALLOCHANDLE => "SQLALLOCHANDLE",
        SQL_API_SQLCLOSECURSOR => "SQLCLOSECURSOR",
        SQL_API_SQLCOPYDESC => "SQLCOPYDESC",
        SQL_API_SQLENDTRAN => "SQLENDTRAN",
        SQL_API_SQLFREEHANDLE => "SQLFREEHANDLE",
        SQL_API_SQLGETCONNECTATTR => "SQLGETCONNECTATTR",
        SQL_API_SQLGETDESCFIELD => "SQLGETDESCFIELD",
        SQL_API_SQLGETDESCREC => "SQLGETDESCREC",
        SQL_API_SQLGETDIAGFIELD => "SQLGETDIAGFIELD",
        SQL_API_SQLGETDIAGREC => "SQLGETDIAGREC",
        SQL_API_SQLGETENVATTR => "SQLGETENVATTR",
        SQL_API_SQLGETSTMTATTR => "SQLGETSTMTATTR",
        SQL_API_SQLSETCONNECTATTR => "SQLSETCONNECTATTR",
        SQL_API_SQLSETDESCFIELD => "SQLSETDESCFIELD",
        SQL_API_SQLSETDESCREC => "SQLSETDESCREC",
        SQL_API_SQLSETENVATTR => "SQLSETENVATTR",
        SQL_API_SQLSETSTMTATTR => "SQLSETSTMTATTR",
        SQL_API_SQLFETCHSCROLL => "SQLFETCHSCROLL",
        _ => return None,
    })
}

/// Whether the driver exports the function with this id. The two "all functions" pseudo ids
/// (0 and 999) are not functions and answer `false`.
pub fn is_supported(id: u16) -> bool {
    SUPPORTED.contains(&id)
}

/// The `SQL_API_ODBC3_ALL_FUNCTIONS` answer: bit `id & 15` of word `id >> 4` per function.
pub fn odbc3_bitmap() -> [u16; SQL_API_ODBC3_ALL_FUNCTIONS_SIZE] {
    let mut bits = [0u16; SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
    for &id in SUPPORTED {
        if let Some(word) = bits.get_mut(usize::from(id >> 4)) {
            *word |= 1 << (id & 15);
        }
    }
    bits
}

/// The `SQL_API_ALL_FUNCTIONS` answer (ODBC 2): `SQL_TRUE` at each supported id below 100.
pub fn odbc2_array() -> [u16; 100] {
    let mut flags = [0u16; 100];
    for &id in SUPPORTED {
        if let Some(flag) = flags.get_mut(usize::from(id)) {
            *flag = 1;
        }
    }
    flags
}

/// What SQLGetFunctions writes for `id`: the ODBC 3 bitmap, the ODBC 2 array of 100 flags,
/// or one flag.
pub fn answer(id: u16) -> Vec<u16> {
    match id {
        api::SQL_API_ODBC3_ALL_FUNCTIONS => odbc3_bitmap().to_vec(),
        api::SQL_API_ALL_FUNCTIONS => odbc2_array().to_vec(),
        one => vec![u16::from(is_supported(one))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How unixODBC reads the bitmap (SQL_FUNC_EXISTS).
    fn exists(bits: &[u16], id: u16) -> bool {
        bits[usize::from(id >> 4)] & (1 << (id & 15)) != 0
    }

    #[test]
    fn bitmap_matches_the_list_exactly() {
        let bits = odbc3_bitmap();
        for id in 0..4000u16 {
            assert_eq!(exists(&bits, id), is_supported(id), "function {id}");
        }
        assert_eq!(
            bits.iter().map(|w| w.count_ones()).sum::<u32>() as usize,
            SUPPORTED.len()
        );
        // SQLFetch is id 13: word 0, bit 13.
        assert_ne!(bits[0] & (1 << 13), 0);
        // SQLFetchScroll is 1021: word 63, bit 13.
        assert_ne!(bits[63] & (1 << 13), 0);
    }

    #[test]
    fn supported_and_unsupported() {
        assert!(is_supported(SQL_API_SQLFETCH));
        assert!(is_supported(SQL_API_SQLGETINFO));
        assert!(is_supported(SQL_API_SQLDRIVERCONNECT));
        assert!(is_supported(SQL_API_SQLBULKOPERATIONS));
        for id in [
            SQL_API_SQLBROWSECONNECT,
            SQL_API_SQLTRANSACT,
            SQL_API_SQLSETCONNECTOPTION,
            SQL_API_SQLGETSTMTOPTION,
            SQL_API_ALL_FUNCTIONS,
            SQL_API_ODBC3_ALL_FUNCTIONS,
            1022, // SQLCancelHandle
            u16::MAX,
        ] {
            assert!(!is_supported(id), "{id}");
        }
    }

    #[test]
    fn odbc2_array_flags_low_ids_only() {
        let flags = odbc2_array();
        assert_eq!(flags[usize::from(SQL_API_SQLFETCH)], 1);
        assert_eq!(flags[usize::from(SQL_API_SQLSETPOS)], 1);
        assert_eq!(flags[usize::from(SQL_API_SQLBROWSECONNECT)], 0);
        let low = SUPPORTED.iter().filter(|&&id| id < 100).count();
        assert_eq!(flags.iter().filter(|&&f| f == 1).count(), low);
    }

    #[test]
    fn no_duplicates() {
        let mut ids = SUPPORTED.to_vec();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SUPPORTED.len());
    }
}
