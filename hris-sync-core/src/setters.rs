//! [`setters!`](crate::raw::setters): a builder's plain setters, one line each.

/// Writes a builder's plain setters: each `name: Type => field.path;` (with its doc comment)
/// becomes a `#[must_use] pub fn name(mut self, value: Type) -> Self` that stores `value` at
/// `self.field.path` and returns the builder. `name: Into<T> => field;` takes any
/// `impl Into<T>` and stores it converted; `name: Some<T> => field;` does the same for an
/// `Option<T>` field. A setter that checks its value is written out by hand instead.
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
///     name: String,
///     label: Option<String>,
/// }
///
/// impl Builder {
///     hris_sync_core::raw::setters! {
///         /// Records per page.
///         page_size: u32 => tuning.page_size;
///         /// Say more.
///         verbose: bool => verbose;
///         /// Its name.
///         name: Into<String> => name;
///         /// A label, if any.
///         label: Some<String> => label;
///     }
/// }
///
/// let b = Builder::default().page_size(50).verbose(true).name("n").label("l");
/// assert_eq!((b.tuning.page_size, b.verbose), (50, true));
/// assert_eq!((b.name.as_str(), b.label.as_deref()), ("n", Some("l")));
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! __setters {
    () => {};
    ($(#[$meta:meta])* $name:ident: Some<$ty:ty> => $($field:ident).+; $($rest:tt)*) => {
        $(#[$meta])*
        #[must_use]
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$($field).+ = Some(value.into());
            self
        }
        $crate::__setters!($($rest)*);
    };
    ($(#[$meta:meta])* $name:ident: Into<$ty:ty> => $($field:ident).+; $($rest:tt)*) => {
        $(#[$meta])*
        #[must_use]
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$($field).+ = value.into();
            self
        }
        $crate::__setters!($($rest)*);
    };
    ($(#[$meta:meta])* $name:ident: $ty:ty => $($field:ident).+; $($rest:tt)*) => {
        $(#[$meta])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$($field).+ = value;
            self
        }
        $crate::__setters!($($rest)*);
    };
}
