//! Security: sign-up cannot starve sign-in nor relay mail, tokens end with the
//! password and the account, nobody raises their own standing, a partner grants nothing beyond
//! its relationship, and others' guesses do not lock an owner out.

mod accounts;
mod limits;
mod partners;
mod signups;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        signups::forty_sign_ups_from_one_source_are_throttled_before_hashing_or_mail,
        signups::a_sign_up_flood_from_many_addresses_does_not_starve_sign_ins,
        signups::the_confirmation_mail_greets_only_by_a_plain_name,
        accounts::tokens_end_with_the_password_and_with_the_account,
        accounts::nobody_raises_their_own_standing,
        partners::a_partner_grants_no_role_beyond_its_relationship,
        accounts::guesses_from_elsewhere_do_not_lock_the_owner_out,
        accounts::recently_opened_people_follow_the_roles_held_now,
        accounts::answers_are_not_sniffed_framed_or_stored,
        partners::what_a_partner_created_is_shown_when_it_leaves_and_disabled_in_one_call,
        partners::a_customers_unverified_domain_blocks_nobody,
        partners::partner_people_sign_in_only_at_proved_domains_or_the_platform_one,
        limits::caps_per_owner_are_named_when_reached,
        limits::rates_per_owner_answer_429_with_the_wait,
        accounts::breached_passwords_are_refused_everywhere_a_password_is_chosen,
    ]
}

/// Every proxy on loopback is trusted, so a test can speak for many client addresses with
/// `X-Forwarded-For`, as a load balancer would.
const BEHIND_A_PROXY: (&str, &str) = ("TENANTRY_TRUSTED_PROXIES", "127.0.0.0/8");
