//! Admin pages: users (role, disable, delete, sign-in locks), invite links (copied or mailed),
//! site settings (registration, blind review, reviewer assignment), the mail outbox, the
//! "waiting longest" view, content status, the audit and the export. One file per page group;
//! the handlers are re-exported here for the route table.

mod audit;
mod invites;
mod mail;
mod site;
mod users;

pub use audit::{audit_page, export};
pub use invites::{MAX_INVITE_NOTE_CHARS, create_invite, invites_page, revoke_invite};
pub use mail::{mail_page, retry_mail, waiting_page};
pub use site::{content_page, reload_content, save_settings, settings_page};
pub use users::{
    delete_user, delete_user_page, set_author, set_role, set_status, sign_out_everywhere, unlock,
    users_page,
};
