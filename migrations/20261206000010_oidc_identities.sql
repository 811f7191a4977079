-- Single sign-on: which account a person of an identity provider is. A person is named by the
-- provider's issuer URL and their subject there (never by email, which can change hands).
create table oidc_identities (
    issuer       text    not null,
    subject      text    not null,
    user_id      integer not null references users (id) on delete cascade,
    created_at   integer not null,
    last_seen_at integer not null,
    primary key (issuer, subject)
);

create index oidc_identities_user on oidc_identities (user_id);
