//! Example programs for hris-sync; see the `[[example]]` targets of this package.
