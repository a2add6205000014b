/* Large objects (the `lo` extension's type), as psqlODBC supports them: an lo column is
 * described as SQL_LONGVARBINARY; a SQL_LONGVARBINARY parameter targeting it writes a new
 * large object (1 MB bound whole, another sent in 64 KB SQLPutData pieces) and the row stores
 * its oid; SQLGetData reads the object's bytes whole and in pieces (binary, and hex digits as
 * SQL_C_CHAR), SQLFetch into a bound buffer too; NULL stays NULL; an oid without an object is
 * an error (42704), as is reading one as an integer (07006); a failed insert leaves no object.
 *
 * argv[1]: connection string. */
#include "check.h"

#define MB (1024 * 1024)
#define PIECE (64 * 1024)

static unsigned char *pattern(size_t n, unsigned seed) {
  unsigned char *p = malloc(n);
  if (!p) check_fail("malloc", __LINE__);
  unsigned x = seed;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (unsigned char)(x >> 16);
  }
  return p;
}

/* The bytes of row `id`'s object read with SQLGetData in pieces of `piece` bytes (the whole
 * object when `piece` is larger); checks the indicator of each piece. */
static unsigned char *read_back(SQLHDBC dbc, int id, size_t want, size_t piece, size_t *pieces) {
  SQLHSTMT st = stmt_on(dbc);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT data FROM lo_items WHERE id = %d", id);
  exec(st, sql);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  unsigned char *out = malloc(want + 1);
  unsigned char *buf = malloc(piece);
  size_t got = 0;
  *pieces = 0;
  for (;;) {
    SQLLEN ind = 0;
    SQLRETURN rc = SQLGetData(st, 1, SQL_C_BINARY, buf, (SQLLEN)piece, &ind);
    if (rc == SQL_NO_DATA) break;
    CHECK(OK(rc), "get piece", SQL_HANDLE_STMT, st);
    if (ind != (SQLLEN)(want - got)) {
      fprintf(stderr, "FAIL indicator %ld at %zu, want %zu\n", (long)ind, got, want - got);
      exit(1);
    }
    size_t n = (size_t)ind < piece ? (size_t)ind : piece;
    if (rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01004") != 0)
      check_fail("01004 on a partial piece", __LINE__);
    if (got + n > want) check_fail("more bytes than the object holds", __LINE__);
    memcpy(out + got, buf, n);
    got += n;
    (*pieces)++;
    if (rc == SQL_SUCCESS) {
      CHECK(SQLGetData(st, 1, SQL_C_BINARY, buf, (SQLLEN)piece, &ind) == SQL_NO_DATA, "no data after the last piece",
            SQL_HANDLE_STMT, st);
      break;
    }
  }
  if (got != want) {
    fprintf(stderr, "FAIL read %zu bytes, want %zu\n", got, want);
    exit(1);
  }
  free(buf);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return out;
}

static long count_of(SQLHDBC dbc, const char *sql) {
  SQLHSTMT st = stmt_on(dbc);
  SQLBIGINT n = -1;
  exec(st, sql);
  CHECK(OK(SQLFetch(st)), "fetch count", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SBIGINT, &n, 0, NULL)), "get count", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return (long)n;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  SQLHSTMT setup = stmt_on(dbc);
  exec(setup, "CREATE EXTENSION IF NOT EXISTS lo");
  exec(setup, "DROP TABLE IF EXISTS lo_items");
  exec(setup, "CREATE TABLE lo_items (id int PRIMARY KEY, data lo)");
  exec(setup, "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata");
  SQLFreeHandle(SQL_HANDLE_STMT, setup);

  /* 1 MB bound whole (SQLPrepare, then bind, then SQLExecute, as psqlODBC's test does). */
  unsigned char *whole = pattern(MB, 1);
  SQLHSTMT ins = stmt_on(dbc);
  SQLINTEGER id = 1;
  SQLLEN id_len = 0, data_len = MB;
  CHECK(OK(SQLPrepare(ins, (SQLCHAR *)"INSERT INTO lo_items VALUES (?, ?)", SQL_NTS)), "prepare", SQL_HANDLE_STMT, ins);
  SQLSMALLINT param_type = 0;
  CHECK(OK(SQLDescribeParam(ins, 2, &param_type, NULL, NULL, NULL)), "describe param", SQL_HANDLE_STMT, ins);
  if (param_type != SQL_LONGVARBINARY) check_fail("an lo parameter is described as SQL_LONGVARBINARY", __LINE__);
  CHECK(OK(SQLBindParameter(ins, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &id_len)), "bind id",
        SQL_HANDLE_STMT, ins);
  CHECK(OK(SQLBindParameter(ins, 2, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_LONGVARBINARY, MB, 0, whole, MB, &data_len)),
        "bind data", SQL_HANDLE_STMT, ins);
  CHECK(OK(SQLExecute(ins)), "insert whole", SQL_HANDLE_STMT, ins);
  if (count_of(dbc, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata") != 1)
    check_fail("one large object after the first insert", __LINE__);
  printf("ok insert whole\n");

  /* 1 MB + 100 bytes in 64 KB pieces (SQLExecDirect, data at execution). */
  size_t put_size = MB + 100;
  unsigned char *pieces = pattern(put_size, 2);
  id = 2;
  data_len = SQL_LEN_DATA_AT_EXEC(0);
  CHECK(OK(SQLFreeStmt(ins, SQL_CLOSE)), "close", SQL_HANDLE_STMT, ins);
  SQLRETURN rc = SQLExecDirect(ins, (SQLCHAR *)"INSERT INTO lo_items VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_NEED_DATA, "need data", SQL_HANDLE_STMT, ins);
  SQLPOINTER token = NULL;
  CHECK(SQLParamData(ins, &token) == SQL_NEED_DATA, "param data", SQL_HANDLE_STMT, ins);
  for (size_t at = 0; at < put_size; at += PIECE) {
    size_t n = put_size - at < PIECE ? put_size - at : PIECE;
    CHECK(OK(SQLPutData(ins, pieces + at, (SQLLEN)n)), "put data", SQL_HANDLE_STMT, ins);
  }
  CHECK(OK(SQLParamData(ins, &token)), "insert in pieces", SQL_HANDLE_STMT, ins);
  printf("ok insert in pieces\n");

  /* NULL, and an empty object. */
  id = 3;
  data_len = SQL_NULL_DATA;
  CHECK(OK(SQLExecDirect(ins, (SQLCHAR *)"INSERT INTO lo_items VALUES (?, ?)", SQL_NTS)), "insert null",
        SQL_HANDLE_STMT, ins);
  id = 4;
  data_len = 0;
  CHECK(OK(SQLExecDirect(ins, (SQLCHAR *)"INSERT INTO lo_items VALUES (?, ?)", SQL_NTS)), "insert empty",
        SQL_HANDLE_STMT, ins);
  /* A failed insert (duplicate key) leaves no object behind: the object was created in the
   * statement's transaction. */
  long before = count_of(dbc, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata");
  data_len = 10;
  rc = SQLExecDirect(ins, (SQLCHAR *)"INSERT INTO lo_items VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, ins), "23505") == 0, "duplicate key", SQL_HANDLE_STMT,
        ins);
  if (count_of(dbc, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata") != before)
    check_fail("a failed insert left a large object", __LINE__);
  SQLFreeHandle(SQL_HANDLE_STMT, ins);
  printf("ok null, empty and failed insert\n");

  /* The rows hold oids of objects with the bytes. */
  if (count_of(dbc, "SELECT count(*) FROM lo_items i JOIN pg_catalog.pg_largeobject_metadata m ON m.oid = i.data") != 3)
    check_fail("three rows name large objects", __LINE__);
  if (count_of(dbc, "SELECT octet_length(lo_get(data)) FROM lo_items WHERE id = 2") != (long)put_size)
    check_fail("the pieces' object has every byte", __LINE__);
  printf("ok oids stored\n");

  /* Described as SQL_LONGVARBINARY, after SQLPrepare too. */
  SQLHSTMT st = stmt_on(dbc);
  SQLSMALLINT prepared_type = 0;
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"SELECT data FROM lo_items", SQL_NTS)), "prepare select", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLDescribeCol(st, 1, NULL, 0, NULL, &prepared_type, NULL, NULL, NULL)), "describe prepared",
        SQL_HANDLE_STMT, st);
  if (prepared_type != SQL_LONGVARBINARY) check_fail("prepared lo column described as SQL_LONGVARBINARY", __LINE__);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  st = stmt_on(dbc);
  exec(st, "SELECT id, data FROM lo_items ORDER BY id");
  SQLSMALLINT type = 0;
  SQLLEN col_type = 0;
  CHECK(OK(SQLDescribeCol(st, 2, NULL, 0, NULL, &type, NULL, NULL, NULL)), "describe", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLColAttribute(st, 2, SQL_DESC_CONCISE_TYPE, NULL, 0, NULL, &col_type)), "attribute", SQL_HANDLE_STMT, st);
  if (type != SQL_LONGVARBINARY || col_type != SQL_LONGVARBINARY) {
    fprintf(stderr, "described %d / %ld\n", type, (long)col_type);
    check_fail("described as SQL_LONGVARBINARY", __LINE__);
  }
  /* Bound: as much as the buffer holds, with the whole length and 01004. */
  unsigned char small[100];
  SQLLEN small_len = 0;
  SQLINTEGER got_id = 0;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &got_id, 0, NULL)), "bind id", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_BINARY, small, sizeof small, &small_len)), "bind data", SQL_HANDLE_STMT, st);
  rc = SQLFetch(st);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01004") == 0, "bound fetch",
        SQL_HANDLE_STMT, st);
  if (got_id != 1 || small_len != MB || memcmp(small, whole, sizeof small) != 0) check_fail("bound bytes", __LINE__);
  rc = SQLFetch(st);
  CHECK(OK(rc), "fetch 2", SQL_HANDLE_STMT, st);
  if (got_id != 2 || small_len != (SQLLEN)put_size || memcmp(small, pieces, sizeof small) != 0)
    check_fail("bound bytes 2", __LINE__);
  CHECK(OK(SQLFetch(st)), "fetch 3", SQL_HANDLE_STMT, st);
  if (got_id != 3 || small_len != SQL_NULL_DATA) check_fail("bound NULL", __LINE__);
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch 4", SQL_HANDLE_STMT, st);
  if (got_id != 4 || small_len != 0) check_fail("bound empty", __LINE__);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  /* SQLColumns: SQL_LONGVARBINARY, type name lo. */
  st = stmt_on(dbc);
  CHECK(OK(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"lo_items", SQL_NTS, (SQLCHAR *)"data", SQL_NTS)), "columns",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch column", SQL_HANDLE_STMT, st);
  SQLSMALLINT data_type = 0;
  char type_name[32] = "";
  CHECK(OK(SQLGetData(st, 5, SQL_C_SSHORT, &data_type, 0, NULL)), "data type", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 6, SQL_C_CHAR, type_name, sizeof type_name, NULL)), "type name", SQL_HANDLE_STMT, st);
  if (data_type != SQL_LONGVARBINARY || strcmp(type_name, "lo") != 0) {
    fprintf(stderr, "SQLColumns: %d %s\n", data_type, type_name);
    check_fail("SQLColumns describes lo as SQL_LONGVARBINARY", __LINE__);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok described and bound\n");

  /* Read back whole and in pieces, byte for byte. */
  size_t n_pieces = 0;
  unsigned char *back = read_back(dbc, 1, MB, 2 * MB, &n_pieces);
  if (memcmp(back, whole, MB) != 0 || n_pieces != 1) check_fail("whole object read back", __LINE__);
  free(back);
  back = read_back(dbc, 1, MB, 100000, &n_pieces);
  if (memcmp(back, whole, MB) != 0 || n_pieces != 11) check_fail("object read back in pieces", __LINE__);
  free(back);
  back = read_back(dbc, 2, put_size, PIECE, &n_pieces);
  if (memcmp(back, pieces, put_size) != 0 || n_pieces != 17) check_fail("put object read back", __LINE__);
  free(back);
  back = read_back(dbc, 4, 0, 16, &n_pieces);
  free(back);
  printf("ok read back\n");

  /* As hex digits (SQL_C_CHAR), in pieces: 9 bytes of buffer hold 4 bytes and the NUL. */
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_items WHERE id = 1");
  CHECK(OK(SQLFetch(st)), "fetch hex", SQL_HANDLE_STMT, st);
  char hex[9];
  SQLLEN hex_len = 0;
  rc = SQLGetData(st, 1, SQL_C_CHAR, hex, sizeof hex, &hex_len);
  CHECK(rc == SQL_SUCCESS_WITH_INFO, "hex piece", SQL_HANDLE_STMT, st);
  char want_hex[9];
  snprintf(want_hex, sizeof want_hex, "%02x%02x%02x%02x", whole[0], whole[1], whole[2], whole[3]);
  if (hex_len != 2 * MB || strcmp(hex, want_hex) != 0) check_fail("hex digits", __LINE__);
  rc = SQLGetData(st, 1, SQL_C_CHAR, hex, sizeof hex, &hex_len);
  snprintf(want_hex, sizeof want_hex, "%02x%02x%02x%02x", whole[4], whole[5], whole[6], whole[7]);
  if (rc != SQL_SUCCESS_WITH_INFO || hex_len != 2 * MB - 8 || strcmp(hex, want_hex) != 0)
    check_fail("second hex piece", __LINE__);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  /* SQL_C_WCHAR: hex digits as 2-byte characters (11 units hold 5 bytes and the NUL). */
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_items WHERE id = 2");
  CHECK(OK(SQLFetch(st)), "fetch whex", SQL_HANDLE_STMT, st);
  SQLWCHAR whex[11];
  rc = SQLGetData(st, 1, SQL_C_WCHAR, whex, sizeof whex, &hex_len);
  char want_whex[11];
  snprintf(want_whex, sizeof want_whex, "%02x%02x%02x%02x%02x", pieces[0], pieces[1], pieces[2], pieces[3], pieces[4]);
  if (rc != SQL_SUCCESS_WITH_INFO || hex_len != (SQLLEN)(4 * put_size) || strcmp(U8(whex, -1), want_whex) != 0)
    check_fail("wide hex digits", __LINE__);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok hex\n");

  /* NULL through SQLGetData; an integer C type is refused. */
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_items WHERE id = 3");
  CHECK(OK(SQLFetch(st)), "fetch null", SQL_HANDLE_STMT, st);
  SQLLEN ind = 0;
  CHECK(SQLGetData(st, 1, SQL_C_BINARY, small, sizeof small, &ind) == SQL_SUCCESS && ind == SQL_NULL_DATA, "null",
        SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_items WHERE id = 1");
  CHECK(OK(SQLFetch(st)), "fetch int", SQL_HANDLE_STMT, st);
  SQLINTEGER as_int = 0;
  rc = SQLGetData(st, 1, SQL_C_SLONG, &as_int, 0, &ind);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "07006") == 0, "integer refused", SQL_HANDLE_STMT,
        st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok null and restricted type\n");

  /* An oid without an object: an error, and the connection goes on. */
  st = stmt_on(dbc);
  exec(st, "DROP TABLE IF EXISTS lo_missing");
  exec(st, "CREATE TABLE lo_missing (data lo)");
  exec(st, "INSERT INTO lo_missing VALUES (4000000000)");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_missing");
  CHECK(OK(SQLFetch(st)), "fetch missing", SQL_HANDLE_STMT, st);
  rc = SQLGetData(st, 1, SQL_C_BINARY, small, sizeof small, &ind);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "42704") == 0, "missing object", SQL_HANDLE_STMT,
        st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  st = stmt_on(dbc);
  SQLBindCol(st, 1, SQL_C_BINARY, small, sizeof small, &small_len);
  exec(st, "SELECT data FROM lo_missing");
  CHECK(SQLFetch(st) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "42704") == 0, "missing object bound",
        SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  if (count_of(dbc, "SELECT count(*) FROM lo_items") != 4) check_fail("connection usable", __LINE__);
  printf("ok missing object\n");

  /* A SQL_LONGVARBINARY parameter that is not an lo column stays bytea. */
  st = stmt_on(dbc);
  unsigned char three[3] = {1, 2, 255};
  SQLLEN three_len = 3;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_LONGVARBINARY, 3, 0, three, 3, &three_len)),
        "bind bytea", SQL_HANDLE_STMT, st);
  exec(st, "SELECT octet_length(?::bytea)");
  SQLINTEGER len3 = 0;
  CHECK(OK(SQLFetch(st)), "fetch bytea", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &len3, 0, NULL)) && len3 == 3, "bytea length", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  exec(st, "SELECT ?");
  CHECK(OK(SQLFetch(st)), "fetch untyped", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok bytea parameters\n");

  /* Manual commit: hex digits in SQL_C_CHAR write an object; a missing object read in the
   * same transaction is 42704 and the transaction goes on to commit. */
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off",
        SQL_HANDLE_DBC, dbc);
  st = stmt_on(dbc);
  char hex_in[] = "cafe00ff";
  SQLLEN hex_in_len = SQL_NTS;
  id = 6;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &id_len)), "bind id 6",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARBINARY, 8, 0, hex_in, sizeof hex_in,
                            &hex_in_len)),
        "bind hex", SQL_HANDLE_STMT, st);
  exec(st, "INSERT INTO lo_items VALUES (?, ?)");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  st = stmt_on(dbc);
  exec(st, "SELECT data FROM lo_missing");
  CHECK(OK(SQLFetch(st)), "fetch missing in transaction", SQL_HANDLE_STMT, st);
  rc = SQLGetData(st, 1, SQL_C_BINARY, small, sizeof small, &ind);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "42704") == 0, "missing in transaction",
        SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT)), "commit", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit on",
        SQL_HANDLE_DBC, dbc);
  back = read_back(dbc, 6, 4, 16, &n_pieces);
  if (memcmp(back, "\xca\xfe\x00\xff", 4) != 0) check_fail("hex parameter's object", __LINE__);
  free(back);
  printf("ok manual commit\n");

  /* Through an updatable cursor: SQLSetPos(SQL_UPDATE) writes the bound buffer's bytes as a
   * new object for the row. */
  st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0)), "static", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, st);
  unsigned char cell[16];
  SQLLEN cell_len = 0;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_BINARY, cell, sizeof cell, &cell_len)), "bind cell", SQL_HANDLE_STMT, st);
  exec(st, "SELECT data FROM lo_items WHERE id = 6");
  CHECK(OK(SQLFetch(st)), "fetch cell", SQL_HANDLE_STMT, st);
  if (cell_len != 4 || memcmp(cell, "\xca\xfe\x00\xff", 4) != 0) check_fail("cell read through the cursor", __LINE__);
  memcpy(cell, "\x01\x02\x03", 3);
  cell_len = 3;
  CHECK(OK(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE)), "set pos update", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  back = read_back(dbc, 6, 3, 16, &n_pieces);
  if (memcmp(back, "\x01\x02\x03", 3) != 0) check_fail("object written through the cursor", __LINE__);
  free(back);
  printf("ok updatable cursor\n");

  free(whole);
  free(pieces);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
