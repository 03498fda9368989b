//! The wire side: user entries as AD returns them, and the encodings AD uses (`objectGUID`
//! bytes, `userAccountControl` bits, quoted UTF-16LE passwords). Converted to core types in
//! `convert`.

use std::collections::BTreeMap;

use ldap3::SearchEntry;

/// `userAccountControl`: the account is disabled.
pub(crate) const ACCOUNTDISABLE: u32 = 0x2;
/// `userAccountControl`: a normal user account.
pub(crate) const NORMAL_ACCOUNT: u32 = 0x200;

/// The attributes every user read asks for, besides the mapped ones.
pub(crate) const BASE_ATTRIBUTES: [&str; 12] = [
    "objectGUID",
    "objectClass",
    "adminCount",
    "userPrincipalName",
    "sAMAccountName",
    "employeeID",
    "userAccountControl",
    "mail",
    "isCriticalSystemObject",
    "displayName",
    "givenName",
    "sn",
];

/// Users only: `objectCategory=person` leaves out computers (whose class derives from
/// `user`), managed service accounts and contacts (`objectClass=contact`).
pub(crate) const USERS: &str = "(&(objectCategory=person)(objectClass=user))";

/// One user entry, attribute names folded to lower case.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The entry's DN.
    pub(crate) dn: String,
    /// Text values by lower-case attribute name.
    attrs: BTreeMap<String, Vec<String>>,
    /// `objectGUID`, which is binary.
    pub(crate) guid: Option<[u8; 16]>,
}

impl Entry {
    /// From a search result entry.
    pub(crate) fn from_search(entry: SearchEntry) -> Self {
        let mut attrs = BTreeMap::new();
        let mut guid = None;
        for (name, values) in entry.attrs {
            let name = name.to_ascii_lowercase();
            if name == "objectguid" {
                // Sixteen bytes that happened to be UTF-8 land among the text values.
                guid = values.first().and_then(|v| v.as_bytes().try_into().ok());
                continue;
            }
            attrs.insert(name, values);
        }
        for (name, values) in entry.bin_attrs {
            if name.eq_ignore_ascii_case("objectGUID") {
                guid = values.first().and_then(|v| v.as_slice().try_into().ok());
            }
        }
        Self {
            dn: entry.dn,
            attrs,
            guid,
        }
    }

    /// The first value of `name` (any case), if it has one that is not blank.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.attrs
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Every value of `name` (any case).
    pub(crate) fn all(&self, name: &str) -> &[String] {
        self.attrs
            .get(&name.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// A ranged value set (`member;range=0-1499`, which AD sends for large groups): the
    /// values and the range's end (`None` for `*`, the last part).
    pub(crate) fn ranged(&self, name: &str) -> Option<(&[String], Option<u64>)> {
        let prefix = format!("{};range=", name.to_ascii_lowercase());
        self.attrs.iter().find_map(|(k, v)| {
            let range = k.strip_prefix(&prefix)?;
            let (_, end) = range.split_once('-')?;
            Some((v.as_slice(), end.parse().ok()))
        })
    }

    /// `userAccountControl` as a number (`None` when missing or not a number).
    pub(crate) fn uac(&self) -> Option<u32> {
        self.first("userAccountControl")
            .and_then(|v| v.trim().parse::<i64>().ok())
            // AD writes it as a signed 32-bit integer.
            .map(|v| u32::from_ne_bytes((v as i32).to_ne_bytes()))
    }

    /// An account AD protects (`adminCount = 1`: a member, now or once, of a privileged group
    /// such as Domain Admins): never written, linked or adopted by the sync.
    pub(crate) fn is_protected(&self) -> bool {
        self.first("adminCount").is_some_and(|v| v.trim() == "1")
    }

    /// A user object (class `user`, and not a `computer`, which is a subclass of it).
    pub(crate) fn is_user(&self) -> bool {
        let classes = self.all("objectClass");
        classes.iter().any(|c| c.eq_ignore_ascii_case("user"))
            && !classes.iter().any(|c| c.eq_ignore_ascii_case("computer"))
    }

    /// `isCriticalSystemObject = TRUE`.
    pub(crate) fn is_critical(&self) -> bool {
        self.first("isCriticalSystemObject")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// `objectGUID` as AD displays it: the first three groups little-endian, the rest in order
/// (`{b1a2c3d4-…}` without the braces, lower case).
pub(crate) fn guid_string(b: &[u8; 16]) -> String {
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

/// The bytes of a GUID written as [`guid_string`] writes it (braces and case tolerated).
pub(crate) fn guid_bytes(s: &str) -> Option<[u8; 16]> {
    let hex: String = s
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut raw = [0u8; 16];
    for (i, byte) in raw.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut out = [0u8; 16];
    for (i, o) in order.iter().enumerate() {
        out[*o] = raw[i];
    }
    Some(out)
}

/// A filter matching one `objectGUID` (every byte escaped, as binary values must be).
pub(crate) fn guid_filter(b: &[u8; 16]) -> String {
    let mut f = String::from("(objectGUID=");
    for byte in b {
        f.push_str(&format!("\\{byte:02x}"));
    }
    f.push(')');
    f
}

/// `unicodePwd`'s value: the password in double quotes, UTF-16LE.
pub(crate) fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Where an incremental read continues: the domain controller (its `dsServiceName`) and
/// its `highestCommittedUSN` read before the last read. USNs are per DC, so a cursor of
/// another DC means a full read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// The DC's `dsServiceName`.
    pub(crate) server: String,
    /// Changes above this USN are new.
    pub(crate) usn: u64,
}

impl Cursor {
    const PREFIX: &'static str = "ad1|";

    /// As text for the state file.
    pub(crate) fn encode(&self) -> String {
        format!("{}{}|{}", Self::PREFIX, self.usn, self.server)
    }

    /// From [`encode`](Self::encode)'s text; `None` for anything else.
    pub(crate) fn decode(s: &str) -> Option<Self> {
        let rest = s.strip_prefix(Self::PREFIX)?;
        let (usn, server) = rest.split_once('|')?;
        Some(Self {
            server: server.to_owned(),
            usn: usn.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod hostile_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_read_as_ad_shows_them_and_round_trip() {
        // AD shows {0d1f3e2b-5a4c-4f6d-8e9a-0b1c2d3e4f50} for these bytes.
        let raw = [
            0x2b, 0x3e, 0x1f, 0x0d, 0x4c, 0x5a, 0x6d, 0x4f, 0x8e, 0x9a, 0x0b, 0x1c, 0x2d, 0x3e,
            0x4f, 0x50,
        ];
        let s = guid_string(&raw);
        assert_eq!(s, "0d1f3e2b-5a4c-4f6d-8e9a-0b1c2d3e4f50");
        assert_eq!(guid_bytes(&s), Some(raw));
        assert_eq!(guid_bytes(&format!("{{{}}}", s.to_uppercase())), Some(raw));
        assert_eq!(guid_bytes("not-a-guid"), None);
        assert_eq!(
            guid_bytes("00000000-0000-0000-0000-00000000dead").map(|b| b[15]),
            Some(0xad)
        );
        assert!(guid_filter(&raw).starts_with("(objectGUID=\\2b\\3e\\1f\\0d"));
    }

    #[test]
    fn passwords_are_quoted_utf16le() {
        assert_eq!(unicode_pwd("ab"), [b'"', 0, b'a', 0, b'b', 0, b'"', 0]);
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_text() {
        let c = Cursor {
            server: "CN=NTDS Settings,CN=DC1,CN=Servers,DC=demo,DC=local".to_owned(),
            usn: 4711,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(
            Cursor::decode("https://graph.microsoft.com/v1.0/users/delta"),
            None
        );
        assert_eq!(Cursor::decode("ad1|x|y"), None);
    }

    /// An entry with one attribute of one value.
    fn entry(name: &str, value: &str) -> Entry {
        Entry {
            dn: String::new(),
            attrs: BTreeMap::from([(name.to_owned(), vec![value.to_owned()])]),
            guid: None,
        }
    }

    #[test]
    fn ranged_values_name_their_end() {
        let e = entry("member;range=0-1499", "CN=a");
        assert_eq!(
            e.ranged("member"),
            Some((&["CN=a".to_owned()][..], Some(1499)))
        );
        let last = entry("member;range=1500-*", "CN=b");
        assert_eq!(last.ranged("member").map(|(_, end)| end), Some(None));
        assert_eq!(last.ranged("manager"), None);
    }

    #[test]
    fn user_account_control_reads_signed_values() {
        let e = entry("useraccountcontrol", "-2147483134");
        assert_eq!(e.uac(), Some(0x8000_0202));
    }
}
