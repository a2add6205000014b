//! The engine's own DSN keys, by section. Plugins declare theirs in their folders.

use super::{ignored, int, ms, secs, KeyDecl, KeyKind as K, KeySection, DAY_MS};

engine_keys! {
    CONNECTION ("Connection", "Where to connect and as whom. psqlODBC's names work as aliases.") {
        Dsn => KeyDecl::new("dsn", K::Str,
            "Data source name; read by the driver manager, kept so the completed connection string repeats it."),
        Driver => KeyDecl::new("driver", K::Str,
            "Driver name or path; read by the driver manager, kept so the completed connection string repeats it."),
        Server => KeyDecl::new("server", K::Str,
            "Host name or IP address of the server, Aurora cluster endpoint or instance.")
            .aliases(&["Servername", "Host"]),
        Port => KeyDecl::new("port", int(1, 65535), "TCP port of the server.")
            .default("5432"),
        Database => KeyDecl::new("database", K::Str,
            "Database to connect to; the server defaults it to the user name.")
            .aliases(&["dbname"]),
        Uid => KeyDecl::new("uid", K::Str, "User name.")
            .aliases(&["Username", "User"]),
        Pwd => KeyDecl::new("pwd", K::Str, "Password. Never logged.")
            .aliases(&["Password"]).secret(),
        ConnectTimeout => KeyDecl::new("connect_timeout", secs(0, 3600),
            "Limit for opening one physical connection (TCP, TLS and authentication); 0 means no limit.")
            .default("30"),
        ApplicationName => KeyDecl::new("application_name", K::Str,
            "Reported to the server as application_name (visible in pg_stat_activity).")
            .default("auroraodbc"),
        ReadOnly => KeyDecl::new("read_only", K::Bool,
            "Start connections in read-only access mode (SQL_MODE_READ_ONLY).")
            .aliases(&["ReadOnly", "A0"]).default("false"),
        Protocol => KeyDecl::new("protocol", K::Enum { words: &["7.4", "7.4-0", "7.4-1", "7.4-2"] },
            "psqlODBC's level of rollback on errors, the digit after `7.4-`: what an error inside a manual-commit (or BEGIN) transaction undoes. 2: only the failed statement, through a savepoint set before each statement of an open transaction (in the same round trip); the transaction goes on. 1: the whole transaction, and the next statement starts a new one. 0: nothing; the transaction refuses further statements (25P02) until the application rolls it back. `7.4` alone, or no value, is 2, psqlODBC's default.")
            .aliases(&["A1"]).default("7.4-2"),
        HostAddressMap => KeyDecl::new("host_address_map", K::HostMap,
            "Pins host names to addresses, like libpq's hostaddr: `name=ip[:port],...`. The driver connects to the address but keeps the name for TLS verification and Aurora host-name logic."),
        ConnSettings => KeyDecl::new("conn_settings", K::Str,
            "SQL run on every new physical connection right after connecting (psqlODBC's ConnSettings).")
            .aliases(&["ConnSettings"]),
        Pqopt => KeyDecl::new("pqopt", K::Str,
            "libpq options `key=value ...` (values with spaces in single quotes), applied after the other keys as psqlODBC hands them to libpq: keepalives, keepalives_idle, keepalives_interval, keepalives_count, tcp_user_timeout, options (the startup options, e.g. `-c search_path=app`), application_name and connect_timeout take effect; other libpq options are logged as not applied; anything libpq would refuse fails the connection with 08001. Treated as secret because it may carry a password.")
            .secret(),
        KeepaliveTime => KeyDecl::new("keepalive_time", secs(0, 2_147_483),
            "Idle seconds before the first TCP keepalive probe. TCP keepalive is always on, as with libpq; 0 or absent: the system's setting.")
            .aliases(&["KeepaliveTime", "D1"]),
        KeepaliveInterval => KeyDecl::new("keepalive_interval", secs(0, 2_147_483),
            "Seconds between TCP keepalive probes; 0 or absent: the system's setting.")
            .aliases(&["KeepaliveInterval", "D2"]),
    }

    TLS ("TLS", "TLS is provided by rustls; `sslmode` keeps libpq's meanings.") {
        SslMode => KeyDecl::new("sslmode", K::Enum { words: &["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] },
            "TLS policy with libpq's meanings: prefer tries TLS first and falls back to plain; verify-full checks the certificate chain and the host name.")
            .aliases(&["ssl_mode"]).default("prefer"),
        SslRootCert => KeyDecl::new("sslrootcert", K::Str,
            "Path of a PEM file with the certificate authorities to trust for verify-ca and verify-full (for RDS: the RDS CA bundle). Absent: the system's roots."),
    }

    TYPES ("Data types, fetching and parameter arrays", "How PostgreSQL types are described to applications and how rows are pulled.") {
        MaxVarcharSize => KeyDecl::new("max_varchar_size", int(1, 10_485_760),
            "Column size reported for varchar columns declared without a length.")
            .aliases(&["MaxVarcharSize", "B0"]).default("255"),
        MaxLongVarcharSize => KeyDecl::new("max_long_varchar_size", int(1, 1_073_741_823),
            "Column size reported for text and other unbounded long character columns.")
            .aliases(&["MaxLongVarcharSize", "B1"]).default("8190"),
        TextAsLongVarchar => KeyDecl::new("text_as_long_varchar", K::Bool,
            "Describe text columns as SQL_LONGVARCHAR rather than SQL_VARCHAR.")
            .aliases(&["TextAsLongVarchar", "B7"]).default("true"),
        BoolsAsChar => KeyDecl::new("bools_as_char", K::Bool,
            "Describe boolean columns as SQL_VARCHAR of size 5 (psqlODBC's BoolsAsChar), read by default as the characters '1'/'0'. Off by default, unlike psqlODBC: booleans are reported as SQL_BIT, which applications map to a boolean.")
            .aliases(&["BoolsAsChar", "B9"]).default("false"),
        TrueIsMinus1 => KeyDecl::new("true_is_minus1", K::Bool,
            "A true boolean reads as -1 instead of 1 in character and signed integer targets (psqlODBC's TrueIsMinus1, for applications written for Access).")
            .aliases(&["TrueIsMinus1", "C6"]).default("false"),
        UnknownsAsLongVarchar => KeyDecl::new("unknowns_as_long_varchar", K::Bool,
            "Describe types without an ODBC equivalent (json, arrays, ranges, enums, network types, intervals, ...) as SQL_LONGVARCHAR of max_long_varchar_size; off: SQL_VARCHAR of max_varchar_size. On by default, unlike psqlODBC: rows stream, so the longest value psqlODBC would report is unknown, and a VARCHAR size would make bound buffers truncate.")
            .aliases(&["UnknownsAsLongVarchar", "B8"]).default("true"),
        UnknownSizes => KeyDecl::new("unknown_sizes", K::Enum { words: &["0", "1", "2"] },
            "Column size of character columns without a declared length (text, varchar, types read as text): 0, the maximum (max_varchar_size or max_long_varchar_size); 1, don't know (column size 0, which ODBC reserves for a size that cannot be determined); 2, psqlODBC's longest value of the result, which a streaming driver cannot know before the rows are read: the maximum, as 0.")
            .aliases(&["UnknownSizes", "A9"]).default("0"),
        Int8As => KeyDecl::new("int8_as", K::Enum { words: &["0", "-5", "2", "12", "8", "4"] },
            "SQL type reported for int8 columns, as an ODBC type code (psqlODBC's BI): 0 or -5 SQL_BIGINT, 2 SQL_NUMERIC, 12 SQL_VARCHAR, 8 SQL_DOUBLE, 4 SQL_INTEGER. Only the description changes; values read the same.")
            .aliases(&["Int8As", "BI"]).default("0"),
        NumericAs => KeyDecl::new("numeric_as", K::Enum { words: &["-101", "2", "12", "-1", "8"] },
            "SQL type reported for numeric columns declared without precision, as an ODBC type code (psqlODBC's NumericAs): -101 SQL_NUMERIC with precision 28 and scale 6, 2 SQL_NUMERIC, 12 SQL_VARCHAR of max_varchar_size, -1 SQL_LONGVARCHAR of max_long_varchar_size, 8 SQL_DOUBLE of 15 digits.")
            .aliases(&["NumericAs"]).default("-101"),
        LfConversion => KeyDecl::new("lf_conversion", K::Bool,
            "Convert line ends as psqlODBC's LFConversion: a lone LF in character data read from the server becomes CR LF, and CR LF in character parameters becomes LF. Off by default, as psqlODBC on Unix.")
            .aliases(&["LFConversion", "C5"]).default("false"),
        ByteaAsLongVarBinary => KeyDecl::new("bytea_as_long_var_binary", K::Bool,
            "Describe bytea as SQL_LONGVARBINARY (in results and catalog functions); off: SQL_VARBINARY. On by default, as in current psqlODBC.")
            .aliases(&["ByteaAsLongVarBinary", "C7"]).default("true"),
        FetchBatchRows => KeyDecl::new("fetch_batch_rows", int(1, 1_000_000),
            "Rows the driver pulls from the server's stream per batch; bounds memory per open result.")
            .default("1024"),
        UpdatableCursors => KeyDecl::new("updatable_cursors", int(0, 255),
            "Offer updatable cursors: SQL_CONCUR_ROWVER / SQL_CONCUR_VALUES on a SELECT of one table let SQLSetPos, SQLBulkOperations and WHERE CURRENT OF change its rows (docs/updatable-cursors.md). 0: every cursor is read-only (01S02 when the application asks otherwise). psqlODBC's value is a bit mask (static, keyset-driven, dynamic, bulk operations); any value other than 0 offers them all here.")
            .aliases(&["UpdatableCursors", "C4"]).default("1"),
        RewriteBatchedInserts => KeyDecl::new("rewrite_batched_inserts", K::Bool,
            "Run a parameter array of a plain one-row `INSERT ... VALUES (...)` as multi-row INSERT statements (up to 1000 rows each) in one transaction: several times faster for bulk loads. Only in autocommit mode outside a transaction; a failing array is run again set by set so each set gets its own status. When the statement is `INSERT INTO <table> (<columns>) VALUES (?, ?, ...)` (a column list, one placeholder per column, nothing else), the table is a plain or partitioned table without rules or row-level security, and every parameter's SQL type maps to no server type or to its column's own, the array is loaded with one `COPY <table> (<columns>) FROM STDIN` instead (the fastest way in; the catalog is checked with every array), with the same transaction and fallback; for a table without triggers, an array of short rows may go in as a few COPYs in that transaction, which the server takes faster. Statement-level triggers then fire once per multi-row statement, or once per COPY, instead of once per set, which is why it is off by default; row-level triggers fire for every row either way.")
            .aliases(&["RewriteBatchedInserts"]).default("false"),
    }

    CATALOG ("Catalog functions", "Which relations SQLTables calls system ones, as psqlODBC decides it.") {
        ShowSystemTables => KeyDecl::new("show_system_tables", K::Bool,
            "List the relations of pg_catalog and information_schema (and those named by extra_sys_table_prefixes) as ordinary tables and views. Off: they are SYSTEM TABLE / SYSTEM VIEW, listed only when the application asks for those types, and SQLTables' schema list leaves their schemas out.")
            .aliases(&["ShowSystemTables", "A5"]).default("false"),
        ExtraSysTablePrefixes => KeyDecl::new("extra_sys_table_prefixes", K::Str,
            "Table name prefixes, separated by `;`, that also make a relation a system table (while show_system_tables is off).")
            .aliases(&["ExtraSysTablePrefixes", "C2"]).default("dd_;"),
    }

    LOGGING ("Logging", "The driver's own log (`tracing`), independent of the driver manager's trace.") {
        LogLevel => KeyDecl::new("log_level", K::Enum { words: &["off", "error", "warn", "info", "debug", "trace"] },
            "Verbosity of the driver's log.")
            .default("off"),
        LogFile => KeyDecl::new("log_file", K::Str,
            "Path of the log file, created with mode 0600; a symbolic link or anything but a regular file is refused and the log goes to standard error. Absent: standard error."),
    }

    PLUGINS ("Plugins and cluster topology", "Which Aurora-aware plugins run and how the cluster's instances are found.") {
        Plugins => KeyDecl::new("plugins", K::PluginCodes,
            "Plugin codes to load, in any order (they always run outermost first: custom_endpoint, read_write_splitting, failover, initial_connection, aurora_connection_tracker, host_monitoring, iam, aws_secrets_manager). Absent: failover and initial_connection and aurora_connection_tracker and host_monitoring. Empty: no plugins."),
        RdsAuthType => KeyDecl::new("rds_auth_type", K::Enum { words: &["database", "iam", "secrets_manager"] },
            "How connections log in (the AWS ODBC wrapper's key): database uses the password; iam adds the iam plugin to the chain, as if `plugins` named it; secrets_manager adds aws_secrets_manager.")
            .default("database"),
        DatabaseDialect => KeyDecl::new("database_dialect", K::Enum { words: &["aurora-postgresql", "postgresql"] },
            "Overrides dialect detection. Absent: Aurora PostgreSQL if the server has aurora_replica_status(), else plain PostgreSQL (cluster-aware plugins stay inert)."),
        ClusterInstanceHostPattern => KeyDecl::new("cluster_instance_host_pattern", K::HostPattern,
            "How to reach an instance by id, `?` standing for the id, e.g. `?.abc123.us-east-1.rds.amazonaws.com` or `?.db.example.com:5432`. Absent: taken from the Server name; required when Server is an IP address or a custom DNS name.")
            .aliases(&["HOST_PATTERN"]),
        TopologyRefreshRateMs => KeyDecl::new("topology_refresh_rate_ms", ms(100, DAY_MS),
            "How long a cluster's topology is cached before it is read again.")
            .default("30000"),
        ReaderHostSelectorStrategy => KeyDecl::new("reader_host_selector_strategy", K::Enum { words: &["random", "round_robin", "least_connections", "fastest_response"] },
            "How a reader is chosen (read_write_splitting) and how failover orders the readers it tries: at random, in turn, fewest first (least_connections: the readers on which this process holds the fewest connections), or quickest first (fastest_response: by the round trip measured every response_measurement_interval_ms, one probe per reader for the whole process).")
            .default("random"),
        ResponseMeasurementIntervalMs => KeyDecl::new("response_measurement_interval_ms", ms(100, DAY_MS),
            "How often each reader's response time is measured for reader_host_selector_strategy=fastest_response: one probe connection per reader and process, kept while a connection that may choose by it is open and stopped ten intervals (at least a minute) after that.")
            .default("30000"),
    }

    IGNORED ("psqlODBC keys accepted and ignored", "These keys only make sense inside psqlODBC. They are accepted so a psqlODBC DSN connects unchanged, have no effect, and are listed in the log when given.") {
        UseDeclareFetch => ignored("use_declare_fetch",
            "Results always stream in batches of fetch_batch_rows; no cursor is declared.")
            .aliases(&["UseDeclareFetch", "B6"]),
        Fetch => ignored("fetch", "Cache size for UseDeclareFetch; see fetch_batch_rows.")
            .aliases(&["A7"]),
        UseServerSidePrepare => ignored("use_server_side_prepare",
            "Statements are always prepared with the extended protocol.")
            .aliases(&["UseServerSidePrepare", "C8"]),
        Debug => ignored("debug", "Use log_level and log_file.").aliases(&["B2"]),
        CommLog => ignored("comm_log", "Use log_level and log_file.").aliases(&["CommLog", "B3"]),
        Description => ignored("description", "Free text shown by DSN editors."),
        ShowOidColumn => ignored("show_oid_column", "Tables without OIDs are the only kind left.")
            .aliases(&["ShowOidColumn", "A3"]),
        FakeOidIndex => ignored("fake_oid_index", "Tables without OIDs are the only kind left.")
            .aliases(&["FakeOidIndex", "A2"]),
        RowVersioning => ignored("row_versioning",
            "An updatable cursor always checks rows by their version (xmin), as psqlODBC does with this key on; see docs/updatable-cursors.md.")
            .aliases(&["RowVersioning", "A4"]),
        Parse => ignored("parse", "Result columns are described by the server.").aliases(&["C0"]),
        LowerCaseIdentifier => ignored("lower_case_identifier", "Identifiers are returned as the server stores them.")
            .aliases(&["LowerCaseIdentifier", "C9"]),
        DisallowPremature => ignored("disallow_premature", "Metadata before execution comes from the server's Describe.")
            .aliases(&["DisallowPremature", "C3"]),
        Optimizer => ignored("optimizer", "Removed from PostgreSQL long ago.").aliases(&["B4"]),
        Ksqo => ignored("ksqo", "Removed from PostgreSQL long ago.").aliases(&["B5"]),
        BatchSize => ignored("batch_size", "Parameter arrays are sent in one pipeline.")
            .aliases(&["BatchSize"]),
        IgnoreTimeout => ignored("ignore_timeout", "Query timeouts are honoured through server-side cancel.")
            .aliases(&["IgnoreTimeout"]),
        XaOpt => ignored("xa_opt", "Distributed transactions (MSDTC) are not supported.")
            .aliases(&["XaOpt", "D4"]),
        UniqueIndex => ignored("unique_index", "Unique indexes are always reported by SQLStatistics.")
            .aliases(&["UniqueIndex"]),
        CancelAsFreeStmt => ignored("cancel_as_free_stmt", "SQLCancel cancels; SQLFreeStmt closes (psqlODBC's key only mattered to ODBC 2 driver managers).")
            .aliases(&["CancelAsFreeStmt", "C1"]),
        Socket => ignored("socket", "Socket buffer sizes are the system's.").aliases(&["A8"]),
        TranslationName => ignored("translation_name", "Windows translation DLLs do not exist here.")
            .aliases(&["TranslationName", "TranslationDLL", "TranslationOption"]),
        Lie => ignored("lie", "Unsupported features are refused, never claimed."),
        ExtraOptions => ignored("extra_options", "psqlODBC's bit mask of extra options (AB); the options it names have no counterpart here.")
            .aliases(&["AB"]),
        AbbreviatedFlags => ignored("abbreviated_flags", "psqlODBC's bit mask (CX) for the boolean keys of an abbreviated connection string is not decoded: give the keys themselves (their two-character abbreviations, A0 to D4, are accepted as aliases).")
            .aliases(&["CX"]),
        LogDir => ignored("logdir", "Use log_file."),
        DtcLog => ignored("dtclog", "Distributed transactions (MSDTC) are not supported."),
        GssAuthUseGss => ignored("gss_auth_use_gss", "GSSAPI authentication is not offered; the server's other methods are.")
            .aliases(&["GssAuthUseGSS", "D0"]),
        PreferLibpq => ignored("prefer_libpq", "The driver speaks the protocol itself; there is no libpq to prefer.")
            .aliases(&["PreferLibpq", "D3"]),
        FileDsn => ignored("filedsn", "Read by the driver manager."),
        SaveFile => ignored("savefile", "Read by the driver manager."),
    }
}
