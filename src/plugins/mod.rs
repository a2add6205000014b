//! Aurora-aware plugins, one folder each.
