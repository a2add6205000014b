//! The exported ODBC entry points.
