/* Replays the ODBC call sequence of Power BI's ODBC connector (a Unicode application) and
 * asserts what it gets back: SQLDriverConnectW NOPROMPT, a burst of SQLGetInfoW probes
 * (ODBC 4 and unknown types must fail with HY096 and nothing worse), SQLGetTypeInfoW,
 * navigation through SQLTablesW("TABLE,VIEW") and SQLColumnsW, then a prepared query whose
 * columns are described with SQLColAttributeW and read with SQLGetData(SQL_C_WCHAR) in pieces.
 * Usage: powerbi "<connection string>" */
/* A Unicode application: not even failure reports may call the ANSI entry points. */
#define CHECK_UNICODE_ONLY
#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;

static void connect(const char *cs) {
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)), "alloc env", SQL_HANDLE_ENV, env);
  CHECK(OK(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3_80, 0)), "ODBC 3.80", SQL_HANDLE_ENV, env);
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc)), "alloc dbc", SQL_HANDLE_ENV, env);
  CHECK(OK(SQLSetConnectAttrW(dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)15, 0)), "login timeout", SQL_HANDLE_DBC, dbc);
  SQLWCHAR out[1024];
  SQLSMALLINT out_len = 0;
  SQLRETURN rc = SQLDriverConnectW(dbc, NULL, W(cs), SQL_NTS, out, 1024, &out_len, SQL_DRIVER_NOPROMPT);
  CHECK(OK(rc), "SQLDriverConnectW NOPROMPT", SQL_HANDLE_DBC, dbc);
  CHECK(out_len > 0 && strstr(U8(out, -1), "Database=") != NULL, "completed connection string", SQL_HANDLE_DBC, dbc);
  printf("ok connect\n");
}

static const char *info_string(SQLUSMALLINT type) {
  static SQLWCHAR buf[2048];
  SQLSMALLINT len = -1;
  SQLRETURN rc = SQLGetInfoW(dbc, type, buf, sizeof buf, &len);
  char what[64];
  snprintf(what, sizeof what, "SQLGetInfoW(%u)", type);
  CHECK(OK(rc), what, SQL_HANDLE_DBC, dbc);
  CHECK(len >= 0 && len % 2 == 0, "string info length in bytes", SQL_HANDLE_DBC, dbc);
  return U8(buf, -1);
}

static SQLUINTEGER info_u32(SQLUSMALLINT type) {
  SQLUINTEGER v = 0xdeadbeef;
  char what[64];
  snprintf(what, sizeof what, "SQLGetInfoW(%u) as 32-bit", type);
  CHECK(OK(SQLGetInfoW(dbc, type, &v, sizeof v, NULL)), what, SQL_HANDLE_DBC, dbc);
  return v;
}

static SQLUSMALLINT info_u16(SQLUSMALLINT type) {
  SQLUSMALLINT v = 0xbeef;
  char what[64];
  snprintf(what, sizeof what, "SQLGetInfoW(%u) as 16-bit", type);
  CHECK(OK(SQLGetInfoW(dbc, type, &v, sizeof v, NULL)), what, SQL_HANDLE_DBC, dbc);
  return v;
}

/* The value of `key` in a connection string (up to the next ';'), in a static buffer. */
static const char *conn_value(const char *cs, const char *key) {
  static char out[256];
  out[0] = 0;
  size_t klen = strlen(key);
  for (const char *p = cs; *p; p++) {
    if ((p == cs || p[-1] == ';') && strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
      const char *v = p + klen + 1;
      size_t n = strcspn(v, ";");
      if (n >= sizeof out) n = sizeof out - 1;
      memcpy(out, v, n);
      out[n] = 0;
      break;
    }
  }
  return out;
}

/* "MM.mm.rrrr", every character a digit but the two dots. */
static int is_dbms_version(const char *v) {
  if (strlen(v) != 10) return 0;
  for (int i = 0; i < 10; i++)
    if (i == 2 || i == 5 ? v[i] != '.' : (v[i] < '0' || v[i] > '9')) return 0;
  return 1;
}

static void probe_info(const char *cs) {
  CHECK(strcmp(info_string(SQL_DBMS_NAME), "PostgreSQL") == 0, "DBMS name", SQL_HANDLE_DBC, dbc);
  CHECK(is_dbms_version(info_string(SQL_DBMS_VER)), "DBMS version as MM.mm.rrrr", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_DRIVER_NAME), "libauroraodbc.so") == 0, "driver name", SQL_HANDLE_DBC, dbc);
  CHECK(strlen(info_string(SQL_DRIVER_VER)) == 10, "driver version ##.##.####", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_DRIVER_ODBC_VER), "03.80") == 0, "driver ODBC version", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_IDENTIFIER_QUOTE_CHAR), "\"") == 0, "identifier quote", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_CATALOG_NAME_SEPARATOR), ".") == 0, "catalog separator", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_SEARCH_PATTERN_ESCAPE), "\\") == 0, "pattern escape", SQL_HANDLE_DBC, dbc);
  /* PostgreSQL's reserved words beyond ODBC's own list, comma-separated. */
  CHECK(strncmp(info_string(SQL_KEYWORDS), "ANALYSE,ANALYZE,", 16) == 0, "keywords", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_SPECIAL_CHARACTERS), "$") == 0, "special characters", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_DATABASE_NAME), conn_value(cs, "Database")) == 0, "database name", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_USER_NAME), conn_value(cs, "UID")) == 0, "user name", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_ORDER_BY_COLUMNS_IN_SELECT), "N") == 0, "order by columns need not be selected", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_COLUMN_ALIAS), "Y") == 0, "column alias", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_LIKE_ESCAPE_CLAUSE), "Y") == 0, "LIKE escape clause", SQL_HANDLE_DBC, dbc);
  /* The ODBC 3 types numbered from 10000 are real ones and must answer. */
  CHECK(strlen(info_string(SQL_XOPEN_CLI_YEAR)) == 4, "X/Open CLI year", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(info_string(SQL_CATALOG_NAME), "Y") == 0, "catalog name", SQL_HANDLE_DBC, dbc);
  /* "N" as psqlODBC: SQLDescribeParam answers, but not with the target column's precision. */
  CHECK(strcmp(info_string(SQL_DESCRIBE_PARAMETER), "N") == 0, "describe parameter", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_CURSOR_SENSITIVITY) == SQL_INSENSITIVE, "cursor sensitivity", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_SQL_CONFORMANCE) == SQL_SC_SQL92_ENTRY, "SQL conformance", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_ODBC_INTERFACE_CONFORMANCE) == SQL_OIC_CORE, "interface conformance is core", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_AGGREGATE_FUNCTIONS) & SQL_AF_SUM, "aggregates include SUM", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_STRING_FUNCTIONS) & SQL_FN_STR_CONCAT, "string functions", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_NUMERIC_FUNCTIONS) & SQL_FN_NUM_ABS, "numeric functions", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_TIMEDATE_FUNCTIONS) & SQL_FN_TD_NOW, "date functions", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_CONVERT_FUNCTIONS) == (SQL_FN_CVT_CONVERT | SQL_FN_CVT_CAST), "convert functions", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_SQL92_PREDICATES) == (SQL_SP_EXISTS | SQL_SP_ISNOTNULL | SQL_SP_ISNULL | SQL_SP_OVERLAPS | SQL_SP_LIKE | SQL_SP_IN |
                                           SQL_SP_BETWEEN | SQL_SP_COMPARISON | SQL_SP_QUANTIFIED_COMPARISON),
        "SQL-92 predicates", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_SQL92_RELATIONAL_JOIN_OPERATORS) == (SQL_SRJO_CROSS_JOIN | SQL_SRJO_EXCEPT_JOIN | SQL_SRJO_FULL_OUTER_JOIN | SQL_SRJO_INNER_JOIN |
                                                          SQL_SRJO_INTERSECT_JOIN | SQL_SRJO_LEFT_OUTER_JOIN | SQL_SRJO_NATURAL_JOIN |
                                                          SQL_SRJO_RIGHT_OUTER_JOIN),
        "SQL-92 join operators", SQL_HANDLE_DBC, dbc);
  /* Three-part names naming the current database work wherever schema-qualified ones do. */
  SQLUINTEGER usage = SQL_SU_DML_STATEMENTS | SQL_SU_PROCEDURE_INVOCATION | SQL_SU_TABLE_DEFINITION | SQL_SU_INDEX_DEFINITION |
                      SQL_SU_PRIVILEGE_DEFINITION;
  CHECK(info_u32(SQL_CATALOG_USAGE) == usage, "catalog usage", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_SCHEMA_USAGE) == usage, "schema usage", SQL_HANDLE_DBC, dbc);
  CHECK(info_u32(SQL_OJ_CAPABILITIES) == (SQL_OJ_LEFT | SQL_OJ_RIGHT | SQL_OJ_FULL | SQL_OJ_NESTED | SQL_OJ_NOT_ORDERED | SQL_OJ_INNER |
                                          SQL_OJ_ALL_COMPARISON_OPS),
        "outer joins", SQL_HANDLE_DBC, dbc);
  /* An integer converts to every character, numeric and bit type. */
  CHECK(info_u32(SQL_CONVERT_INTEGER) == (SQL_CVT_CHAR | SQL_CVT_VARCHAR | SQL_CVT_LONGVARCHAR | SQL_CVT_WCHAR | SQL_CVT_WVARCHAR |
                                          SQL_CVT_WLONGVARCHAR | SQL_CVT_NUMERIC | SQL_CVT_DECIMAL | SQL_CVT_INTEGER | SQL_CVT_SMALLINT |
                                          SQL_CVT_TINYINT | SQL_CVT_BIGINT | SQL_CVT_FLOAT | SQL_CVT_REAL | SQL_CVT_DOUBLE | SQL_CVT_BIT),
        "integer conversions", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_GROUP_BY) == SQL_GB_GROUP_BY_CONTAINS_SELECT, "group by", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_MAX_IDENTIFIER_LEN) == 63, "max identifier length", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_IDENTIFIER_CASE) == SQL_IC_LOWER, "identifier case", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_QUOTED_IDENTIFIER_CASE) == SQL_IC_SENSITIVE, "quoted identifier case", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_TXN_CAPABLE) == SQL_TC_ALL, "transactions take DDL too", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_NULL_COLLATION) == SQL_NC_HIGH, "NULLs sort high", SQL_HANDLE_DBC, dbc);
  CHECK(info_u16(SQL_CONCAT_NULL_BEHAVIOR) == SQL_CB_NULL, "concatenation with NULL is NULL", SQL_HANDLE_DBC, dbc);

  /* ODBC 4 and unknown information types: a benign HY096, never a crash. The driver manager
   * passes values it does not know straight to the driver. */
  SQLUSMALLINT unknown[] = {180, 181, 182, 10100, 10199, 11000, 20000, 65535};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    SQLWCHAR buf[256];
    SQLSMALLINT len = -1;
    char what[64];
    snprintf(what, sizeof what, "unknown info type %u answers HY096", unknown[i]);
    SQLRETURN rc = SQLGetInfoW(dbc, unknown[i], buf, sizeof buf, &len);
    CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_DBC, dbc), "HY096") == 0, what, SQL_HANDLE_DBC, dbc);
    /* Even without an output buffer. */
    rc = SQLGetInfoW(dbc, unknown[i], NULL, 0, NULL);
    CHECK(rc == SQL_ERROR, what, SQL_HANDLE_DBC, dbc);
  }
  /* The connection is still usable afterwards. */
  CHECK(strcmp(info_string(SQL_DBMS_NAME), "PostgreSQL") == 0, "DBMS name after probes", SQL_HANDLE_DBC, dbc);
  printf("ok info probes\n");
}

static const char *col_w(SQLHSTMT st, SQLUSMALLINT col) {
  static SQLWCHAR buf[512];
  SQLLEN ind = 0;
  SQLRETURN rc = SQLGetData(st, col, SQL_C_WCHAR, buf, sizeof buf, &ind);
  CHECK(OK(rc), "SQLGetData WCHAR", SQL_HANDLE_STMT, st);
  if (ind == SQL_NULL_DATA) return NULL;
  return U8(buf, -1);
}

static SQLLEN col_long(SQLHSTMT st, SQLUSMALLINT col, int *is_null) {
  SQLLEN v = 0, ind = 0;
  CHECK(OK(SQLGetData(st, col, SQL_C_SBIGINT, &v, 0, &ind)), "SQLGetData SBIGINT", SQL_HANDLE_STMT, st);
  *is_null = ind == SQL_NULL_DATA;
  return v;
}

static void type_info(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLGetTypeInfoW(st, SQL_ALL_TYPES)), "SQLGetTypeInfoW(SQL_ALL_TYPES)", SQL_HANDLE_STMT, st);
  SQLSMALLINT cols = 0;
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols >= 19, "type info has the 19 ODBC 3 columns", SQL_HANDLE_STMT, st);
  int rows = 0, saw_int4 = 0, saw_text = 0, saw_timestamp = 0, saw_numeric = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    rows++;
    const char *name = col_w(st, 1);
    int null;
    SQLLEN data_type = col_long(st, 2, &null);
    CHECK(name != NULL && !null, "type name and data type", SQL_HANDLE_STMT, st);
    if (strcmp(name, "int4") == 0 && data_type == SQL_INTEGER) saw_int4 = 1;
    if (strcmp(name, "text") == 0) saw_text = 1;
    if (strcmp(name, "timestamp") == 0 && data_type == SQL_TYPE_TIMESTAMP) saw_timestamp = 1;
    if (strcmp(name, "numeric") == 0 && data_type == SQL_NUMERIC) saw_numeric = 1;
  }
  CHECK(rc == SQL_NO_DATA, "type info ends with SQL_NO_DATA", SQL_HANDLE_STMT, st);
  CHECK(rows >= 10 && saw_int4 && saw_text && saw_timestamp && saw_numeric, "type info lists int4, text, timestamp, numeric", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok type info (%d types)\n", rows);
}

/* A long value with characters outside ASCII and outside the BMP, read in pieces. */
static const char *LONG_NAME_PIECE = "Zürich–Straße €42 😀 ";

static void setup(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP VIEW IF EXISTS pbi_sales_v");
  exec(st, "DROP TABLE IF EXISTS pbi_sales");
  exec(st, "CREATE TABLE pbi_sales (id int4 PRIMARY KEY, region varchar(40) NOT NULL, note text, amount numeric(12,2), sold_at timestamp)");
  exec(st, "CREATE VIEW pbi_sales_v AS SELECT region, sum(amount) AS total FROM pbi_sales GROUP BY region");
  char sql[4096];
  char note[2048] = "";
  for (int i = 0; i < 20; i++) strcat(note, LONG_NAME_PIECE);
  snprintf(sql, sizeof sql,
           "INSERT INTO pbi_sales VALUES (1, 'north', '%s', 10.50, '2024-01-02 03:04:05'), "
           "(2, 'south', NULL, 20.25, NULL), (3, 'north', 'short', NULL, '2024-12-31 23:59:59')",
           note);
  exec(st, sql);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void navigate(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLTablesW(st, NULL, 0, NULL, 0, NULL, 0, W("TABLE,VIEW"), SQL_NTS)), "SQLTablesW TABLE,VIEW", SQL_HANDLE_STMT, st);
  int table = 0, view = 0, others = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    char name[256], type[64];
    snprintf(name, sizeof name, "%s", col_w(st, 3));
    snprintf(type, sizeof type, "%s", col_w(st, 4));
    if (strcmp(type, "TABLE") != 0 && strcmp(type, "VIEW") != 0) others++;
    if (strcmp(name, "pbi_sales") == 0 && strcmp(type, "TABLE") == 0) table++;
    if (strcmp(name, "pbi_sales_v") == 0 && strcmp(type, "VIEW") == 0) view++;
  }
  CHECK(rc == SQL_NO_DATA, "tables end", SQL_HANDLE_STMT, st);
  CHECK(table == 1 && view == 1, "the table and the view are listed once each", SQL_HANDLE_STMT, st);
  CHECK(others == 0, "only TABLE and VIEW rows", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);

  CHECK(OK(SQLColumnsW(st, NULL, 0, W("public"), SQL_NTS, W("pbi_sales"), SQL_NTS, NULL, 0)), "SQLColumnsW", SQL_HANDLE_STMT, st);
  const char *names[] = {"id", "region", "note", "amount", "sold_at"};
  SQLLEN types[] = {SQL_INTEGER, SQL_VARCHAR, SQL_LONGVARCHAR, SQL_NUMERIC, SQL_TYPE_TIMESTAMP};
  SQLLEN nullable[] = {SQL_NO_NULLS, SQL_NO_NULLS, SQL_NULLABLE, SQL_NULLABLE, SQL_NULLABLE};
  int n = 0;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    CHECK(n < 5, "five columns", SQL_HANDLE_STMT, st);
    int null;
    char what[128];
    const char *name = col_w(st, 4);
    SQLLEN type = col_long(st, 5, &null);
    SQLLEN size = col_long(st, 7, &null);
    SQLLEN is_nullable = col_long(st, 11, &null);
    SQLLEN position = col_long(st, 17, &null);
    snprintf(what, sizeof what, "column %d: %s type %ld size %ld nullable %ld", n + 1, name, (long)type, (long)size, (long)is_nullable);
    CHECK(strcmp(name, names[n]) == 0 && position == n + 1, what, SQL_HANDLE_STMT, st);
    CHECK(type == types[n] || (n == 2 && type == SQL_WLONGVARCHAR) || (n == 1 && type == SQL_WVARCHAR), what, SQL_HANDLE_STMT, st);
    CHECK(is_nullable == nullable[n], what, SQL_HANDLE_STMT, st);
    if (n == 1) CHECK(size == 40, what, SQL_HANDLE_STMT, st);
    n++;
  }
  CHECK(rc == SQL_NO_DATA && n == 5, "columns end after five", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok navigation\n");
}

static SQLLEN attr_num(SQLHSTMT st, SQLUSMALLINT col, SQLUSMALLINT field) {
  SQLLEN v = -12345;
  char what[64];
  snprintf(what, sizeof what, "SQLColAttributeW(%u, %u)", col, field);
  CHECK(OK(SQLColAttributeW(st, col, field, NULL, 0, NULL, &v)), what, SQL_HANDLE_STMT, st);
  return v;
}

static const char *attr_str(SQLHSTMT st, SQLUSMALLINT col, SQLUSMALLINT field) {
  SQLWCHAR buf[256];
  SQLSMALLINT len = -1;
  char what[64];
  snprintf(what, sizeof what, "SQLColAttributeW(%u, %u) string", col, field);
  CHECK(OK(SQLColAttributeW(st, col, field, buf, sizeof buf, &len, NULL)), what, SQL_HANDLE_STMT, st);
  CHECK(len >= 0 && len % 2 == 0, what, SQL_HANDLE_STMT, st);
  return U8(buf, -1);
}

static void query(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLPrepareW(st, W("SELECT id, region, note, amount, sold_at FROM pbi_sales ORDER BY id"), SQL_NTS)), "SQLPrepareW", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)), "SQLExecute (it has no W form)", SQL_HANDLE_STMT, st);
  SQLSMALLINT cols = 0;
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols == 5, "five result columns", SQL_HANDLE_STMT, st);
  /* `nullable` is what the catalog says: id is the primary key and region NOT NULL. */
  struct { const char *name, *type_name; SQLLEN concise, nullable; } expect[] = {
    {"id", "int4", SQL_INTEGER, SQL_NO_NULLS},
    {"region", "varchar", SQL_VARCHAR, SQL_NO_NULLS},
    {"note", "text", SQL_LONGVARCHAR, SQL_NULLABLE},
    {"amount", "numeric", SQL_NUMERIC, SQL_NULLABLE},
    {"sold_at", "timestamp without time zone", SQL_TYPE_TIMESTAMP, SQL_NULLABLE},
  };
  for (SQLUSMALLINT c = 1; c <= 5; c++) {
    char what[320];
    char name[64], type_name[64];
    snprintf(name, sizeof name, "%s", attr_str(st, c, SQL_DESC_NAME));
    snprintf(type_name, sizeof type_name, "%s", attr_str(st, c, SQL_DESC_TYPE_NAME));
    SQLLEN concise = attr_num(st, c, SQL_DESC_CONCISE_TYPE);
    SQLLEN length = attr_num(st, c, SQL_DESC_LENGTH);
    SQLLEN octets = attr_num(st, c, SQL_DESC_OCTET_LENGTH);
    SQLLEN nullable = attr_num(st, c, SQL_DESC_NULLABLE);
    snprintf(what, sizeof what, "column %u: name %s type %s concise %ld length %ld octets %ld nullable %ld (the catalog says %ld)", c, name,
             type_name, (long)concise, (long)length, (long)octets, (long)nullable, (long)expect[c - 1].nullable);
    printf("  %s\n", what);
    CHECK(strcmp(name, expect[c - 1].name) == 0 && strcmp(type_name, expect[c - 1].type_name) == 0, what, SQL_HANDLE_STMT, st);
    CHECK(concise == expect[c - 1].concise || (c == 2 && concise == SQL_WVARCHAR) || (c == 3 && concise == SQL_WLONGVARCHAR), what, SQL_HANDLE_STMT, st);
    CHECK(nullable == expect[c - 1].nullable, what, SQL_HANDLE_STMT, st);
    CHECK(length > 0 && octets > 0, what, SQL_HANDLE_STMT, st);
    if (c == 1) CHECK(length == 10 && octets == 4, what, SQL_HANDLE_STMT, st);
    if (c == 2) CHECK(length == 40, what, SQL_HANDLE_STMT, st);
  }

  char note[2048] = "";
  for (int i = 0; i < 20; i++) strcat(note, LONG_NAME_PIECE);
  for (int row = 1; row <= 3; row++) {
    CHECK(OK(SQLFetch(st)), "SQLFetch", SQL_HANDLE_STMT, st);
    int null;
    CHECK(col_long(st, 1, &null) == row, "id", SQL_HANDLE_STMT, st);
    /* The note in pieces of 15 characters (32-byte buffer): 01004 until the last piece. */
    SQLWCHAR piece[16];
    SQLWCHAR whole[4096];
    size_t have = 0;
    SQLLEN ind = 0;
    int pieces = 0;
    SQLRETURN rc;
    while ((rc = SQLGetData(st, 3, SQL_C_WCHAR, piece, sizeof piece, &ind)) != SQL_NO_DATA) {
      CHECK(OK(rc), "SQLGetData WCHAR piece", SQL_HANDLE_STMT, st);
      pieces++;
      if (ind == SQL_NULL_DATA) break;
      if (rc == SQL_SUCCESS_WITH_INFO) {
        CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "01004") == 0, "01004 for a partial piece", SQL_HANDLE_STMT, st);
        CHECK(ind == SQL_NO_TOTAL || ind > (SQLLEN)(15 * sizeof(SQLWCHAR)), "the indicator gives what is left", SQL_HANDLE_STMT, st);
      }
      size_t units = 0;
      while (units < 15 && piece[units]) units++;
      memcpy(whole + have, piece, units * sizeof(SQLWCHAR));
      have += units;
      CHECK(have < 4000, "piece accumulation", SQL_HANDLE_STMT, st);
      if (rc == SQL_SUCCESS) break;
    }
    whole[have] = 0;
    if (row == 1) {
      CHECK(strcmp(U8(whole, -1), note) == 0, "the long note arrives whole across pieces", SQL_HANDLE_STMT, st);
      CHECK(pieces > 20, "the long note took many pieces", SQL_HANDLE_STMT, st);
      CHECK(SQLGetData(st, 3, SQL_C_WCHAR, piece, sizeof piece, &ind) == SQL_NO_DATA, "SQL_NO_DATA after the last piece", SQL_HANDLE_STMT, st);
    } else if (row == 2) {
      CHECK(ind == SQL_NULL_DATA, "NULL note", SQL_HANDLE_STMT, st);
    } else {
      CHECK(strcmp(U8(whole, -1), "short") == 0, "short note", SQL_HANDLE_STMT, st);
    }
    const char *amount = col_w(st, 4);
    if (row == 1) CHECK(amount && strcmp(amount, "10.50") == 0, "amount as WCHAR", SQL_HANDLE_STMT, st);
    if (row == 3) CHECK(amount == NULL, "NULL amount", SQL_HANDLE_STMT, st);
    const char *sold = col_w(st, 5);
    if (row == 1) CHECK(sold && strcmp(sold, "2024-01-02 03:04:05") == 0, "timestamp as WCHAR", SQL_HANDLE_STMT, st);
  }
  CHECK(SQLFetch(st) == SQL_NO_DATA, "three rows", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok query\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: powerbi CONNECTION-STRING\n");
    return 2;
  }
  connect(argv[1]);
  probe_info(argv[1]);
  type_info();
  setup();
  navigate();
  query();
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP VIEW pbi_sales_v");
  exec(st, "DROP TABLE pbi_sales");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
