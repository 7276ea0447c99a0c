//! Service health, the message centre and feedback end to end: the operator publishes incidents
//! that turn one tenant's workloads yellow or red and leave the others green, the tenant's
//! admins and partners follow them and a partner sees its worst customer first; messages carry
//! each reader's own marks; feedback is kept with who sent it and from where.

mod feedback;
mod incidents;
mod messages;

use serde_json::Value;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        incidents::an_incident_turns_one_tenants_mail_yellow_then_red_and_its_partner_sees_it_first,
        incidents::incidents_are_refused_with_the_field_named,
        messages::one_readers_marks_change_nothing_another_reader_sees,
        feedback::feedback_is_kept_with_who_sent_it_and_from_where,
    ]
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_owned()
}
