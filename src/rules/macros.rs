//! `declare_rule!`: a rule's struct, metadata and user doc from one doc comment.
//!
//! Doc comments reach a macro as `#[doc = " line"]` attributes; the macro keeps
//! them on the struct (rustdoc) and concatenates them into the text that
//! `memmath rule` prints, with rustdoc's one leading space removed once, lazily.

/// Declare a rule: `declare_rule! { /// docs... pub struct Name(CODE); }`, where
/// `CODE` is the rule's row in the code registry ([`crate::codes`]): its code,
/// name and default severity come from that row only. The file then writes
/// `impl Name { fn run(&self, ctx: &RuleContext<'_>) -> Vec<Finding> }`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident($code:ident);
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $crate::rules::Rule for $ty {
            fn code(&self) -> &'static str {
                $crate::codes::$code.code
            }
            fn name(&self) -> &'static str {
                $crate::codes::$code.name
            }
            fn default_severity(&self) -> $crate::diagnostics::Severity {
                $crate::codes::$code.severity
            }
            fn doc(&self) -> &'static str {
                static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                DOC.get_or_init(|| $crate::rules::util::dedent_doc(concat!($($doc, "\n"),*)))
                    .as_str()
            }
            fn check(&self, ctx: &$crate::rules::RuleContext<'_>) -> Vec<$crate::diagnostics::Finding> {
                self.run(ctx)
            }
        }
    };
}
