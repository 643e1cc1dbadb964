//! SIP methods (RFC 3261 §7.1, §27.4 and the extensions Tincan knows). Methods are
//! case-sensitive tokens; unknown ones are kept as written.

use super::grammar::is_token;
use super::text::Text;
use std::fmt;

macro_rules! methods {
    ($( $variant:ident => $name:literal, )*) => {
        /// A request method.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Method {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// An extension method, as written.
            Extension(Text),
        }

        impl Method {
            /// The method name.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Method::$variant => $name, )*
                    Method::Extension(t) => t,
                }
            }

            /// Parses a method token (a slice of `src`); `None` when `s` is not a token.
            pub fn parse_in(src: &Text, s: &str) -> Option<Method> {
                match s {
                    $( $name => Some(Method::$variant), )*
                    _ if is_token(s) => Some(Method::Extension(src.slice_ref(s))),
                    _ => None,
                }
            }
        }
    };
}

methods! {
    Invite => "INVITE",
    Ack => "ACK",
    Bye => "BYE",
    Cancel => "CANCEL",
    Register => "REGISTER",
    Options => "OPTIONS",
    Info => "INFO",
    Update => "UPDATE",
    Prack => "PRACK",
    Subscribe => "SUBSCRIBE",
    Notify => "NOTIFY",
    Refer => "REFER",
    Message => "MESSAGE",
    Publish => "PUBLISH",
}

impl Method {
    /// Parses a standalone method name.
    pub fn from_name(s: &str) -> Option<Method> {
        Method::parse_in(&Text::from(s), s)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_case_sensitive_tokens() {
        assert_eq!(Method::from_name("INVITE"), Some(Method::Invite));
        let lower = Method::from_name("invite").unwrap();
        assert!(matches!(lower, Method::Extension(_)));
        assert_eq!(lower.as_str(), "invite");
        assert_eq!(
            Method::from_name("NEWMETHOD").unwrap().to_string(),
            "NEWMETHOD"
        );
        assert_eq!(Method::from_name("BAD METHOD"), None);
        assert_eq!(Method::from_name(""), None);
    }
}
