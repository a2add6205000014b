//! Catalog function SQL builders.
