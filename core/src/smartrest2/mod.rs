//! SmartREST 2.0 template collections: filled in by the SmartREST 2.0 work.
