//! The first administrator. A fresh server has users (from the demo, an import or the
//! API) but nobody who can sign in to the web UI and manage it. While no active admin
//! has a password, whoever holds the **set-up code** may make one.
//!
//! The code is a server secret (`server_secrets`, shared by every node of a cluster, so
//! any API node accepts it) that only someone with access to the server can read:
//! `parley serve` writes it to `setup-code` in its data folder and names the file in its
//! log, and `parley users setup-code` prints it. Knowing the URL is not enough, so a
//! server reachable from the internet before anyone set it up cannot be taken over. Once
//! an admin can sign in the code opens nothing.

use subtle::ConstantTimeEq;

use parley_domain::{Role, User};
use parley_store::Store;

use crate::error::{AppError, AppResult};
use crate::sessions::set_password;
use crate::users::{create_user, set_role, NewUser};

/// The `server_secrets` row holding the code.
const SECRET: &str = "first-run-setup-code";

/// The name of the file `parley serve` writes the code to, in its data folder.
pub const CODE_FILE: &str = "setup-code";

/// True while no active admin can sign in with a password.
pub async fn needs_admin(store: &dyn Store) -> AppResult<bool> {
    Ok(!store.admin_can_sign_in().await?)
}

/// The set-up code: 128 random bits as four groups of eight hex digits, made once and
/// then the same on every node.
pub async fn code(store: &dyn Store) -> AppResult<String> {
    let fresh: [u8; 16] = rand::random();
    let bytes = store.server_secret(SECRET, fresh.to_vec()).await?;
    let hex = crate::media::hex(&bytes);
    let groups: Vec<&str> = (0..hex.len())
        .step_by(8)
        .map(|i| &hex[i..(i + 8).min(hex.len())])
        .collect();
    Ok(groups.join("-"))
}

/// What the person typed, compared without regard to case, spaces or dashes (a code
/// copied from a terminal picks up both).
fn normalised(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Who the first admin is.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub code: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
}

/// Makes the first admin: a new active user, or the existing active user with that
/// e-mail (say, the demo's or an imported one), given the password and the admin role.
///
/// `Conflict` once an admin can sign in, `Forbidden` for a wrong code, `Invalid` for a
/// bad e-mail, name or password (checked before anything is written).
pub async fn create_first_admin(store: &dyn Store, new: FirstAdmin) -> AppResult<User> {
    if !needs_admin(store).await? {
        return Err(AppError::Conflict(
            "an administrator can already sign in; sign in instead".into(),
        ));
    }
    let expected = normalised(&code(store).await?);
    let given = normalised(&new.code);
    if given.len() > 256 || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(AppError::Forbidden("the set-up code is wrong".into()));
    }
    crate::sessions::check_password(&new.password)?;
    let email = new.email.trim();
    let user = match store.find_user_by_email(email).await? {
        Some(u) if u.active => u,
        Some(_) => {
            return Err(AppError::invalid(format!(
                "the user with email {email:?} is inactive; use another address"
            )))
        }
        None => {
            create_user(
                store,
                NewUser {
                    email: email.to_owned(),
                    first_name: new.first_name.trim().to_owned(),
                    last_name: new.last_name.trim().to_owned(),
                    active: true,
                    ..NewUser::default()
                },
            )
            .await?
        }
    };
    set_password(store, user.id, &new.password).await?;
    set_role(store, user.id, Role::Admin).await?;
    tracing::info!(user_id = %user.id, "first administrator made with the set-up code");
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::normalised;

    #[test]
    fn a_copied_code_matches_whatever_its_case_spaces_and_dashes() {
        assert_eq!(normalised(" 0A1b2C3d-4e5f6a7b\n"), "0a1b2c3d4e5f6a7b");
        assert_eq!(normalised("0a1b 2c3d"), "0a1b2c3d");
    }
}
