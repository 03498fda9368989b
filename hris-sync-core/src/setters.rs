//! [`setters!`](crate::raw::setters): a builder's plain setters, one line each.

/// Writes a builder's plain setters: each `name: Type => field.path;` (with its doc comment)
/// becomes a `#[must_use] pub fn name(mut self, value: Type) -> Self` that stores `value` at
/// `self.field.path` and returns the builder. A setter that checks or converts its value is
/// written out by hand instead.
///
/// ```
/// #[derive(Default)]
/// struct Tuning {
///     page_size: u32,
/// }
///
/// #[derive(Default)]
/// struct Builder {
///     tuning: Tuning,
///     verbose: bool,
/// }
///
/// impl Builder {
///     hris_sync_core::raw::setters! {
///         /// Records per page.
///         page_size: u32 => tuning.page_size;
///         /// Say more.
///         verbose: bool => verbose;
///     }
/// }
///
/// let b = Builder::default().page_size(50).verbose(true);
/// assert_eq!((b.tuning.page_size, b.verbose), (50, true));
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! __setters {
    ($( $(#[$meta:meta])* $name:ident: $ty:ty => $($field:ident).+; )*) => {
        $(
            $(#[$meta])*
            #[must_use]
            pub fn $name(mut self, value: $ty) -> Self {
                self.$($field).+ = value;
                self
            }
        )*
    };
}
