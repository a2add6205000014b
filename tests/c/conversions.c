/* Conversions as psqlODBC performs them, through unixODBC: the server type a parameter's SQL
 * type gives it, values read as C types, and what each conversion answers.
 * Usage: conversions "<connection string>" ["<connection string with RewriteBatchedInserts>"]
 * Prints one line per check; exits 1 at the first failure with the diagnostics. */
#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;

/* The first column of the first row of the open result as text (static buffer); the cursor is
 * closed after. */
static const char *first_value(SQLHSTMT st) {
  static char text[512];
  SQLLEN ind = 0;
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, text, sizeof text, &ind)), "get data", SQL_HANDLE_STMT, st);
  if (ind == SQL_NULL_DATA) snprintf(text, sizeof text, "NULL");
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  return text;
}

/* How the statement is run: directly, prepared after binding, or prepared before binding
 * (the usual order: the driver prepares again once it knows the parameter's type). */
enum order { DIRECT, BIND_THEN_PREPARE, PREPARE_THEN_BIND };

/* Runs `sql`, a one-value query with one parameter bound as `c_type`/`sql_type`, and returns
 * the value as text. */
static const char *one_param(const char *sql, SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
                             SQLSMALLINT digits, void *value, SQLLEN len, enum order order) {
  SQLHSTMT st = stmt_on(dbc);
  static SQLLEN ind;
  ind = len;
  if (order == PREPARE_THEN_BIND)
    CHECK(OK(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS)), sql, SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, c_type, sql_type, size, digits, value, len > 0 ? len : 0, &ind)),
        "bind", SQL_HANDLE_STMT, st);
  if (order == BIND_THEN_PREPARE)
    CHECK(OK(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS)), sql, SQL_HANDLE_STMT, st);
  SQLRETURN rc = order == DIRECT ? SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS) : SQLExecute(st);
  CHECK(OK(rc), sql, SQL_HANDLE_STMT, st);
  const char *text = first_value(st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return text;
}

#define EXPECT_TEXT(got, want, what)                                              \
  do {                                                                            \
    const char *got_ = (got);                                                     \
    if (strcmp(got_, (want)) != 0) {                                              \
      fprintf(stderr, "FAIL %s: got '%s', want '%s' (line %d)\n", (what), got_, (want), __LINE__); \
      exit(1);                                                                    \
    }                                                                             \
  } while (0)

/* Issue 14 item 3: the SQL type of SQLBindParameter decides the parameter's server type where
 * the statement leaves it open, as psqlODBC's casts ($1::int4) do. */
static void test_typed_params(void) {
  const char *cmp = "SELECT CASE WHEN '555' > ? THEN 'as text' ELSE 'as number' END";
  SQLINTEGER thousand = 1000;
  char thousand_text[] = "1000";
  for (int order = DIRECT; order <= PREPARE_THEN_BIND; order++) {
    EXPECT_TEXT(one_param(cmp, SQL_C_SLONG, SQL_INTEGER, 10, 0, &thousand, 0, order), "as number",
                "SQL_INTEGER compares as a number");
    EXPECT_TEXT(one_param(cmp, SQL_C_CHAR, SQL_INTEGER, 10, 0, thousand_text, SQL_NTS, order), "as number",
                "character data bound as SQL_INTEGER compares as a number");
    /* Character SQL types leave the type to the statement: here text, as psqlODBC. */
    EXPECT_TEXT(one_param(cmp, SQL_C_CHAR, SQL_VARCHAR, 10, 0, thousand_text, SQL_NTS, order), "as text",
                "SQL_VARCHAR compares as text");
  }
  /* The server type each SQL type gives (psqlODBC's table); none for character types,
   * SQL_BIT, SQL_DOUBLE/SQL_FLOAT and SQL_LONGVARBINARY (the server infers text here). */
  struct {
    SQLSMALLINT sql_type;
    const char *value;
    const char *type;
  } types[] = {
      {SQL_INTEGER, "7", "integer"},
      {SQL_SMALLINT, "7", "smallint"},
      {SQL_TINYINT, "7", "smallint"},
      {SQL_BIGINT, "7", "bigint"},
      {SQL_REAL, "1.5", "real"},
      {SQL_DOUBLE, "1.5", "text"},
      {SQL_FLOAT, "1.5", "text"},
      {SQL_NUMERIC, "1.5", "numeric"},
      {SQL_DECIMAL, "1.5", "numeric"},
      {SQL_BIT, "1", "text"},
      {SQL_TYPE_DATE, "2024-02-03", "date"},
      {SQL_TYPE_TIME, "04:05:06", "time without time zone"},
      {SQL_TYPE_TIMESTAMP, "2024-02-03 04:05:06", "timestamp without time zone"},
      {SQL_GUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "uuid"},
      {SQL_VARBINARY, "0102", "bytea"},
      {SQL_LONGVARBINARY, "0102", "text"},
      {SQL_INTERVAL_DAY_TO_SECOND, "1 day 02:03:04", "interval"},
      {SQL_VARCHAR, "x", "text"},
      {SQL_WVARCHAR, "x", "text"},
      {SQL_LONGVARCHAR, "x", "text"},
  };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    char value[64], what[96];
    snprintf(value, sizeof value, "%s", types[i].value);
    snprintf(what, sizeof what, "server type of SQL type %d", types[i].sql_type);
    EXPECT_TEXT(one_param("SELECT pg_typeof(x)::text FROM (SELECT ? AS x) s", SQL_C_CHAR, types[i].sql_type, 40, 0, value, SQL_NTS, DIRECT),
                types[i].type, what);
  }
  /* What worked before still does: character data into any column, and a number into a
   * text column (the server's assignment cast). */
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "CREATE TEMP TABLE typed (i int4, b bool, t text, n numeric(10,2))");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  char forty_two[] = "42";
  char yes[] = "1";
  SQLINTEGER seven = 7;
  EXPECT_TEXT(one_param("INSERT INTO typed (i) VALUES (?) RETURNING i", SQL_C_CHAR, SQL_VARCHAR, 10, 0, forty_two, SQL_NTS, DIRECT),
              "42", "character data into int4");
  EXPECT_TEXT(one_param("INSERT INTO typed (b) VALUES (?) RETURNING b::text", SQL_C_CHAR, SQL_CHAR, 1, 0, yes, SQL_NTS, DIRECT),
              "true", "character data into bool");
  EXPECT_TEXT(one_param("INSERT INTO typed (t) VALUES (?) RETURNING t", SQL_C_SLONG, SQL_INTEGER, 10, 0, &seven, 0, DIRECT),
              "7", "SQL_INTEGER into text");
  EXPECT_TEXT(one_param("INSERT INTO typed (n) VALUES (?) RETURNING n", SQL_C_SLONG, SQL_INTEGER, 10, 0, &seven, 0, PREPARE_THEN_BIND),
              "7.00", "SQL_INTEGER into numeric");
  /* A typed parameter is converted by the server's input function of its type: a date
   * bound as SQL_TYPE_DATE keeps only the date, even into a text column. */
  char stamp[] = "2024-02-03 04:05:06";
  EXPECT_TEXT(one_param("INSERT INTO typed (t) VALUES (?) RETURNING t", SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, stamp, SQL_NTS, DIRECT),
              "2024-02-03", "SQL_TYPE_DATE into text");
  printf("ok typed_params\n");
}

/* A parameter array takes the bound types too, pipelined and as rewritten multi-row INSERTs. */
static void test_typed_param_array(SQLHDBC conn, const char *label) {
  SQLHSTMT st;
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_STMT, conn, &st)), "alloc stmt", SQL_HANDLE_DBC, conn);
  exec(st, "CREATE TEMP TABLE typed_array (t text)");
  enum { N = 3 };
  char dates[N][24] = {"2024-01-01 10:00:00", "2024-01-02 11:00:00", "2024-01-03 12:00:00"};
  SQLLEN ind[N] = {SQL_NTS, SQL_NTS, SQL_NTS};
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)N, 0)), "paramset size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO typed_array VALUES (?)", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, dates, sizeof dates[0], ind)),
        "bind array", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)), "execute array", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0)), "paramset size 1", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFreeStmt(st, SQL_RESET_PARAMS)), "reset params", SQL_HANDLE_STMT, st);
  exec(st, "SELECT string_agg(t, ',' ORDER BY t) FROM typed_array");
  EXPECT_TEXT(first_value(st), "2024-01-01,2024-01-02,2024-01-03", label);
  exec(st, "DROP TABLE typed_array");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok typed_param_array (%s)\n", label);
}

/* Issue 14 item 4: values only the server can render (money, reg* types) come back as its
 * text in every fetch path: bound columns over several rows, forward-only and static cursors,
 * inside a manual-commit transaction; numeric targets still take money as a number. */
static void test_server_text(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SET lc_monetary = 'C'");
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  SQLULEN cursors[] = {SQL_CURSOR_FORWARD_ONLY, SQL_CURSOR_STATIC};
  for (int c = 0; c < 2; c++) {
    CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)cursors[c], 0)), "cursor type", SQL_HANDLE_STMT, st);
    exec(st, "SELECT g, (g * 1000)::money, CASE WHEN g = 2 THEN 'pg_type'::regclass ELSE 'pg_class'::regclass END "
             "FROM generate_series(1, 3) g ORDER BY g");
    SQLINTEGER g;
    char money[32], rel[32];
    SQLLEN g_ind, money_ind, rel_ind;
    CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &g, 0, &g_ind)), "bind g", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, money, sizeof money, &money_ind)), "bind money", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLBindCol(st, 3, SQL_C_CHAR, rel, sizeof rel, &rel_ind)), "bind regclass", SQL_HANDLE_STMT, st);
    const char *monies[] = {"$1,000.00", "$2,000.00", "$3,000.00"};
    const char *rels[] = {"pg_class", "pg_type", "pg_class"};
    for (int r = 0; r < 3; r++) {
      CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, st);
      EXPECT_TEXT(money, monies[r], "money bound as SQL_C_CHAR");
      EXPECT_TEXT(rel, rels[r], "regclass bound as SQL_C_CHAR");
      CHECK(money_ind == (SQLLEN)strlen(monies[r]), "money length", SQL_HANDLE_STMT, st);
    }
    CHECK(SQLFetch(st) == SQL_NO_DATA, "end", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)) && OK(SQLFreeStmt(st, SQL_UNBIND)), "close", SQL_HANDLE_STMT, st);
  }
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0)), "cursor type", SQL_HANDLE_STMT, st);
  /* A number out of money, as psqlODBC strips the symbol first. */
  exec(st, "SELECT '-1234.56'::money");
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch money", SQL_HANDLE_STMT, st);
  SQLDOUBLE d = 0;
  SQLLEN ind;
  CHECK(OK(SQLGetData(st, 1, SQL_C_DOUBLE, &d, 0, &ind)) && d == -1234.56, "money as SQL_C_DOUBLE", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  /* Inside a transaction: the text is rendered and the transaction goes on. */
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "manual commit", SQL_HANDLE_DBC, dbc);
  exec(st, "CREATE TEMP TABLE priced (p money)");
  exec(st, "INSERT INTO priced VALUES ('12.5')");
  exec(st, "SELECT p FROM priced");
  EXPECT_TEXT(first_value(st), "$12.50", "money inside a transaction");
  exec(st, "SELECT count(*) FROM priced");
  EXPECT_TEXT(first_value(st), "1", "the transaction goes on");
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok server_text\n");
}

/* Sets record 1 of an application descriptor to SQL_C_NUMERIC of `precision` and `scale`,
 * its data pointer last (as ODBC has applications do). */
static void set_numeric_shape(SQLHDESC desc, long precision, long scale, void *data) {
  CHECK(OK(SQLSetDescField(desc, 1, SQL_DESC_PRECISION, (SQLPOINTER)precision, 0)) &&
            OK(SQLSetDescField(desc, 1, SQL_DESC_SCALE, (SQLPOINTER)scale, 0)) &&
            OK(SQLSetDescField(desc, 1, SQL_DESC_DATA_PTR, data, 0)),
        "descriptor precision and scale", SQL_HANDLE_DESC, desc);
}

/* Issue 14 item 5: conversions as psqlODBC performs them. */
static void test_conversions(void) {
  SQLHSTMT st = stmt_on(dbc);
  /* A numeric of more than 38 digits does not fit SQL_C_NUMERIC: 01004, as psqlODBC. */
  exec(st, "SELECT 123456789012345678901234567890123456789012345::numeric");
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, st);
  SQL_NUMERIC_STRUCT ns;
  SQLLEN ind;
  SQLRETURN rc = SQLGetData(st, 1, SQL_C_NUMERIC, &ns, sizeof ns, &ind);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01004") == 0,
        "over 38 digits is 01004", SQL_HANDLE_STMT, st);
  CHECK(ns.precision == 45 && ns.scale == 0 && ns.sign == 1, "the digits' count", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  /* 38 digits fit exactly. */
  exec(st, "SELECT -12345678901234567890123456789012345678::numeric");
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, st);
  CHECK(SQLGetData(st, 1, SQL_C_NUMERIC, &ns, sizeof ns, &ind) == SQL_SUCCESS && ns.precision == 38 && ns.sign == 0,
        "38 digits fit", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  /* infinity and -infinity in date/time structs, clamped as psqlODBC clamps them. */
  exec(st, "SELECT 'infinity'::timestamp, '-infinity'::timestamptz, 'infinity'::date");
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, st);
  SQL_TIMESTAMP_STRUCT ts;
  CHECK(SQLGetData(st, 1, SQL_C_TYPE_TIMESTAMP, &ts, sizeof ts, &ind) == SQL_SUCCESS && ts.year == 9999 && ts.month == 12 &&
            ts.day == 31 && ts.hour == 23 && ts.minute == 59 && ts.second == 59 && ts.fraction == 0,
        "infinity as a timestamp", SQL_HANDLE_STMT, st);
  CHECK(SQLGetData(st, 2, SQL_C_TYPE_TIMESTAMP, &ts, sizeof ts, &ind) == SQL_SUCCESS && ts.year == -9999 && ts.month == 1 &&
            ts.day == 1 && ts.hour == 0,
        "-infinity as a timestamp", SQL_HANDLE_STMT, st);
  SQL_DATE_STRUCT ds;
  CHECK(SQLGetData(st, 3, SQL_C_TYPE_DATE, &ds, sizeof ds, &ind) == SQL_SUCCESS && ds.year == 9999 && ds.month == 12 && ds.day == 31,
        "infinity as a date", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFreeStmt(st, SQL_CLOSE)), "close", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  /* A uuid read as SQL_C_BINARY is its SQLGUID, as psqlODBC gives it. */
  {
    SQLHSTMT g_st = stmt_on(dbc);
    exec(g_st, "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid");
    CHECK(SQLFetch(g_st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, g_st);
    SQLGUID guid;
    SQLLEN g_ind;
    CHECK(SQLGetData(g_st, 1, SQL_C_BINARY, &guid, sizeof guid, &g_ind) == SQL_SUCCESS && g_ind == 16 &&
              guid.Data1 == 0xa0eebc99 && guid.Data2 == 0x9c0b && guid.Data3 == 0x4ef8 && guid.Data4[0] == 0xbb &&
              guid.Data4[7] == 0x11,
          "uuid as SQL_C_BINARY", SQL_HANDLE_STMT, g_st);
    SQLFreeHandle(SQL_HANDLE_STMT, g_st);
  }
  /* An interval parameter keeps the larger fields of its family: an hour interval its days. */
  SQL_INTERVAL_STRUCT iv;
  memset(&iv, 0, sizeof iv);
  iv.interval_type = SQL_IS_HOUR;
  iv.intval.day_second.day = 2;
  iv.intval.day_second.hour = 5;
  EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_INTERVAL_HOUR, SQL_INTERVAL_HOUR, 2, 0, &iv, 0, DIRECT), "2 days 05:00:00",
              "SQL_C_INTERVAL_HOUR keeps its days");
  memset(&iv, 0, sizeof iv);
  iv.interval_type = SQL_IS_MONTH;
  iv.interval_sign = SQL_TRUE;
  iv.intval.year_month.year = 1;
  iv.intval.year_month.month = 2;
  EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_INTERVAL_MONTH, SQL_INTERVAL_MONTH, 2, 0, &iv, 0, DIRECT), "-1 years -2 mons",
              "SQL_C_INTERVAL_MONTH keeps its years");
  /* Binary parameters into character columns: the bytes are the characters (ODBC's rule, and
   * psqlODBC's); bytes that are not UTF-8 are refused with 22018, never cut. */
  {
    char utf8_bytes[] = "h\xc3\xa9llo";
    EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_BINARY, SQL_VARCHAR, 6, 0, utf8_bytes, 6, DIRECT), "h\xc3\xa9llo",
                "SQL_C_BINARY into SQL_VARCHAR");
    EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_BINARY, SQL_LONGVARCHAR, 6, 0, utf8_bytes, 6, PREPARE_THEN_BIND),
                "h\xc3\xa9llo", "SQL_C_BINARY into SQL_LONGVARCHAR, prepared");
    SQLHSTMT bin_st = stmt_on(dbc);
    char not_utf8[] = "a\xff";
    SQLLEN not_utf8_len = 2;
    CHECK(OK(SQLBindParameter(bin_st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARCHAR, 2, 0, not_utf8, 2, &not_utf8_len)),
          "bind", SQL_HANDLE_STMT, bin_st);
    CHECK(SQLExecDirect(bin_st, (SQLCHAR *)"SELECT ?::text", SQL_NTS) == SQL_ERROR &&
              strcmp(first_state(SQL_HANDLE_STMT, bin_st), "22018") == 0,
          "bytes that are not UTF-8 into a character parameter", SQL_HANDLE_STMT, bin_st);
    SQLFreeHandle(SQL_HANDLE_STMT, bin_st);
  }
  /* Text columns holding an interval read as interval structs, in each IntervalStyle the
   * server writes; other text is 22018. */
  {
    SQLHSTMT it_st = stmt_on(dbc);
    exec(it_st, "SELECT '1 day 02:03:04.5'::text, '-1-2'::varchar, 'P3DT4H'::text, 'abc'::text");
    CHECK(SQLFetch(it_st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, it_st);
    SQL_INTERVAL_STRUCT got_iv;
    SQLLEN iv_ind;
    memset(&got_iv, 0, sizeof got_iv);
    CHECK(SQLGetData(it_st, 1, SQL_C_INTERVAL_DAY_TO_SECOND, &got_iv, sizeof got_iv, &iv_ind) == SQL_SUCCESS &&
              got_iv.interval_type == SQL_IS_DAY_TO_SECOND && got_iv.interval_sign == SQL_FALSE &&
              got_iv.intval.day_second.day == 1 && got_iv.intval.day_second.hour == 2 &&
              got_iv.intval.day_second.minute == 3 && got_iv.intval.day_second.second == 4 &&
              got_iv.intval.day_second.fraction == 500000,
          "text as SQL_C_INTERVAL_DAY_TO_SECOND", SQL_HANDLE_STMT, it_st);
    memset(&got_iv, 0, sizeof got_iv);
    CHECK(SQLGetData(it_st, 2, SQL_C_INTERVAL_YEAR_TO_MONTH, &got_iv, sizeof got_iv, &iv_ind) == SQL_SUCCESS &&
              got_iv.interval_sign == SQL_TRUE && got_iv.intval.year_month.year == 1 &&
              got_iv.intval.year_month.month == 2,
          "sql_standard text as SQL_C_INTERVAL_YEAR_TO_MONTH", SQL_HANDLE_STMT, it_st);
    memset(&got_iv, 0, sizeof got_iv);
    CHECK(SQLGetData(it_st, 3, SQL_C_INTERVAL_HOUR, &got_iv, sizeof got_iv, &iv_ind) == SQL_SUCCESS &&
              got_iv.intval.day_second.hour == 76,
          "ISO 8601 text as SQL_C_INTERVAL_HOUR", SQL_HANDLE_STMT, it_st);
    CHECK(SQLGetData(it_st, 4, SQL_C_INTERVAL_DAY, &got_iv, sizeof got_iv, &iv_ind) == SQL_ERROR &&
              strcmp(first_state(SQL_HANDLE_STMT, it_st), "22018") == 0,
          "text that is no interval", SQL_HANDLE_STMT, it_st);
    SQLFreeHandle(SQL_HANDLE_STMT, it_st);
  }
  /* ODBC date/time escapes in character data bound as a date/time type, as psqlODBC reads them. */
  char escaped_date[] = "{d '2024-01-02'}";
  char escaped_stamp[] = "{ts '2024-01-02 03:04:05'}";
  EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, escaped_date, SQL_NTS, DIRECT), "2024-01-02",
              "{d ...} in a date parameter");
  EXPECT_TEXT(one_param("SELECT ?::text", SQL_C_CHAR, SQL_TYPE_TIMESTAMP, 19, 0, escaped_stamp, SQL_NTS, PREPARE_THEN_BIND),
              "2024-01-02 03:04:05", "{ts ...} in a timestamp parameter");
  /* SQL_C_NUMERIC takes the precision and scale an application sets in the APD / ARD. */
  {
    SQLHSTMT ns_st = stmt_on(dbc);
    SQL_NUMERIC_STRUCT param;
    memset(&param, 0, sizeof param);
    param.precision = 5;
    param.sign = 1;
    param.val[0] = 12345 & 0xff;
    param.val[1] = 12345 >> 8;
    SQLLEN param_ind = sizeof param;
    CHECK(OK(SQLBindParameter(ns_st, 1, SQL_PARAM_INPUT, SQL_C_NUMERIC, SQL_NUMERIC, 10, 2, &param, 0, &param_ind)),
          "bind numeric", SQL_HANDLE_STMT, ns_st);
    SQLHDESC apd;
    CHECK(OK(SQLGetStmtAttr(ns_st, SQL_ATTR_APP_PARAM_DESC, &apd, 0, NULL)), "APD", SQL_HANDLE_STMT, ns_st);
    set_numeric_shape(apd, 10, 2, &param);
    exec(ns_st, "SELECT ?::text");
    EXPECT_TEXT(first_value(ns_st), "123.45", "SQL_C_NUMERIC parameter at the APD's scale");
    CHECK(OK(SQLFreeStmt(ns_st, SQL_RESET_PARAMS)), "reset params", SQL_HANDLE_STMT, ns_st);
    SQL_NUMERIC_STRUCT got;
    SQLLEN got_ind;
    CHECK(OK(SQLBindCol(ns_st, 1, SQL_C_NUMERIC, &got, sizeof got, &got_ind)), "bind col", SQL_HANDLE_STMT, ns_st);
    SQLHDESC ard;
    CHECK(OK(SQLGetStmtAttr(ns_st, SQL_ATTR_APP_ROW_DESC, &ard, 0, NULL)), "ARD", SQL_HANDLE_STMT, ns_st);
    set_numeric_shape(ard, 10, 2, &got);
    exec(ns_st, "SELECT 123.456::numeric");
    SQLRETURN frc = SQLFetch(ns_st);
    CHECK(frc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, ns_st), "01S07") == 0, "a digit dropped: 01S07",
          SQL_HANDLE_STMT, ns_st);
    CHECK(got.precision == 10 && got.scale == 2 && got.sign == 1 && got.val[0] == (12345 & 0xff) && got.val[1] == (12345 >> 8),
          "SQL_C_NUMERIC column at the ARD's scale", SQL_HANDLE_STMT, ns_st);
    CHECK(OK(SQLFreeStmt(ns_st, SQL_CLOSE)) && OK(SQLFreeStmt(ns_st, SQL_UNBIND)), "close", SQL_HANDLE_STMT, ns_st);
    /* SQLGetData with SQL_ARD_TYPE takes them from the ARD record too. */
    CHECK(OK(SQLSetDescField(ard, 1, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_NUMERIC, 0)) &&
              OK(SQLSetDescField(ard, 1, SQL_DESC_PRECISION, (SQLPOINTER)10, 0)) && OK(SQLSetDescField(ard, 1, SQL_DESC_SCALE, (SQLPOINTER)4, 0)),
          "ARD record for SQL_ARD_TYPE", SQL_HANDLE_DESC, ard);
    exec(ns_st, "SELECT 1.5::numeric");
    CHECK(SQLFetch(ns_st) == SQL_SUCCESS, "fetch", SQL_HANDLE_STMT, ns_st);
    CHECK(SQLGetData(ns_st, 1, SQL_ARD_TYPE, &got, sizeof got, &got_ind) == SQL_SUCCESS && got.scale == 4 &&
              got.val[0] == (15000 & 0xff) && got.val[1] == (15000 >> 8),
          "SQL_ARD_TYPE numeric at the ARD's scale", SQL_HANDLE_STMT, ns_st);
    SQLFreeHandle(SQL_HANDLE_STMT, ns_st);
  }
  printf("ok conversions\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: conversions <connection string> [<rewriting connection string>]\n");
    return 2;
  }
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  test_typed_params();
  test_typed_param_array(dbc, "pipelined");
  test_server_text();
  test_conversions();
  if (argc > 2) {
    SQLHENV env2;
    SQLHDBC dbc2;
    connect_or_exit(argv[2], SQL_OV_ODBC3, &env2, &dbc2);
    test_typed_param_array(dbc2, "rewritten");
    disconnect_and_free(env2, dbc2);
  }
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
