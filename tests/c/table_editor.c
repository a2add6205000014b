/* A table editor's call sequence (the "open a table, change a cell, add a row" kind of tool):
 * asks what the driver's keyset cursors can do, finds the table's key, opens the table with a
 * keyset-driven, updatable cursor with bookmarks, edits a cell, adds a row, deletes a row,
 * jumps to the added row by its bookmark and refreshes the rowset while another user changes
 * the table.
 *
 * argv[1]: connection string. */
#include "check.h"

#define ROWS 4

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env, env2;
  SQLHDBC dbc, other;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env2, &other);
  SQLHSTMT o = stmt_on(other);
  exec(o, "DROP TABLE IF EXISTS te_people");
  exec(o, "CREATE TABLE te_people (id int PRIMARY KEY, name varchar(30) NOT NULL, age int)");
  exec(o, "INSERT INTO te_people VALUES (1, 'Ada', 36), (2, 'Brian', 41), (3, 'Carla', 29), (4, 'Dev', 52)");
  SQLFreeHandle(SQL_HANDLE_STMT, o);

  /* What can the driver do? */
  SQLUINTEGER scroll = 0, keyset1 = 0;
  CHECK(OK(SQLGetInfo(dbc, SQL_SCROLL_OPTIONS, &scroll, sizeof scroll, NULL)) && (scroll & SQL_SO_KEYSET_DRIVEN),
        "keyset-driven cursors offered", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLGetInfo(dbc, SQL_KEYSET_CURSOR_ATTRIBUTES1, &keyset1, sizeof keyset1, NULL)) &&
            (keyset1 & SQL_CA1_POS_UPDATE) && (keyset1 & SQL_CA1_POS_DELETE) && (keyset1 & SQL_CA1_BOOKMARK) &&
            (keyset1 & SQL_CA1_POS_REFRESH),
        "keyset cursors update, delete, refresh and bookmark", SQL_HANDLE_DBC, dbc);
  SQLHSTMT meta = stmt_on(dbc);
  CHECK(OK(SQLPrimaryKeys(meta, NULL, 0, NULL, 0, (SQLCHAR *)"te_people", SQL_NTS)), "primary keys", SQL_HANDLE_STMT, meta);
  SQLCHAR key_column[64] = "";
  SQLLEN key_len = 0;
  CHECK(OK(SQLFetch(meta)) && OK(SQLGetData(meta, 4, SQL_C_CHAR, key_column, sizeof key_column, &key_len)) &&
            strcmp((char *)key_column, "id") == 0,
        "the key column", SQL_HANDLE_STMT, meta);
  SQLFreeHandle(SQL_HANDLE_STMT, meta);

  /* Open the table. */
  SQLHSTMT st = stmt_on(dbc);
  SQLUSMALLINT status[ROWS], ops[ROWS];
  SQLULEN fetched = 0;
  SQLINTEGER bm[ROWS], id[ROWS], age[ROWS];
  SQLCHAR name[ROWS][31];
  SQLLEN bm_len[ROWS], id_len[ROWS], name_len[ROWS], age_len[ROWS];
  for (int i = 0; i < ROWS; i++) ops[i] = SQL_ROW_PROCEED;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0)), "keyset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_ROWVER, 0)), "rowver", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_VARIABLE, 0)), "bookmarks", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)ROWS, 0)), "rowset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "status", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_OPERATION_PTR, ops, 0)), "operations", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "fetched", SQL_HANDLE_STMT, st);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM te_people ORDER BY id", SQL_NTS) == SQL_SUCCESS, "open the table",
        SQL_HANDLE_STMT, st);
  SQLSMALLINT ncols = 0, nullable = 0, type = 0;
  CHECK(OK(SQLNumResultCols(st, &ncols)) && ncols == 3, "three columns", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLDescribeCol(st, 2, NULL, 0, NULL, &type, NULL, NULL, &nullable)) && nullable == SQL_NO_NULLS,
        "name is NOT NULL", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 0, SQL_C_VARBOOKMARK, bm, sizeof bm[0], bm_len)), "bind bookmark", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, id, 0, id_len)), "bind id", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, name, sizeof name[0], name_len)), "bind name", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 3, SQL_C_SLONG, age, 0, age_len)), "bind age", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && fetched == 4 && id[3] == 4 && bm[3] == 4, "the grid",
        SQL_HANDLE_STMT, st);
  printf("ok table opened\n");

  /* Edit a cell: Brian's age. */
  age[1] = 42;
  CHECK(SQLSetPos(st, 2, SQL_UPDATE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[1] == SQL_ROW_UPDATED, "edit a cell",
        SQL_HANDLE_STMT, st);
  printf("ok cell edited\n");

  /* Add a row: the editor fills element 0 and ignores the others. */
  id[0] = 5;
  snprintf((char *)name[0], sizeof name[0], "Eve");
  name_len[0] = SQL_NTS;
  age[0] = 33;
  id_len[0] = age_len[0] = sizeof(SQLINTEGER);
  for (int i = 1; i < ROWS; i++) ops[i] = SQL_ROW_IGNORE;
  CHECK(SQLBulkOperations(st, SQL_ADD) == SQL_SUCCESS && status[0] == SQL_ROW_ADDED && bm[0] == 5, "add a row",
        SQL_HANDLE_STMT, st);
  SQLINTEGER added = bm[0];
  for (int i = 1; i < ROWS; i++) ops[i] = SQL_ROW_PROCEED;
  printf("ok row added\n");

  /* Back to the grid; delete Carla (row 3). */
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && fetched == 4 && id[2] == 3, "the grid again", SQL_HANDLE_STMT, st);
  CHECK(age[1] == 42, "the edit shows", SQL_HANDLE_STMT, st);
  CHECK(SQLSetPos(st, 3, SQL_DELETE, SQL_LOCK_NO_CHANGE) == SQL_SUCCESS && status[2] == SQL_ROW_DELETED, "delete a row",
        SQL_HANDLE_STMT, st);
  printf("ok row deleted\n");

  /* Jump to the added row by its bookmark. */
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_FETCH_BOOKMARK_PTR, &added, 0)), "bookmark ptr", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 0)) && fetched == 1 && id[0] == 5 && strcmp((char *)name[0], "Eve") == 0,
        "the added row by its bookmark", SQL_HANDLE_STMT, st);

  /* Another user renames Ada and deletes Dev; the editor refreshes its grid. */
  o = stmt_on(other);
  exec(o, "UPDATE te_people SET name = 'Ada L.' WHERE id = 1");
  exec(o, "DELETE FROM te_people WHERE id = 4");
  SQLFreeHandle(SQL_HANDLE_STMT, o);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && fetched == 4, "first rowset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetPos(st, 0, SQL_REFRESH, SQL_LOCK_NO_CHANGE)), "refresh the rowset", SQL_HANDLE_STMT, st);
  CHECK(status[0] == SQL_ROW_UPDATED && strcmp((char *)name[0], "Ada L.") == 0, "Ada renamed elsewhere", SQL_HANDLE_STMT, st);
  CHECK(status[2] == SQL_ROW_DELETED && status[3] == SQL_ROW_DELETED, "Carla and Dev gone", SQL_HANDLE_STMT, st);
  printf("ok refreshed\n");

  SQLFreeHandle(SQL_HANDLE_STMT, st);
  o = stmt_on(other);
  SQLCHAR all[128] = "";
  SQLLEN all_len = 0;
  exec(o, "SELECT string_agg(id || ':' || name || ':' || age, ',' ORDER BY id) FROM te_people");
  CHECK(OK(SQLFetch(o)) && OK(SQLGetData(o, 1, SQL_C_CHAR, all, sizeof all, &all_len)), "read back", SQL_HANDLE_STMT, o);
  if (strcmp((char *)all, "1:Ada L.:36,2:Brian:42,5:Eve:33") != 0) {
    fprintf(stderr, "FAIL the table holds '%s'\n", (char *)all);
    return 1;
  }
  SQLFreeHandle(SQL_HANDLE_STMT, o);
  o = stmt_on(other);
  exec(o, "DROP TABLE te_people");
  SQLFreeHandle(SQL_HANDLE_STMT, o);
  disconnect_and_free(env2, other);
  disconnect_and_free(env, dbc);
  printf("ok table content\nall passed\n");
  return 0;
}
