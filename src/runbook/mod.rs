//! The runbook corpus: loading, validating and holding the rules.
